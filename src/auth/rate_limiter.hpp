#pragma once
/// Rate limits (SPEC §3). Two primitives, each in process by default and shared through
/// Redis when configured (auth/redis_stores.hpp):
///  * take(): at most `limit` requests per `window`, as a generic cell rate algorithm (GCRA):
///    a burst of `limit` is allowed, then one request every window/limit; the refusal says
///    exactly when the next request will pass (Retry-After). No fixed windows, so no double
///    burst at a window boundary.
///  * failures: a counter that starts with the first failure and lasts `window`; once it
///    reaches a threshold every attempt is refused until the window has passed (the login
///    lockout: 5 failures in 15 minutes).

#include <cstdint>
#include <mutex>
#include <optional>
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

  /// When `key` has `threshold` failures or more within its window: the milliseconds left
  /// in the window; otherwise nothing.
  virtual std::optional<std::int64_t> locked_for(std::string_view key, int threshold,
                                                 std::int64_t now_ms) = 0;
  /// Records a failure; the first one starts a window of `window_ms`.
  virtual void add_failure(std::string_view key, std::int64_t window_ms, std::int64_t now_ms) = 0;
  /// Forgets the failures of `key` (a successful sign-in).
  virtual void clear_failures(std::string_view key) = 0;

  /// True when calls do network I/O (must not run on an I/O thread).
  virtual bool blocking() const noexcept = 0;
};

/// The GCRA step shared by both stores: given the stored theoretical arrival time (µs, 0 when
/// none), the decision and the new arrival time to store.
struct GcraStep {
  RateDecision decision;
  std::int64_t new_tat_us = 0;  ///< store this when allowed (unchanged when refused)
};
GcraStep gcra(std::int64_t stored_tat_us, int limit, std::int64_t window_ms, std::int64_t now_ms);

/// One process's limiter: sharded hash maps, swept of stale entries as they grow.
class MemoryRateLimiter final : public RateLimiter {
 public:
  RateDecision take(std::string_view key, int limit, std::int64_t window_ms,
                    std::int64_t now_ms) override;
  std::optional<std::int64_t> locked_for(std::string_view key, int threshold,
                                         std::int64_t now_ms) override;
  void add_failure(std::string_view key, std::int64_t window_ms, std::int64_t now_ms) override;
  void clear_failures(std::string_view key) override;
  bool blocking() const noexcept override { return false; }

  /// Entries held now (tests).
  std::size_t size() const;

 private:
  struct Failures {
    int count = 0;
    std::int64_t expires_ms = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::int64_t> tat_us;  ///< GCRA arrival time
    std::unordered_map<std::string, Failures> failures;
    std::size_t sweep_at = 4096;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard(std::string_view key);
  static void sweep(Shard& s, std::int64_t now_ms);
  Shard shards_[kShards];
};

}  // namespace crema::auth
