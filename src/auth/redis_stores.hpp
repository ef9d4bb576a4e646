#pragma once
/// The rate limiter and the token denylist shared by every instance through Redis
/// (CREMA_REDIS_URL). Each decision is one round trip (a Lua script, so read-modify-write is
/// atomic across instances). Keys are hashed: no email or IP address is stored in Redis.

#include <memory>

#include "auth/denylist.hpp"
#include "auth/rate_limiter.hpp"
#include "events/redis_client.hpp"

namespace crema::auth {

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(std::shared_ptr<events::RedisClient> redis);
  RateDecision take(std::string_view key, int limit, std::int64_t window_ms,
                    std::int64_t now_ms) override;
  void refund(std::string_view key, std::int64_t window_ms, std::int64_t charged_ms) override;
  std::optional<std::int64_t> reserve_attempt(std::string_view key, int threshold,
                                              std::int64_t window_ms, std::int64_t now_ms) override;
  void release_attempt(std::string_view key, std::int64_t now_ms) override;
  void clear_failures(std::string_view key) override;
  bool blocking() const noexcept override { return true; }

 private:
  std::shared_ptr<events::RedisClient> redis_;
};

class RedisTokenDenylist final : public TokenDenylist {
 public:
  explicit RedisTokenDenylist(std::shared_ptr<events::RedisClient> redis);
  void deny(std::string_view jti, std::int64_t until_ms, std::int64_t now_ms) override;
  bool denied(std::string_view jti, std::int64_t now_ms) override;
  bool blocking() const noexcept override { return true; }

 private:
  std::shared_ptr<events::RedisClient> redis_;
};

/// The Redis key of a limiter or denylist entry: "crema:<kind>:" + a hash of `key`.
std::string redis_key(std::string_view kind, std::string_view key);

}  // namespace crema::auth
