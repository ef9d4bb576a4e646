#pragma once
/// Rate limits (SPEC §3). Two primitives, each in process by default and shared through
/// Redis when configured (auth/redis_stores.hpp):
///  * take(): at most `limit` requests in any `window` (a sliding window, not fixed ones,
///    so there is no burst of twice the limit around a window edge). Requests are counted in
///    twelve sub-windows plus the current one; all counted sub-windows overlap the last
///    `window`, so the limit is never exceeded, and a slot is given back at most one
///    sub-window (5 s of a minute) later than an exact log would. A refusal says when the
///    next request will pass (Retry-After). Memory: 13 counters per active key.
///  * attempts: a counter that starts with the first attempt and lasts `window`; once it
///    reaches a threshold every attempt is refused until the window has passed (the login
///    lockout: 5 failures in 15 minutes). An attempt is reserved — counted as a failure —
///    in the same atomic step that checks the threshold, before the password is hashed, so
///    N concurrent guesses cannot all pass a check made before any of them is counted; a
///    success clears the counter, an attempt that turned out not to be a guess is given
///    back.

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

namespace crema::auth {

struct RateDecision {
  bool allowed = true;
  std::int64_t retry_after_ms = 0;  ///< when refused: how long until a request would pass
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  /// Counts one request against `key` (at most `limit` per `window_ms`). A refused request is
  /// not counted.
  virtual RateDecision take(std::string_view key, int limit, std::int64_t window_ms,
                            std::int64_t now_ms) = 0;

  /// Gives back one request counted by take() at `charged_ms` (a conditional GET answered
  /// 304, which is never limited). Nothing when that count has left the window already.
  virtual void refund(std::string_view key, std::int64_t window_ms, std::int64_t charged_ms) = 0;

  /// One atomic step: when `key` has `threshold` attempts or more counted within its window,
  /// the milliseconds left in the window (refused; nothing is counted); otherwise counts this
  /// attempt as a failure (the first one starts a window of `window_ms`) and returns nothing.
  virtual std::optional<std::int64_t> reserve_attempt(std::string_view key, int threshold,
                                                      std::int64_t window_ms,
                                                      std::int64_t now_ms) = 0;
  /// Gives back one reserved attempt that was not a guess (nothing was checked, or the
  /// answer was neither a success nor a failure). Never goes below zero; a no-op once the
  /// window has ended.
  virtual void release_attempt(std::string_view key, std::int64_t now_ms) = 0;
  /// Forgets the attempts of `key` (a successful sign-in).
  virtual void clear_failures(std::string_view key) = 0;

  /// True when calls do network I/O (must not run on an I/O thread).
  virtual bool blocking() const noexcept = 0;
};

/// Sub-windows per window (the sliding window's resolution).
inline constexpr std::int64_t kSubWindows = 12;

/// One sub-window's count: sub-window `index` covers [index * g, (index + 1) * g) with
/// g = window / kSubWindows.
struct SubWindowCount {
  std::int64_t index = 0;
  std::int64_t count = 0;
};

/// The decision shared by both stores, given the counts of the sub-windows from
/// now/g − kSubWindows to now/g (older ones must be left out): whether one more request
/// fits, and if not, when the oldest counts will have left the window enough for it.
RateDecision sliding_window(std::span<const SubWindowCount> counts, int limit,
                            std::int64_t window_ms, std::int64_t now_ms);

/// g: the length of a sub-window.
inline std::int64_t sub_window_ms(std::int64_t window_ms) {
  return window_ms / kSubWindows > 0 ? window_ms / kSubWindows : 1;
}

/// One process's limiter: sharded hash maps, swept of stale entries as they grow.
class MemoryRateLimiter final : public RateLimiter {
 public:
  RateDecision take(std::string_view key, int limit, std::int64_t window_ms,
                    std::int64_t now_ms) override;
  void refund(std::string_view key, std::int64_t window_ms, std::int64_t charged_ms) override;
  std::optional<std::int64_t> reserve_attempt(std::string_view key, int threshold,
                                              std::int64_t window_ms, std::int64_t now_ms) override;
  void release_attempt(std::string_view key, std::int64_t now_ms) override;
  void clear_failures(std::string_view key) override;
  bool blocking() const noexcept override { return false; }

  /// Entries held now (tests).
  std::size_t size() const;

 private:
  struct Counts {
    std::int64_t head = 0;  ///< index of the newest sub-window counted
    std::int64_t window_ms = 0;
    std::array<std::int64_t, kSubWindows + 1> ring{};  ///< by sub-window index mod 13
  };
  struct Failures {
    int count = 0;
    std::int64_t expires_ms = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Counts> counts;
    std::unordered_map<std::string, Failures> failures;
    std::size_t sweep_at = 4096;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard(std::string_view key);
  static void sweep(Shard& s, std::int64_t now_ms);
  Shard shards_[kShards];
};

}  // namespace crema::auth
