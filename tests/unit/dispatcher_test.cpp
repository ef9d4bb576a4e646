#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "db/types.hpp"
#include "net/dispatcher.hpp"
#include "obs/metrics.hpp"

namespace crema::http {
namespace {

namespace json = boost::json;

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Route echo;
    echo.method = Method::post;
    echo.pattern = "/api/v1/echo";
    echo.body = BodyKind::json;
    echo.handler = [](Request& r) { return Response::json(201, r.json); };
    echo.doc.summary = "echo";
    router_.add(std::move(echo));

    Route image;
    image.method = Method::post;
    image.pattern = "/api/v1/images";
    image.body = BodyKind::raw;
    image.content_types = {"image/png", "image/jpeg"};
    image.handler = [](Request& r) { return Response(201, std::to_string(r.body.size())); };
    image.doc.summary = "image";
    router_.add(std::move(image));

    Route boom;
    boom.method = Method::get;
    boom.pattern = "/api/v1/boom/{kind}";
    boom.handler = [](Request& r) -> Response {
      if (r.param("kind") == "db") throw db::Error(db::Error::Kind::unavailable, "gone");
      if (r.param("kind") == "sql") throw db::Error(db::Error::Kind::other, "syntax", "42601");
      throw std::runtime_error("secret internals");
    };
    boom.doc.summary = "boom";
    router_.add(std::move(boom));

    Route staff;
    staff.method = Method::get;
    staff.pattern = "/api/v1/staff-only";
    staff.access = auth::Access::staff_plus();
    staff.handler = [](Request&) { return Response(200, "{}"); };
    staff.doc.summary = "staff";
    router_.add(std::move(staff));

    // SPEC §15.1: a route an X-Order-Token opens, and one open to callers without any
    // credentials (the service decides).
    Route guest_read;
    guest_read.method = Method::get;
    guest_read.pattern = "/api/v1/guest-read";
    guest_read.access = auth::Access::any_user().with_order_token();
    guest_read.handler = [](Request& r) {
      return Response(200, r.principal && r.principal->is_guest() ? "guest" : "user");
    };
    guest_read.doc.summary = "guest read";
    router_.add(std::move(guest_read));
    Route open_order;
    open_order.method = Method::get;
    open_order.pattern = "/api/v1/open-order";
    open_order.access = auth::Access::staff_plus().with_anonymous();
    open_order.handler = [](Request& r) {
      return Response(200, r.principal ? "someone" : "nobody");
    };
    open_order.doc.summary = "open order";
    router_.add(std::move(open_order));

    std::vector<std::unique_ptr<Middleware>> chain;
    chain.push_back(std::make_unique<RequestIdMiddleware>());
    chain.push_back(std::make_unique<SecurityHeadersMiddleware>());
    chain.push_back(
        std::make_unique<CorsMiddleware>(std::vector<std::string>{"https://shop.example"}));
    chain.push_back(std::make_unique<MetricsMiddleware>(metrics_));
    dispatcher_ = std::make_unique<Dispatcher>(router_, std::move(chain));
  }

  // Runs a request through all three phases, as the HTTP session does.
  Response run(Method m, std::string path, std::string body = {},
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers_ = std::move(headers);
    Request req;
    req.method = m;
    req.path = std::move(path);
    req.body = std::move(body);
    req.client_ip = "127.0.0.1";
    for (const auto& [n, v] : headers_) req.headers.emplace_back(n, v);
    Match match = router_.match(m, req.path);
    Exchange ex{req, match, std::chrono::steady_clock::now()};
    Response res;
    if (auto early = dispatcher_->prepare(ex)) {
      res = std::move(*early);
    } else {
      res = dispatcher_->invoke(ex);
    }
    dispatcher_->finish(ex, res);
    last_request_id_ = req.request_id;
    return res;
  }

  static std::string header(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers)
      if (n == name) return v;
    return {};
  }

  static json::object error_of(const Response& r) {
    return json::parse(r.body).as_object().at("error").as_object();
  }

  obs::Metrics metrics_;
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string last_request_id_;
};

TEST_F(DispatcherTest, HandlesJsonBodies) {
  auto r = run(Method::post, "/api/v1/echo", R"({"a":[1,2]})",
               {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"a":[1,2]})"));
}

