#include <functional>
#include <set>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api/routes.hpp"
#include "obs/metrics.hpp"

namespace crema::api {
namespace {

namespace json = boost::json;

// Builds the application's real route table, as the server does.
struct RealRoutes {
  obs::Metrics metrics;
  http::Router router;
  OpenApi openapi;
  AppServices services{std::make_shared<OpsContext>(OpsContext{metrics, {}, nullptr})};
  RealRoutes() { register_all_routes(router, openapi, services); }
};

TEST(OpenApi, DocumentsEveryRouteOfTheServer) {
  RealRoutes app;
  const json::object doc = app.openapi.document(app.router);
  EXPECT_EQ(doc.at("openapi"), "3.1.0");
  const auto& paths = doc.at("paths").as_object();
  std::set<std::string> operation_ids;
  ASSERT_FALSE(app.router.routes().empty());
  for (const auto& r : app.router.routes()) {
    ASSERT_TRUE(paths.contains(r->pattern)) << r->pattern;
    std::string method(http::method_name(r->method));
    for (auto& c : method) c = static_cast<char>(c | 0x20);
    const auto& item = paths.at(r->pattern).as_object();
    ASSERT_TRUE(item.contains(method)) << method << " " << r->pattern;
    const auto& op = item.at(method).as_object();
    EXPECT_FALSE(op.at("summary").as_string().empty());
    EXPECT_TRUE(op.at("responses").as_object().contains("500"));
    EXPECT_TRUE(operation_ids.insert(std::string(op.at("operationId").as_string())).second)
        << "duplicate operationId " << op.at("operationId");
    if (!r->access.is_public) {
      EXPECT_FALSE(op.at("security").as_array().empty()) << r->pattern;
    }
  }
  for (const char* must : {"/health", "/ready", "/metrics", "/openapi.json"})
    EXPECT_TRUE(paths.contains(must)) << must;
}

TEST(OpenApi, PathParametersAreDeclared) {
  http::Router router;
  http::Route r;
  r.method = http::Method::get;
  r.pattern = "/api/v1/orders/{id}";
  r.handler = [](http::Request&) { return http::Response(200, "{}"); };
  r.doc.summary = "Get an order";
  r.doc.query = {{.name = "expand", .type = "string", .description = "what to expand"}};
  router.add(std::move(r));
  OpenApi api;
  auto doc = api.document(router);
  const auto& op = doc.at("paths").at("/api/v1/orders/{id}").at("get").as_object();
  const auto& params = op.at("parameters").as_array();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].at("name"), "id");
  EXPECT_EQ(params[0].at("in"), "path");
  EXPECT_EQ(params[0].at("required"), true);
  EXPECT_EQ(params[1].at("in"), "query");
  EXPECT_TRUE(op.at("responses").as_object().contains("404"));
}

TEST(OpenApi, RoutesWithoutSummaryAreRefused) {
  http::Router router;
  http::Route r;
  r.method = http::Method::get;
  r.pattern = "/x";
  r.handler = [](http::Request&) { return http::Response(200, "{}"); };
  router.add(std::move(r));
  OpenApi api;
  EXPECT_THROW(api.document(router), std::logic_error);
}

}  // namespace
}  // namespace crema::api

