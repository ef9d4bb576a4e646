#include "domain/hours.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include <date/tz.h>

#include "domain/report.hpp"

namespace crema::domain {

namespace {

constexpr std::array<std::string_view, 7> kWeekdayNames = {"mon", "tue", "wed", "thu",
                                                           "fri", "sat", "sun"};
constexpr int kMinutesPerWeek = 7 * kMinutesPerDay;

// A range as minutes of the week from Monday 00:00: one or two pieces (a Sunday range past
// midnight continues on Monday).
struct WeekPiece {
  int start;
  int end;
};

std::vector<WeekPiece> week_pieces(const OpeningRange& r) {
  const int start = static_cast<int>(r.day) * kMinutesPerDay + r.open;
  const int end = start + r.minutes();
  if (end <= kMinutesPerWeek) return {{start, end}};
  return {{start, kMinutesPerWeek}, {0, end - kMinutesPerWeek}};
}

std::string range_text(const OpeningRange& r) {
  return std::string(weekday_name(r.day)) + " " + clock_time_text(r.open) + "–" +
         clock_time_text(r.close);
}

}  // namespace

std::string_view weekday_name(Weekday d) noexcept {
  return kWeekdayNames[static_cast<std::size_t>(d)];
}

std::optional<Weekday> parse_weekday(std::string_view s) noexcept {
  for (std::size_t i = 0; i < kWeekdayNames.size(); ++i)
    if (kWeekdayNames[i] == s) return static_cast<Weekday>(i);
  return std::nullopt;
}

std::optional<int> parse_clock_time(std::string_view s, bool allow_end_of_day) noexcept {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (m > 59) return std::nullopt;
  if (h == 24 && m == 0 && allow_end_of_day) return kMinutesPerDay;
  if (h > 23) return std::nullopt;
  return h * 60 + m;
}

std::string clock_time_text(int minutes) {
  char buf[16];  // room for any int, though minutes are 0..1440
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

std::vector<FieldIssue> opening_range_issues(const std::vector<OpeningRange>& ranges,
                                             std::string_view field) {
  std::vector<FieldIssue> issues;
  auto at = [&](std::size_t i) { return std::string(field) + "[" + std::to_string(i) + "]"; };
  std::vector<bool> usable(ranges.size(), true);
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].close == ranges[i].open) {
      issues.push_back({at(i) + ".close", "must differ from open (00:00 to 24:00 is a whole day)"});
      usable[i] = false;
    }
  }
  for (std::size_t j = 0; j < ranges.size(); ++j) {
    if (!usable[j]) continue;
    for (std::size_t i = 0; i < j; ++i) {
      if (!usable[i]) continue;
      bool overlap = false;
      for (const auto& a : week_pieces(ranges[i]))
        for (const auto& b : week_pieces(ranges[j]))
          if (a.start < b.end && b.start < a.end) overlap = true;
      if (overlap) {
        issues.push_back({at(j), "overlaps " + at(i) + " (" + range_text(ranges[i]) + ")"});
        break;
      }
    }
  }
  return issues;
}

OpeningHours::OpeningHours(std::vector<OpeningRange> ranges, const std::vector<Closure>& closures,
                           const date::time_zone* zone)
    : ranges_(std::move(ranges)), zone_(zone) {
  // The day's ranges in the order they open.
  std::sort(ranges_.begin(), ranges_.end(), [](const OpeningRange& a, const OpeningRange& b) {
    return a.day != b.day ? a.day < b.day : a.open < b.open;
  });
  for (const auto& c : closures)
    if (auto d = parse_iso_day(c.date)) closed_days_.push_back(*d);
  std::sort(closed_days_.begin(), closed_days_.end());
  closed_days_.erase(std::unique(closed_days_.begin(), closed_days_.end()), closed_days_.end());
}

bool OpeningHours::closed_on(int day) const {
  return std::binary_search(closed_days_.begin(), closed_days_.end(), day);
}

int OpeningHours::local_day(std::int64_t at_ms) const {
  const date::sys_time<std::chrono::milliseconds> tp{std::chrono::milliseconds(at_ms)};
  const auto local = zone_->to_local(tp);
  return static_cast<int>(date::floor<date::days>(local).time_since_epoch().count());
}

std::int64_t OpeningHours::instant_of(int day, int minutes) const {
  const date::local_time<std::chrono::minutes> local{date::days(day) +
                                                     std::chrono::minutes(minutes)};
  const auto sys = zone_->to_sys(local, date::choose::earliest);
  return std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count();
}

std::vector<Interval> OpeningHours::intervals_of_day(int day) const {
  std::vector<Interval> out;
  if (closed_on(day)) return out;
  auto add = [&](int open, int close_after_day_start) {
    Interval iv{instant_of(day, open), instant_of(day, close_after_day_start)};
    if (iv.end > iv.start) out.push_back(iv);
  };
  if (ranges_.empty()) {
    add(0, kMinutesPerDay);
    return out;
  }
  const auto wd = static_cast<Weekday>(weekday(day));
  for (const auto& r : ranges_)
    if (r.day == wd) add(r.open, r.open + r.minutes());
  return out;
}

std::optional<Interval> OpeningHours::interval_at(std::int64_t at_ms) const {
  const int today = local_day(at_ms);
  // A range that opened yesterday may still run (past midnight); an earlier one cannot (a
  // range lasts at most a day).
  for (int day = today - 1; day <= today; ++day)
    for (const auto& iv : intervals_of_day(day))
      if (iv.start <= at_ms && at_ms < iv.end) return iv;
  return std::nullopt;
}

std::optional<std::int64_t> OpeningHours::next_open(std::int64_t from_ms, int horizon_days) const {
  const int today = local_day(from_ms);
  // The days' intervals come in order: every range of a day opens before any range of the
  // next day does, so the first day with an interval still running gives the answer.
  for (int day = today - 1; day <= today + horizon_days; ++day) {
    std::optional<std::int64_t> best;
    for (const auto& iv : intervals_of_day(day)) {
      if (iv.end <= from_ms) continue;
      const auto candidate = std::max(iv.start, from_ms);
      if (!best || candidate < *best) best = candidate;
    }
    if (best) return best;
  }
  return std::nullopt;
}

std::optional<std::int64_t> next_online_open(const OpeningHours& hours,
                                             const OnlineOrdering& online, std::int64_t now_ms) {
  std::int64_t from = now_ms;
  if (online.paused_at(now_ms)) {
    if (!online.until_ms) return std::nullopt;  // until a manager resumes
    from = *online.until_ms;
  }
  return hours.next_open(from);
}

Interval slot_holding(const Interval& open, std::int64_t at_ms, std::int64_t slot_ms) {
  const std::int64_t start = open.start + (at_ms - open.start) / slot_ms * slot_ms;
  return {start, std::min(start + slot_ms, open.end)};
}

std::vector<Interval> slots_of_day(const OpeningHours& hours, int day, std::int64_t slot_ms) {
  std::vector<Interval> out;
  for (int opened = day - 1; opened <= day; ++opened) {
    for (const auto& iv : hours.intervals_of_day(opened)) {
      for (std::int64_t s = iv.start; s < iv.end; s += slot_ms) {
        if (hours.local_day(s) != day) continue;
        out.push_back({s, std::min(s + slot_ms, iv.end)});
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  return out;
}

}  // namespace crema::domain
