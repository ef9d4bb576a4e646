#pragma once
/// The WebSocket feed's close codes and the client message rate limit (SPEC §7, §15.4).
/// Plain C++ (no Beast), so the rules are unit-tested on their own.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace crema::net {

/// Close codes the server sends (RFC 6455 §7.4; 4000–4999 are the application's own).
enum class WsClose : std::uint16_t {
  /// The server is shutting down (SIGTERM): reconnect to another instance.
  going_away = 1001,
  /// The client broke a limit: a message over 4 KiB, more than 20 messages a second, or a
  /// send queue it did not read fast enough.
  policy = 1008,
  /// The credentials are no longer valid: the access token expired, it was revoked (logout,
  /// password change or reset, deactivation, erasure, role change), or a `reauth` was refused.
  /// Reconnect with a fresh access token.
  credentials = 4001,
  /// The user opened more sockets than CREMA_WS_PER_USER and this was their oldest: another
  /// connection of the same user replaced it. Do not reconnect automatically (that would
  /// only close the next-oldest in turn).
  replaced = 4002,
};

/// "More than `max` messages within any `window_ms`": the last `max` arrival times, in a ring.
/// Exact (a sliding window, not fixed seconds), one small allocation per session.
class MessageRate {
 public:
  MessageRate(std::size_t max, std::int64_t window_ms) : window_ms_(window_ms), times_(max) {}

  /// Records a message arriving at `now_ms` (a monotonic clock); false when it is one more
  /// than `max` within the window ending now. `max` 0 turns the limit off.
  bool allow(std::int64_t now_ms) noexcept {
    if (times_.empty()) return true;
    if (count_ < times_.size()) {
      times_[(head_ + count_++) % times_.size()] = now_ms;
      return true;
    }
    // Full: the oldest of the last `max` must have left the window.
    if (now_ms - times_[head_] < window_ms_) return false;
    times_[head_] = now_ms;
    head_ = (head_ + 1) % times_.size();
    return true;
  }

 private:
  std::int64_t window_ms_;
  std::vector<std::int64_t> times_;
  std::size_t head_ = 0;   ///< the oldest time kept
  std::size_t count_ = 0;  ///< how many are kept (up to max)
};

}  // namespace crema::net
