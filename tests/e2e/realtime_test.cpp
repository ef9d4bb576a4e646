// Black-box tests of the real-time feed (GET /ws): authentication before the upgrade, the
// route table and OpenAPI entries, the websocket_connections gauge, and the Redis fan-out
// wiring.

#include <regex>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
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
  for (const auto& c :
       {Case{"/ws", WsOptions::Auth::none, ""}, Case{"/api/v1/ws", WsOptions::Auth::none, ""},
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

// ---- with real accounts --------------------------------------------------------------------

class RealtimeSignedIn : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server());
    if (shared_->server) accounts_ = std::make_unique<AuthHelper>(*shared_->server);
  }
  static void TearDownTestSuite() {
    accounts_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
  }
  ServerProcess& server() { return *shared_->server; }
  std::unique_ptr<WsClient> ws(const std::string& token,
                               WsOptions::Auth how = WsOptions::Auth::query,
                               std::string path = "/ws") {
    WsOptions o;
    o.token = token;
    o.auth = how;
    o.path = std::move(path);
    return std::make_unique<WsClient>(server().host(), server().port(), std::move(o));
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> accounts_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> RealtimeSignedIn::shared_;
std::unique_ptr<AuthHelper> RealtimeSignedIn::accounts_;

TEST_F(RealtimeSignedIn, HelloNamesTheUserTheRoleAndItsChannels) {
  struct Case {
    const char* role;
    std::vector<std::string> channels;  // "{id}" stands for the user's id
  };
  const std::vector<Case> cases = {{"admin", {"orders", "inventory", "menu"}},
                                   {"manager", {"orders", "inventory", "menu"}},
                                   {"staff", {"orders", "inventory", "menu"}},
                                   {"customer", {"user:{id}"}},
                                   {"driver", {"driver:{id}"}}};
  for (auto how : {WsOptions::Auth::query, WsOptions::Auth::subprotocol}) {
    for (const auto& c : cases) {
      const Account& who = accounts_->account(c.role);
      auto client = ws(who.token, how, how == WsOptions::Auth::query ? "/ws" : "/api/v1/ws");
      ASSERT_TRUE(client->upgraded()) << c.role << "\n" << client->response().describe();
      EXPECT_TRUE(client->accept_valid());
      if (how == WsOptions::Auth::subprotocol) {
        EXPECT_EQ(client->response().header("Sec-WebSocket-Protocol"), "bearer." + who.token);
      }
      auto hello = client->read_json();
      ASSERT_TRUE(hello) << c.role;
      EXPECT_EQ(hello->at("type"), "hello");
      const auto& data = hello->at("data").as_object();
      EXPECT_EQ(data.at("user_id").as_string(), who.id);
      EXPECT_EQ(data.at("role").as_string(), c.role);
      boost::json::array expected;
      for (auto ch : c.channels) {
        if (auto at = ch.find("{id}"); at != std::string::npos) ch.replace(at, 4, who.id);
        expected.emplace_back(ch);
      }
      EXPECT_EQ(data.at("channels"), expected) << c.role;
    }
  }
}

TEST_F(RealtimeSignedIn, CustomersAreRefusedOtherPeoplesChannels) {
  const Account& a = accounts_->account("customer");
  const Account b = accounts_->create("customer");
  auto client = ws(a.token);
  ASSERT_TRUE(client->upgraded());
  ASSERT_TRUE(client->read_type("hello"));
  for (const std::string& ch : {"user:" + b.id, std::string("orders"), std::string("inventory")}) {
    ASSERT_TRUE(client->send_json({{"action", "subscribe"}, {"channel", ch}}));
    auto answer = client->read_json();
    ASSERT_TRUE(answer) << ch;
    EXPECT_EQ(answer->at("type"), "error") << ch;
    EXPECT_EQ(answer->at("data").at("code"), "forbidden") << ch;
  }
  ASSERT_TRUE(client->send_json({{"action", "subscribe"}, {"channel", "menu"}}));
  auto menu = client->read_json();
  ASSERT_TRUE(menu);
  EXPECT_EQ(menu->at("type"), "subscribed") << "the menu is public";
  // And staff may follow a customer's channel.
  auto staff = ws(accounts_->token("staff"));
  ASSERT_TRUE(staff->read_type("hello"));
  ASSERT_TRUE(staff->send_json({{"action", "subscribe"}, {"channel", "user:" + b.id}}));
  EXPECT_EQ(staff->read_json()->at("type"), "subscribed");
}

TEST_F(RealtimeSignedIn, ForgedExpiredAndRevokedTokensAre401) {
  const Account& c = accounts_->account("customer");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  boost::json::object claims{
      {"sub", c.id}, {"role", "admin"}, {"iat", now}, {"exp", now + 600}, {"jti", "forged"}};
  const std::string wrong_key =
      forge_jwt(R"({"alg":"HS256","typ":"JWT"})", claims, "another-secret-0123456789abcdef-xyz");
  claims["exp"] = now - 10;
  const std::string expired = forge_jwt(R"({"alg":"HS256","typ":"JWT"})", claims);
  for (const auto& token : {wrong_key, expired}) {
    for (auto how : {WsOptions::Auth::query, WsOptions::Auth::subprotocol}) {
      auto client = ws(token, how);
      EXPECT_EQ(client->response().status, 401) << client->response().describe();
      EXPECT_FALSE(client->upgraded());
    }
  }
  // Signed out: the access token is denylisted, and the feed refuses it too.
  Account gone = accounts_->create("customer");
  auto first = ws(gone.token);
  ASSERT_TRUE(first->upgraded());
  auto out = client_->post("/api/v1/auth/logout", "", gone.bearer());
  ASSERT_EQ(out.status, 204) << out.describe();
  auto again = ws(gone.token);
  EXPECT_EQ(again->response().status, 401) << again->response().describe();
}

TEST_F(RealtimeSignedIn, AnApiKeyIsNotAnAccessToken) {
  auto made = post_json(*client_, "/api/v1/api-keys",
                        {{"name", "screen"}, {"scopes", boost::json::array{"orders:read"}}},
                        accounts_->admin().bearer());
  ASSERT_EQ(made.status, 201) << made.describe();
  const std::string key = json_string(made.object(), {"key"});
  auto client = ws(key);
  EXPECT_EQ(client->response().status, 401) << client->response().describe();
  WsOptions o;
  o.auth = WsOptions::Auth::none;
  o.headers = {"X-API-Key: " + key};
  auto with_header = std::make_unique<WsClient>(server().host(), server().port(), o);
  EXPECT_EQ(with_header->response().status, 401)
      << "only the ?token= or the subprotocol authenticates the feed";
}

TEST_F(RealtimeSignedIn, TheUpgradeIsInTheAccessLogWithTheUser) {
  const Account& s = accounts_->account("staff");
  WsOptions o;
  o.token = s.token;
  const std::string id = unique_id("t-ws101");
  o.headers = {"X-Request-Id: " + id};
  WsClient client(server().host(), server().port(), o);
  ASSERT_TRUE(client.upgraded());
  EXPECT_EQ(client.response().header("X-Request-Id"), id);
  auto line = server().wait_for_request_log(id);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->at("status"), 101);
  EXPECT_EQ(line->at("route"), "/ws");
  EXPECT_EQ(line->at("user_id").as_string(), s.id);
  EXPECT_EQ(server().stdout_text().find(s.token), std::string::npos) << "no token in the log";
  auto metrics = client_->get("/metrics");
  EXPECT_TRUE(std::regex_search(metrics.body, std::regex("\\nwebsocket_connections [1-9]")))
      << "the open session is counted";
}

