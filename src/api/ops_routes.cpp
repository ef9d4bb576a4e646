#include "api/ops_routes.hpp"

#include <boost/json.hpp>

#include "auth/crypto.hpp"
#include "obs/metrics.hpp"

#if defined(CREMA_HAVE_DOCS_UI)
extern "C" {
extern const char crema_swagger_bundle_js[];
extern const char crema_swagger_bundle_js_end[];
extern const char crema_swagger_css[];
extern const char crema_swagger_css_end[];
}
#endif

namespace crema::api {

namespace {

constexpr std::string_view kDocsHtml = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Crema API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
)";

constexpr std::string_view kDocsInit =
    "window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', "
    "deepLinking: true});\n";

// The docs page runs Swagger UI's own script and styles and nothing else.
constexpr std::string_view kDocsCsp =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

http::Response static_asset(std::string_view body, std::string content_type) {
  http::Response res(200, std::string(body), std::move(content_type));
  res.header("Cache-Control", "public, max-age=86400");
  res.header("Content-Security-Policy", std::string(kDocsCsp));
  return res;
}

constexpr std::string_view kHealthSchema = R"({
  "type": "object", "required": ["status"],
  "properties": {"status": {"type": "string", "const": "ok"}}
})";

constexpr std::string_view kReadySchema = R"({
  "type": "object", "required": ["status", "checks"],
  "properties": {
    "status": {"type": "string", "enum": ["ready", "unavailable"]},
    "checks": {"type": "object", "additionalProperties": {"type": "string"}}
  }
})";

http::Route health_route() {
  return {.method = http::Method::get,
          .pattern = "/health",
          .handler = [](http::Request&) { return http::Response(200, R"({"status":"ok"})"); },
          .offload = false,
          .rate_limited = false,
          .doc = {.summary = "Liveness: 200 while the process serves",
                  .tag = "operations",
                  .response_schema = "Health"}};
}

// SPEC §13: not for the public. With a token, only `Authorization: Bearer <token>` reads
// it (compared in constant time); the dispatcher reads no credentials here (the token is
// not a user's JWT).
http::Route metrics_route(std::shared_ptr<OpsContext> ctx) {
  return {.method = http::Method::get,
          .pattern = "/metrics",
          .handler =
              [ctx](http::Request& req) {
                if (!ctx->metrics_token.empty()) {
                  const auto header = req.header("authorization").value_or("");
                  constexpr std::string_view kBearer = "Bearer ";
                  const bool ok =
                      header.size() > kBearer.size() &&
                      header.substr(0, kBearer.size()) == kBearer &&
                      auth::constant_time_equal(header.substr(kBearer.size()), ctx->metrics_token);
                  if (!ok) {
                    auto res = http::Response::from(
                        ErrorCode::unauthorized,
                        "The metrics need Authorization: Bearer <CREMA_METRICS_TOKEN>.");
                    res.header("WWW-Authenticate", "Bearer realm=\"metrics\"");
                    return res;
                  }
                }
                return http::Response(200, ctx->metrics.render(),
                                      "text/plain; version=0.0.4; charset=utf-8");
              },
          .offload = false,
          .rate_limited = false,
          .credentials = false,
          .doc = {.summary = "Prometheus metrics",
                  .description = "With CREMA_METRICS_TOKEN set: `Authorization: Bearer "
                                 "<token>` (401 otherwise). With CREMA_METRICS_LISTEN set it is "
                                 "served on that listener only (here: 404).",
                  .tag = "operations",
                  .response_schema = R"({"type": "string"})",
                  .response_type = "text/plain",
                  .errors = {401}}};
}

}  // namespace

void register_metrics_routes(http::Router& router, std::shared_ptr<OpsContext> ctx) {
  router.add(health_route());
  router.add(metrics_route(std::move(ctx)));
}

void register_ops_routes(http::Router& router, OpenApi& openapi, std::shared_ptr<OpsContext> ctx) {
  openapi.add_schema("Health", kHealthSchema);
  openapi.add_schema("Readiness", kReadySchema);

  router.add(health_route());

  router.add({.method = http::Method::get,
              .pattern = "/ready",
              .handler =
                  [ctx](http::Request&) {
                    boost::json::object checks;
                    bool ready = true;
                    for (const auto& check : ctx->ready_checks) ready = check(checks) && ready;
                    boost::json::object body{{"status", ready ? "ready" : "unavailable"},
                                             {"checks", std::move(checks)}};
                    return http::Response::json(ready ? 200 : 503, body);
                  },
              .rate_limited = false,
              .doc = {.summary = "Readiness: database reachable, migrations current, Redis "
                                 "reachable when configured",
                      .tag = "operations",
                      .response_schema = "Readiness",
                      .responses = {{.status = 503,
                                     .schema = "Readiness",
                                     .description = "Not ready: the checks say which failed"}}}});

  if (!ctx->metrics_elsewhere) router.add(metrics_route(ctx));

  router.add({.method = http::Method::get,
              .pattern = "/openapi.json",
              .handler =
                  [ctx](http::Request&) {
                    http::Response res(200, *ctx->openapi_json);
                    res.header("Cache-Control", "public, max-age=300");
                    return res;
                  },
              .offload = false,
              .doc = {.summary = "This OpenAPI 3.1 document",
                      .tag = "operations",
                      .response_schema =
                          R"({"type": "object", "additionalProperties": true,
                              "description": "an OpenAPI 3.1 document"})"}});

#if defined(CREMA_HAVE_DOCS_UI)
  router.add({.method = http::Method::get,
              .pattern = "/docs",
              .handler =
                  [](http::Request&) {
                    auto res = static_asset(kDocsHtml, "text/html; charset=utf-8");
                    return res;
                  },
              .offload = false,
              .doc = {.summary = "Swagger UI over /openapi.json",
                      .tag = "operations",
                      .response_schema = R"({"type": "string"})",
                      .response_type = "text/html"}});
  router.add(
      {.method = http::Method::get,
       .pattern = "/docs/init.js",
       .handler =
           [](http::Request&) { return static_asset(kDocsInit, "text/javascript; charset=utf-8"); },
       .offload = false,
       .doc = {.summary = "Swagger UI start-up script",
               .tag = "operations",
               .response_schema = R"({"type": "string"})",
               .response_type = "text/javascript"}});
  router.add({.method = http::Method::get,
              .pattern = "/docs/swagger-ui-bundle.js",
              .handler =
                  [](http::Request&) {
                    return static_asset(
                        std::string_view(crema_swagger_bundle_js,
                                         crema_swagger_bundle_js_end - crema_swagger_bundle_js),
                        "text/javascript; charset=utf-8");
                  },
              .offload = false,
              .doc = {.summary = "Swagger UI script (swagger-ui-dist)",
                      .tag = "operations",
                      .response_schema = R"({"type": "string"})",
                      .response_type = "text/javascript"}});
  router.add({.method = http::Method::get,
              .pattern = "/docs/swagger-ui.css",
              .handler =
                  [](http::Request&) {
                    return static_asset(std::string_view(crema_swagger_css,
                                                         crema_swagger_css_end - crema_swagger_css),
                                        "text/css; charset=utf-8");
                  },
              .offload = false,
              .doc = {.summary = "Swagger UI styles (swagger-ui-dist)",
                      .tag = "operations",
                      .response_schema = R"({"type": "string"})",
                      .response_type = "text/css"}});
#endif
}

}  // namespace crema::api
