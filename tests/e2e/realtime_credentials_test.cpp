// SPEC §15.4 through the real binary: a WebSocket lives no longer than its credentials.
// Expiry (a short-lived token signed with the server's key: the access-token lifetime is a
// fixed 15 minutes), logout, password change, deactivation, erasure and role change each
// close the sockets concerned with 4001 within one second, and the tokens answer 401 over
// HTTP too; `reauth` renews a socket without a gap; per-client message limits (1008); the
// per-user cap (4002 for the oldest), on one instance and across two; and a revocation made
// on one instance closing a socket on another through Redis.

#include <chrono>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/redis_process.hpp"
#include "support/tcp_relay.hpp"
#include "support/ws_client.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A token of `account`'s user and session that expires at `exp` (Unix seconds), signed with
// the server's key: what the server would issue if its tokens lived that long.
std::string token_expiring_at(const Account& account, std::int64_t exp) {
  auto claims = jwt_payload(account.token);
  claims["iat"] = unix_now_s();
  claims["exp"] = exp;
  claims["jti"] = auth::hex_encode(auth::random_bytes(16));
  return forge_jwt(R"({"alg":"HS256","typ":"JWT"})", claims);
}

std::unique_ptr<WsClient> open_ws(const ServerProcess& server, const std::string& token) {
  WsOptions o;
  o.token = token;
  auto c = std::make_unique<WsClient>(server.host(), server.port(), o);
  EXPECT_TRUE(c->upgraded()) << c->response().describe();
  if (c->upgraded()) {
    EXPECT_TRUE(c->read_type("hello"));
  }
  return c;
}

// The close code of `c` if it arrives within one second of `since` (when the HTTP answer of
// the change arrived: the change is committed by then), else 0.
int closed_within_a_second(WsClient& c, Clock::time_point since) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(since + 1s - Clock::now());
  if (left.count() <= 0) return 0;
  auto code = c.wait_close(left);
  return code ? *code : 0;
}

class RealtimeCredentials : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Accounts sign in several times (several sessions of one user).
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}}));
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
  std::unique_ptr<WsClient> ws(const std::string& token) { return open_ws(server(), token); }
  /// A second session of the same account (a login elsewhere).
  Account second_session(const Account& a) { return accounts_->login(a.email, a.password); }
  int http_status(const std::string& token) {
    return client_->get("/api/v1/auth/me", AuthHelper::bearer_of(token)).status;
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> accounts_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> RealtimeCredentials::shared_;
std::unique_ptr<AuthHelper> RealtimeCredentials::accounts_;

TEST_F(RealtimeCredentials, TheSocketClosesWith4001WhenItsAccessTokenExpires) {
  const Account a = accounts_->create("staff");
  const std::int64_t exp = unix_now_s() + 3;
  const std::string token = token_expiring_at(a, exp);
  auto c = ws(token);
  ASSERT_TRUE(c->upgraded());
  EXPECT_TRUE(c->quiet_for(1500ms)) << "open while the token is valid";
  EXPECT_EQ(http_status(token), 200);
  auto code = c->wait_close(4s);
  const std::int64_t closed_ms = unix_now_ms();
  EXPECT_EQ(code, 4001);
  EXPECT_GE(closed_ms, exp * 1000) << "never before exp";
  EXPECT_LT(closed_ms, exp * 1000 + 1000) << "and no leeway after it";
  EXPECT_EQ(http_status(token), 401) << "the token is refused over HTTP too";
  // An already expired token never upgrades.
  WsOptions o;
  o.token = token;
  WsClient again(server().host(), server().port(), o);
  EXPECT_EQ(again.response().status, 401);
}

TEST_F(RealtimeCredentials, LogoutClosesTheSocketsOfThatSessionWithinASecond) {
  const Account a = accounts_->create("customer");
  const Account elsewhere = second_session(a);
  auto first = ws(a.token);
  auto also_first = ws(a.token);
  auto other = ws(elsewhere.token);
  auto out = client_->post("/api/v1/auth/logout", "", a.bearer());
  ASSERT_EQ(out.status, 204) << out.describe();
  const auto t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*first, t0), 4001);
  EXPECT_EQ(closed_within_a_second(*also_first, t0), 4001);
  EXPECT_EQ(first->close_code(), 4001);
  EXPECT_TRUE(other->quiet_for(300ms)) << "the other session's socket stays";
  EXPECT_FALSE(other->closed());
  EXPECT_EQ(http_status(a.token), 401);
  EXPECT_EQ(http_status(elsewhere.token), 200);

  // Logging out with the other session's refresh token ends that one too.
  const Account third = second_session(a);
  auto s3 = ws(third.token);
  auto both = post_json(*client_, "/api/v1/auth/logout",
                        {{"refresh_token", elsewhere.refresh_token}}, third.bearer());
  ASSERT_EQ(both.status, 204) << both.describe();
  const auto t1 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*s3, t1), 4001);
  EXPECT_EQ(closed_within_a_second(*other, t1), 4001);
}

