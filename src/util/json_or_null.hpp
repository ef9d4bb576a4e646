/// JSON values for optional fields: `null` when there is nothing, as SPEC §2 writes an absent
/// optional field (never an empty string, never a missing key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "util/time.hpp"

namespace crema::util {

/// `null` for an empty string (an optional text column), else the text.
inline boost::json::value json_text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}

/// `null` for no time, else the time in RFC 3339 (util::format_rfc3339).
inline boost::json::value json_time_or_null(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return boost::json::value(format_rfc3339(*ms));
}

}  // namespace crema::util
