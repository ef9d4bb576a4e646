// Black-box tests of the rate limits (SPEC §3): brute force on one account, the per-IP auth
// and public budgets, the per-user budget, routes that are never limited, 0 = off, and one
// shared budget across two instances through Redis. Each test starts its own small server.

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

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

// The value of an unlabelled metric in /metrics' text (-1 when absent).
double metric(HttpClient& c, std::string_view name) {
  auto r = c.get("/metrics");
  const std::string line = "\n" + std::string(name) + " ";
  auto at = r.body.find(line);
  if (at == std::string::npos) return -1;
  return std::atof(r.body.c_str() + at + line.size());
}

// Check-then-act would let every concurrent guess through the lockout: the attempt is
// reserved before hashing, so of twenty at once at most five reach the password check
// (password_verifications_total counts every Argon2 verification the server made).
TEST_F(RateLimits, ConcurrentGuessesCannotOutrunTheLockout) {
  // Enough workers that the hashing queue (half of them) turns no guess away here.
  auto s = start({{"CREMA_AUTH_RATE_PER_MIN", "0"}, {"CREMA_DB_POOL_SIZE", "16"}});
  AuthHelper accounts(*s.server);
  const Account& cust = accounts.account("customer");
  const double before = metric(*s.client, "password_verifications_total");
  ASSERT_GE(before, 0) << "no password_verifications_total metric";
  std::vector<int> statuses(20, 0);
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      auto client = client_for(*s.server);
      client->set_timeout(std::chrono::seconds(60));
      while (!go.load()) std::this_thread::yield();
      statuses[static_cast<std::size_t>(i)] =
          login(*client, cust.email, "guess number " + std::to_string(i)).status;
    });
  go = true;
  for (auto& t : threads) t.join();
  const double checked = metric(*s.client, "password_verifications_total") - before;
  EXPECT_LE(checked, 5) << "guesses that reached Argon2";
  EXPECT_LE(std::count(statuses.begin(), statuses.end(), 401), 5);
  EXPECT_GE(std::count(statuses.begin(), statuses.end(), 429), 15);
  for (int st : statuses) EXPECT_TRUE(st == 401 || st == 429 || st == 503) << st;
  EXPECT_ERROR(login(*s.client, cust.email, cust.password), 429, "rate_limited");
}

// A flood of sign-ins cannot take every worker thread: at most half of them hash or wait to
// hash, the rest of the flood is answered 503 with Retry-After at once, and the menu and
// orders keep being served meanwhile (a generous bound, not a benchmark).
TEST_F(RateLimits, ALoginFloodGets503sAndOtherRoutesKeepAnswering) {
  auto s = start({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                  {"CREMA_PUBLIC_RATE_PER_MIN", "0"},
                  {"CREMA_USER_RATE_PER_MIN", "0"},
                  {"CREMA_DB_POOL_SIZE", "4"}});
  AuthHelper accounts(*s.server);
  const auto staff = accounts.bearer("staff");
  auto product = s.client->post("/api/v1/products",
                                boost::json::serialize(boost::json::object{
                                    {"name", "Flood bun"}, {"category", "Flood"}, {"price", 2}}),
                                accounts.bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string pid(product.object().at("id").as_string());

  std::atomic<bool> stop{false};
  std::atomic<int> busy{0}, retry_after_ok{0}, answered{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < 16; ++t)
    flood.emplace_back([&, t] {
      auto client = client_for(*s.server);
      client->set_timeout(std::chrono::seconds(60));
      for (int i = 0; !stop.load(); ++i) {
        auto r =
            login(*client, "flood" + std::to_string(t) + "-" + std::to_string(i) + "@example.com",
                  "not the password at all");
        ++answered;
        if (r.status == 503) {
          ++busy;
          if (retry_after(r) >= 1) ++retry_after_ok;
        }
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the flood is on
  auto other = client_for(*s.server);
  other->set_timeout(std::chrono::seconds(30));
  int ok = 0;
  std::int64_t slowest_ms = 0;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto products = other->get("/api/v1/products?limit=5");
    auto order =
        other->post("/api/v1/orders",
                    boost::json::serialize(boost::json::object{
                        {"type", "takeaway"},
                        {"items", boost::json::array{{{"product_id", pid}, {"quantity", 1}}}}}),
                    staff);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    slowest_ms = std::max<std::int64_t>(slowest_ms, ms);
    if (products.status == 200 && order.status == 201) ++ok;
  }
  stop = true;
  for (auto& t : flood) t.join();
  EXPECT_EQ(ok, 10) << "menu and order requests failed during the flood";
  EXPECT_LT(slowest_ms, 5000) << "a product list and an order took " << slowest_ms << " ms";
  EXPECT_GT(busy.load(), 0) << "no sign-in was turned away (" << answered.load() << " answered)";
  EXPECT_EQ(retry_after_ok.load(), busy.load()) << "a 503 without Retry-After";
  const double refused = metric(*s.client, "password_hash_queue_refusals_total");
  EXPECT_GE(refused, busy.load());
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
// 304 answers cost nothing. A conditional GET is charged before it is answered (given back
// when the answer is 304), so once the budget is spent it is refused like any request, and
// bad credentials on it are counted too.
TEST_F(RateLimits, TheCachedMenuIsCountedLikeAnyAnonymousRequest) {
  auto s = start({{"CREMA_PUBLIC_RATE_PER_MIN", "4"}});
  std::string etag;
  for (int i = 0; i < 3; ++i) {
    auto menu = s.client->get("/api/v1/menu");
    ASSERT_EQ(menu.status, 200) << i << menu.describe();
    etag = menu.header("ETag");
  }
  ASSERT_FALSE(etag.empty());
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(s.client->get("/api/v1/menu", {{"If-None-Match", etag}}).status, 304) << i;
  EXPECT_EQ(s.client->get("/api/v1/menu", {{"If-None-Match", "\"stale\""}}).status, 200);
  auto refused = s.client->get("/api/v1/menu");
  EXPECT_ERROR(refused, 429, "rate_limited");
  EXPECT_GE(retry_after(refused), 1);
  EXPECT_ERROR(s.client->get("/api/v1/menu", {{"If-None-Match", etag}}), 429, "rate_limited");
}

TEST_F(RateLimits, BadCredentialsOnConditionalGetsAreCounted) {
  auto s = start({{"CREMA_PUBLIC_RATE_PER_MIN", "3"}});
  const auto menu = s.client->get("/api/v1/menu");
  const RequestHeaders bad = {{"Authorization", "Bearer junk"},
                              {"If-None-Match", menu.header("ETag")}};
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_ERROR(s.client->get("/api/v1/orders", bad), 401, "unauthorized");
  }
  EXPECT_ERROR(s.client->get("/api/v1/orders", bad), 429, "rate_limited");
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
