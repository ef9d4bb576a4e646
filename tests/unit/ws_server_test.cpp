// The WebSocket feed in-process, over real loopback sockets: HttpServer with a test
// Authenticator (tokens "role:user_id"), the route table's /ws rows, a bus and its hub.
#include <regex>
#include <set>
#include <thread>

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "api/openapi.hpp"
#include "api/realtime_routes.hpp"
#include "db/types.hpp"
#include "events/bus.hpp"
#include "events/hub.hpp"
#include "net/dispatcher.hpp"
#include "net/http_server.hpp"
#include "obs/metrics.hpp"
#include "support/tls_files.hpp"
#include "support/ws_client.hpp"
#include "util/time.hpp"

namespace crema::net {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
using test::WsClient;
using test::WsMessage;
using test::WsOptions;

/// Tokens are "role:user_id[:session_id[:expires_ms]]"; anything else is a bad token. A
/// token whose expiry has passed is refused, as a real one would be.
class TestAuthenticator final : public http::Authenticator {
 public:
  crema::Result<std::optional<auth::Principal>> authenticate(const http::Request& req) override {
    ++calls;
    auto h = req.header("authorization");
    if (!h) return std::optional<auth::Principal>{};
    constexpr std::string_view kBearer = "Bearer ";
    if (h->substr(0, kBearer.size()) != kBearer)
      return Error::make(ErrorCode::unauthorized, "Not a bearer token.");
    auto token = h->substr(kBearer.size());
    auto colon = token.find(':');
    auto role = auth::parse_role(token.substr(0, colon));
    if (colon == std::string_view::npos || !role)
      return Error::make(ErrorCode::unauthorized, "The access token is not valid.");
    auth::Principal p;
    p.role = *role;
    auto rest = token.substr(colon + 1);
    auto next = [&rest] {
      auto c = rest.find(':');
      auto part = rest.substr(0, c);
      rest = c == std::string_view::npos ? std::string_view{} : rest.substr(c + 1);
      return std::string(part);
    };
    p.user_id = next();
    p.session_id = next();
    if (!rest.empty()) p.token_expires_ms = std::stoll(next());
    if (p.token_expires_ms > 0 && p.token_expires_ms <= util::now_ms())
      return Error::make(ErrorCode::unauthorized, "The access token has expired.");
    if (unavailable > 0) {
      --unavailable;
      throw db::Error(db::Error::Kind::unavailable, "the test database is down");
    }
    std::lock_guard lock(mutex);
    if (revoked.count(p.user_id) != 0)
      return Error::make(ErrorCode::unauthorized, "This account is not active.");
    return std::optional<auth::Principal>{p};
  }
  std::atomic<int> calls{0};
  std::atomic<int> unavailable{0};  ///< this many calls fail as if the database were down
  std::mutex mutex;
  std::set<std::string> revoked;  ///< users whose tokens are refused
};

class WsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api::OpenApi openapi;
    api::register_realtime_routes(router_, openapi);
    std::vector<std::unique_ptr<http::Middleware>> chain;
    chain.push_back(std::make_unique<http::RequestIdMiddleware>());
    chain.push_back(std::make_unique<http::SecurityHeadersMiddleware>());
    chain.push_back(std::make_unique<http::MetricsMiddleware>(metrics_));
    dispatcher_ = std::make_unique<http::Dispatcher>(router_, std::move(chain));
    dispatcher_->set_authenticator(&auth_);
    hub_.attach(bus_);
    metrics_.add_sampled_gauge("websocket_connections", "WebSocket clients connected now",
                               [this] { return static_cast<double>(hub_.connections()); });
    options_.host = "127.0.0.1";
    options_.port = 0;
    options_.threads = 2;
    options_.request_timeout = 3s;
    options_.websocket.close_timeout = 2s;
  }

  void start() {
    server_ = std::make_unique<HttpServer>(options_, *dispatcher_, workers_, &metrics_);
    server_->set_websocket_hub(&hub_);
    server_->start();
  }

  void TearDown() override {
    if (server_) server_->shutdown(2s);
    workers_.join();
  }

  std::unique_ptr<WsClient> connect(std::string token, WsOptions o = {}) {
    o.token = std::move(token);
    return std::make_unique<WsClient>("127.0.0.1", server_->port(), std::move(o));
  }

  /// Connects, checks the upgrade and reads hello; returns the client.
  std::unique_ptr<WsClient> connected(std::string token, WsOptions o = {}) {
    auto c = connect(std::move(token), std::move(o));
    EXPECT_TRUE(c->upgraded()) << c->response().describe();
    auto hello = c->read_json();
    EXPECT_TRUE(hello && hello->at("type") == "hello");
    return c;
  }

  /// Subscribes and waits for the answer frame ("subscribed" or "error").
  json::object subscribe(WsClient& c, std::string_view channel,
                         std::string_view action = "subscribe") {
    EXPECT_TRUE(c.send_json(json::object{{"action", action}, {"channel", channel}}));
    auto answer = c.read_json();
    EXPECT_TRUE(answer.has_value());
    return answer ? *answer : json::object{};
  }

  double gauge(std::string_view name) {
    const std::string text = metrics_.render();
    std::regex re("\\n" + std::string(name) + " ([0-9.e+]+)");
    std::smatch m;
    if (!std::regex_search(text, m, re)) return -1;
    return std::stod(m[1]);
  }

  obs::Metrics metrics_;
  http::Router router_;
  TestAuthenticator auth_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  events::Bus bus_;
  events::Hub hub_;
  boost::asio::thread_pool workers_{4};
  ServerOptions options_;
  std::unique_ptr<HttpServer> server_;
};

