#include "api/user_json.hpp"

#include <boost/json.hpp>

#include "util/time.hpp"

namespace crema::api {

namespace json = boost::json;

namespace {

// Stored JSON text back to a value; a row damaged by hand shows as the empty default rather
// than failing every read of the user.
json::value parse_or(const std::string& text, json::value fallback) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? fallback : v;
}

constexpr std::string_view kAddressSchema = R"json({
  "type": "object",
  "required": ["line1", "city"],
  "properties": {
    "label": {"type": "string", "maxLength": 50, "examples": ["home"]},
    "line1": {"type": "string", "maxLength": 200},
    "city": {"type": "string", "maxLength": 100},
    "notes": {"type": "string", "maxLength": 500}
  }
})json";

constexpr std::string_view kUserSchema = R"json({
  "type": "object",
  "required": ["id", "name", "email", "phone", "role", "addresses", "marketing_opt_in",
               "is_active", "two_factor_enabled", "metadata", "version", "created_at",
               "updated_at"],
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "name": {"type": "string"},
    "email": {"type": "string", "format": "email"},
    "phone": {"type": ["string", "null"]},
    "role": {"type": "string", "enum": ["admin", "manager", "staff", "driver", "customer"]},
    "addresses": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
    "marketing_opt_in": {"type": "boolean"},
    "is_active": {"type": "boolean"},
    "two_factor_enabled": {"type": "boolean"},
    "metadata": {"type": "object"},
    "version": {"type": "integer"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}
  }
})json";

}  // namespace

json::object user_json(const repo::UserRecord& u) {
  json::object o;
  o["id"] = u.id;
  o["name"] = u.name;
  o["email"] = u.email;
  if (u.phone) {
    o["phone"] = *u.phone;
  } else {
    o["phone"] = nullptr;
  }
  o["role"] = auth::role_name(u.role);
  o["addresses"] = parse_or(u.addresses_json, json::array{});
  o["marketing_opt_in"] = u.marketing_opt_in;
  o["is_active"] = u.is_active;
  o["two_factor_enabled"] = u.two_factor_enabled;
  o["metadata"] = parse_or(u.metadata_json, json::object{});
  o["version"] = u.version;
  o["created_at"] = util::format_rfc3339(u.created_at);
  o["updated_at"] = util::format_rfc3339(u.updated_at);
  return o;
}

void add_user_schemas(OpenApi& openapi) {
  openapi.add_schema("Address", kAddressSchema);
  openapi.add_schema("User", kUserSchema);
}

}  // namespace crema::api
