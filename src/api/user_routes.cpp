// GET /users, GET|PUT|DELETE /users/{id}, DELETE /users/me, GET /users/{id}/export (SPEC §3),
// POST /users/{id}/password-reset (SPEC §15.1).
#include <stdexcept>

#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/csv_export.hpp"
#include "api/identity_routes.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "api/user_fields.hpp"
#include "api/user_json.hpp"
#include "service/account_recovery.hpp"
#include "service/auth_service.hpp"
#include "service/user_service.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kUserUpdateSchema = R"json({
  "type": "object",
  "description": "Absent fields stay as they are. Only an admin may change role and is_active.",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "phone": {"type": ["string", "null"], "maxLength": 32},
    "addresses": {"type": "array", "maxItems": 10, "items": {"$ref": "#/components/schemas/Address"}},
    "marketing_opt_in": {"type": "boolean"},
    "notify_channel": {"type": "string", "enum": ["email", "sms", "both"], "description": "how order notifications reach the user: email, sms (to the phone) or both"},
    "metadata": {"type": "object", "additionalProperties": true, "description": "free JSON object, at most 4 KiB"},
    "role": {"type": "string", "enum": ["admin", "manager", "staff", "driver", "customer"]},
    "is_active": {"type": "boolean"},
    "version": {"type": "integer", "description": "or send If-Match: \"<version>\""}
  }
})json";

constexpr std::string_view kExportSchema = R"json({
  "type": "object",
  "required": ["format", "exported_at", "user_id", "user", "sessions", "api_keys", "audit_log"],
  "properties": {
    "format": {"type": "string", "const": "crema.user-export.v1"},
    "exported_at": {"type": "string", "format": "date-time"},
    "user_id": {"type": "string"},
    "user": {"type": "object", "additionalProperties": true, "description": "the account as stored, with its addresses and metadata"},
    "sessions": {"type": "array", "items": {"type": "object", "additionalProperties": true}},
    "api_keys": {"type": "array", "items": {"$ref": "#/components/schemas/ApiKey"}},
    "audit_log": {"type": "array", "items": {"type": "object", "additionalProperties": true}}
  },
  "additionalProperties": {"description": "one section per feature holding data about the user"}
})json";

// `me` stands for the caller's own id in the user paths.
std::string target_id(const Request& req) {
  std::string_view id = req.param("id");
  if (id == "me" && req.principal) return req.principal->user_id;
  return std::string(id);
}

Response no_such_user() { return Response::from(ErrorCode::not_found, "No such user."); }

const std::vector<std::string> kUserCsvHeader = {"id",
                                                 "name",
                                                 "email",
                                                 "phone",
                                                 "role",
                                                 "addresses",
                                                 "marketing_opt_in",
                                                 "is_active",
                                                 "two_factor_enabled",
                                                 "email_verified",
                                                 "metadata",
                                                 "version",
                                                 "created_at",
                                                 "updated_at"};

Response handle_list(IdentityApi& api, Request& req) {
  Query q(req);
  const bool csv = wants_csv(q);
  auto page = csv ? keyset_page(q, kCsvMaxPage, kCsvMaxPage) : keyset_page(q);
  repo::UserFilter f;
  f.limit = page.limit;
  f.before = page.after;
  if (auto role = q.one_of("role", {"admin", "manager", "staff", "driver", "customer"}))
    f.role = auth::parse_role(*role);
  f.query = q.text("q", 100);
  if (!q.ok()) return Response::from(q.error());
  if (csv) {
    // SPEC §15.5: the customer list's export is an admin's (personal data in bulk).
    if (!req.principal || req.principal->is_api_key() || req.principal->role != auth::Role::admin)
      return Response::from(ErrorCode::forbidden, "Only an admin may export users.");
    auto actor = actor_of(req);
    if (auto first = api.users->list(actor, f); !first) return Response::from(first.error());
    return csv_export(
        CsvExport<repo::UserRecord, repo::Keyset>{
            .filename = "users.csv",
            .header = kUserCsvHeader,
            .fetch =
                [users = api.users, actor, f](const std::optional<repo::Keyset>& after, int limit) {
                  auto filter = f;
                  filter.before = after;
                  filter.limit = limit;
                  auto out = users->list(actor, filter);
                  if (!out) throw std::runtime_error("users: " + out.error().message);
                  return std::move(*out);
                },
            .row =
                [](const repo::UserRecord& u) { return csv_cells(user_json(u), kUserCsvHeader); },
            .cursor_key = keyset_key},
        page.after, csv_limit(req, page.limit));
  }
  auto out = api.users->list(actor_of(req), f);
  if (!out) return Response::from(std::move(out).error());
  return Response::json(200, keyset_page_body(std::move(*out), user_json));
}

