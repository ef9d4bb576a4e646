#pragma once
/// Business dates (SPEC §2: `YYYY-MM-DD` in CREMA_TIMEZONE) as instants.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crema::util {

/// Unix milliseconds of the first instant of `yyyy_mm_dd` (a date, already validated) plus
/// `add_days` days in the IANA zone `zone` (midnight, or the first instant after a gap).
/// Nothing when the date or the zone is unknown.
std::optional<std::int64_t> day_start_ms(std::string_view yyyy_mm_dd, const std::string& zone,
                                         int add_days = 0);

/// An instant as the shop's wall clock shows it, for people: "Tue 8 Jan 2030, 09:00" in the
/// IANA zone `zone` (the zone's abbreviation is not added). The RFC 3339 UTC text when the
/// zone is unknown.
std::string local_time_text(std::int64_t unix_ms, const std::string& zone);

}  // namespace crema::util
