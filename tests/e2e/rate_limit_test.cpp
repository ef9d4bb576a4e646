// Black-box tests of the rate limits (SPEC §3): brute force on one account, the per-IP auth
// and public budgets, the per-user budget, routes that are never limited, 0 = off, and one
// shared budget across two instances through Redis. Each test starts its own small server.

#include <cstdlib>

#include "e2e/identity_support.hpp"
#include "events/redis_client.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class RateLimits : public ::testing::Test {
 protected:
  void SetUp() override { CREMA_E2E_REQUIRE_STORE(); }

  // A server on a fresh database with these settings.
  struct Instance {
    std::unique_ptr<Database> db;
    std::unique_ptr<ServerProcess> server;
    std::unique_ptr<HttpClient> client;
  };
  static Instance start(EnvOverrides env, Database* shared_db = nullptr) {
    Instance i;
    if (!shared_db) i.db = fresh_database();
    ServerOptions o = identity_server(std::move(env));
    o.database_url = shared_db ? shared_db->url() : i.db->url();
    i.server = std::make_unique<ServerProcess>(std::move(o));
    i.client = client_for(*i.server);
    return i;
  }
};

int retry_after(const HttpResponse& r) {
  const std::string v = r.header("Retry-After");
  return v.empty() ? -1 : std::atoi(v.c_str());
}

HttpResponse login(HttpClient& c, std::string_view email, std::string_view password) {
  return post_json(c, "/api/v1/auth/login", {{"email", email}, {"password", password}});
}

TEST_F(RateLimits, TheSixthLoginAfterFiveFailuresIsRefusedWhateverThePassword) {
  auto s = start({{"CREMA_AUTH_RATE_PER_MIN", "0"}});  // only the per-account lockout here
  AuthHelper accounts(*s.server);
  const Account& cust = accounts.account("customer");
  for (int i = 0; i < 5; ++i)
    EXPECT_ERROR(login(*s.client, cust.email, "a wrong guess"), 401, "unauthorized");
  auto sixth = login(*s.client, cust.email, cust.password);
  EXPECT_ERROR(sixth, 429, "rate_limited");
  EXPECT_GT(retry_after(sixth), 14 * 60) << sixth.describe();
  EXPECT_LE(retry_after(sixth), 15 * 60) << sixth.describe();
  // Whatever the case of the email.
  EXPECT_ERROR(login(*s.client, "  " + std::string(cust.email) + " ", cust.password), 429,
               "rate_limited");
  // The account's existing sessions are not affected, nor are other accounts.
  EXPECT_EQ(s.client->get("/api/v1/auth/me", cust.bearer()).status, 200);
  EXPECT_EQ(accounts.login(accounts.account("staff").email, kTestPassword).role, "staff");

  // An unknown email locks the same way: nothing tells it apart from a known one.
  for (int i = 0; i < 5; ++i)
    EXPECT_ERROR(login(*s.client, "nobody@example.com", "a wrong guess"), 401, "unauthorized");
  auto unknown = login(*s.client, "nobody@example.com", "a wrong guess");
  EXPECT_ERROR(unknown, 429, "rate_limited");
  EXPECT_GT(retry_after(unknown), 0);

  // CREMA_AUTH_RATE_PER_MIN=0 turns the per-IP auth budget off (refreshes cost no hash).
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(post_json(*s.client, "/api/v1/auth/refresh", {{"refresh_token", "junk"}}).status, 401)
        << i;
}