// Whether a frame is `type` and names product `id` in data.product_ids (menu_updated).
bool names_product(const boost::json::object& frame, std::string_view type, std::string_view id) {
  if (frame.at("type").as_string() != type) return false;
  for (const auto& p : frame.at("data").at("product_ids").as_array())
    if (p.as_string() == id) return true;
  return false;
}

// Reads frames until one satisfies `pred` (nullopt when the time runs out or it closes).
std::optional<boost::json::object> read_until(
    WsClient& c, const std::function<bool(const boost::json::object&)>& pred,
    std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  try {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto f = c.read_json(left);
      if (!f) return std::nullopt;
      if (pred(*f)) return f;
    }
  } catch (const RawTimeout&) {
    return std::nullopt;
  }
}

TEST_F(RealtimeSignedIn, StaffSeeMenuAndStockEventsAfterTheChangeCommitted) {
  auto staff = ws(accounts_->token("staff"));
  ASSERT_TRUE(staff->read_type("hello"));
  auto customer = ws(accounts_->token("customer"));
  ASSERT_TRUE(customer->read_type("hello"));

  auto made = post_json(*client_, "/api/v1/products",
                        {{"name", "Feed croissant"},
                         {"category", "Feed"},
                         {"price", 3.2},
                         {"stock", 10},
                         {"stock_threshold", 5}},
                        accounts_->bearer("manager"));
  ASSERT_EQ(made.status, 201) << made.describe();
  const std::string id(made.object().at("id").as_string());
  auto created =
      read_until(*staff, [&](const auto& f) { return names_product(f, "menu_updated", id); });
  ASSERT_TRUE(created) << "no menu_updated for the new product";
  EXPECT_TRUE(created->at("at").is_string());

  // Below the threshold: the menu changes and the item's low-stock alert goes out, both
  // after the change is in the database (GET shows it when the frame is read).
  auto low = client_->request("PUT", "/api/v1/menu/items/" + id + "/stock", R"({"stock": 3})",
                              accounts_->bearer("staff"));
  ASSERT_EQ(low.status, 200) << low.describe();
  std::optional<boost::json::object> menu, alert;
  read_until(*staff, [&](const auto& f) {
    if (names_product(f, "menu_updated", id)) menu = f;
    if (f.at("type") == "inventory_low" && f.at("data").at("id").as_string() == id) alert = f;
    return menu && alert;
  });
  ASSERT_TRUE(menu) << "no menu_updated after the stock change";
  ASSERT_TRUE(alert) << "no inventory_low after going below the threshold";
  // inventory_low carries the inventory item as GET /inventory/{id} returns it.
  auto item = client_->get("/api/v1/inventory/" + id, accounts_->bearer("staff"));
  ASSERT_EQ(item.status, 200) << item.describe();
  EXPECT_EQ(alert->at("data"), item.object()) << "the event's data is the resource's GET";
  EXPECT_EQ(alert->at("data").at("is_low"), true);

  // A customer's default channel is their own: none of this reached them.
  EXPECT_TRUE(customer->quiet_for(300ms));
}