// ---- before the upgrade ----------------------------------------------------------------

TEST_F(WsServerTest, NoTokenOrABadOneIs401BeforeAnyUpgrade) {
  start();
  struct Case {
    const char* what;
    std::string token;
    WsOptions::Auth how;
  };
  for (const auto& c : {Case{"no token", "", WsOptions::Auth::none},
                        Case{"empty ?token=", "", WsOptions::Auth::query},
                        Case{"bad ?token=", "nonsense", WsOptions::Auth::query},
                        Case{"bad subprotocol token", "nonsense", WsOptions::Auth::subprotocol}}) {
    WsOptions o;
    o.auth = c.how;
    auto client = connect(c.token, o);
    const auto& res = client->response();
    EXPECT_EQ(res.status, 401) << c.what << "\n" << res.describe();
    EXPECT_FALSE(res.headers.has("Sec-WebSocket-Accept")) << c.what;
    EXPECT_FALSE(res.headers.has("Upgrade")) << c.what;
    ASSERT_TRUE(res.json) << c.what << " " << res.body;
    EXPECT_EQ(res.json->at("error").at("code"), "unauthorized") << c.what;
    EXPECT_EQ(res.json->at("error").at("request_id").as_string(), res.header("X-Request-Id"));
    EXPECT_EQ(res.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(client->wait_close(2s), -1) << c.what << ": the connection ends, never upgraded";
  }
  EXPECT_EQ(hub_.connections(), 0);
}

TEST_F(WsServerTest, WithoutAnInstalledAuthenticatorEveryUpgradeIs401) {
  dispatcher_->set_authenticator(nullptr);
  start();
  auto c = connect("staff:s1");
  EXPECT_EQ(c->response().status, 401) << c->response().describe();
  auto d = connect("admin:a1", WsOptions{.auth = WsOptions::Auth::subprotocol});
  EXPECT_EQ(d->response().status, 401);
}

TEST_F(WsServerTest, HandshakeMistakesAreClearErrors) {
  start();
  WsOptions plain;
  plain.plain_get = true;
  plain.headers = {"Authorization: Bearer staff:s1"};
  auto c = connect("staff:s1", plain);
  EXPECT_EQ(c->response().status, 426) << c->response().describe();
  EXPECT_EQ(c->response().header("Upgrade"), "websocket");

  WsOptions old;
  old.version = "8";
  auto d = connect("staff:s1", old);
  EXPECT_EQ(d->response().status, 426);
  EXPECT_EQ(d->response().header("Sec-WebSocket-Version"), "13");

  // Both routes upgrade, and so does the /api alias.
  for (const char* path : {"/api/v1/ws", "/api/ws"}) {
    WsOptions o;
    o.path = path;
    auto e = connected("staff:s1", o);
    EXPECT_TRUE(e->upgraded()) << path;
  }
}

// ---- hello and default channels -----------------------------------------------------------

TEST_F(WsServerTest, HelloComesFirstWithTheRolesChannels) {
  start();
  struct Case {
    std::string token;
    std::vector<std::string> channels;
  };
  const std::vector<Case> cases = {
      {"staff:s1", {"orders", "inventory", "menu"}},
      {"manager:m1", {"orders", "inventory", "menu"}},
      {"admin:a1", {"orders", "inventory", "menu"}},
      {"customer:c1", {"user:c1"}},
      {"driver:d1", {"driver:d1"}},
  };
  for (auto how : {WsOptions::Auth::query, WsOptions::Auth::subprotocol}) {
    for (const auto& c : cases) {
      WsOptions o;
      o.auth = how;
      auto client = connect(c.token, o);
      ASSERT_TRUE(client->upgraded()) << client->response().describe();
      EXPECT_TRUE(client->accept_valid());
      EXPECT_FALSE(client->response().header("X-Request-Id").empty());
      EXPECT_EQ(client->response().header("X-Content-Type-Options"), "nosniff");
      if (how == WsOptions::Auth::subprotocol) {
        EXPECT_EQ(client->response().header("Sec-WebSocket-Protocol"), "bearer." + c.token)
            << "the chosen subprotocol is echoed";
      } else {
        EXPECT_FALSE(client->response().headers.has("Sec-WebSocket-Protocol"));
      }
      auto hello = client->read_json();
      ASSERT_TRUE(hello);
      EXPECT_EQ(hello->at("type"), "hello");
      const auto& data = hello->at("data").as_object();
      EXPECT_EQ(data.at("user_id").as_string(), c.token.substr(c.token.find(':') + 1));
      EXPECT_EQ(data.at("role").as_string(), c.token.substr(0, c.token.find(':')));
      json::array expected;
      for (const auto& ch : c.channels) expected.emplace_back(ch);
      EXPECT_EQ(data.at("channels"), expected) << c.token;
      for (const auto& ch : c.channels) EXPECT_GE(hub_.listeners(ch), 1u) << ch;
    }
  }
}

TEST_F(WsServerTest, AnotherOfferedSubprotocolDoesNotHideTheBearerOne) {
  start();
  WsOptions o;
  o.auth = WsOptions::Auth::none;
  o.protocols = {"crema.v1", "bearer.customer:c9"};
  auto c = connect("", o);
  ASSERT_TRUE(c->upgraded()) << c->response().describe();
  EXPECT_EQ(c->response().header("Sec-WebSocket-Protocol"), "bearer.customer:c9");
}

TEST_F(WsServerTest, HelloIsFirstEvenWhileEventsAreBeingPublished) {
  start();
  std::atomic<bool> stop{false};
  // A steady stream (about 2,000 events/s: fast, but not faster than a client can read).
  std::thread publisher([&] {
    int i = 0;
    while (!stop) {
      bus_.publish("order_updated", json::object{{"n", ++i}}, {"orders"});
      std::this_thread::sleep_for(500us);
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      t.join();
    }
  } join{stop, publisher};
  for (int i = 0; i < 30; ++i) {
    auto c = connect("staff:s1");
    ASSERT_TRUE(c->upgraded());
    auto first = c->read_json();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->at("type"), "hello") << "iteration " << i;
    auto second = c->read_json();  // and then the events, already flowing
    ASSERT_TRUE(second) << "iteration " << i << ", close code " << c->close_code();
    EXPECT_EQ(second->at("type"), "order_updated");
  }
}

TEST_F(WsServerTest, AClientThatReadHelloMissesNothingAfterIt) {
  start();
  auto c = connected("customer:c1");
  bus_.publish("order_created", json::object{{"id", "o1"}}, {"orders", "order:o1", "user:c1"});
  auto e = c->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("type"), "order_created");
  EXPECT_EQ(e->at("data").at("id"), "o1");
  EXPECT_TRUE(e->at("at").is_string());
}

