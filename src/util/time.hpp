#pragma once
/// Wall-clock time as integer Unix milliseconds, and RFC 3339 text for the API and logs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crema::util {

/// Milliseconds since the Unix epoch, from the system clock.
std::int64_t now_ms() noexcept;

/// RFC 3339 UTC at second precision, as the API shows times: `2026-11-22T09:15:00Z`
/// (milliseconds are truncated toward the past).
std::string format_rfc3339(std::int64_t unix_ms);

/// RFC 3339 UTC with milliseconds, as log lines carry them: `2026-11-22T09:15:00.123Z`.
std::string format_rfc3339_ms(std::int64_t unix_ms);

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)` (`T` and `Z` in either case) to Unix
/// milliseconds; digits of the fraction past milliseconds are dropped. Nothing for text
/// that is not such a time or names an impossible date or time (leap second 60 included).
std::optional<std::int64_t> parse_rfc3339(std::string_view text) noexcept;

}  // namespace crema::util
