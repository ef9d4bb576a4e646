#include <gtest/gtest.h>

#include <set>

#include <boost/json.hpp>

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