// ---- subscriptions ------------------------------------------------------------------------

TEST_F(WsServerTest, CustomersStayWithinTheirOwnChannels) {
  start();
  auto c = connected("customer:c1");
  for (const char* ch : {"orders", "inventory", "user:c2", "driver:d1", "order:o1"}) {
    auto answer = subscribe(*c, ch);
    EXPECT_EQ(answer.at("type"), "error") << ch;
    EXPECT_EQ(answer.at("data").at("code"), "forbidden") << ch;
    EXPECT_EQ(answer.at("data").at("channel"), ch);
    EXPECT_EQ(hub_.listeners(ch), 0u) << ch;
  }
  // The connection is still there and its own channel works.
  bus_.publish("order_updated", json::object{{"id", "o1"}}, {"user:c1"});
  auto e = c->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("type"), "order_updated");
  // Its own channel may be dropped and taken again.
  EXPECT_EQ(subscribe(*c, "user:c1", "unsubscribe").at("type"), "unsubscribed");
  bus_.publish("order_updated", json::object{{"id", "o2"}}, {"user:c1"});
  EXPECT_TRUE(c->quiet_for(300ms));
  EXPECT_EQ(subscribe(*c, "user:c1").at("type"), "subscribed");
  bus_.publish("order_updated", json::object{{"id", "o3"}}, {"user:c1"});
  auto again = c->read_json();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at("data").at("id"), "o3");
}