TEST_F(DispatcherTest, MalformedJsonIs400WithTheErrorShape) {
  auto r = run(Method::post, "/api/v1/echo", R"({"a":)", {{"content-type", "application/json"}});
  EXPECT_EQ(r.status, 400);
  auto e = error_of(r);
  EXPECT_EQ(e.at("code"), "bad_request");
  EXPECT_EQ(e.at("request_id").as_string(), last_request_id_);
  EXPECT_EQ(header(r, "X-Request-Id"), last_request_id_);
  EXPECT_TRUE(e.at("details").is_array());
}

TEST_F(DispatcherTest, WrongContentTypeIs415) {
  auto r = run(Method::post, "/api/v1/echo", "a=1",
               {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_of(r).at("code"), "unsupported_media_type");
  auto missing = run(Method::post, "/api/v1/echo", "{}");
  EXPECT_EQ(missing.status, 415);
  auto suffix =
      run(Method::post, "/api/v1/echo", "{}", {{"Content-Type", "application/merge-patch+json"}});
  EXPECT_EQ(suffix.status, 201);
}

TEST_F(DispatcherTest, RawRoutesCheckTheirContentTypes) {
  EXPECT_EQ(run(Method::post, "/api/v1/images", "PNG", {{"Content-Type", "image/png"}}).status,
            201);
  EXPECT_EQ(run(Method::post, "/api/v1/images", "GIF", {{"Content-Type", "image/gif"}}).status,
            415);
}

TEST_F(DispatcherTest, UnknownRouteIs404AndWrongMethodIs405WithAllow) {
  auto nf = run(Method::get, "/api/v1/nothing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(error_of(nf).at("code"), "not_found");
  auto na = run(Method::get, "/api/v1/echo");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(error_of(na).at("code"), "method_not_allowed");
  EXPECT_EQ(header(na, "Allow"), "POST");
}

TEST_F(DispatcherTest, InfrastructureFaultsBecome503Or500WithoutLeaking) {
  auto db = run(Method::get, "/api/v1/boom/db");
  EXPECT_EQ(db.status, 503);
  EXPECT_EQ(error_of(db).at("code"), "unavailable");
  EXPECT_EQ(header(db, "Retry-After"), "1");
  auto sql = run(Method::get, "/api/v1/boom/sql");
  EXPECT_EQ(sql.status, 500);
  EXPECT_EQ(sql.body.find("syntax"), std::string::npos);
  auto other = run(Method::get, "/api/v1/boom/x");
  EXPECT_EQ(other.status, 500);
  EXPECT_EQ(error_of(other).at("code"), "internal");
  EXPECT_EQ(other.body.find("secret internals"), std::string::npos);
}

TEST_F(DispatcherTest, ProtectedRoutesNeedAPrincipal) {
  auto r = run(Method::get, "/api/v1/staff-only");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_of(r).at("code"), "unauthorized");
}

class FixedAuthenticator : public Authenticator {
 public:
  explicit FixedAuthenticator(auth::Role role) : role_(role) {}
  Result<std::optional<auth::Principal>> authenticate(const Request& req) override {
    if (!req.header("authorization")) return std::optional<auth::Principal>{};
    if (req.header("authorization") == "Bearer bad")
      return Error::make(ErrorCode::unauthorized, "bad token");
    auth::Principal p;
    p.user_id = "u1";
    p.role = role_;
    return std::optional<auth::Principal>{p};
  }

 private:
  auth::Role role_;
};

TEST_F(DispatcherTest, RolesAreEnforcedFromTheRouteTable) {
  FixedAuthenticator customer(auth::Role::customer);
  dispatcher_->set_authenticator(&customer);
  EXPECT_EQ(run(Method::get, "/api/v1/staff-only", {}, {{"Authorization", "Bearer x"}}).status,
            403);
  EXPECT_EQ(run(Method::get, "/api/v1/staff-only", {}, {{"Authorization", "Bearer bad"}}).status,
            401);
  FixedAuthenticator staff(auth::Role::staff);
  dispatcher_->set_authenticator(&staff);
  EXPECT_EQ(run(Method::get, "/api/v1/staff-only", {}, {{"Authorization", "Bearer x"}}).status,
            200);
  dispatcher_->set_authenticator(nullptr);
}

// A guest (an X-Order-Token holder) for the order "o1", when X-Order-Token is sent.
class GuestAuthenticator : public Authenticator {
 public:
  Result<std::optional<auth::Principal>> authenticate(const Request& req) override {
    if (!req.header("x-order-token")) return std::optional<auth::Principal>{};
    auth::Principal p;
    p.order_id = "o1";
    return std::optional<auth::Principal>{p};
  }
};

TEST_F(DispatcherTest, AnOrderTokenOpensOnlyTheRoutesThatTakeOneAndAnonymousIsOptIn) {
  GuestAuthenticator guests;
  dispatcher_->set_authenticator(&guests);
  const std::vector<std::pair<std::string, std::string>> token = {{"X-Order-Token", "t"}};
  auto read = run(Method::get, "/api/v1/guest-read", {}, token);
  EXPECT_EQ(read.status, 200);
  EXPECT_EQ(read.body, "guest");
  // Anywhere else it is 401, not 403: an order token is no account of any role.
  EXPECT_EQ(run(Method::get, "/api/v1/staff-only", {}, token).status, 401);
  EXPECT_EQ(run(Method::get, "/api/v1/open-order", {}, token).status, 401);
  EXPECT_EQ(run(Method::post, "/api/v1/echo", "{}",
                {{"Content-Type", "application/json"}, {"X-Order-Token", "t"}})
                .status,
            401)
      << "public routes too";
  // Without credentials: a route with anonymous lets the request through, others 401.
  auto nobody = run(Method::get, "/api/v1/open-order");
  EXPECT_EQ(nobody.status, 200);
  EXPECT_EQ(nobody.body, "nobody");
  EXPECT_EQ(run(Method::get, "/api/v1/guest-read").status, 401);
  dispatcher_->set_authenticator(nullptr);
}

TEST_F(DispatcherTest, SecurityHeadersOnEveryResponse) {
  for (const auto& r :
       {run(Method::get, "/api/v1/nothing"),
        run(Method::post, "/api/v1/echo", "{}", {{"Content-Type", "application/json"}})}) {
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(r, "Referrer-Policy"), "no-referrer");
    EXPECT_NE(header(r, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_TRUE(header(r, "Strict-Transport-Security").empty());
  }
}

TEST_F(DispatcherTest, RequestIdsAreAcceptedOnlyWhenWellFormed) {
  auto r = run(Method::get, "/api/v1/nothing", {}, {{"X-Request-Id", "abc-123_x.y"}});
  EXPECT_EQ(header(r, "X-Request-Id"), "abc-123_x.y");
  auto bad = run(Method::get, "/api/v1/nothing", {}, {{"X-Request-Id", "<script>"}});
  EXPECT_NE(header(bad, "X-Request-Id"), "<script>");
  EXPECT_FALSE(header(bad, "X-Request-Id").empty());
  EXPECT_NE(RequestIdMiddleware::generate(), RequestIdMiddleware::generate());
}

TEST_F(DispatcherTest, CorsAllowlist) {
  auto ok = run(Method::get, "/api/v1/nothing", {}, {{"Origin", "https://shop.example"}});
  EXPECT_EQ(header(ok, "Access-Control-Allow-Origin"), "https://shop.example");
  EXPECT_EQ(header(ok, "Vary"), "Origin");
  auto other = run(Method::get, "/api/v1/nothing", {}, {{"Origin", "https://evil.example"}});
  EXPECT_TRUE(header(other, "Access-Control-Allow-Origin").empty());
  auto preflight =
      run(Method::options, "/api/v1/echo", {},
          {{"Origin", "https://shop.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(header(preflight, "Access-Control-Allow-Methods"), "POST");
  EXPECT_NE(header(preflight, "Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  auto refused =
      run(Method::options, "/api/v1/echo", {},
          {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(refused.status, 403);
}

TEST_F(DispatcherTest, MetricsUseRouteTemplatesAndOneLabelForUnmatchedPaths) {
  run(Method::get, "/api/v1/boom/x");
  run(Method::get, "/api/v1/boom/y");
  run(Method::get, "/nope/1");
  run(Method::get, "/nope/2");
  const std::string text = metrics_.render();
  EXPECT_NE(
      text.find(R"(http_requests_total{method="GET",route="/api/v1/boom/{kind}",status="500"} 2)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_requests_total{method="GET",route="unmatched",status="404"} 2)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("/nope/1"), std::string::npos);
}

}  // namespace
}  // namespace crema::http