TEST_F(RateLimits, LoginRegisterAndRefreshShareThePerIpBudget) {
  auto s = start({{"CREMA_AUTH_RATE_PER_MIN", "3"}, {"CREMA_PUBLIC_RATE_PER_MIN", "5"}});
  EXPECT_ERROR(login(*s.client, "who@example.com", "a wrong guess"), 401, "unauthorized");
  EXPECT_ERROR(post_json(*s.client, "/api/v1/auth/register", {{"email", "x"}}), 422,
               "validation_failed");
  EXPECT_ERROR(post_json(*s.client, "/api/v1/auth/refresh", {{"refresh_token", "junk"}}), 401,
               "unauthorized");
  auto refused =
      post_json(*s.client, "/api/v1/auth/register",
                {{"name", "N"}, {"email", "n@example.com"}, {"password", kTestPassword}});
  EXPECT_ERROR(refused, 429, "rate_limited");
  EXPECT_GE(retry_after(refused), 55);  // until the first request leaves the minute
  EXPECT_LE(retry_after(refused), 65);
  EXPECT_ERROR(login(*s.client, "who@example.com", "a wrong guess"), 429, "rate_limited");
  EXPECT_ERROR(post_json(*s.client, "/api/v1/auth/refresh", {{"refresh_token", "junk"}}), 429,
               "rate_limited");
  // Even the helper's admin login is refused now: the IP's budget is spent.
  AuthHelper accounts(*s.server);
  EXPECT_THROW(accounts.admin(), std::runtime_error);

  // Other unauthenticated requests have their own budget…
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s.client->get("/openapi.json").status, 200) << i;
  auto over = s.client->get("/openapi.json");
  EXPECT_ERROR(over, 429, "rate_limited");
  EXPECT_GE(retry_after(over), 1);
  // …and the operations routes are never limited.
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(s.client->get("/health").status, 200);
    ASSERT_EQ(s.client->get("/ready").status, 200);
    ASSERT_EQ(s.client->get("/metrics").status, 200);
  }
}

TEST_F(RateLimits, SignedInUsersHaveTheirOwnBudget) {
  auto s = start({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                  {"CREMA_USER_RATE_PER_MIN", "5"},
                  {"CREMA_PUBLIC_RATE_PER_MIN", "2"}});
  AuthHelper accounts(*s.server);
  const Account& a = accounts.account("customer");
  const Account& b = accounts.account("driver");
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.client->get("/api/v1/auth/me", a.bearer()).status, 200) << i;
  auto refused = s.client->get("/api/v1/auth/me", a.bearer());
  EXPECT_ERROR(refused, 429, "rate_limited");
  EXPECT_GE(retry_after(refused), 55);
  EXPECT_LE(retry_after(refused), 65);
  // Another user from the same IP is not affected, nor is the IP's public budget.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s.client->get("/api/v1/auth/me", b.bearer()).status, 200) << i;
  EXPECT_EQ(s.client->get("/openapi.json").status, 200);
  EXPECT_EQ(s.client->get("/openapi.json").status, 200);
  EXPECT_ERROR(s.client->get("/openapi.json"), 429, "rate_limited");
  // Bad tokens count as unauthenticated requests of the IP: its budget is spent, so 429.
  EXPECT_ERROR(s.client->get("/api/v1/auth/me", AuthHelper::bearer_of("junk")), 429,
               "rate_limited");
}

// GET /menu is answered from memory on the I/O thread once cached: still counted, and its
// 304 answers still free.
TEST_F(RateLimits, TheCachedMenuIsCountedLikeAnyAnonymousRequest) {
  auto s = start({{"CREMA_PUBLIC_RATE_PER_MIN", "4"}});
  std::string etag;
  for (int i = 0; i < 4; ++i) {
    auto menu = s.client->get("/api/v1/menu");
    ASSERT_EQ(menu.status, 200) << i << menu.describe();
    etag = menu.header("ETag");
  }
  ASSERT_FALSE(etag.empty());
  auto refused = s.client->get("/api/v1/menu");
  EXPECT_ERROR(refused, 429, "rate_limited");
  EXPECT_GE(retry_after(refused), 1);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(s.client->get("/api/v1/menu", {{"If-None-Match", etag}}).status, 304) << i;
  EXPECT_ERROR(s.client->get("/api/v1/menu", {{"If-None-Match", "\"stale\""}}), 429, "rate_limited");
}