TEST_F(WsServerTest, DriversToo) {
  start();
  auto d = connected("driver:d1");
  EXPECT_EQ(subscribe(*d, "orders").at("data").at("code"), "forbidden");
  EXPECT_EQ(subscribe(*d, "driver:d2").at("data").at("code"), "forbidden");
  EXPECT_EQ(subscribe(*d, "menu").at("data").at("code"), "forbidden")
      << "no rule for menu in this hub: refused like any other channel";
}

TEST_F(WsServerTest, StaffMayFollowAnyChannelAndLeaveIt) {
  start();
  auto s = connected("staff:s1");
  auto answer = subscribe(*s, "user:c1");
  EXPECT_EQ(answer.at("type"), "subscribed");
  EXPECT_EQ(answer.at("data").at("channel"), "user:c1");
  bus_.publish("order_updated", json::object{{"id", "x"}}, {"user:c1"});
  auto e = s->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("type"), "order_updated");
  EXPECT_EQ(subscribe(*s, "orders", "unsubscribe").at("type"), "unsubscribed");
  bus_.publish("order_created", json::object{{"id", "y"}}, {"orders"});
  EXPECT_TRUE(s->quiet_for(300ms)) << "unsubscribed from orders";
}

TEST_F(WsServerTest, OneFramePerEventEvenOnSeveralOfItsTopics) {
  start();
  auto s = connected("staff:s1");
  EXPECT_EQ(subscribe(*s, "order:o1").at("type"), "subscribed");
  bus_.publish("order_updated", json::object{{"id", "o1"}}, {"orders", "order:o1", "user:c1"});
  ASSERT_TRUE(s->read_json());
  EXPECT_TRUE(s->quiet_for(300ms));
}

TEST_F(WsServerTest, BadMessagesGetErrorFramesAndKeepTheConnection) {
  start();
  auto s = connected("staff:s1");
  for (const char* text :
       {"not json", "[1,2]", R"({"action":"subscribe"})", R"({"action":"dance","channel":"x"})",
        R"({"action":"subscribe","channel":"has space"})"}) {
    ASSERT_TRUE(s->send_text(text));
    auto e = s->read_json();
    ASSERT_TRUE(e) << text;
    EXPECT_EQ(e->at("type"), "error") << text;
    EXPECT_EQ(e->at("data").at("code"), "bad_request") << text;
  }
  ASSERT_TRUE(s->send_binary("\x01\x02"));
  auto b = s->read_json();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->at("data").at("code"), "bad_request");
  // Still subscribed and served.
  bus_.publish("order_created", json::object{{"id", "z"}}, {"orders"});
  auto e = s->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("type"), "order_created");
}

// ---- message limits (SPEC §15.4) -----------------------------------------------------------

TEST_F(WsServerTest, AMessageOverFourKibClosesWith1008) {
  start();
  auto s = connected("staff:s1");
  // Exactly the limit is a message (not JSON here: an error frame, and the session goes on).
  ASSERT_TRUE(s->send_text(std::string(options_.websocket.max_message, 'x')));
  auto e = s->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("data").at("code"), "bad_request");
  ASSERT_TRUE(s->send_text(std::string(options_.websocket.max_message + 1, 'x')));
  EXPECT_EQ(s->wait_close(3s), 1008);
  // Far over it: the same (at most one byte past the limit is ever buffered).
  auto t = connected("staff:s2");
  ASSERT_TRUE(t->send_text(std::string(256 * 1024, 'y')));
  EXPECT_EQ(t->wait_close(3s), 1008);
}

TEST_F(WsServerTest, MessagesSplitIntoFragmentsCountWhole) {
  start();
  auto s = connected("staff:s1");
  // 3 KiB + 3 KiB in two fragments of one message: over the limit together.
  ASSERT_TRUE(s->send_frame(0x1, std::string(3072, 'a'), false));
  ASSERT_TRUE(s->send_frame(0x0, std::string(3072, 'b'), true));
  EXPECT_EQ(s->wait_close(3s), 1008);
}

