#include "api/user_json.hpp"

namespace crema::api {

namespace {

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
               "is_active", "two_factor_enabled", "email_verified", "notify_channel", "metadata",
               "version", "created_at", "updated_at"],
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
    "email_verified": {"type": "boolean", "description": "the link of the verify_email mail was opened (POST /auth/verify-email)"},
    "notify_channel": {"type": "string", "enum": ["email", "sms", "both"], "description": "how order notifications reach the user (SPEC §15.1): email; sms to the phone (by email while there is none); or both"},
    "metadata": {"type": "object", "additionalProperties": true, "description": "the client's own free JSON"},
    "version": {"type": "integer"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}
  }
})json";

}  // namespace

void add_user_schemas(OpenApi& openapi) {
  openapi.add_schema("Address", kAddressSchema);
  openapi.add_schema("User", kUserSchema);
}

}  // namespace crema::api
