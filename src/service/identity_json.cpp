#include "service/identity_json.hpp"

#include <boost/json.hpp>

#include "util/time.hpp"

namespace crema::service {

namespace json = boost::json;

namespace {

// Stored JSON text back to a value; a row damaged by hand shows as the empty default rather
// than failing every read of it.
json::value parse_or(const std::string& text, const json::value& fallback) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? fallback : v;
}

json::value opt(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::value opt_time(const std::optional<std::int64_t>& ms) {
  return ms ? json::value(util::format_rfc3339(*ms)) : json::value(nullptr);
}

}  // namespace

json::object user_json(const repo::UserRecord& u) {
  json::object o;
  o["id"] = u.id;
  o["name"] = u.name;
  o["email"] = u.email;
  o["phone"] = opt(u.phone);
  o["role"] = auth::role_name(u.role);
  o["addresses"] = parse_or(u.addresses_json, json::array{});
  o["marketing_opt_in"] = u.marketing_opt_in;
  o["is_active"] = u.is_active;
  o["two_factor_enabled"] = u.two_factor_enabled;
  o["email_verified"] = u.email_verified;
  o["notify_channel"] = u.notify_channel;
  o["metadata"] = parse_or(u.metadata_json, json::object{});
  o["version"] = u.version;
  o["created_at"] = util::format_rfc3339(u.created_at);
  o["updated_at"] = util::format_rfc3339(u.updated_at);
  return o;
}

json::object api_key_json(const repo::ApiKeyRecord& k) {
  json::object o;
  o["id"] = k.id;
  o["name"] = k.name;
  o["prefix"] = k.key_prefix;
  o["scopes"] = parse_or(k.scopes_json, json::array{});
  o["tier"] = k.tier;
  o["created_by"] = opt(k.created_by);
  o["created_at"] = util::format_rfc3339(k.created_at);
  o["revoked_at"] = opt_time(k.revoked_at);
  o["expires_at"] = opt_time(k.expires_at);
  o["last_used_at"] = opt_time(k.last_used_at);
  return o;
}

json::object session_json(const repo::SessionRecord& s) {
  json::object o;
  o["id"] = s.id;
  o["created_at"] = util::format_rfc3339(s.created_at);
  o["last_used_at"] = util::format_rfc3339(s.last_used_at);
  o["expires_at"] = util::format_rfc3339(s.expires_at);
  o["revoked_at"] = opt_time(s.revoked_at);
  o["revoke_reason"] = opt(s.revoke_reason);
  o["ip"] = opt(s.ip);
  o["user_agent"] = opt(s.user_agent);
  return o;
}

}  // namespace crema::service
