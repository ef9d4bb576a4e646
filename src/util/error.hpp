#pragma once
/// Domain errors as values, and the one table that maps them to HTTP statuses (SPEC §2).

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace crema {

/// The error codes of SPEC §2. Each has exactly one HTTP status (see http_status()).
enum class ErrorCode {
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  conflict,
  version_conflict,
  invalid_transition,
  out_of_stock,
  duplicate,
  shop_closed,          ///< SPEC §15.3: an online order while the shop does not take them
  slot_full,            ///< SPEC §15.3: a scheduled order's slot has no room
  invalid_token,        ///< SPEC §15.1: a reset or verification token unknown, used or expired
  email_not_verified,   ///< SPEC §15.1: CREMA_REQUIRE_VERIFIED_EMAIL
  two_factor_required,  ///< SPEC §15.1: CREMA_REQUIRE_2FA_ROLES
  payload_too_large,
  unsupported_media_type,
  validation_failed,
  rate_limited,
  unavailable,
  internal,
};

/// One bad field of a request: `{"field": "items[0].quantity", "issue": "must be at least 1"}`.
struct FieldIssue {
  std::string field;
  std::string issue;
};

/// A failure a caller can act on. `details` lists every bad field at once.
struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::vector<FieldIssue> details;
  /// For rate_limited (and unavailable): seconds after which a retry may succeed, sent as
  /// Retry-After; 0 sends none.
  int retry_after_s = 0;
  /// Further members of the error object, beside `code` (shop_closed's `next_open_at`):
  /// a name and a string, or null when the value is nothing.
  std::vector<std::pair<std::string, std::optional<std::string>>> extra;

  static Error make(ErrorCode c, std::string msg, std::vector<FieldIssue> d = {}) {
    return Error{c, std::move(msg), std::move(d)};
  }
  /// A rate_limited error that says when to come back.
  static Error too_many(std::string msg, int retry_after_seconds) {
    Error e{ErrorCode::rate_limited, std::move(msg), {}};
    e.retry_after_s = retry_after_seconds < 1 ? 1 : retry_after_seconds;
    return e;
  }
};

/// Thrown where a bounded resource is full and the request must not wait for it (the
/// password-hashing queue): nothing was done, and the dispatcher answers 503 unavailable
/// with Retry-After.
class Busy : public std::runtime_error {
 public:
  Busy(const std::string& what, int retry_after_seconds)
      : std::runtime_error(what),
        retry_after_s(retry_after_seconds < 1 ? 1 : retry_after_seconds) {}
  int retry_after_s;
};

/// The wire name of a code, e.g. "validation_failed".
std::string_view code_name(ErrorCode code) noexcept;
/// The HTTP status of a code, e.g. 422 for validation_failed.
int http_status(ErrorCode code) noexcept;
/// The default human sentence for a code.
std::string_view default_message(ErrorCode code) noexcept;

/// Either a value or an Error. A small stand-in for C++23 std::expected.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace crema