TEST_F(RealtimeCredentials, APasswordChangeClosesTheSocketsOfTheSessionsItRevokes) {
  Account a = accounts_->create("driver");
  const Account elsewhere = second_session(a);
  auto mine = ws(a.token);
  auto theirs = ws(elsewhere.token);
  auto changed =
      post_json(*client_, "/api/v1/auth/password",
                {{"current_password", a.password}, {"new_password", "a brand new passphrase 42"}},
                a.bearer());
  ASSERT_EQ(changed.status, 204) << changed.describe();
  const auto t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*theirs, t0), 4001);
  EXPECT_TRUE(mine->quiet_for(300ms)) << "the session that changed it keeps its socket";
  EXPECT_FALSE(mine->closed());
  EXPECT_EQ(http_status(elsewhere.token), 401);
  EXPECT_EQ(http_status(a.token), 200);
}

TEST_F(RealtimeCredentials, DeactivationClosesEverySocketOfTheUser) {
  const Account a = accounts_->create("staff");
  const Account elsewhere = second_session(a);
  auto s1 = ws(a.token);
  auto s2 = ws(elsewhere.token);
  const Account& bystander = accounts_->account("staff");
  auto s3 = ws(bystander.token);
  auto res = client_->request("PUT", "/api/v1/users/" + a.id, R"({"is_active": false})",
                              accounts_->admin().bearer());
  ASSERT_EQ(res.status, 200) << res.describe();
  const auto t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*s1, t0), 4001);
  EXPECT_EQ(closed_within_a_second(*s2, t0), 4001);
  EXPECT_TRUE(s3->quiet_for(200ms)) << "another user's socket stays";
  EXPECT_FALSE(s3->closed());
  EXPECT_EQ(http_status(a.token), 401);
  EXPECT_EQ(http_status(elsewhere.token), 401);
}

TEST_F(RealtimeCredentials, ErasureByAnAdminClosesEverySocketOfTheUser) {
  const Account a = accounts_->create("customer");
  auto s1 = ws(a.token);
  auto s2 = ws(a.token);
  auto res = client_->request("DELETE", "/api/v1/users/" + a.id, "", accounts_->admin().bearer());
  ASSERT_EQ(res.status, 204) << res.describe();
  const auto t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*s1, t0), 4001);
  EXPECT_EQ(closed_within_a_second(*s2, t0), 4001);
  EXPECT_EQ(http_status(a.token), 401);
}

TEST_F(RealtimeCredentials, ErasingOnesOwnAccountClosesEverySocketOfIt) {
  const Account a = accounts_->create("customer");
  const Account elsewhere = second_session(a);
  auto s1 = ws(a.token);
  auto s2 = ws(elsewhere.token);
  auto erased = client_->request("DELETE", "/api/v1/users/me", "", a.bearer());
  ASSERT_EQ(erased.status, 204) << erased.describe();
  const auto t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*s1, t0), 4001);
  EXPECT_EQ(closed_within_a_second(*s2, t0), 4001);
  EXPECT_EQ(http_status(a.token), 401);
  EXPECT_EQ(http_status(elsewhere.token), 401);
}

TEST_F(RealtimeCredentials, ARoleChangeClosesEverySocketOfTheUser) {
  const Account a = accounts_->create("customer");
  auto s1 = ws(a.token);
  auto res = client_->request("PUT", "/api/v1/users/" + a.id, R"({"role": "staff"})",
                              accounts_->admin().bearer());
  ASSERT_EQ(res.status, 200) << res.describe();
  const auto t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*s1, t0), 4001);
  EXPECT_EQ(http_status(a.token), 401) << "the old role's token is refused";
  // A refreshed token carries the new role and opens a staff socket.
  auto refreshed =
      post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", a.refresh_token}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.describe();
  WsOptions o;
  o.token = std::string(refreshed.object().at("token").as_string());
  WsClient again(server().host(), server().port(), o);
  auto hello = again.read_type("hello");
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->at("data").at("role"), "staff");
}

