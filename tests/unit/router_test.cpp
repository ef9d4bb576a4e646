#include <gtest/gtest.h>

#include "net/router.hpp"

namespace crema::http {
namespace {

Route route(Method m, std::string pattern) {
  Route r;
  r.method = m;
  r.pattern = std::move(pattern);
  r.handler = [](Request&) { return Response(200, "{}"); };
  r.doc.summary = "test";
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add(route(Method::get, "/health"));
    router_.add(route(Method::get, "/api/v1/orders"));
    router_.add(route(Method::post, "/api/v1/orders"));
    router_.add(route(Method::get, "/api/v1/orders/{id}"));
    router_.add(route(Method::put, "/api/v1/orders/{id}/status"));
    router_.add(route(Method::get, "/api/v1/inventory/low-stock"));
    router_.add(route(Method::get, "/api/v1/inventory/{id}"));
    router_.add(route(Method::del, "/api/v1/users/me"));
    router_.add(route(Method::get, "/api/v1/users/{id}"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
  auto m = router_.match(Method::get, "/health");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/health");
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouterTest, CapturesPathParameters) {
  auto m = router_.match(Method::put, "/api/v1/orders/0193a5b2/status");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/orders/{id}/status");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "0193a5b2");
}

TEST_F(RouterTest, LiteralSegmentsWinOverParameters) {
  auto m = router_.match(Method::get, "/api/v1/inventory/low-stock");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/inventory/low-stock");
  auto p = router_.match(Method::get, "/api/v1/inventory/flour");
  ASSERT_NE(p.route, nullptr);
  EXPECT_EQ(p.route->pattern, "/api/v1/inventory/{id}");
}

TEST_F(RouterTest, FallsBackToParameterWhenLiteralHasNoSuchMethod) {
  // DELETE /users/me is its own route; GET /users/me is GET /users/{id} with id "me".
  auto del = router_.match(Method::del, "/api/v1/users/me");
  ASSERT_NE(del.route, nullptr);
  EXPECT_EQ(del.route->pattern, "/api/v1/users/me");
  auto get = router_.match(Method::get, "/api/v1/users/me");
  ASSERT_NE(get.route, nullptr);
  EXPECT_EQ(get.route->pattern, "/api/v1/users/{id}");
  EXPECT_EQ(get.params[0].second, "me");
}

TEST_F(RouterTest, WrongMethodReportsAllowedMethods) {
  auto m = router_.match(Method::del, "/api/v1/orders");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_found());
  ASSERT_EQ(m.allowed.size(), 2u);
  EXPECT_NE(std::find(m.allowed.begin(), m.allowed.end(), Method::get), m.allowed.end());
  EXPECT_NE(std::find(m.allowed.begin(), m.allowed.end(), Method::post), m.allowed.end());
}

TEST_F(RouterTest, UnknownPathsDoNotMatch) {
  EXPECT_FALSE(router_.match(Method::get, "/nope").path_found());
  EXPECT_FALSE(router_.match(Method::get, "/api/v1/orders/1/2/3").path_found());
  EXPECT_FALSE(router_.match(Method::get, "/api/v1/orders//status").path_found());
  EXPECT_FALSE(router_.match(Method::get, "").path_found());
  EXPECT_FALSE(router_.match(Method::get, "health").path_found());
}

TEST_F(RouterTest, TrailingSlashIsADifferentPath) {
  EXPECT_FALSE(router_.match(Method::get, "/health/").path_found());
}

TEST_F(RouterTest, ARouteMayAnswerItsTrailingSlashTwin) {
  auto mount = route(Method::get, "/app");
  mount.trailing_slash = true;
  router_.add(std::move(mount));
  router_.add(route(Method::get, "/app/{page}"));
  EXPECT_EQ(router_.match(Method::get, "/app/").route, router_.match(Method::get, "/app").route);
  EXPECT_NE(router_.match(Method::head, "/app/").route, nullptr);
  EXPECT_FALSE(router_.match(Method::get, "/app/kitchen/").path_found()) << "only its own twin";
  EXPECT_FALSE(router_.match(Method::get, "/app//").path_found());
  auto post = router_.match(Method::post, "/app/");
  EXPECT_EQ(post.route, nullptr);
  EXPECT_FALSE(router_.match(Method::get, "/health/").path_found()) << "others have none";
}

TEST_F(RouterTest, HeadIsAnsweredByGet) {
  auto m = router_.match(Method::head, "/health");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, Method::get);
}

TEST_F(RouterTest, RejectsDuplicatesAndBadTemplates) {
  EXPECT_THROW(router_.add(route(Method::get, "/health")), std::logic_error);
  EXPECT_THROW(router_.add(route(Method::get, "health")), std::logic_error);
  EXPECT_THROW(router_.add(route(Method::get, "/a//b")), std::logic_error);
  EXPECT_THROW(router_.add(route(Method::get, "/api/v1/orders/{order_id}/items")),
               std::logic_error);
}

TEST(ApiAlias, UnversionedPrefixIsTheCurrentVersion) {
  EXPECT_EQ(resolve_api_alias("/api/orders"), "/api/v1/orders");
  EXPECT_EQ(resolve_api_alias("/api/orders/42/status"), "/api/v1/orders/42/status");
  EXPECT_EQ(resolve_api_alias("/api/v1/orders"), "/api/v1/orders");
  EXPECT_EQ(resolve_api_alias("/api/v1"), "/api/v1");
  EXPECT_EQ(resolve_api_alias("/api/v1x"), "/api/v1/v1x");
  EXPECT_EQ(resolve_api_alias("/health"), "/health");
  EXPECT_EQ(resolve_api_alias("/apiary"), "/apiary");
}

TEST(Methods, RoundTrip) {
  for (auto m : {Method::get, Method::head, Method::post, Method::put, Method::patch, Method::del,
                 Method::options})
    EXPECT_EQ(parse_method(method_name(m)), m);
  EXPECT_EQ(parse_method("BREW"), Method::other);
  EXPECT_EQ(parse_method("get"), Method::other);
}

}  // namespace
}  // namespace crema::http
