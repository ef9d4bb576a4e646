#pragma once
/// Opening hours (SPEC §15.3) without I/O: weekly ranges in the shop's zone (several a day,
/// a range may end after midnight), closures by date, the online-ordering pause, and the
/// questions orders ask of them — is the shop open at an instant, when does it next open,
/// which slot holds an instant, which slots a day has.
///
/// Times of day are wall-clock times in CREMA_TIMEZONE. A range belongs to the day it opens:
/// `fri 20:00–02:00` runs into Saturday's small hours even when Saturday is a closure, and a
/// closure on Friday removes it. Across the daylight-saving changes a wall-clock time that
/// does not exist (the hour skipped in spring) means the instant of the change, and one that
/// exists twice (the hour repeated in autumn) its first occurrence; so touching ranges stay
/// touching, and a range inside the skipped hour is empty that day.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace date {
class time_zone;
}

namespace crema::domain {

enum class Weekday : std::uint8_t { mon, tue, wed, thu, fri, sat, sun };

/// "mon" … "sun".
std::string_view weekday_name(Weekday d) noexcept;
std::optional<Weekday> parse_weekday(std::string_view s) noexcept;

inline constexpr int kMinutesPerDay = 24 * 60;

/// "HH:MM" → minutes after midnight, 00:00 to 23:59; with `allow_end_of_day` also "24:00"
/// (a range that closes at midnight).
std::optional<int> parse_clock_time(std::string_view s, bool allow_end_of_day = false) noexcept;
/// Minutes after midnight → "HH:MM" (1440 → "24:00").
std::string clock_time_text(int minutes);

/// One weekly range: open on `day` at `open`, close at `close` the same day, or the next day
/// when `close` is not after `open` (a range past midnight). Minutes after midnight.
struct OpeningRange {
  Weekday day = Weekday::mon;
  int open = 0;
  int close = 0;  ///< 1..1440; ≤ open: the next day

  bool past_midnight() const noexcept { return close <= open; }
  /// Minutes it lasts (wall clock).
  int minutes() const noexcept {
    return past_midnight() ? close + kMinutesPerDay - open : close - open;
  }
  friend bool operator==(const OpeningRange&, const OpeningRange&) = default;
};

/// A day the shop stays closed (its ranges do not open), with why.
struct Closure {
  std::string date;  ///< YYYY-MM-DD in the shop's zone
  std::string reason;
  friend bool operator==(const Closure&, const Closure&) = default;
};

/// Online ordering paused by a manager, until a time or until resumed.
struct OnlineOrdering {
  bool paused = false;
  std::string reason;
  std::optional<std::int64_t> until_ms;  ///< the pause ends by itself then

  /// Whether the pause holds at `now_ms` (a pause whose `until` has passed is over).
  bool paused_at(std::int64_t now_ms) const noexcept {
    return paused && (!until_ms || now_ms < *until_ms);
  }
  friend bool operator==(const OnlineOrdering&, const OnlineOrdering&) = default;
};

/// The problems of a set of weekly ranges, as 422 details under `field` (`hours[3]`):
/// a range that opens and closes at the same time, and ranges that overlap (past midnight
/// and across Sunday to Monday included). Touching ranges (one closes when the next opens)
/// are fine.
std::vector<FieldIssue> opening_range_issues(const std::vector<OpeningRange>& ranges,
                                             std::string_view field = "hours");

/// An interval of instants [start, end), Unix milliseconds.
struct Interval {
  std::int64_t start = 0;
  std::int64_t end = 0;
};

/// The weekly hours and closures of a shop in its zone, asked about instants.
class OpeningHours {
 public:
  /// `zone` must outlive the object (time zones of the tz database live for the process).
  /// No ranges: open around the clock (closures still close their days).
  OpeningHours(std::vector<OpeningRange> ranges, const std::vector<Closure>& closures,
               const date::time_zone* zone);

  /// The local date (days since the epoch) of an instant.
  int local_day(std::int64_t at_ms) const;
  /// The instant a wall-clock time of a local date means (see the file comment for DST).
  std::int64_t instant_of(int day, int minutes) const;

  /// The open intervals of the ranges that open on local date `day` (none on a closure),
  /// in the order they open; empty intervals (a range inside a skipped hour) left out.
  std::vector<Interval> intervals_of_day(int day) const;

  /// Whether the shop is open at `at_ms` (hours and closures; not the pause).
  bool open_at(std::int64_t at_ms) const { return interval_at(at_ms).has_value(); }
  /// The open interval holding `at_ms`, if any.
  std::optional<Interval> interval_at(std::int64_t at_ms) const;
  /// The first instant at or after `from_ms` when the shop is open; nothing when it never
  /// opens within `horizon_days`.
  std::optional<std::int64_t> next_open(std::int64_t from_ms, int horizon_days = 1100) const;

  bool always_open() const noexcept { return ranges_.empty(); }
  bool closed_on(int day) const;

 private:
  std::vector<OpeningRange> ranges_;
  std::vector<int> closed_days_;  ///< sorted
  const date::time_zone* zone_;
};

/// When online orders are taken again at or after `now_ms`: after the pause (never while
/// paused without `until`), at the next open instant. Nothing when unknown.
std::optional<std::int64_t> next_online_open(const OpeningHours& hours,
                                             const OnlineOrdering& online, std::int64_t now_ms);

/// The slot of an instant inside an open interval: slots of `slot_ms` counted from the
/// interval's start (the last one may be cut short by the close).
Interval slot_holding(const Interval& open, std::int64_t at_ms, std::int64_t slot_ms);

/// The slots that start on the local date `day` (days since the epoch, as domain/report's
/// day numbers), in order: those of the ranges opening that day, and the small hours of a
/// range that opened the day before.
std::vector<Interval> slots_of_day(const OpeningHours& hours, int day, std::int64_t slot_ms);

}  // namespace crema::domain
