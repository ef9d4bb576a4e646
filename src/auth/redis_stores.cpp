#include "auth/redis_stores.hpp"

#include "auth/crypto.hpp"
#include "db/types.hpp"

namespace crema::auth {

namespace {

// The sliding window of rate_limiter.hpp in one hash per key: a field per sub-window index
// holding its count. Fields older than the window are dropped; the decision is made here
// (total + 1 <= limit) and, when refused, the counts go back so the C++ side computes the
// same Retry-After as the in-process limiter.
const events::RedisScript& take_script() {
  static const events::RedisScript kScript(R"lua(
local now_index = tonumber(ARGV[1])
local sub_windows = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
local kept = {}
for n = 1, #fields, 2 do
  local index = tonumber(fields[n])
  if index < now_index - sub_windows then
    redis.call('HDEL', KEYS[1], fields[n])
  else
    total = total + tonumber(fields[n + 1])
    kept[#kept + 1] = fields[n]
    kept[#kept + 1] = fields[n + 1]
  end
end
if total + 1 <= limit then
  redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {1}
end
local out = {0}
for n = 1, #kept do out[#out + 1] = kept[n] end
return out
)lua");
  return kScript;
}

// A count given back to the sub-window it was taken in, if that is still kept.
const events::RedisScript& refund_script() {
  static const events::RedisScript kScript(R"lua(
local n = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if n > 0 then redis.call('HINCRBY', KEYS[1], ARGV[1], -1) end
return 0
)lua");
  return kScript;
}

// The check and the count in one step: no two instances (or threads) can both see room for
// the last attempt. Returns -1 when the attempt is counted, else the window's time left.
const events::RedisScript& reserve_script() {
  static const events::RedisScript kScript(R"lua(
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then left = tonumber(ARGV[2]) end
  return left
end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return -1
)lua");
  return kScript;
}

// DECR keeps the key's expiry; a key that expired meanwhile is not brought back.
const events::RedisScript& release_script() {
  static const events::RedisScript kScript(R"lua(
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0
)lua");
  return kScript;
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
  const std::int64_t g = sub_window_ms(window_ms);
  const std::string k = redis_key("rl", std::string(key) + "|" + std::to_string(window_ms));
  const std::string index = std::to_string(now_ms / g);
  const std::string subs = std::to_string(kSubWindows);
  const std::string l = std::to_string(limit);
  const std::string ttl = std::to_string(window_ms + 2 * g);
  const std::string_view keys[] = {k};
  const std::string_view args[] = {index, subs, l, ttl};
  auto r = redis_->eval(take_script(), keys, args);
  if (r.type != events::RedisReply::Type::array || r.elements.empty() || r.elements.size() % 2 != 1)
    throw db::Error(db::Error::Kind::other, "redis: unexpected reply to the rate script");
  if (to_int(r.elements[0]) == 1) return RateDecision{};
  std::vector<SubWindowCount> counts;
  for (std::size_t i = 1; i + 1 < r.elements.size(); i += 2)
    counts.push_back({to_int(r.elements[i]), to_int(r.elements[i + 1])});
  RateDecision d = sliding_window(counts, limit, window_ms, now_ms);
  if (d.allowed) {  // cannot happen (same counts, same rule); refuse briefly rather than disagree
    d.allowed = false;
    d.retry_after_ms = 1;
  }
  return d;
}

void RedisRateLimiter::refund(std::string_view key, std::int64_t window_ms,
                              std::int64_t charged_ms) {
  const std::string k = redis_key("rl", std::string(key) + "|" + std::to_string(window_ms));
  const std::string index = std::to_string(charged_ms / sub_window_ms(window_ms));
  const std::string_view keys[] = {k};
  const std::string_view args[] = {index};
  redis_->eval(refund_script(), keys, args);
}

std::optional<std::int64_t> RedisRateLimiter::reserve_attempt(std::string_view key, int threshold,
                                                              std::int64_t window_ms,
                                                              std::int64_t /*now_ms*/) {
  const std::string k = redis_key("fail", key);
  const std::string t = std::to_string(threshold);
  const std::string w = std::to_string(window_ms);
  const std::string_view keys[] = {k};
  const std::string_view args[] = {t, w};
  const std::int64_t ms = to_int(redis_->eval(reserve_script(), keys, args));
  if (ms < 0) return std::nullopt;
  return ms;
}

void RedisRateLimiter::release_attempt(std::string_view key, std::int64_t /*now_ms*/) {
  const std::string k = redis_key("fail", key);
  const std::string_view keys[] = {k};
  redis_->eval(release_script(), keys, {});
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