TEST_F(WsServerTest, MoreThanTwentyMessagesASecondCloseWith1008) {
  start();
  auto s = connected("staff:s1");
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(s->send_json(json::object{{"action", "subscribe"}, {"channel", "menu"}}));
  for (int i = 0; i < 20; ++i) {
    auto a = s->read_json();
    ASSERT_TRUE(a) << i;
    EXPECT_EQ(a->at("type"), "subscribed") << i;
  }
  ASSERT_TRUE(s->send_json(json::object{{"action", "subscribe"}, {"channel", "menu"}}));
  EXPECT_EQ(s->wait_close(3s), 1008);
  // Pings count too.
  auto p = connected("staff:s2");
  for (int i = 0; i < 21; ++i) ASSERT_TRUE(p->send_ping("x"));
  EXPECT_EQ(p->wait_close(3s), 1008);
}

TEST_F(WsServerTest, TwentyMessagesEverySecondAreFine) {
  start();
  auto s = connected("staff:s1");
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(s->send_json(json::object{{"action", "subscribe"}, {"channel", "menu"}}));
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(s->read_json()) << round << "/" << i;
    std::this_thread::sleep_for(1100ms);
  }
  EXPECT_FALSE(s->closed());
  bus_.publish("order_created", json::object{{"id", "still"}}, {"orders"});
  auto e = s->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("data").at("id"), "still");
}

// ---- the life of the credentials (SPEC §15.4) -----------------------------------------------

std::string token_until(std::string_view who, std::int64_t expires_ms) {
  return std::string(who) + ":" + std::to_string(expires_ms);
}

TEST_F(WsServerTest, TheSocketClosesWith4001WhenItsTokenExpires) {
  start();
  const std::int64_t exp = util::now_ms() + 1500;
  auto c = connect(token_until("staff:u1:s1", exp));
  ASSERT_TRUE(c->upgraded());
  auto hello = c->read_json();
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->at("data").at("expires_at").as_string(), util::format_rfc3339(exp));
  EXPECT_TRUE(c->quiet_for(1000ms)) << "alive while the token is";
  const auto code = c->wait_close(2s);
  const std::int64_t closed_at = util::now_ms();
  EXPECT_EQ(code, 4001);
  EXPECT_GE(closed_at, exp) << "not a moment before exp";
  EXPECT_LT(closed_at, exp + 500);
}

TEST_F(WsServerTest, AReauthRenewsTheCredentialsWithoutAGap) {
  start();
  auto c = connect(token_until("staff:u1:s1", util::now_ms() + 1500));
  ASSERT_TRUE(c->read_type("hello"));
  const std::int64_t later = util::now_ms() + 60'000;
  ASSERT_TRUE(c->send_json(
      json::object{{"action", "reauth"}, {"token", token_until("staff:u1:s2", later)}}));
  auto ok = c->read_json();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->at("type"), "reauthenticated");
  EXPECT_EQ(ok->at("data").at("expires_at").as_string(), util::format_rfc3339(later));
  EXPECT_TRUE(c->quiet_for(2000ms)) << "still open past the first token's expiry";
  bus_.publish("order_created", json::object{{"id", "after"}}, {"orders"});
  auto e = c->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("data").at("id"), "after") << "and still subscribed";
  // The session now belongs to s2: revoking s1 leaves it, revoking s2 closes it.
  hub_.revoke(events::Revocation::session("u1", "s1", "signed out"));
  EXPECT_TRUE(c->quiet_for(300ms));
  hub_.revoke(events::Revocation::session("u1", "s2", "signed out"));
  EXPECT_EQ(c->wait_close(1s), 4001);
}

TEST_F(WsServerTest, AReauthWithABadTokenOrAnotherUsersCloses4001) {
  start();
  struct Case {
    const char* what;
    std::string token;
  };
  const std::int64_t later = util::now_ms() + 60'000;
  for (const auto& [what, token] :
       {Case{"garbage", "not a token"}, Case{"empty", ""},
        Case{"expired", token_until("staff:u1:s1", util::now_ms() - 1000)},
        Case{"another user's", token_until("staff:u2:s9", later)},
        Case{"another role", token_until("customer:u1:s1", later)}}) {
    auto c = connected("staff:u1:s1");
    ASSERT_TRUE(c->send_json(json::object{{"action", "reauth"}, {"token", token}}));
    EXPECT_EQ(c->wait_close(2s), 4001) << what;
  }
  // A reauth without a token string is a malformed message, not a refused token.
  auto c = connected("staff:u1:s1");
  ASSERT_TRUE(c->send_json(json::object{{"action", "reauth"}}));
  auto e = c->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("data").at("code"), "bad_request");
}