// SPEC §7: orders that reserve and consume a drink's ingredients leave its menu entry as it
// was — no menu_updated, the menu's ETag unchanged — until the drink's availability changes.
TEST_F(RealtimeSignedIn, OrdersAnnounceTheMenuOnlyWhenADrinksAvailabilityChanges) {
  const auto manager = accounts_->bearer("manager");
  const auto staff_bearer = accounts_->bearer("staff");
  auto milk = post_json(*client_, "/api/v1/inventory",
                        {{"name", "Feed milk"}, {"unit", "l"}, {"on_hand", 1}}, manager);
  ASSERT_EQ(milk.status, 201) << milk.describe();
  const std::string item = json_string(milk.object(), {"id"});
  auto latte =
      post_json(*client_, "/api/v1/products",
                {{"name", "Feed latte"},
                 {"category", "Feed"},
                 {"price", 4},
                 {"recipe", boost::json::array{{{"inventory_item_id", item}, {"quantity", 0.3}}}}},
                manager);
  ASSERT_EQ(latte.status, 201) << latte.describe();
  const std::string id = json_string(latte.object(), {"id"});
  auto marker = post_json(*client_, "/api/v1/products",
                          {{"name", "Feed marker"}, {"category", "Feed"}, {"price", 1}}, manager);
  ASSERT_EQ(marker.status, 201) << marker.describe();
  const std::string marker_id = json_string(marker.object(), {"id"});
  int price_cents = 100;
  // The menu_updated frames naming the latte before the marker's (a price change after it).
  auto latte_updates_until_marker = [&](WsClient& c) {
    ++price_cents;
    auto res = client_->request(
        "PUT", "/api/v1/products/" + marker_id,
        boost::json::serialize(boost::json::object{{"price", price_cents / 100.0}}), manager);
    EXPECT_EQ(res.status, 200) << res.describe();
    int latte_updates = 0;
    auto seen = read_until(c, [&](const auto& f) {
      if (names_product(f, "menu_updated", id)) ++latte_updates;
      return names_product(f, "menu_updated", marker_id);
    });
    EXPECT_TRUE(seen) << "no menu_updated for the marker";
    return latte_updates;
  };
  auto staff = ws(accounts_->token("staff"));
  ASSERT_TRUE(staff->read_type("hello"));
  EXPECT_EQ(latte_updates_until_marker(*staff), 0);
  const std::string etag = client_->get("/api/v1/menu").header("ETag");
  ASSERT_FALSE(etag.empty());

  auto order = [&] {
    auto res = post_json(*client_, "/api/v1/orders",
                         {{"type", "takeaway"},
                          {"items", boost::json::array{{{"product_id", id}, {"quantity", 1}}}}},
                         staff_bearer);
    EXPECT_EQ(res.status, 201) << res.describe();
    return json_string(res.object(), {"id"});
  };
  // 1 l → 0.7 l available, then consumed: a latte (0.3 l) is as available as before.
  const auto first = order();
  auto confirmed = client_->request("PUT", "/api/v1/orders/" + first + "/status",
                                    R"({"status":"confirmed"})", staff_bearer);
  ASSERT_EQ(confirmed.status, 200) << confirmed.describe();
  // The menu body is what it was before the orders: its ETag still matches.
  EXPECT_EQ(client_->get("/api/v1/menu", {{"If-None-Match", etag}}).status, 304);
  EXPECT_EQ(latte_updates_until_marker(*staff), 0);
  // 0.7 → 0.4 → 0.1 l: the third order leaves less than a latte needs.
  order();
  EXPECT_EQ(latte_updates_until_marker(*staff), 0);
  order();
  EXPECT_EQ(latte_updates_until_marker(*staff), 1);
}