TEST_F(RealtimeCredentials, AReauthRenewsTheSocketWithoutAGap) {
  const Account a = accounts_->create("staff");
  const std::int64_t exp = unix_now_s() + 3;
  auto c = ws(token_expiring_at(a, exp));
  // The client refreshes (same session, a new 15-minute token) and hands the socket the new
  // token before the old one expires.
  auto refreshed =
      post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", a.refresh_token}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.describe();
  const std::string fresh(refreshed.object().at("token").as_string());
  ASSERT_TRUE(c->send_json(json::object{{"action", "reauth"}, {"token", fresh}}));
  auto answer = c->read_json();
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->at("type"), "reauthenticated") << json::serialize(*answer);
  const std::int64_t new_exp = jwt_payload(fresh).at("exp").as_int64();
  EXPECT_EQ(answer->at("data").at("expires_at").as_string(), util::format_rfc3339(new_exp * 1000));
  // Past the first token's expiry it is open and still receives what its role may see.
  std::this_thread::sleep_for(std::chrono::milliseconds(exp * 1000 - unix_now_ms() + 700));
  EXPECT_FALSE(c->closed());
  auto made = post_json(*client_, "/api/v1/products",
                        {{"name", "Reauth roll"}, {"category", "Feed"}, {"price", 1.5}},
                        accounts_->bearer("manager"));
  ASSERT_EQ(made.status, 201) << made.describe();
  auto event = c->read_type("menu_updated", 3s);
  ASSERT_TRUE(event) << "no event after the reauth";
  EXPECT_EQ(c->close_code(), 0);
}

TEST_F(RealtimeCredentials, AReauthWithAnInvalidTokenClosesWith4001) {
  const Account& a = accounts_->account("staff");
  for (const std::string& bad : {std::string("not-a-token"), token_expiring_at(a, unix_now_s() - 5),
                                 forge_jwt(R"({"alg":"HS256","typ":"JWT"})", jwt_payload(a.token),
                                           "another-key-of-at-least-32-bytes-xxxxxx")}) {
    auto c = ws(a.token);
    ASSERT_TRUE(c->send_json(json::object{{"action", "reauth"}, {"token", bad}}));
    EXPECT_EQ(c->wait_close(2s), 4001) << bad;
  }
  // A token that was valid but has been revoked (signed out) is refused as well.
  const Account b = accounts_->create("staff");
  const Account gone = second_session(b);
  ASSERT_EQ(client_->post("/api/v1/auth/logout", "", gone.bearer()).status, 204);
  auto c = ws(b.token);
  ASSERT_TRUE(c->send_json(json::object{{"action", "reauth"}, {"token", gone.token}}));
  EXPECT_EQ(c->wait_close(2s), 4001);
}

TEST_F(RealtimeCredentials, AReauthWithAnotherUsersTokenClosesWith4001) {
  const Account mine = accounts_->create("customer");
  const Account theirs = accounts_->create("customer");
  auto c = ws(mine.token);
  ASSERT_TRUE(c->send_json(json::object{{"action", "reauth"}, {"token", theirs.token}}));
  EXPECT_EQ(c->wait_close(2s), 4001);
  EXPECT_EQ(http_status(theirs.token), 200) << "nothing happened to the other user";
}

TEST_F(RealtimeCredentials, AMessageOverFourKibClosesWith1008) {
  auto c = ws(accounts_->token("staff"));
  ASSERT_TRUE(c->send_text(std::string(4097, ' ')));
  EXPECT_EQ(c->wait_close(2s), 1008);
  auto d = ws(accounts_->token("staff"));
  ASSERT_TRUE(d->send_text(std::string(4096, ' ')));  // at the limit: an error frame, no close
  auto e = d->read_json();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("type"), "error");
  EXPECT_FALSE(d->closed());
}

TEST_F(RealtimeCredentials, MoreThanTwentyMessagesASecondCloseWith1008) {
  auto c = ws(accounts_->token("staff"));
  const std::string sub = R"({"action":"subscribe","channel":"menu"})";
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c->send_text(sub));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c->read_type("subscribed")) << i;
  ASSERT_TRUE(c->send_text(sub));
  EXPECT_EQ(c->wait_close(2s), 1008);
}

