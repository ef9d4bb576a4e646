#pragma once
/// Numbers as database text: strict parsing and shortest round-trip formatting. Internal
/// to the db layer (Row getters and the PostgreSQL driver share it).

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace crema::db::detail {

/// The whole text as a decimal int64, or nothing.
inline std::optional<std::int64_t> parse_int64(std::string_view s) {
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

/// The whole text as a double, including PostgreSQL's Infinity, -Infinity and NaN.
inline std::optional<double> parse_double(std::string_view s) {
  if (s == "Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  double v = 0;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || p != end) return std::nullopt;
  return v;
}

/// The shortest text that reads back as exactly `v`.
inline std::string format_double(double v) {
  char buf[32];  // enough for any double's shortest form
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  return std::string(buf, p);
}

}  // namespace crema::db::detail