TEST_F(WsServerTest, ARevocationClosesTheSocketsItConcernsWithinASecond) {
  start();
  auto a1 = connected("customer:c1:sA");
  auto a2 = connected("customer:c1:sB");
  auto b = connected("customer:c2:sA");
  const auto t0 = std::chrono::steady_clock::now();
  bus_.publish(events::revocation_event(events::Revocation::session("c1", "sA", "signed out")));
  EXPECT_EQ(a1->wait_close(1s), 4001);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(a2->quiet_for(200ms)) << "another session of the same user stays";
  EXPECT_TRUE(b->quiet_for(50ms)) << "the same session id of another user is not it";
  // All but sB: nothing left to close; then the whole user.
  bus_.publish(
      events::revocation_event(events::Revocation::all_but("c1", "sB", "password changed")));
  EXPECT_TRUE(a2->quiet_for(200ms));
  bus_.publish(events::revocation_event(events::Revocation::user("c1", "account erased")));
  EXPECT_EQ(a2->wait_close(1s), 4001);
  EXPECT_FALSE(b->closed());
  // The server forgets them once their closing handshakes are over.
  for (int i = 0; i < 100 && hub_.user_sessions("c1") != 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(hub_.user_sessions("c1"), 0u);
  EXPECT_EQ(hub_.user_sessions("c2"), 1u);
}

TEST_F(WsServerTest, ARevokedSocketGetsNothingMoreBeforeItsClose) {
  start();
  auto s = connected("staff:u1:s1");
  hub_.revoke(events::Revocation::user("u1", "account deactivated"));
  // Published after the revocation: never sent.
  std::this_thread::sleep_for(100ms);
  bus_.publish("order_created", json::object{{"id", "late"}}, {"orders"});
  auto frame = s->read_frame(2s);
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->kind, WsMessage::Kind::close);
  EXPECT_EQ(frame->close_code, 4001);
  EXPECT_EQ(frame->payload, "account deactivated");
}

TEST_F(WsServerTest, ARecheckClosesTheSocketsWhoseTokensAreNoLongerValid) {
  start();
  auto gone = connected("staff:u1:s1");
  auto fine = connected("staff:u2:s1");
  {
    std::lock_guard lock(auth_.mutex);
    auth_.revoked.insert("u1");  // deactivated while this instance heard nothing
  }
  const int before = auth_.calls.load();
  hub_.recheck_all();
  EXPECT_EQ(gone->wait_close(1s), 4001);
  EXPECT_TRUE(fine->quiet_for(300ms));
  EXPECT_EQ(auth_.calls.load() - before, 2) << "one check per socket";
}

TEST_F(WsServerTest, ARecheckThatCannotBeMadeIsTriedAgain) {
  start();
  auto gone = connected("staff:u1:s1");
  {
    std::lock_guard lock(auth_.mutex);
    auth_.revoked.insert("u1");
  }
  auth_.unavailable = 2;  // the database is still coming back
  const auto t0 = std::chrono::steady_clock::now();
  hub_.recheck_all();
  EXPECT_EQ(gone->wait_close(5s), 4001);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 1900ms) << "two retries, a second apart";
}

TEST_F(WsServerTest, OneSocketMoreThanAllowedClosesTheUsersOldestWith4002) {
  hub_.set_max_per_user(2);
  start();
  auto first = connected("driver:d1:s1");
  auto second = connected("driver:d1:s2");
  auto someone_else = connected("driver:d2:s1");
  auto third = connected("driver:d1:s3");
  EXPECT_EQ(first->wait_close(1s), 4002);
  EXPECT_TRUE(second->quiet_for(200ms));
  EXPECT_FALSE(third->closed());
  EXPECT_FALSE(someone_else->closed());
  EXPECT_EQ(hub_.user_sessions("d1"), 2u);
  bus_.publish("delivery_updated", json::object{{"id", "x"}}, {"driver:d1"});
  EXPECT_EQ(second->read_json()->at("type"), "delivery_updated");
  EXPECT_EQ(third->read_json()->at("type"), "delivery_updated");
}