Response handle_update(IdentityApi& api, Request& req) {
  const std::string id = target_id(req);
  if (!util::is_uuid(id)) return no_such_user();
  Input in(req.json);
  auto version = expected_version(req, in);
  service::UserUpdate u;
  u.name = read_name(in, Need::optional);
  u.phone = read_phone(in);
  u.clear_phone = explicitly_null(req.json, "phone");
  u.addresses_json = read_addresses(in);
  u.marketing_opt_in = in.boolean({"marketing_opt_in", "marketingOptIn"}, Need::optional);
  u.notify_channel =
      in.one_of({"notify_channel", "notifyChannel"}, Need::optional, {"email", "sms", "both"});
  u.metadata_json = read_metadata(in);
  if (auto role =
          in.one_of("role", Need::optional, {"admin", "manager", "staff", "driver", "customer"}))
    u.role = auth::parse_role(*role);
  u.is_active = in.boolean({"is_active", "isActive"}, Need::optional);
  u.email = in.text("email", Need::optional, 1, 254);
  if (in.has("password")) in.issue("password", "cannot be changed here; use POST /auth/password");
  if (!in.ok()) return Response::from(in.error());
  auto out = api.users->update(actor_of(req), id, u, version);
  if (!out) return Response::from(std::move(out).error());
  Response res = Response::json(200, user_json(*out));
  res.header("ETag", "\"" + std::to_string(out->version) + "\"");
  return res;
}

Response erase(IdentityApi& api, Request& req, const std::string& id) {
  if (!util::is_uuid(id)) return no_such_user();
  // Erasing one's own account (the right to erasure, or an admin leaving) needs the current
  // password in the body, unless the sign-in is under 5 minutes old.
  if (req.principal && !req.principal->is_api_key() && req.principal->user_id == id) {
    std::optional<std::string> password;
    if (!req.json.is_null()) {
      Input in(req.json);
      password = in.text("password", Need::optional, 1, 1024);
      if (!in.ok()) return Response::from(in.error());
    }
    auto confirmed = api.auth->confirm_identity(actor_of(req), password);
    if (!confirmed) return Response::from(std::move(confirmed).error());
  }
  auto out = api.users->erase(actor_of(req), id);
  if (!out) return Response::from(std::move(out).error());
  return Response::no_content();
}

}  // namespace

