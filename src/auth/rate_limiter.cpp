#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <functional>

namespace crema::auth {

GcraStep gcra(std::int64_t stored_tat_us, int limit, std::int64_t window_ms, std::int64_t now_ms) {
  GcraStep out;
  const std::int64_t now_us = now_ms * 1000;
  const std::int64_t window_us = window_ms * 1000;
  const std::int64_t interval_us = std::max<std::int64_t>(1, window_us / std::max(1, limit));
  const std::int64_t tat = std::max(stored_tat_us, now_us);
  const std::int64_t new_tat = tat + interval_us;
  // A request is allowed while the arrival time it would push stays within one window of now.
  const std::int64_t allow_at = new_tat - window_us;
  if (now_us < allow_at) {
    out.decision.allowed = false;
    out.decision.retry_after_ms = (allow_at - now_us + 999) / 1000;
    out.new_tat_us = stored_tat_us;
    return out;
  }
  out.new_tat_us = new_tat;
  return out;
}

MemoryRateLimiter::Shard& MemoryRateLimiter::shard(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

// Entries whose arrival time has passed carry no information (a fresh entry behaves the
// same), nor do failure windows that ended: dropping them bounds memory by the keys active
// within one window.
void MemoryRateLimiter::sweep(Shard& s, std::int64_t now_ms) {
  const std::int64_t now_us = now_ms * 1000;
  std::erase_if(s.tat_us, [&](const auto& kv) { return kv.second <= now_us; });
  std::erase_if(s.failures, [&](const auto& kv) { return kv.second.expires_ms <= now_ms; });
  s.sweep_at = std::max<std::size_t>(4096, (s.tat_us.size() + s.failures.size()) * 2);
}

RateDecision MemoryRateLimiter::take(std::string_view key, int limit, std::int64_t window_ms,
                                     std::int64_t now_ms) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.tat_us.find(std::string(key));
  const std::int64_t stored = it == s.tat_us.end() ? 0 : it->second;
  GcraStep step = gcra(stored, limit, window_ms, now_ms);
  if (step.decision.allowed) {
    if (it == s.tat_us.end()) {
      s.tat_us.emplace(std::string(key), step.new_tat_us);
      if (s.tat_us.size() + s.failures.size() >= s.sweep_at) sweep(s, now_ms);
    } else {
      it->second = step.new_tat_us;
    }
  }
  return step.decision;
}

std::optional<std::int64_t> MemoryRateLimiter::locked_for(std::string_view key, int threshold,
                                                          std::int64_t now_ms) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.failures.find(std::string(key));
  if (it == s.failures.end() || it->second.expires_ms <= now_ms) return std::nullopt;
  if (it->second.count < threshold) return std::nullopt;
  return it->second.expires_ms - now_ms;
}

void MemoryRateLimiter::add_failure(std::string_view key, std::int64_t window_ms,
                                    std::int64_t now_ms) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto& f = s.failures[std::string(key)];
  if (f.expires_ms <= now_ms) f = Failures{0, now_ms + window_ms};
  ++f.count;
  if (s.tat_us.size() + s.failures.size() >= s.sweep_at) sweep(s, now_ms);
}

void MemoryRateLimiter::clear_failures(std::string_view key) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  s.failures.erase(std::string(key));
}

std::size_t MemoryRateLimiter::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.tat_us.size() + s.failures.size();
  }
  return n;
}

}  // namespace crema::auth