TEST_F(WsServerTest, ChannelRulesThatNeedTheDatabaseRunOnTheWorkerPool) {
  std::atomic<int> checks{0};
  std::atomic<bool> on_worker{true};
  hub_.register_channel("order:", [&](const auth::Principal& p, std::string_view ch) {
    ++checks;
    on_worker = on_worker && workers_.get_executor().running_in_this_thread();
    return p.role != auth::Role::customer || ch == "order:mine";
  });
  hub_.register_channel("order:boom", [](const auth::Principal&, std::string_view) -> bool {
    throw std::runtime_error("the rule failed");
  });
  start();
  auto c = connected("customer:c1");
  EXPECT_EQ(subscribe(*c, "order:mine").at("type"), "subscribed");
  EXPECT_EQ(subscribe(*c, "order:theirs").at("data").at("code"), "forbidden");
  auto s = connected("staff:s1");
  EXPECT_EQ(subscribe(*s, "order:theirs").at("type"), "subscribed");
  EXPECT_EQ(checks.load(), 3);
  EXPECT_TRUE(on_worker.load()) << "a blocking rule never runs on an I/O thread";
  EXPECT_EQ(subscribe(*s, "order:boom").at("data").at("code"), "internal");
  bus_.publish("order_updated", json::object{{"id", "mine"}}, {"order:mine"});
  auto e = c->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("data").at("id"), "mine");
}

TEST_F(WsServerTest, ChannelLimitPerClient) {
  options_.websocket.max_channels = 5;
  start();
  auto s = connected("staff:s1");  // 3 default channels
  EXPECT_EQ(subscribe(*s, "user:a").at("type"), "subscribed");
  EXPECT_EQ(subscribe(*s, "user:b").at("type"), "subscribed");
  auto refused = subscribe(*s, "user:c");
  EXPECT_EQ(refused.at("type"), "error");
  EXPECT_EQ(refused.at("data").at("code"), "bad_request");
}

// ---- fan-out ------------------------------------------------------------------------------

TEST_F(WsServerTest, FanOutToManyClientsInOrder) {
  start();
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < 150; ++i) clients.push_back(connected(i % 3 == 0 ? "admin:a" : "staff:s"));
  EXPECT_EQ(hub_.listeners("orders"), 150u);
  EXPECT_EQ(hub_.connections(), 150);
  EXPECT_EQ(gauge("websocket_connections"), 150);
  constexpr int kEvents = 20;
  for (int n = 0; n < kEvents; ++n)
    bus_.publish("order_created", json::object{{"n", n}}, {"orders", "order:" + std::to_string(n)});
  for (auto& c : clients) {
    for (int n = 0; n < kEvents; ++n) {
      auto e = c->read_json();
      ASSERT_TRUE(e);
      EXPECT_EQ(e->at("data").at("n"), n);
    }
  }
  clients.clear();
  for (int i = 0; i < 100 && hub_.connections() > 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(hub_.connections(), 0);
  EXPECT_EQ(gauge("websocket_connections"), 0);
  EXPECT_EQ(hub_.listeners("orders"), 0u) << "closed sessions leave their topics";
}

TEST_F(WsServerTest, TwoCustomersNeverSeeEachOthersEvents) {
  start();
  auto c1 = connected("customer:c1");
  auto c2 = connected("customer:c2", WsOptions{.auth = WsOptions::Auth::subprotocol});
  auto staff = connected("staff:s");
  bus_.publish("order_created", json::object{{"id", "o1"}}, {"orders", "order:o1", "user:c1"});
  bus_.publish("order_created", json::object{{"id", "o2"}}, {"orders", "order:o2", "user:c2"});
  auto e1 = c1->read_json();
  auto e2 = c2->read_json();
  ASSERT_TRUE(e1 && e2);
  EXPECT_EQ(e1->at("data").at("id"), "o1");
  EXPECT_EQ(e2->at("data").at("id"), "o2");
  EXPECT_TRUE(c1->quiet_for(300ms));
  EXPECT_TRUE(c2->quiet_for(100ms));
  EXPECT_EQ(staff->read_json()->at("data").at("id"), "o1");
  EXPECT_EQ(staff->read_json()->at("data").at("id"), "o2");
}

