#include "util/error.hpp"

namespace crema {

namespace {

struct CodeInfo {
  std::string_view name;
  int status;
  std::string_view message;
};

// The status table of SPEC §2, in ErrorCode order.
constexpr CodeInfo kCodes[] = {
    {"bad_request", 400, "The request could not be understood."},
    {"unauthorized", 401, "Missing, invalid, expired or revoked credentials."},
    {"forbidden", 403, "You may not do this."},
    {"not_found", 404, "No such resource."},
    {"method_not_allowed", 405, "This method is not allowed on this resource."},
    {"conflict", 409, "The resource's state does not allow this."},
    {"version_conflict", 409, "The resource was changed by someone else; reload and retry."},
    {"invalid_transition", 409, "This status change is not allowed."},
    {"out_of_stock", 409, "Not enough stock."},
    {"duplicate", 409, "This already exists."},
    {"shop_closed", 409, "The shop is not taking online orders now."},
    {"slot_full", 409, "This time slot is full; choose another."},
    {"invalid_token", 400, "The token is unknown, used or expired."},
    {"email_not_verified", 403, "Verify your email address first."},
    {"two_factor_required", 403, "Turn on two-factor authentication first."},
    {"payload_too_large", 413, "The request body is too large."},
    {"unsupported_media_type", 415, "This content type is not accepted here."},
    {"validation_failed", 422, "Some fields are invalid."},
    {"rate_limited", 429, "Too many requests; retry later."},
    {"unavailable", 503, "The service is temporarily unavailable."},
    {"internal", 500, "Something went wrong on our side."},
};

static_assert(std::size(kCodes) == static_cast<std::size_t>(ErrorCode::internal) + 1);

const CodeInfo& info(ErrorCode code) noexcept { return kCodes[static_cast<std::size_t>(code)]; }

}  // namespace

std::string_view code_name(ErrorCode code) noexcept { return info(code).name; }
int http_status(ErrorCode code) noexcept { return info(code).status; }
std::string_view default_message(ErrorCode code) noexcept { return info(code).message; }

}  // namespace crema
