#pragma once
/// `crema create-admin`: the first administrator of a fresh installation.

#include <optional>
#include <string>
#include <string_view>

#include "auth/password.hpp"
#include "db/pool.hpp"
#include "util/error.hpp"

namespace crema::service {

/// Creates a user with role admin and returns its id. The email is trimmed and
/// lower-cased; the name is its local part. Fails with validation_failed (every bad field
/// in details) for a malformed email or a password that breaks the rules, and with
/// duplicate when the email is taken. Database faults are thrown as db::Error.
Result<std::string> create_admin(db::Pool& pool, std::string_view email, std::string_view password,
                                 auth::Argon2Profile profile);

/// The email trimmed of surrounding spaces and lower-cased, or nothing when it does not
/// look like an address: one `@`, a local part of 1-64 printable ASCII characters without
/// spaces or specials that cannot appear unquoted, a domain of dot-separated labels
/// (letters, digits, hyphens, not at a label's ends) with at least one dot, at most 254
/// characters in all. To move to domain/ when the identity work lands.
std::optional<std::string> normalize_email(std::string_view email);

}  // namespace crema::service