TEST(RealtimeLimits, UpgradeAttemptsAreRateLimitedLikeOtherRequests) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto options = identity_server({{"CREMA_PUBLIC_RATE_PER_MIN", "3"}});
  options.database_url = db->url();
  ServerProcess server(std::move(options));
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    WsOptions o;
    o.token = "guess-" + std::to_string(i);
    WsClient c(server.host(), server.port(), o);
    if (c.response().status == 429) {
      ++limited;
      EXPECT_TRUE(c.response().headers.has("Retry-After"));
    } else {
      EXPECT_EQ(c.response().status, 401) << c.response().describe();
    }
  }
  EXPECT_GE(limited, 2) << "token guessing through /ws is charged like any anonymous request";
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
      [](const boost::json::object& o) { return o.at("msg") == "redis events subscribed"; }, 10s);
  ASSERT_TRUE(line) << server.stdout_text();
  EXPECT_NE(std::string_view(line->at("channel").as_string()).find(":events"),
            std::string_view::npos);
  auto client = client_for(server);
  auto ready = client->get("/ready");
  EXPECT_EQ(ready.status, 200) << ready.describe();
  EXPECT_EQ(ready.json->at("checks").at("redis"), "ok");
  EXPECT_EQ(server.stop(), 0);
}

TEST(RealtimeShutdown, SigtermClosesWebSocketsWith1001AndExitsPromptly) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto options = identity_server();
  options.database_url = db->url();
  ServerProcess server(std::move(options));
  AuthHelper accounts(server);
  std::vector<std::unique_ptr<WsClient>> clients;
  for (const char* role : {"staff", "customer", "driver"}) {
    WsOptions o;
    o.token = accounts.token(role);
    clients.push_back(std::make_unique<WsClient>(server.host(), server.port(), o));
    ASSERT_TRUE(clients.back()->read_type("hello")) << role;
  }
  const auto t0 = std::chrono::steady_clock::now();
  server.signal(SIGTERM);
  for (auto& c : clients) EXPECT_EQ(c->wait_close(5s), 1001);
  auto code = server.wait_exit(10s);
  ASSERT_TRUE(code) << "still running 10 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s)
      << "open WebSockets must not hold the drain for the whole grace period";
  auto stopped = server.wait_for_log(
      [](const boost::json::object& l) { return l.at("msg") == "stopped"; }, 1s);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->at("clean"), true);
}