namespace crema::api {
namespace {

// A schema (or a response's schema) of the real document, by JSON pointer.
const json::value& at(const json::value& doc, std::string_view pointer) {
  return doc.at_pointer(pointer);
}

// Every object schema in `v` that declares neither properties nor additionalProperties
// (generated as Record<string, never> by openapi-typescript: unreadable, unwritable).
void closed_empty_objects(const json::value& v, const std::string& where,
                          std::vector<std::string>& out) {
  if (v.is_object()) {
    const auto& o = v.get_object();
    bool object_type = false;
    if (const auto* t = o.if_contains("type")) {
      if (t->is_string()) object_type = t->get_string() == "object";
      if (t->is_array())
        for (const auto& e : t->get_array()) object_type = object_type || e == "object";
    }
    if (object_type && !o.contains("properties") && !o.contains("additionalProperties") &&
        !o.contains("$ref") && !o.contains("oneOf") && !o.contains("anyOf"))
      out.push_back(where);
    for (const auto& [k, e] : o) closed_empty_objects(e, where + "/" + std::string(k), out);
  } else if (v.is_array()) {
    std::size_t i = 0;
    for (const auto& e : v.get_array())
      closed_empty_objects(e, where + "/" + std::to_string(i++), out);
  }
}

// What typed clients need of the document (issue 18).
TEST(OpenApi, TheRealDocumentIsWhatTypedClientsNeed) {
  RealRoutes app;
  const json::value doc = app.openapi.document(app.router);
  auto header_params = [&](std::string_view path, std::string_view method) {
    std::set<std::string> names;
    const auto& op = doc.at("paths").at(path).at(method).as_object();
    if (const auto* ps = op.if_contains("parameters"))
      for (const auto& p : ps->as_array()) {
        const json::value* param = &p;
        if (const auto* ref = p.as_object().if_contains("$ref"))
          param = &doc.at_pointer(std::string(ref->as_string()).substr(1));
        if (param->at("in") == "header") names.insert(std::string(param->at("name").as_string()));
      }
    return names;
  };
  EXPECT_TRUE(header_params("/api/v1/orders", "post").contains("Idempotency-Key"));
  EXPECT_TRUE(header_params("/api/v1/payments/checkout", "post").contains("Idempotency-Key"));
  EXPECT_TRUE(header_params("/api/v1/payments/{transaction_id}/refund", "post")
                  .contains("Idempotency-Key"));
  for (auto [path, method] : {std::pair{"/api/v1/orders/{id}/status", "put"},
                              {"/api/v1/orders/{id}", "delete"},
                              {"/api/v1/products/{id}", "put"},
                              {"/api/v1/menu/items/{id}", "put"},
                              {"/api/v1/inventory/{id}", "put"},
                              {"/api/v1/users/{id}", "put"},
                              {"/api/v1/drivers/{id}", "put"}})
    EXPECT_TRUE(header_params(path, method).contains("If-Match")) << method << " " << path;
  EXPECT_TRUE(header_params("/api/v1/menu", "get").contains("If-None-Match"));
  EXPECT_TRUE(
      doc.at("paths").at("/api/v1/menu").at("get").at("responses").as_object().contains("304"));

  // Every route with ?format= answers text/csv too.
  int csv_routes = 0;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, op] : item.as_object())
      for (const auto& p : op.as_object().if_contains("parameters") ? op.at("parameters").as_array()
                                                                    : json::array{})
        if (p.as_object().if_contains("name") && p.at("name") == "format") {
          ++csv_routes;
          EXPECT_TRUE(op.at("responses").at("200").at("content").as_object().contains("text/csv"))
              << method << " " << path;
        }
  EXPECT_GE(csv_routes, 9);  // the seven reports, the audit log, the admin orders

  const auto& media = at(doc, "/paths/~1api~1v1~1media~1{key}/get/responses/200/content");
  for (const char* t : {"image/jpeg", "image/png", "image/webp"})
    EXPECT_TRUE(media.as_object().contains(t)) << t;

  // is_pickup has no default (generators would make it required); history has its reason;
  // a delivery assignment names a driver profile.
  const auto& pickup = at(doc, "/components/schemas/OrderInput/properties/is_pickup");
  EXPECT_FALSE(pickup.as_object().contains("default"));
  EXPECT_TRUE(at(doc, "/components/schemas/Order/properties/history/items/properties")
                  .as_object()
                  .contains("reason"));
  EXPECT_NE(at(doc, "/components/schemas/DeliveryAssignment/properties/driver_id/description")
                .as_string()
                .find("profile"),
            std::string::npos);
  for (const char* p :
       {"/components/schemas/CheckoutResult/properties/next_action/properties/client_secret",
        "/components/schemas/Order/properties/customer_info/properties/name",
        "/components/schemas/Order/properties/delivery_info/properties/address"})
    EXPECT_NO_THROW(at(doc, p)) << p;

  // No `default` in a request schema: openapi-typescript makes such a field required, so a
  // client would have to send what the server fills in itself (is_pickup's old default).
  std::vector<std::string> defaults;
  std::function<void(const json::value&, const std::string&)> find_defaults =
      [&](const json::value& v, const std::string& where) {
        if (v.is_object()) {
          for (const auto& [k, e] : v.get_object()) {
            if (k == "default" && !e.is_object()) defaults.push_back(where);
            find_defaults(e, where + "/" + std::string(k));
          }
        } else if (v.is_array()) {
          for (const auto& e : v.get_array()) find_defaults(e, where + "/[]");
        }
      };
  find_defaults(doc.at("components").at("schemas"), "#/components/schemas");
  for (const auto& d : defaults) ADD_FAILURE() << d << " has a default";

  std::vector<std::string> empty;
  closed_empty_objects(doc.at("components"), "#/components", empty);
  closed_empty_objects(doc.at("paths"), "#/paths", empty);
  for (const auto& e : empty) ADD_FAILURE() << e << ": an object schema without properties";
}

}  // namespace
}  // namespace crema::api
