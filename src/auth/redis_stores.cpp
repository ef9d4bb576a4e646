#include "auth/redis_stores.hpp"

#include "auth/crypto.hpp"
#include "db/types.hpp"

namespace crema::auth {

namespace {

// GCRA (see rate_limiter.hpp) in microseconds. Numbers are formatted with %.0f: Lua 5.1's
// default %.14g would round 16-digit microsecond times.
const events::RedisScript& take_script() {
  static const events::RedisScript s(R"lua(
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - window
if now < allow_at then
  return {0, string.format('%.0f', allow_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',
           string.format('%.0f', math.ceil((new_tat - now) / 1000)))
return {1, '0'}
)lua");
  return s;
}

const events::RedisScript& add_failure_script() {
  static const events::RedisScript s(R"lua(
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
)lua");
  return s;
}

const events::RedisScript& locked_script() {
  static const events::RedisScript s(R"lua(
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then return -1 end
return redis.call('PTTL', KEYS[1])
)lua");
  return s;
}

std::int64_t to_int(const events::RedisReply& r) {
  if (r.type == events::RedisReply::Type::integer) return r.integer;
  if (r.type == events::RedisReply::Type::string) return std::stoll(r.str);
  throw db::Error(db::Error::Kind::other, "redis: unexpected reply");
}

}  // namespace

std::string redis_key(std::string_view kind, std::string_view key) {
  return "crema:" + std::string(kind) + ":" + sha256_hex(key).substr(0, 40);
}

RedisRateLimiter::RedisRateLimiter(std::shared_ptr<events::RedisClient> redis)
    : redis_(std::move(redis)) {}

RateDecision RedisRateLimiter::take(std::string_view key, int limit, std::int64_t window_ms,
                                    std::int64_t now_ms) {
  const std::int64_t window_us = window_ms * 1000;
  const std::int64_t interval_us = std::max<std::int64_t>(1, window_us / std::max(1, limit));
  const std::string k = redis_key("rl", key);
  const std::string now = std::to_string(now_ms * 1000);
  const std::string interval = std::to_string(interval_us);
  const std::string window = std::to_string(window_us);
  const std::string_view keys[] = {k};
  const std::string_view args[] = {now, interval, window};
  auto r = redis_->eval(take_script(), keys, args);
  if (r.type != events::RedisReply::Type::array || r.elements.size() != 2)
    throw db::Error(db::Error::Kind::other, "redis: unexpected reply to the rate script");
  RateDecision d;
  d.allowed = to_int(r.elements[0]) == 1;
  if (!d.allowed) d.retry_after_ms = (to_int(r.elements[1]) + 999) / 1000;
  return d;
}

std::optional<std::int64_t> RedisRateLimiter::locked_for(std::string_view key, int threshold,
                                                         std::int64_t /*now_ms*/) {
  const std::string k = redis_key("fail", key);
  const std::string t = std::to_string(threshold);
  const std::string_view keys[] = {k};
  const std::string_view args[] = {t};
  const std::int64_t ms = to_int(redis_->eval(locked_script(), keys, args));
  if (ms < 0) return std::nullopt;  // under the threshold, or no expiry (cannot happen)
  return ms;
}

void RedisRateLimiter::add_failure(std::string_view key, std::int64_t window_ms,
                                   std::int64_t /*now_ms*/) {
  const std::string k = redis_key("fail", key);
  const std::string w = std::to_string(window_ms);
  const std::string_view keys[] = {k};
  const std::string_view args[] = {w};
  redis_->eval(add_failure_script(), keys, args);
}

void RedisRateLimiter::clear_failures(std::string_view key) {
  const std::string k = redis_key("fail", key);
  redis_->command({"DEL", k});
}

RedisTokenDenylist::RedisTokenDenylist(std::shared_ptr<events::RedisClient> redis)
    : redis_(std::move(redis)) {}

void RedisTokenDenylist::deny(std::string_view jti, std::int64_t until_ms, std::int64_t now_ms) {
  if (until_ms <= now_ms) return;
  const std::string k = redis_key("deny", jti);
  const std::string ttl = std::to_string(until_ms - now_ms);
  auto r = redis_->command({"SET", k, "1", "PX", ttl});
  if (r.is_error()) throw db::Error(db::Error::Kind::other, "redis: " + r.str);
}

bool RedisTokenDenylist::denied(std::string_view jti, std::int64_t /*now_ms*/) {
  const std::string k = redis_key("deny", jti);
  auto r = redis_->command({"EXISTS", k});
  if (r.type != events::RedisReply::Type::integer)
    throw db::Error(db::Error::Kind::unavailable, "redis: unexpected reply to EXISTS");
  return r.integer == 1;
}

}  // namespace crema::auth
