// POST /api-keys, GET /api-keys, DELETE /api-keys/{id} (SPEC §3; admin).
#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/identity_routes.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "repo/keyset.hpp"
#include "service/api_key_service.hpp"
#include "service/identity_json.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;
using service::api_key_json;

namespace {

constexpr std::string_view kCreateSchema = R"json({
  "type": "object",
  "required": ["name", "scopes"],
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 100},
    "scopes": {"type": "array", "minItems": 1, "uniqueItems": true,
               "items": {"type": "string",
                         "enum": ["menu:read", "orders:read", "orders:write", "inventory:read", "deliveries:write"]}},
    "tier": {"type": "string", "enum": ["standard", "partner"],
             "description": "standard (when left out): 600 requests per minute; partner: 6000"},
    "expires_at": {"type": "string", "format": "date-time",
                   "description": "optional; in the future: from then on the key answers 401"}
  }
})json";

constexpr std::string_view kKeySchema = R"json({
  "type": "object",
  "required": ["id", "name", "prefix", "scopes", "tier", "created_by", "created_at", "revoked_at",
               "expires_at", "last_used_at"],
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "name": {"type": "string"},
    "prefix": {"type": "string", "description": "the first characters of the key"},
    "scopes": {"type": "array", "items": {"type": "string"}},
    "tier": {"type": "string", "enum": ["standard", "partner"]},
    "created_by": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "revoked_at": {"type": ["string", "null"], "format": "date-time"},
    "expires_at": {"type": ["string", "null"], "format": "date-time"},
    "last_used_at": {"type": ["string", "null"], "format": "date-time",
                     "description": "the last request made with the key, to the minute"}
  }
})json";

constexpr std::string_view kCreatedSchema = R"json({
  "allOf": [
    {"$ref": "#/components/schemas/ApiKey"},
    {"type": "object", "required": ["key"],
     "properties": {"key": {"type": "string", "description": "the key, shown this once only; send it as X-API-Key"}}}
  ]
})json";

}  // namespace

void register_api_key_routes(http::Router& router, OpenApi& openapi,
                             std::shared_ptr<IdentityApi> api) {
  openapi.add_schema("ApiKeyCreate", kCreateSchema);
  openapi.add_schema("ApiKey", kKeySchema);
  openapi.add_schema("ApiKeyCreated", kCreatedSchema);
  openapi.add_page_schema("ApiKeyList", "ApiKey");

  router.add({.method = Method::post,
              .pattern = "/api/v1/api-keys",
              .handler =
                  [api](Request& req) {
                    Input in(req.json);
                    auto name = in.text("name", Need::required, 1, 100);
                    std::vector<std::string> scopes;
                    if (const auto* list = in.array("scopes", Need::required, 1,
                                                    std::size(service::kApiKeyScopes))) {
                      for (std::size_t i = 0; i < list->size(); ++i) {
                        const auto& v = (*list)[i];
                        const std::string path = "scopes[" + std::to_string(i) + "]";
                        bool known = false;
                        if (v.is_string())
                          for (auto s : service::kApiKeyScopes)
                            known = known || v.get_string() == s;
                        if (!known) {
                          in.issue_at(path,
                                      "must be one of: menu:read, orders:read, orders:write, "
                                      "inventory:read, deliveries:write");
                        } else if (std::find(scopes.begin(), scopes.end(), v.get_string()) !=
                                   scopes.end()) {
                          in.issue_at(path, "is listed twice");
                        } else {
                          scopes.emplace_back(v.get_string());
                        }
                      }
                    }
                    auto tier = in.one_of("tier", Need::optional, {"standard", "partner"});
                    std::optional<std::int64_t> expires_at;
                    if (auto text = in.text("expires_at", Need::optional, 1, 64)) {
                      expires_at = util::parse_rfc3339(*text);
                      if (!expires_at) {
                        in.issue("expires_at", "must be an RFC 3339 time");
                      } else if (*expires_at <= util::now_ms()) {
                        in.issue("expires_at", "must be in the future");
                      }
                    }
                    if (!in.ok()) return Response::from(in.error());
                    auto out = api->api_keys->create(actor_of(req), *name, scopes,
                                                     tier.value_or("standard"), expires_at);
                    if (!out) return Response::from(std::move(out).error());
                    json::object body = api_key_json(out->record);
                    body["key"] = out->key;
                    Response res = Response::json(201, body);
                    res.header("Location", "/api/v1/api-keys/" + out->record.id);
                    return res;
                  },
              .access = auth::Access::admin(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Create a partner API key (the key is shown once)",
                      .tag = "api-keys",
                      .request_schema = "ApiKeyCreate",
                      .response_schema = "ApiKeyCreated",
                      .success_status = 201}});

  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/api-keys",
       .handler =
           [api](Request& req) {
             Query q(req);
             auto page = keyset_page(q);
             if (!q.ok()) return Response::from(q.error());
             auto out = api->api_keys->list(actor_of(req), page.after, page.limit);
             if (!out) return Response::from(std::move(out).error());
             return Response::json(200, keyset_page_body(std::move(*out), api_key_json));
           },
       .access = auth::Access::admin(),
       .doc = {
           .summary = "List API keys (never the keys themselves)",
           .tag = "api-keys",
           .response_schema = "ApiKeyList",
           .query = {{.name = "limit", .type = "integer", .description = "1 to 200, default 50"},
                     {.name = "cursor", .description = "next_cursor of the previous page"}}}});

  router.add({.method = Method::del,
              .pattern = "/api/v1/api-keys/{id}",
              .handler =
                  [api](Request& req) {
                    const std::string_view id = req.param("id");
                    if (!util::is_uuid(id))
                      return Response::from(ErrorCode::not_found, "No such API key.");
                    auto out = api->api_keys->revoke(actor_of(req), id);
                    if (!out) return Response::from(std::move(out).error());
                    return Response::no_content();
                  },
              .access = auth::Access::admin(),
              .doc = {.summary = "Revoke an API key", .tag = "api-keys", .success_status = 204}});
}

}  // namespace crema::api
