// Black-box tests of the real-time feed (GET /ws): authentication before the upgrade, the
// route table and OpenAPI entries, the websocket_connections gauge, and the Redis fan-out
// wiring.

#include <gtest/gtest.h>

#include <regex>

#include "e2e/e2e_support.hpp"
#include "support/redis_process.hpp"
#include "support/ws_client.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;

class Realtime : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = SharedServer::start(); }
  static void TearDownTestSuite() { shared_.reset(); }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
  }
  ServerProcess& server() { return *shared_->server; }
  std::unique_ptr<WsClient> ws(WsOptions o) {
    return std::make_unique<WsClient>(server().host(), server().port(), std::move(o));
  }
  static std::unique_ptr<SharedServer> shared_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> Realtime::shared_;

// A well-formed HS256 JWT that no server's key signed.
constexpr const char* kForeignJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIwMTkwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDAiLCJyb2xlIjoiYWRtaW4iLCJpYXQi"
    "OjE3MDAwMDAwMDAsImV4cCI6NDEwMDAwMDAwMCwianRpIjoieCJ9."
    "c2lnbmF0dXJlLW9mLWFub3RoZXIta2V5LXh4eHh4eHh4eHg";

TEST_F(Realtime, NoTokenOrABadOneIs401BeforeAnyUpgrade) {
  struct Case {
    const char* path;
    WsOptions::Auth how;
    std::string token;
  };
  for (const auto& c : {Case{"/ws", WsOptions::Auth::none, ""},
                        Case{"/api/v1/ws", WsOptions::Auth::none, ""},
                        Case{"/api/ws", WsOptions::Auth::query, "not-a-token"},
                        Case{"/ws", WsOptions::Auth::query, kForeignJwt},
                        Case{"/ws", WsOptions::Auth::subprotocol, kForeignJwt}}) {
    WsOptions o;
    o.path = c.path;
    o.auth = c.how;
    o.token = c.token;
    const std::string id = unique_id("t-ws401");
    o.headers = {"X-Request-Id: " + id};
    auto client = ws(o);
    const auto& res = client->response();
    EXPECT_EQ(res.status, 401) << c.path << "\n" << res.describe();
    EXPECT_FALSE(res.headers.has("Sec-WebSocket-Accept"));
    ASSERT_TRUE(res.json) << res.body;
    EXPECT_EQ(res.json->at("error").at("code"), "unauthorized");
    EXPECT_EQ(res.json->at("error").at("request_id").as_string(), id);
    EXPECT_EQ(res.header("X-Request-Id"), id);
    EXPECT_EQ(client->wait_close(2s), -1) << "never upgraded: the connection just ends";
    auto line = server().wait_for_request_log(id);
    ASSERT_TRUE(line) << "no access-log line for " << id;
    EXPECT_EQ(line->at("status"), 401);
    EXPECT_EQ(line->at("route"), std::string_view(c.path) == "/ws" ? "/ws" : "/api/v1/ws");
    // The token never reaches the log.
    if (!c.token.empty()) {
      EXPECT_EQ(server().stdout_text().find(c.token), std::string::npos);
    }
  }
}

TEST_F(Realtime, APlainGetIsNotAnUpgrade) {
  auto res = client_->get("/ws");
  EXPECT_EQ(res.status, 401) << res.describe();  // no credentials, and no upgrade either
  WsOptions o;
  o.version = "7";
  o.auth = WsOptions::Auth::query;
  o.token = kForeignJwt;
  auto old = ws(o);
  EXPECT_EQ(old->response().status, 426) << "only version 13 is spoken";
  EXPECT_EQ(old->response().header("Sec-WebSocket-Version"), "13");
}

TEST_F(Realtime, TheOpenApiDocumentListsBothRoutesAsUpgrades) {
  auto res = client_->get("/openapi.json");
  ASSERT_EQ(res.status, 200);
  const auto& paths = res.json->at("paths").as_object();
  for (const char* p : {"/ws", "/api/v1/ws"}) {
    ASSERT_TRUE(paths.contains(p)) << p;
    const auto& op = paths.at(p).at("get").as_object();
    EXPECT_TRUE(op.at("responses").as_object().contains("101")) << p;
    EXPECT_TRUE(op.at("responses").as_object().contains("401")) << p;
    EXPECT_NE(std::string_view(op.at("description").as_string()).find("Upgrades"),
              std::string_view::npos);
    bool token_param = false;
    for (const auto& prm : op.at("parameters").as_array())
      token_param = token_param || prm.at("name") == "token";
    EXPECT_TRUE(token_param) << p;
  }
}

TEST_F(Realtime, MetricsCountWebSocketConnections) {
  auto res = client_->get("/metrics");
  ASSERT_EQ(res.status, 200);
  EXPECT_TRUE(std::regex_search(res.body, std::regex("\\nwebsocket_connections 0(\\n|$)")))
      << "no websocket_connections gauge at 0";
}

TEST(RealtimeRedis, AServerWithRedisSubscribesToTheEventChannel) {
  CREMA_E2E_REQUIRE_STORE();
  CREMA_REQUIRE_REDIS();
  std::unique_ptr<RedisProcess> own;
  std::string url;
  if (auto shared = shared_redis_url()) {
    url = *shared;
  } else {
    own = std::make_unique<RedisProcess>();
    url = own->url();
  }
  auto db = fresh_database();
  ServerProcess server({.database_url = db->url(), .env = {{"CREMA_REDIS_URL", url}}});
  auto line = server.wait_for_log(
      [](const boost::json::object& o) { return o.at("msg") == "redis subscribed"; }, 10s);
  ASSERT_TRUE(line) << server.stdout_text();
  EXPECT_NE(std::string_view(line->at("channel").as_string()).find(":events"),
            std::string_view::npos);
  auto client = client_for(server);
  auto ready = client->get("/ready");
  EXPECT_EQ(ready.status, 200) << ready.describe();
  EXPECT_EQ(ready.json->at("checks").at("redis"), "ok");
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace crema::test::e2e