TEST_F(RealtimeCredentials, TheEleventhSocketOfAUserClosesTheOldestWith4002) {
  const Account a = accounts_->create("customer");
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < 10; ++i) sockets.push_back(ws(a.token));  // CREMA_WS_PER_USER: 10
  const Account& other = accounts_->account("customer");
  auto bystander = ws(other.token);
  for (auto& s : sockets) EXPECT_FALSE(s->closed());
  sockets.push_back(ws(a.token));
  EXPECT_EQ(sockets.front()->wait_close(1s), 4002) << "the oldest goes";
  for (std::size_t i = 1; i < sockets.size(); ++i)
    EXPECT_TRUE(sockets[i]->quiet_for(i == 1 ? 300ms : 1ms)) << i;
  for (std::size_t i = 1; i < sockets.size(); ++i) EXPECT_FALSE(sockets[i]->closed()) << i;
  EXPECT_FALSE(bystander->closed());
}

// ---- across instances -------------------------------------------------------------------------

// Two `crema serve` on one database and one Redis: a logout, a deactivation and a role change
// made through A close the sockets held on B within a second, and B refuses the tokens.
TEST(RealtimeCredentialsInstances, ARevocationOnAClosesTheSocketsOnB) {
  CREMA_E2E_REQUIRE_STORE();
  CREMA_REQUIRE_REDIS();
  std::unique_ptr<RedisProcess> own;
  std::string url;
  if (auto shared = shared_redis_url()) {
    url = shared->substr(0, shared->rfind('/')) + (store_is_postgres() ? "/14" : "/13");
  } else {
    own = std::make_unique<RedisProcess>();
    url = own->url();
  }
  auto db = fresh_database();
  auto options = identity_server({{"CREMA_REDIS_URL", url}, {"CREMA_AUTH_RATE_PER_MIN", "0"}});
  options.database_url = db->url();
  ServerProcess a(options);
  ServerProcess b(options);
  for (auto* s : {&a, &b})
    ASSERT_TRUE(s->wait_for_log(
        [](const json::object& l) { return l.at("msg") == "redis events subscribed"; }, 10s))
        << s->stdout_text();
  AuthHelper accounts(a);  // one database: the same accounts and tokens on both
  auto client_a = client_for(a);
  auto client_b = client_for(b);

  // Logout through A: the socket on B closes, and B refuses the token (Redis denylist).
  const Account u = accounts.create("customer");
  auto on_b = open_ws(b, u.token);
  ASSERT_EQ(client_a->post("/api/v1/auth/logout", "", u.bearer()).status, 204);
  auto t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*on_b, t0), 4001) << "logout on A, socket on B";
  EXPECT_EQ(client_b->get("/api/v1/auth/me", u.bearer()).status, 401);

  // Deactivation through A: every socket of the user, on both instances.
  const Account v = accounts.create("staff");
  auto v_on_a = open_ws(a, v.token);
  auto v_on_b = open_ws(b, v.token);
  auto off = client_a->request("PUT", "/api/v1/users/" + v.id, R"({"is_active": false})",
                               accounts.admin().bearer());
  ASSERT_EQ(off.status, 200) << off.describe();
  t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*v_on_b, t0), 4001) << "deactivation on A, socket on B";
  EXPECT_EQ(closed_within_a_second(*v_on_a, t0), 4001) << "and its own";
  EXPECT_EQ(client_b->get("/api/v1/auth/me", v.bearer()).status, 401);

  // A role change made through B reaches A.
  const Account w = accounts.create("driver");
  auto w_on_a = open_ws(a, w.token);
  auto promoted = client_b->request("PUT", "/api/v1/users/" + w.id, R"({"role": "staff"})",
                                    accounts.admin().bearer());
  ASSERT_EQ(promoted.status, 200) << promoted.describe();
  t0 = Clock::now();  // answered: the change is committed
  EXPECT_EQ(closed_within_a_second(*w_on_a, t0), 4001) << "role change on B, socket on A";
  EXPECT_EQ(client_a->get("/api/v1/auth/me", w.bearer()).status, 401);
}

