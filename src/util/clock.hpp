#pragma once
/// The time services ask for, so that tests can set it instead of sleeping.
///
/// A service that decides something by the time (opening hours, slots, due orders) takes a
/// `const util::Clock&` and asks it `now_ms()`; production code passes `system_clock()`
/// (the default), a test a `ManualClock` it moves by hand:
///
///   util::ManualClock clock(util::parse_rfc3339("2026-03-29T00:30:00Z").value());
///   service::SettingsService settings(pool, bus, options, clock);
///   clock.advance(std::chrono::hours(2));  // across the change to summer time
///
/// Code without such a decision keeps calling util::now_ms().

#include <atomic>
#include <chrono>
#include <cstdint>

namespace crema::util {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual std::int64_t now_ms() const noexcept = 0;
};

/// The system clock (util::now_ms()); one shared instance.
const Clock& system_clock() noexcept;

/// A clock that stands still until told otherwise (tests). Safe to read and move from
/// several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) noexcept : ms_(start_ms) {}
  std::int64_t now_ms() const noexcept override { return ms_.load(); }
  void set(std::int64_t ms) noexcept { ms_.store(ms); }
  void advance(std::chrono::milliseconds by) noexcept { ms_.fetch_add(by.count()); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace crema::util