// The brief's cross-instance proof: two `crema serve` on one database and one Redis; a
// client of B receives what a change made through A published. (SQLite: both processes on
// one database file, as the catalogue's two-instance test does.)
TEST(RealtimeInstances, AClientOnBReceivesWhatAPublished) {
  CREMA_E2E_REQUIRE_STORE();
  CREMA_REQUIRE_REDIS();
  std::unique_ptr<RedisProcess> own;
  std::string url;
  if (auto shared = shared_redis_url()) {
    // A database number of this store's run only: pub/sub channels carry it, and the other
    // store's suite runs at the same time on the same Redis.
    url = shared->substr(0, shared->rfind('/')) + (store_is_postgres() ? "/12" : "/11");
  } else {
    own = std::make_unique<RedisProcess>();
    url = own->url();
  }
  auto db = fresh_database();
  auto options = identity_server({{"CREMA_REDIS_URL", url}});
  options.database_url = db->url();
  ServerProcess a(options);
  ServerProcess b(options);
  for (auto* s : {&a, &b})
    ASSERT_TRUE(s->wait_for_log(
        [](const boost::json::object& l) { return l.at("msg") == "redis events subscribed"; }, 10s))
        << s->stdout_text();

  AuthHelper accounts(a);  // one database: the same accounts and tokens on both
  WsOptions o;
  o.token = accounts.token("staff");
  WsClient on_b(b.host(), b.port(), o);
  ASSERT_TRUE(on_b.upgraded()) << on_b.response().describe();
  ASSERT_TRUE(on_b.read_type("hello"));
  WsClient on_a(a.host(), a.port(), o);
  ASSERT_TRUE(on_a.read_type("hello"));

  auto client_a = client_for(a);
  auto made = client_a->post("/api/v1/products",
                             R"({"name":"Cross bun","category":"Cross","price":2,"stock":4})",
                             accounts.bearer("manager"));
  ASSERT_EQ(made.status, 201) << made.describe();
  const std::string id(made.object().at("id").as_string());
  auto changed = client_a->request("PUT", "/api/v1/menu/items/" + id + "/stock",
                                   R"({"in_stock": false})", accounts.bearer("staff"));
  ASSERT_EQ(changed.status, 200) << changed.describe();

  // B's client gets both events, once each, and so does A's own client (locally).
  for (auto* c : {&on_b, &on_a}) {
    int seen = 0;
    read_until(*c,
               [&](const auto& f) { return names_product(f, "menu_updated", id) && ++seen == 2; });
    EXPECT_EQ(seen, 2) << (c == &on_b ? "on B" : "on A");
    const bool repeat = static_cast<bool>(read_until(
        *c, [&](const auto& f) { return names_product(f, "menu_updated", id); }, 400ms));
    EXPECT_FALSE(repeat) << "an event was delivered twice " << (c == &on_b ? "on B" : "on A");
  }
}

}  // namespace
}  // namespace crema::test::e2e
