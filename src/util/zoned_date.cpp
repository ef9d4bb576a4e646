#include "util/zoned_date.hpp"

#include <charconv>
#include <cstdio>

#include <date/tz.h>

#include "util/time.hpp"

namespace crema::util {

std::optional<std::int64_t> day_start_ms(std::string_view yyyy_mm_dd, const std::string& zone,
                                         int add_days) {
  if (yyyy_mm_dd.size() != 10 || yyyy_mm_dd[4] != '-' || yyyy_mm_dd[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  auto num = [&](std::size_t at, std::size_t len, auto& out) {
    auto [p, ec] = std::from_chars(yyyy_mm_dd.data() + at, yyyy_mm_dd.data() + at + len, out);
    return ec == std::errc() && p == yyyy_mm_dd.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  try {
    const auto* tz = date::locate_zone(zone);
    const date::local_days day = date::local_days{ymd} + date::days{add_days};
    // choose::earliest: on a day that starts inside a DST gap, the first real instant.
    const auto start =
        tz->to_sys(date::local_seconds{day.time_since_epoch()}, date::choose::earliest);
    return std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string local_time_text(std::int64_t unix_ms, const std::string& zone) {
  const date::sys_time<std::chrono::minutes> at = date::floor<std::chrono::minutes>(
      date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(unix_ms)));
  try {
    const auto local = date::make_zoned(date::locate_zone(zone), at).get_local_time();
    const auto day = date::floor<date::days>(local);
    const date::year_month_day ymd{day};
    const date::weekday wd{day};
    const date::hh_mm_ss<std::chrono::minutes> hm{
        std::chrono::duration_cast<std::chrono::minutes>(local - day)};
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s %u %s %d, %02d:%02d", kDays[wd.c_encoding()],
                  static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<int>(hm.hours().count()),
                  static_cast<int>(hm.minutes().count()));
    return buf;
  } catch (const std::exception&) {
    return format_rfc3339(unix_ms);
  }
}

}  // namespace crema::util
