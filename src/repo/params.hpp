/// Statement parameters the repositories share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/types.hpp"

namespace crema::repo {

/// NULL for an empty string (an optional text column), else the text.
inline db::Param text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return std::string_view(s);
}

/// NULL for an empty optional, else the number.
inline db::Param int_or_null(const std::optional<std::int64_t>& v) {
  if (!v) return nullptr;
  return *v;
}

}  // namespace crema::repo
