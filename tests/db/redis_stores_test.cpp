// The Redis-backed limiter and denylist (CREMA_TEST_REDIS_URL; scripts/test.sh starts a
// Redis). Two clients stand for two instances: they must see one shared state.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "auth/redis_stores.hpp"
#include "db/types.hpp"
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
  const std::int64_t now = util::now_ms();
  const std::string key = prefix_ + "ip:203.0.113.5";
  EXPECT_TRUE(one.take(key, 4, 60'000, now).allowed);
  EXPECT_TRUE(two.take(key, 4, 60'000, now).allowed);
  EXPECT_TRUE(one.take(key, 4, 60'000, now).allowed);
  EXPECT_TRUE(two.take(key, 4, 60'000, now).allowed);
  auto refused = one.take(key, 4, 60'000, now);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 15'000);
  EXPECT_FALSE(two.take(key, 4, 60'000, now + 14'999).allowed);
  EXPECT_TRUE(two.take(key, 4, 60'000, now + 15'000).allowed);
  EXPECT_TRUE(one.take(prefix_ + "other", 4, 60'000, now).allowed);
  EXPECT_TRUE(one.blocking());
  // The stored arrival time keeps microsecond precision (no %.14g rounding in Lua).
  auth::MemoryRateLimiter memory;
  for (int i = 0; i < 7; ++i) {
    auto r = one.take(prefix_ + "seven", 7, 60'000, now + i);
    auto m = memory.take("seven", 7, 60'000, now + i);
    EXPECT_EQ(r.allowed, m.allowed) << i;
  }
  auto r = one.take(prefix_ + "seven", 7, 60'000, now + 10);
  auto m = memory.take("seven", 7, 60'000, now + 10);
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.retry_after_ms, m.retry_after_ms);
}

TEST_F(RedisStores, LockoutIsShared) {
  auth::RedisRateLimiter one(a_), two(b_);
  const std::string key = prefix_ + "login:a@example.com";
  const std::int64_t now = util::now_ms();
  for (int i = 0; i < 4; ++i) (i % 2 ? one : two).add_failure(key, 900'000, now);
  EXPECT_FALSE(one.locked_for(key, 5, now));
  two.add_failure(key, 900'000, now);
  auto left = one.locked_for(key, 5, now);
  ASSERT_TRUE(left);
  EXPECT_GT(*left, 890'000);
  EXPECT_LE(*left, 900'000);
  EXPECT_TRUE(two.locked_for(key, 5, now));
  two.clear_failures(key);
  EXPECT_FALSE(one.locked_for(key, 5, now));
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

}  // namespace
}  // namespace crema::test
