#pragma once
/// Small helpers for HTTP header values (RFC 9110 §5.6): optional whitespace and ASCII
/// case-insensitive tokens. Shared by the dispatcher and the compression middleware.

#include <cstddef>
#include <string_view>

namespace crema::http {

/// `s` without leading and trailing optional whitespace (spaces and tabs).
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// ASCII case-insensitive equality of two tokens (header names, codings, media types).
inline bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  return true;
}

}  // namespace crema::http
