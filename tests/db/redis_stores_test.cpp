// The Redis-backed limiter and denylist (CREMA_TEST_REDIS_URL; scripts/test.sh starts a
// Redis). Two clients stand for two instances: they must see one shared state.
#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "auth/redis_stores.hpp"
#include "db/types.hpp"
#include "events/socket_ledger.hpp"
#include "support/redis_process.hpp"
#include "support/test_db.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::test {
namespace {

class RedisStores : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("CREMA_TEST_REDIS_URL");
    if (!url || !*url) {
      if (postgres_required()) FAIL() << "CREMA_TEST_REDIS_URL is not set";
      GTEST_SKIP() << "CREMA_TEST_REDIS_URL is not set";
    }
    auto endpoint = events::RedisEndpoint::parse(url);
    ASSERT_TRUE(endpoint) << url;
    a_ = std::make_shared<events::RedisClient>(*endpoint);
    b_ = std::make_shared<events::RedisClient>(*endpoint);
    prefix_ = util::new_uuid_v7() + ":";
  }
  std::shared_ptr<events::RedisClient> a_, b_;
  std::string prefix_;
};

TEST_F(RedisStores, OneBudgetAcrossInstances) {
  auth::RedisRateLimiter one(a_), two(b_);
  auth::MemoryRateLimiter memory;
  const std::int64_t start = util::now_ms() / 60'000 * 60'000;
  const std::string key = prefix_ + "ip:203.0.113.5";
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE((i % 2 ? one : two).take(key, 4, 60'000, start + 1000 + i * 6000).allowed) << i;
    EXPECT_TRUE(memory.take("m", 4, 60'000, start + 1000 + i * 6000).allowed);
  }
  auto refused = one.take(key, 4, 60'000, start + 20'000);
  EXPECT_FALSE(refused.allowed);
  // The same decision and wait as the in-process limiter: the first request's sub-window
  // [start, start + 5 s) leaves at start + 65 s.
  EXPECT_EQ(refused.retry_after_ms, memory.take("m", 4, 60'000, start + 20'000).retry_after_ms);
  EXPECT_EQ(refused.retry_after_ms, 45'000);
  EXPECT_FALSE(two.take(key, 4, 60'000, start + 64'999).allowed);
  EXPECT_TRUE(two.take(key, 4, 60'000, start + 65'000).allowed);
  EXPECT_FALSE(one.take(key, 4, 60'000, start + 65'000).allowed);
  EXPECT_TRUE(one.take(prefix_ + "other", 4, 60'000, start).allowed);
  EXPECT_TRUE(one.blocking());
  // The hash expires on its own, and keeps only the sub-windows still in the window.
  const std::string hash = auth::redis_key("rl", key + "|60000");
  auto ttl = a_->command({"PTTL", hash});
  EXPECT_GT(ttl.integer, 0);
  EXPECT_LE(ttl.integer, 70'000);
  EXPECT_TRUE(one.take(key, 4, 60'000, start + 200'000).allowed);
  EXPECT_EQ(a_->command({"HLEN", hash}).integer, 1);
}

TEST_F(RedisStores, LockoutIsShared) {
  auth::RedisRateLimiter one(a_), two(b_);
  const std::string key = prefix_ + "login:a@example.com";
  const std::int64_t now = util::now_ms();
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE((i % 2 ? one : two).reserve_attempt(key, 5, 900'000, now)) << i;
  auto left = one.reserve_attempt(key, 5, 900'000, now);
  ASSERT_TRUE(left);
  EXPECT_GT(*left, 890'000);
  EXPECT_LE(*left, 900'000);
  EXPECT_TRUE(two.reserve_attempt(key, 5, 900'000, now));
  // An attempt given back frees its place for the other instance too.
  one.release_attempt(key, now);
  EXPECT_FALSE(two.reserve_attempt(key, 5, 900'000, now));
  EXPECT_TRUE(one.reserve_attempt(key, 5, 900'000, now));
  two.clear_failures(key);
  EXPECT_FALSE(one.reserve_attempt(key, 5, 900'000, now));
  // Giving back never goes below zero, nor brings back a key that is gone.
  two.clear_failures(key);
  one.release_attempt(key, now);
  EXPECT_EQ(a_->command({"EXISTS", auth::redis_key("fail", key)}).integer, 0);
}

// Twenty concurrent attempts from two instances: the check and the count are one script,
// so exactly five get through.
TEST_F(RedisStores, ConcurrentAttemptsNeverExceedTheThreshold) {
  const std::string key = prefix_ + "login:race@example.com";
  auto endpoint = events::RedisEndpoint::parse(std::getenv("CREMA_TEST_REDIS_URL"));
  std::atomic<int> admitted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&] {
      // A client per thread: twenty instances asking at once.
      auth::RedisRateLimiter limiter(std::make_shared<events::RedisClient>(*endpoint));
      while (!go.load()) std::this_thread::yield();
      if (!limiter.reserve_attempt(key, 5, 900'000, util::now_ms())) ++admitted;
    });
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
}

TEST_F(RedisStores, DenylistIsSharedAndExpires) {
  auth::RedisTokenDenylist one(a_), two(b_);
  const std::int64_t now = util::now_ms();
  one.deny(prefix_ + "jti", now + 300, now);
  EXPECT_TRUE(two.denied(prefix_ + "jti", now));
  EXPECT_FALSE(two.denied(prefix_ + "other", now));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_FALSE(two.denied(prefix_ + "jti", util::now_ms()));
  // No plain token id, email or IP ends up in Redis: keys are hashes.
  EXPECT_EQ(auth::redis_key("deny", "abc").rfind("crema:deny:", 0), 0u);
  EXPECT_EQ(auth::redis_key("deny", "abc").find("abc"), std::string::npos);
}

// The per-user socket ledger (CREMA_WS_PER_USER across instances): two instances add their
// sockets to one set; each open answers the oldest beyond the limit, once.
TEST_F(RedisStores, SocketLedgerKeepsTheNewestOfEveryInstance) {
  events::RedisSocketLedger one(a_, 0), two(b_, 0);
  const std::string user = prefix_ + "user";
  using List = std::vector<std::string>;
  EXPECT_EQ(one.opened(user, "a-1", 1000, 2), List{});
  EXPECT_EQ(two.opened(user, "b-1", 1001, 2), List{});
  EXPECT_EQ(one.opened(user, "a-2", 1002, 2), List{"a-1"}) << "the oldest, wherever it is";
  two.closed(user, "b-1");
  EXPECT_EQ(one.opened(user, "a-3", 1003, 2), List{}) << "a close frees a place";
  EXPECT_EQ(two.opened(user, "b-2", 1004, 3), List{});
  EXPECT_EQ(two.opened(user, "b-3", 1005, 2), (List{"a-2", "a-3"})) << "oldest first";
  EXPECT_EQ(one.opened(prefix_ + "other", "a-4", 1006, 2), List{}) << "per user";
  two.closed(user, "gone");  // not there: fine
  const auto members = a_->command({"ZRANGE", "crema:0:ws:" + user, "0", "-1"});
  ASSERT_EQ(members.elements.size(), 2u);
  EXPECT_EQ(members.elements[0].str, "b-2");
  EXPECT_EQ(members.elements[1].str, "b-3");
  const auto ttl = a_->command({"PTTL", "crema:0:ws:" + user});
  EXPECT_GT(ttl.integer, 0) << "the set of a user who left expires";
}

// Twenty sockets of one user opened at once on twenty instances with a limit of five: the
// add and the trim are one step, so exactly fifteen are taken out and five stay.
TEST_F(RedisStores, SocketLedgerNeverKeepsMoreThanTheLimitUnderConcurrentOpens) {
  const std::string user = prefix_ + "crowd";
  auto endpoint = events::RedisEndpoint::parse(std::getenv("CREMA_TEST_REDIS_URL"));
  std::atomic<int> evicted{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      events::RedisSocketLedger ledger(std::make_shared<events::RedisClient>(*endpoint), 0);
      while (!go.load()) std::this_thread::yield();
      evicted += static_cast<int>(
          ledger.opened(user, "s-" + std::to_string(100 + i), util::now_ms(), 5).size());
    });
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(evicted.load(), 15);
  EXPECT_EQ(a_->command({"ZCARD", "crema:0:ws:" + user}).integer, 5);
}

TEST_F(RedisStores, AnUnreachableRedisFailsFastAsUnavailable) {
  events::RedisEndpoint nowhere;
  nowhere.port = 1;  // nothing listens there
  auto client = std::make_shared<events::RedisClient>(nowhere, std::chrono::milliseconds(200));
  auth::RedisTokenDenylist deny(client);
  try {
    deny.denied("x", util::now_ms());
    ADD_FAILURE() << "no exception";
  } catch (const db::Error& e) {
    EXPECT_EQ(e.kind(), db::Error::Kind::unavailable);
  }
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(deny.denied("x", util::now_ms()), db::Error);  // inside the back-off: at once
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(50));
}

// After Redis restarts, the connections kept idle are dead: the next call must not fail (and
// hold every call off for the backoff) because of them — the first request after the
// restart, and the WebSocket credential checks a relinked instance runs, are answered.
TEST(RedisClientRecovery, ARestartedRedisIsUsedAgainAtOnce) {
  CREMA_REQUIRE_REDIS();
  RedisProcess redis;
  auto endpoint = events::RedisEndpoint::parse(redis.url());
  ASSERT_TRUE(endpoint);
  auto client = std::make_shared<events::RedisClient>(*endpoint);
  auth::RedisTokenDenylist deny(client);
  const std::int64_t now = util::now_ms();
  deny.deny("before", now + 60'000, now);
  EXPECT_TRUE(deny.denied("before", now));
  redis.stop();
  redis.start();  // empty again: no persistence
  EXPECT_FALSE(deny.denied("before", util::now_ms())) << "answered by the new server";
  deny.deny("after", util::now_ms() + 60'000, util::now_ms());
  EXPECT_TRUE(deny.denied("after", util::now_ms()));
}

}  // namespace
}  // namespace crema::test
