// Black-box tests of the CORS allowlist (CREMA_CORS_ORIGINS).

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"

namespace crema::test::e2e {
namespace {

class Cors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions o;
    o.env["CREMA_CORS_ORIGINS"] = "https://shop.example,https://admin.example";
    shared_ = SharedServer::start(std::move(o));
  }
  static void TearDownTestSuite() { shared_.reset(); }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
  }
  static std::unique_ptr<SharedServer> shared_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> Cors::shared_;

bool vary_has_origin(const HttpResponse& r) {
  for (const auto& v : r.headers.all("Vary")) {
    for (const auto& t : header_tokens(v)) {
      if (iequals(t, "Origin")) return true;
    }
  }
  return false;
}

std::set<std::string> upper_tokens(const std::string& v) {
  std::set<std::string> out;
  for (auto t : header_tokens(v)) {
    for (auto& ch : t) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    out.insert(t);
  }
  return out;
}

TEST_F(Cors, AllowedOriginIsEchoedWithVary) {
  for (const char* origin : {"https://shop.example", "https://admin.example"}) {
    auto r = client_->get("/health", {{"Origin", origin}});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), origin) << r.describe();
    EXPECT_TRUE(vary_has_origin(r)) << r.describe();
  }
  // Error responses carry it too, so a browser can read the error.
  auto r = client_->get("/api/v1/does-not-exist", {{"Origin", "https://shop.example"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://shop.example") << r.describe();
}

TEST_F(Cors, OtherOriginsGetNoAllowOrigin) {
  for (const char* origin : {"https://evil.example", "https://shop.example.evil.com",
                             "http://shop.example", "null", "https://SHOP.example.com"}) {
    auto r = client_->get("/health", {{"Origin", origin}});
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(r.headers.has("Access-Control-Allow-Origin")) << origin << "\n" << r.describe();
  }
  auto r = client_->get("/health");
  EXPECT_FALSE(r.headers.has("Access-Control-Allow-Origin")) << r.describe();
}

TEST_F(Cors, PreflightFromAllowedOriginIs204WithMethodsAndHeaders) {
  auto r = client_->request("OPTIONS", "/health", {},
                            {{"Origin", "https://shop.example"},
                             {"Access-Control-Request-Method", "GET"},
                             {"Access-Control-Request-Headers", "content-type, authorization"}});
  EXPECT_EQ(r.status, 204) << r.describe();
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "https://shop.example") << r.describe();
  EXPECT_TRUE(vary_has_origin(r)) << r.describe();
  auto methods = upper_tokens(r.header("Access-Control-Allow-Methods"));
  EXPECT_TRUE(methods.count("GET")) << r.describe();
  auto headers = upper_tokens(r.header("Access-Control-Allow-Headers"));
  EXPECT_TRUE(headers.count("CONTENT-TYPE")) << r.describe();
  EXPECT_TRUE(headers.count("AUTHORIZATION")) << r.describe();
  EXPECT_TRUE(r.body.empty());
}

TEST_F(Cors, PreflightFromOtherOriginIs403WithTheErrorShape) {
  auto r = client_->request(
      "OPTIONS", "/health", {},
      {{"Origin", "https://evil.example"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(r.status, 403) << r.describe();
  EXPECT_FALSE(r.headers.has("Access-Control-Allow-Origin")) << r.describe();
  ASSERT_TRUE(r.json) << r.describe();
  EXPECT_EQ(json_string(*r.json, {"error", "code"}), "forbidden") << r.describe();
  EXPECT_EQ(json_string(*r.json, {"error", "request_id"}), r.header("X-Request-Id"));
}

}  // namespace
}  // namespace crema::test::e2e