// CREMA_WS_PER_USER counts the sockets of every instance (SPEC §15.4 "a user has at most"):
// with a cap of two, a user's third socket closes the oldest with 4002 on whichever
// instance holds it, within a second.
TEST(RealtimeCredentialsInstances, TheCapCountsTheSocketsOfEveryInstance) {
  CREMA_E2E_REQUIRE_STORE();
  CREMA_REQUIRE_REDIS();
  RedisProcess redis;
  auto db = fresh_database();
  auto options = identity_server({{"CREMA_REDIS_URL", redis.url()},
                                  {"CREMA_AUTH_RATE_PER_MIN", "0"},
                                  {"CREMA_WS_PER_USER", "2"}});
  options.database_url = db->url();
  ServerProcess a(options);
  ServerProcess b(options);
  auto subscribed = [](const json::object& l) { return l.at("msg") == "redis events subscribed"; };
  for (auto* s : {&a, &b}) ASSERT_TRUE(s->wait_for_log(subscribed, 10s)) << s->stdout_text();
  AuthHelper accounts(a);
  const Account u = accounts.create("customer");
  const Account other = accounts.create("customer");

  auto first = open_ws(a, u.token);
  auto second = open_ws(b, u.token);
  auto bystander = open_ws(b, other.token);
  EXPECT_TRUE(first->quiet_for(300ms)) << "one socket on each instance: within two";
  EXPECT_FALSE(first->closed());

  auto third = open_ws(a, u.token);  // open_ws returns once hello has been read
  auto t0 = Clock::now();
  EXPECT_EQ(closed_within_a_second(*first, t0), 4002) << "the oldest, on A";
  EXPECT_FALSE(second->closed());

  auto fourth = open_ws(a, u.token);
  t0 = Clock::now();
  EXPECT_EQ(closed_within_a_second(*second, t0), 4002) << "the next oldest, on B, from A";
  for (auto* c : {third.get(), fourth.get(), bystander.get()}) {
    EXPECT_TRUE(c->quiet_for(200ms));
    EXPECT_FALSE(c->closed());
  }

  // A socket that closes frees its place on every instance.
  third.reset();
  EXPECT_TRUE(fourth->quiet_for(300ms));
  auto fifth = open_ws(b, u.token);
  EXPECT_TRUE(fourth->quiet_for(500ms)) << "two open: nobody goes";
  EXPECT_FALSE(fourth->closed());
  EXPECT_FALSE(fifth->closed());
}

// The Redis fan-out delivers at most once while linked: a revocation published while B's
// link to Redis is down (A's is up) never reaches B. When its link comes back, B has every
// socket check its token again, and the revoked ones close.
TEST(RealtimeCredentialsInstances, RevocationsMissedWhileRedisWasDownAreCaughtWhenItReturns) {
  CREMA_E2E_REQUIRE_STORE();
  CREMA_REQUIRE_REDIS();
  RedisProcess redis;
  TcpRelay link_of_b(redis.port());  // B reaches Redis through it; cutting it cuts B alone
  auto db = fresh_database();
  auto options =
      identity_server({{"CREMA_REDIS_URL", redis.url()}, {"CREMA_AUTH_RATE_PER_MIN", "0"}});
  options.database_url = db->url();
  ServerProcess a(options);
  options.env["CREMA_REDIS_URL"] = "redis://127.0.0.1:" + std::to_string(link_of_b.port());
  ServerProcess b(options);
  auto subscribed = [](const json::object& l) { return l.at("msg") == "redis events subscribed"; };
  for (auto* s : {&a, &b}) ASSERT_TRUE(s->wait_for_log(subscribed, 10s)) << s->stdout_text();
  AuthHelper accounts(a);
  const Account gone = accounts.create("staff");
  const Account stays = accounts.create("staff");
  auto doomed = open_ws(b, gone.token);
  auto fine = open_ws(b, stays.token);

  link_of_b.cut();
  ASSERT_TRUE(b.wait_for_log(
      [](const json::object& l) { return l.at("msg") == "redis subscription lost; reconnecting"; },
      10s))
      << b.stdout_text();
  auto client_a = client_for(a);
  auto off = client_a->request("PUT", "/api/v1/users/" + gone.id, R"({"is_active": false})",
                               accounts.admin().bearer());
  ASSERT_EQ(off.status, 200) << off.describe();
  EXPECT_TRUE(doomed->quiet_for(1500ms)) << "nothing reaches B while its link is down";

  link_of_b.restore();
  auto code = doomed->wait_close(15s);
  EXPECT_EQ(code, 4001) << "caught when B's link came back";
  EXPECT_TRUE(fine->quiet_for(500ms)) << "a socket whose token is still valid stays";
  EXPECT_FALSE(fine->closed());
}

}  // namespace
}  // namespace crema::test::e2e
