#pragma once
/// The one way to build a 422 from a list of bad fields (SPEC §2's error shape).

#include <string>
#include <utility>
#include <vector>

#include "util/error.hpp"

namespace crema {

/// A validation_failed error listing every bad field, with the message that counts them:
/// "One field is invalid." or "3 fields are invalid.".
///
///     if (!issues.empty()) return validation_error(std::move(issues));
inline Error validation_error(std::vector<FieldIssue> issues) {
  // The message first: make() takes the issues by move, and a call's arguments are evaluated
  // in no set order (GCC moved them first once: "0 fields are invalid.").
  std::string message = issues.size() == 1 ? "One field is invalid."
                                           : std::to_string(issues.size()) + " fields are invalid.";
  return Error::make(ErrorCode::validation_failed, std::move(message), std::move(issues));
}

}  // namespace crema
