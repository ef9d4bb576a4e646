#pragma once
/// The `users` table: insert, look up, list, update and anonymise users, in SQL written once
/// for both stores.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/roles.hpp"
#include "db/connection.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

/// One row of `users`, as stored. JSON columns are JSON text.
struct UserRecord {
  std::string id;
  std::string name;
  std::string email;  ///< lower-case
  std::optional<std::string> phone;
  std::string password_hash;
  auth::Role role = auth::Role::customer;
  std::string addresses_json = "[]";
  bool marketing_opt_in = false;
  bool is_active = true;
  bool two_factor_enabled = false;
  std::optional<std::string> totp_secret;  ///< encrypted
  std::string metadata_json = "{}";
  std::int64_t version = 1;
  std::int64_t created_at = 0;                 ///< Unix ms
  std::int64_t updated_at = 0;                 ///< Unix ms
  std::optional<std::int64_t> totp_last_step;  ///< last TOTP time step accepted (no replay)
  std::optional<std::int64_t> erased_at;       ///< when the account was anonymised
  bool email_verified = false;                 ///< the verify_email link was opened
  std::string notify_channel = "email";        ///< email | sms | both (SPEC §15.1)
};

/// Inserts the user. Throws db::Error(unique_violation) when the id or email is taken.
void insert_user(db::Connection& conn, const UserRecord& user);

/// The user with this (already lower-cased) email.
std::optional<UserRecord> find_user_by_email(db::Connection& conn, std::string_view email);

/// The user with this id.
std::optional<UserRecord> find_user_by_id(db::Connection& conn, std::string_view id);

/// Writes the profile fields (name, phone, role, addresses, marketing_opt_in, is_active,
/// metadata) of `user`, bumps the version and sets updated_at — only when the stored
/// version is still `expected_version`. Returns the new version, or nothing when the row
/// is missing or was changed meanwhile.
std::optional<std::int64_t> update_user_profile(db::Connection& conn, const UserRecord& user,
                                                std::int64_t expected_version, std::int64_t now_ms);

/// Sets the password hash.
void set_password_hash(db::Connection& conn, std::string_view id, std::string_view hash,
                       std::int64_t now_ms);

/// Sets the TOTP columns: the encrypted secret (nothing clears it), whether 2FA is on, and
/// the last accepted step.
void set_totp(db::Connection& conn, std::string_view id, const std::optional<std::string>& secret,
              bool enabled, std::optional<std::int64_t> last_step, std::int64_t now_ms);

/// Marks the account's email verified (bumps the version).
void set_email_verified(db::Connection& conn, std::string_view id, std::int64_t now_ms);

/// Records the TOTP step just used, only when it is later than the one stored (a code is
/// good once). Returns false when another request used this step or a later one first.
bool advance_totp_step(db::Connection& conn, std::string_view id, std::int64_t step);

/// Replaces every personal field with a placeholder, deactivates the account and forgets
/// its password and TOTP secret.
void anonymise_user(db::Connection& conn, std::string_view id, std::string_view placeholder_email,
                    std::string_view placeholder_name, std::string_view unusable_hash,
                    std::int64_t now_ms);

/// Active admins (to keep at least one).
std::int64_t count_active_admins(db::Connection& conn);

struct UserFilter {
  std::optional<auth::Role> role;
  std::optional<std::string> query;  ///< substring of the name or the email, any case
  /// Keyset: users strictly after (created_at, id) in newest-first order.
  std::optional<repo::Keyset> before;
  int limit = 50;
};

/// Newest first; up to filter.limit + 1 rows (the extra one says there is a next page).
std::vector<UserRecord> list_users(db::Connection& conn, const UserFilter& filter);

/// What authenticating a request needs to know about its user and session.
struct AuthState {
  auth::Role role = auth::Role::customer;
  bool is_active = false;
  bool two_factor_enabled = false;
  bool email_verified = false;
  bool session_live = false;  ///< the session exists, is the user's and is not revoked
};

/// The user's state and whether `session_id` is one of their live sessions; nothing when
/// the user does not exist.
std::optional<AuthState> find_auth_state(db::Connection& conn, std::string_view user_id,
                                         std::string_view session_id);

}  // namespace crema::repo
