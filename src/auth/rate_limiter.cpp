#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace crema::auth {

RateDecision sliding_window(std::span<const SubWindowCount> counts, int limit,
                            std::int64_t window_ms, std::int64_t now_ms) {
  RateDecision d;
  std::int64_t total = 0;
  for (const auto& c : counts) total += c.count;
  if (total + 1 <= limit) return d;
  d.allowed = false;
  // Oldest first: each sub-window leaves the count once the whole window has passed it.
  std::vector<SubWindowCount> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  const std::int64_t g = sub_window_ms(window_ms);
  std::int64_t freed = 0;
  std::int64_t at = now_ms + window_ms + g;  // everything counted now has left by then
  for (const auto& c : sorted) {
    freed += c.count;
    if (total - freed + 1 <= limit) {
      at = (c.index + kSubWindows + 1) * g;
      break;
    }
  }
  d.retry_after_ms = std::max<std::int64_t>(1, at - now_ms);
  return d;
}

MemoryRateLimiter::Shard& MemoryRateLimiter::shard(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

// Counts whose windows have both passed carry no information (a fresh entry behaves the
// same), nor do failure windows that ended: dropping them bounds memory by the keys active
// within the last two windows.
void MemoryRateLimiter::sweep(Shard& s, std::int64_t now_ms) {
  std::erase_if(s.counts, [&](const auto& kv) {
    return (kv.second.head + kSubWindows + 1) * sub_window_ms(kv.second.window_ms) <= now_ms;
  });
  std::erase_if(s.failures, [&](const auto& kv) { return kv.second.expires_ms <= now_ms; });
  s.sweep_at = std::max<std::size_t>(4096, (s.counts.size() + s.failures.size()) * 2);
}

RateDecision MemoryRateLimiter::take(std::string_view key, int limit, std::int64_t window_ms,
                                     std::int64_t now_ms) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto [it, fresh] = s.counts.try_emplace(std::string(key));
  Counts& c = it->second;
  constexpr std::int64_t kSlots = kSubWindows + 1;
  const std::int64_t now_index = now_ms / sub_window_ms(window_ms);
  if (fresh || c.window_ms != window_ms || now_index - c.head >= kSlots) {
    c = Counts{now_index, window_ms, {}};
  } else {
    // Sub-windows between the newest counted and now start empty.
    for (std::int64_t i = c.head + 1; i <= now_index; ++i)
      c.ring[static_cast<std::size_t>(i % kSlots)] = 0;
    c.head = std::max(c.head, now_index);
  }
  std::array<SubWindowCount, kSlots> counts;
  for (std::int64_t i = 0; i < kSlots; ++i) {
    const std::int64_t index = c.head - i;
    counts[static_cast<std::size_t>(i)] = {index, c.ring[static_cast<std::size_t>(index % kSlots)]};
  }
  RateDecision d = sliding_window(counts, limit, window_ms, now_ms);
  // A request stamped slightly earlier than the newest one (another thread's clock read)
  // is counted in the newest sub-window: later, never earlier.
  if (d.allowed) ++c.ring[static_cast<std::size_t>(std::max(now_index, c.head) % kSlots)];
  if (fresh && s.counts.size() + s.failures.size() >= s.sweep_at) sweep(s, now_ms);
  return d;
}

void MemoryRateLimiter::refund(std::string_view key, std::int64_t window_ms,
                               std::int64_t charged_ms) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.counts.find(std::string(key));
  if (it == s.counts.end() || it->second.window_ms != window_ms) return;
  Counts& c = it->second;
  constexpr std::int64_t kSlots = kSubWindows + 1;
  // take() counted it in its own sub-window, or in a newer one when another thread had
  // already moved the head on: the first of those still holding a count.
  const std::int64_t first = charged_ms / sub_window_ms(window_ms);
  if (c.head - first >= kSlots) return;  // left the window
  for (std::int64_t i = first; i <= c.head; ++i) {
    auto& n = c.ring[static_cast<std::size_t>(i % kSlots)];
    if (n > 0) {
      --n;
      return;
    }
  }
}

std::optional<std::int64_t> MemoryRateLimiter::reserve_attempt(std::string_view key, int threshold,
                                                               std::int64_t window_ms,
                                                               std::int64_t now_ms) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto [it, fresh] = s.failures.try_emplace(std::string(key));
  Failures& f = it->second;
  if (fresh || f.expires_ms <= now_ms) f = Failures{0, now_ms + window_ms};
  if (f.count >= threshold) return f.expires_ms - now_ms;
  ++f.count;
  if (fresh && s.counts.size() + s.failures.size() >= s.sweep_at) sweep(s, now_ms);
  return std::nullopt;
}

void MemoryRateLimiter::release_attempt(std::string_view key, std::int64_t now_ms) {
  Shard& s = shard(key);
  std::lock_guard lock(s.mutex);
  auto it = s.failures.find(std::string(key));
  if (it == s.failures.end() || it->second.expires_ms <= now_ms) return;
  if (it->second.count > 0) --it->second.count;
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
    n += s.counts.size() + s.failures.size();
  }
  return n;
}

}  // namespace crema::auth