TEST_F(WsServerTest, ASlowClientIsClosedWith1008AndNeverSlowsTheOthers) {
  options_.websocket.queue_bytes = 1024 * 1024;
  start();
  WsOptions slow_options;
  slow_options.receive_buffer = 32 * 1024;
  auto slow = connected("staff:slow", slow_options);  // and then it stops reading
  std::vector<std::unique_ptr<WsClient>> fast;
  for (int i = 0; i < 3; ++i) fast.push_back(connected("staff:fast"));

  // 16 MB at about 16 MB/s: easy for a reader, far more than the kernel's buffers (at most
  // 4 MiB here) plus a 1 MiB queue can hold for one that does not read.
  const std::string payload(16 * 1024, 'p');
  constexpr int kEvents = 1000;
  std::vector<std::vector<int>> got(fast.size());
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < fast.size(); ++i) {
    readers.emplace_back([&, i] {
      try {
        for (int n = 0; n < kEvents; ++n) {
          auto e = fast[i]->read_json(10s);
          if (!e) return;
          got[i].push_back(static_cast<int>(e->at("data").at("n").as_int64()));
        }
      } catch (const std::exception&) {}
    });
  }
  std::chrono::nanoseconds slowest_publish{0};
  for (int n = 0; n < kEvents; ++n) {
    const auto t0 = std::chrono::steady_clock::now();
    bus_.publish("order_updated", json::object{{"n", n}, {"pad", payload}}, {"orders"});
    slowest_publish = std::max(slowest_publish, std::chrono::steady_clock::now() - t0);
    std::this_thread::sleep_for(1ms);
  }
  for (auto& r : readers) r.join();
  EXPECT_LT(slowest_publish, 100ms) << "a publish waited for a client";
  for (std::size_t i = 0; i < fast.size(); ++i) {
    ASSERT_EQ(got[i].size(), static_cast<std::size_t>(kEvents)) << "fast client " << i;
    for (int n = 0; n < kEvents; ++n) ASSERT_EQ(got[i][n], n);
    EXPECT_FALSE(fast[i]->closed());
  }
  // The slow one, reading again, finds what had reached its socket and then 1008.
  EXPECT_EQ(slow->wait_close(10s), 1008);
  EXPECT_LT(slow->bytes_received(), kEvents * payload.size()) << "it did not get everything";
}

// ---- liveness and shutdown ----------------------------------------------------------------

TEST_F(WsServerTest, AClientThatMissesTwoPongsIsDropped) {
  options_.websocket.ping_interval = 200ms;
  start();
  auto deaf = connected("staff:deaf");
  deaf->set_auto_pong(false);
  auto alive = connected("staff:alive");
  // Both read all along (a client only answers the pings it reads); the deaf one never
  // answers them.
  std::optional<int> deaf_end;
  std::chrono::steady_clock::duration deaf_took{};
  std::thread deaf_reader([&] {
    const auto t0 = std::chrono::steady_clock::now();
    deaf_end = deaf->wait_close(5s);
    deaf_took = std::chrono::steady_clock::now() - t0;
  });
  const bool quiet = alive->quiet_for(1200ms);
  deaf_reader.join();
  EXPECT_EQ(deaf_end, -1) << "dropped: no close handshake with a deaf client";
  EXPECT_GE(deaf->pings_received(), 2);
  EXPECT_GE(deaf_took, 500ms) << "two unanswered pings are allowed first";
  EXPECT_TRUE(quiet);
  EXPECT_GE(alive->pings_received(), 4);
  EXPECT_FALSE(alive->closed()) << "the one that answers stays, across several intervals";
  bus_.publish("order_created", json::object{{"id", "still"}}, {"orders"});
  auto e = alive->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("data").at("id"), "still");
}

TEST_F(WsServerTest, ShutdownClosesSessionsWith1001AndDoesNotWaitForThem) {
  start();
  auto a = connected("staff:a");
  auto b = connected("customer:c1");
  ASSERT_EQ(server_->connections(), 2);
  bool clean = false;
  const auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { clean = server_->shutdown(5s); });
  EXPECT_EQ(a->wait_close(3s), 1001);
  EXPECT_EQ(b->wait_close(3s), 1001);
  stopper.join();
  EXPECT_TRUE(clean);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(hub_.connections(), 0);
}

TEST_F(WsServerTest, ShutdownCutsAClientThatDoesNotCloseWithinTheTimeout) {
  options_.websocket.close_timeout = 300ms;
  start();
  WsOptions o;
  auto silent = connected("staff:s", o);  // never reads again, so never answers the close
  bool clean = false;
  const auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { clean = server_->shutdown(5s); });
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(clean);
  auto code = silent->wait_close(2s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 1001) << "the close frame went out; the connection was then cut";
}

TEST_F(WsServerTest, OverTls) {
  test::TlsFiles files;
  options_.tls_cert = files.cert();
  options_.tls_key = files.key();
  start();
  WsOptions o;
  o.tls = true;
  o.auth = WsOptions::Auth::subprotocol;
  auto c = connected("customer:c1", o);
  bus_.publish("order_created", json::object{{"id", "t"}}, {"user:c1"});
  auto e = c->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("data").at("id"), "t");
  EXPECT_TRUE(c->send_close(1000));
  EXPECT_EQ(c->wait_close(2s), 1000);
}

}  // namespace
}  // namespace crema::net