// Two instances on one database and one Redis: one budget, one lockout, one denylist.
TEST_F(RateLimits, TwoInstancesShareOneBudgetThroughRedis) {
  const char* base = std::getenv("CREMA_TEST_REDIS_URL");
  if (!base || !*base) {
    if (store_problem().must_fail || std::getenv("CREMA_TEST_REQUIRE_PG"))
      FAIL() << "CREMA_TEST_REDIS_URL is not set";
    GTEST_SKIP() << "CREMA_TEST_REDIS_URL is not set";
  }
  auto endpoint = events::RedisEndpoint::parse(base);
  ASSERT_TRUE(endpoint);
  // A database of its own per store run, emptied first, so the runs cannot meet.
  endpoint->db = store_is_postgres() ? 6 : 5;
  events::RedisClient(*endpoint).command({"FLUSHDB"});
  const std::string url = "redis://" + endpoint->host + ":" + std::to_string(endpoint->port) + "/" +
                          std::to_string(endpoint->db);

  auto db = fresh_database();
  const EnvOverrides env{{"CREMA_REDIS_URL", url}, {"CREMA_AUTH_RATE_PER_MIN", "4"}};
  auto a = start(env, db.get());
  auto b = start(env, db.get());
  EXPECT_EQ(json_string(body_of(a.client->get("/ready")), {"checks", "redis"}), "ok");

  for (auto* c : {a.client.get(), b.client.get(), a.client.get(), b.client.get()})
    EXPECT_ERROR(post_json(*c, "/api/v1/auth/refresh", {{"refresh_token", "junk"}}), 401,
                 "unauthorized");
  EXPECT_ERROR(post_json(*a.client, "/api/v1/auth/refresh", {{"refresh_token", "junk"}}), 429,
               "rate_limited");
  EXPECT_ERROR(post_json(*b.client, "/api/v1/auth/refresh", {{"refresh_token", "junk"}}), 429,
               "rate_limited");
}

TEST_F(RateLimits, TwoInstancesShareTheLockoutAndTheDenylistThroughRedis) {
  const char* base = std::getenv("CREMA_TEST_REDIS_URL");
  if (!base || !*base) {
    if (std::getenv("CREMA_TEST_REQUIRE_PG")) FAIL() << "CREMA_TEST_REDIS_URL is not set";
    GTEST_SKIP() << "CREMA_TEST_REDIS_URL is not set";
  }
  auto endpoint = events::RedisEndpoint::parse(base);
  ASSERT_TRUE(endpoint);
  endpoint->db = store_is_postgres() ? 8 : 7;
  events::RedisClient(*endpoint).command({"FLUSHDB"});
  const std::string url = "redis://" + endpoint->host + ":" + std::to_string(endpoint->port) + "/" +
                          std::to_string(endpoint->db);
  auto db = fresh_database();
  const EnvOverrides env{{"CREMA_REDIS_URL", url}, {"CREMA_AUTH_RATE_PER_MIN", "0"}};
  auto a = start(env, db.get());
  auto b = start(env, db.get());

  for (int i = 0; i < 5; ++i)
    EXPECT_ERROR(login(i % 2 ? *a.client : *b.client, "target@example.com", "a wrong guess"), 401,
                 "unauthorized");
  EXPECT_ERROR(login(*a.client, "target@example.com", "a wrong guess"), 429, "rate_limited");
  EXPECT_ERROR(login(*b.client, "target@example.com", "a wrong guess"), 429, "rate_limited");

  AuthHelper on_a(*a.server);
  const Account& c = on_a.account("customer");
  EXPECT_EQ(b.client->get("/api/v1/auth/me", c.bearer()).status, 200);
  events::RedisClient redis(*endpoint);
  auto deny_keys = [&] { return redis.command({"KEYS", "crema:deny:*"}).elements.size(); };
  EXPECT_EQ(deny_keys(), 0u);
  ASSERT_EQ(a.client->post("/api/v1/auth/logout", "", c.bearer()).status, 204);
  EXPECT_EQ(deny_keys(), 1u);  // the jti went to the shared denylist
  auto refused = b.client->get("/api/v1/auth/me", c.bearer());
  EXPECT_ERROR(refused, 401, "unauthorized");
  EXPECT_NE(json_string(body_of(refused), {"error", "message"}).find("revoked"), std::string::npos);
}

}  // namespace
}  // namespace crema::test::e2e