void register_user_routes(http::Router& router, OpenApi& openapi,
                          std::shared_ptr<IdentityApi> api) {
  openapi.add_schema("UserUpdate", kUserUpdateSchema);
  openapi.add_page_schema("UserList", "User");
  openapi.add_schema("UserExport", kExportSchema);
  openapi.add_schema("EraseConfirmation", R"json({
    "type": "object",
    "description": "optional body: needed when the sign-in is more than 5 minutes old",
    "properties": {"password": {"type": "string", "minLength": 1, "maxLength": 1024}}
  })json");

  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/users",
       .handler = [api](Request& req) { return handle_list(*api, req); },
       .access = auth::Access::manager_plus(),
       .doc = {
           .summary = "List users (managers and admins), newest first; CSV for admins",
           .tag = "users",
           .response_schema = "UserList",
           .query = {{.name = "role", .description = "admin, manager, staff, driver or customer"},
                     {.name = "q", .description = "part of the name or email"},
                     {.name = "limit",
                      .type = "integer",
                      .description = "JSON: 1 to 200 (default 50); CSV: 1 to 10000 rows in one "
                                     "page, absent: every user streamed"},
                     {.name = "cursor",
                      .description = "next_cursor (CSV: X-Next-Cursor) of the previous page"},
                     {.name = "format",
                      .description = "json (default) or csv (admin only; text/csv)",
                      .values = {"json", "csv"}}},
           .csv = true}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/users/{id}",
              .handler =
                  [api](Request& req) {
                    const std::string id = target_id(req);
                    if (!util::is_uuid(id)) return no_such_user();
                    auto out = api->users->get(actor_of(req), id);
                    if (!out) return Response::from(std::move(out).error());
                    Response res = Response::json(200, user_json(*out));
                    res.header("ETag", "\"" + std::to_string(out->version) + "\"");
                    return res;
                  },
              .access = auth::Access::any_user(),
              .doc = {.summary = "A user: yourself (or `me`), or anyone for managers and admins",
                      .tag = "users",
                      .response_schema = "User"}});
  router.add({.method = Method::put,
              .pattern = "/api/v1/users/{id}",
              .handler = [api](Request& req) { return handle_update(*api, req); },
              .access = auth::Access::any_user(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Update a user: yourself, or anyone for admins (only admins "
                                 "change role and is_active)",
                      .tag = "users",
                      .request_schema = "UserUpdate",
                      .response_schema = "User",
                      .errors = {409},
                      .headers = {"If-Match"}}});
  router.add(
      {.method = Method::del,
       .pattern = "/api/v1/users/{id}",
       .handler = [api](Request& req) { return erase(*api, req, target_id(req)); },
       .access = auth::Access::admin(),
       .body = http::BodyKind::json,
       .doc = {.summary = "Erase an account: deactivate, anonymise, end its sessions (orders "
                          "are kept for the books)",
               .description = "An admin erasing their own account confirms it as DELETE "
                              "/users/me does.",
               .tag = "users",
               .request_schema = "EraseConfirmation",
               .success_status = 204,
               .body_optional = true,
               .errors = {409}}});
  router.add({.method = Method::del,
              .pattern = "/api/v1/users/me",
              .handler = [api](Request& req) { return erase(*api, req, req.principal->user_id); },
              .access = auth::Access::any_user(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Erase your own account (right to erasure)",
                      .description =
                          "Needs `{\"password\": <current password>}` (a wrong one counts toward "
                          "the sign-in lockout), unless this session signed in within the last "
                          "5 minutes; otherwise 422 on `password`.",
                      .tag = "users",
                      .request_schema = "EraseConfirmation",
                      .success_status = 204,
                      .body_optional = true,
                      .errors = {409}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/users/{id}/password-reset",
              .handler =
                  [api](Request& req) {
                    const std::string id = target_id(req);
                    if (!util::is_uuid(id)) return no_such_user();
                    auto out = api->recovery->send_reset(actor_of(req), id);
                    if (!out) return Response::from(std::move(out).error());
                    return Response::json(
                        202, json::object{{"message",
                                           "A password reset link is on its way to the "
                                           "account's own email (or phone)."}});
                  },
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Send a user a password reset link (managers and admins)",
                      .description = "The link goes to the account's own address only: nobody "
                                     "reads or sets another person's password. At most 3 reset "
                                     "mails per account per hour (429 past that). Audited.",
                      .tag = "users",
                      .response_schema = "Accepted",
                      .success_status = 202,
                      .errors = {409, 429}}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/users/{id}/export",
              .handler =
                  [api](Request& req) {
                    const std::string id = target_id(req);
                    if (!util::is_uuid(id)) return no_such_user();
                    auto out = api->users->export_user(actor_of(req), id);
                    if (!out) return Response::from(std::move(out).error());
                    Response res = Response::json(200, *out);
                    res.header("Content-Disposition",
                               "attachment; filename=\"crema-user-" + id + ".json\"");
                    return res;
                  },
              .access = auth::Access::any_user(),
              .doc = {.summary = "Everything held about a user, as one JSON document (yourself "
                                 "or admins)",
                      .tag = "users",
                      .response_schema = "UserExport"}});
}

}  // namespace crema::api
