#include "util/time.hpp"

#include <chrono>
#include <cstdio>

namespace crema::util {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;

// Splits into a civil date and the milliseconds into that day, flooring for times before
// 1970 so that -1 ms is 1969-12-31T23:59:59.999.
struct Civil {
  std::chrono::year_month_day date;
  std::int64_t ms_of_day;
};

Civil to_civil(std::int64_t unix_ms) {
  constexpr std::int64_t kDay = 86'400'000;
  std::int64_t day = unix_ms / kDay;
  std::int64_t rest = unix_ms % kDay;
  if (rest < 0) {
    rest += kDay;
    --day;
  }
  return {std::chrono::year_month_day{sys_days{days{day}}}, rest};
}

std::string format(std::int64_t unix_ms, bool with_ms) {
  const Civil c = to_civil(unix_ms);
  const std::int64_t s = c.ms_of_day / 1000;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(c.date.year()), static_cast<unsigned>(c.date.month()),
                        static_cast<unsigned>(c.date.day()), static_cast<int>(s / 3600),
                        static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  if (with_ms)
    n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), ".%03dZ",
                       static_cast<int>(c.ms_of_day % 1000));
  else n += std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), "Z");
  return std::string(buf, static_cast<std::size_t>(n));
}

// Reads exactly `count` digits at text[pos].
bool digits(std::string_view text, std::size_t pos, std::size_t count, int& out) noexcept {
  if (pos + count > text.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + (text[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::int64_t now_ms() noexcept {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_rfc3339(std::int64_t unix_ms) { return format(unix_ms, false); }

std::string format_rfc3339_ms(std::int64_t unix_ms) { return format(unix_ms, true); }

std::optional<std::int64_t> parse_rfc3339(std::string_view t) noexcept {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(t, 0, 4, year) || t.size() < 20 || t[4] != '-' || !digits(t, 5, 2, month) ||
      t[7] != '-' || !digits(t, 8, 2, day) || (t[10] != 'T' && t[10] != 't') ||
      !digits(t, 11, 2, hour) || t[13] != ':' || !digits(t, 14, 2, minute) || t[16] != ':' ||
      !digits(t, 17, 2, second))
    return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;

  std::size_t pos = 19;
  int ms = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (pos - start < 3) ms = ms * 10 + (t[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t k = pos - start; k < 3; ++k) ms *= 10;
  }

  std::int64_t offset_min = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(t, pos + 1, 2, oh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
        !digits(t, pos + 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (oh * 60 + om) * (t[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;

  const std::int64_t day_number = sys_days{date}.time_since_epoch().count();
  const std::int64_t local_ms =
      ((day_number * 24 + hour) * 60 + minute) * 60'000 + second * 1000 + ms;
  return local_ms - offset_min * 60'000;
}

}  // namespace crema::util
