#pragma once
/// The `account_tokens` table (SPEC §15.1): single-use tokens of password resets and email
/// verifications, stored as SHA-256 hashes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/connection.hpp"

namespace crema::repo {

struct AccountTokenRecord {
  std::string token_hash;  ///< SHA-256 hex of the token
  std::string user_id;
  std::string purpose;  ///< password_reset | verify_email
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> used_at;
};

void insert_account_token(db::Connection& conn, const AccountTokenRecord& token);

/// The token with this hash and purpose, used or not, expired or not.
std::optional<AccountTokenRecord> find_account_token(db::Connection& conn,
                                                     std::string_view token_hash,
                                                     std::string_view purpose);

/// Spends the token: only when it is unused and not expired at `now_ms`. False when another
/// request spent it first (or it expired meanwhile).
bool use_account_token(db::Connection& conn, std::string_view token_hash, std::int64_t now_ms);

/// Marks every unused token of the user for `purpose` used (a new password makes the other
/// reset links useless); returns how many.
std::int64_t use_user_tokens(db::Connection& conn, std::string_view user_id,
                             std::string_view purpose, std::int64_t now_ms);

/// How many tokens for `purpose` the user was given since `since_ms`.
std::int64_t count_account_tokens_since(db::Connection& conn, std::string_view user_id,
                                        std::string_view purpose, std::int64_t since_ms);

/// Deletes the tokens created before `created_before` that are spent or expired at
/// `now_ms` (the retention job; a recent one still counts in the mails-per-hour limit);
/// returns how many.
std::int64_t delete_settled_account_tokens(db::Connection& conn, std::int64_t now_ms,
                                           std::int64_t created_before);

/// Deletes every token of the user, and their recovery codes (erasure).
void delete_user_tokens(db::Connection& conn, std::string_view user_id);

// ---- two-factor recovery codes (the `recovery_codes` table) ---------------------------------

/// Replaces the user's recovery codes with these hashes.
void replace_recovery_codes(db::Connection& conn, std::string_view user_id,
                            const std::vector<std::string>& code_hashes, std::int64_t now_ms);

/// Spends one unused code of the user; false when there is no such unused code.
bool use_recovery_code(db::Connection& conn, std::string_view user_id, std::string_view code_hash,
                       std::int64_t now_ms);

/// How many unused codes the user has.
std::int64_t count_unused_recovery_codes(db::Connection& conn, std::string_view user_id);

/// Deletes every spent recovery code (the retention job: a spent code opens nothing, and a
/// replaced set is deleted when it is replaced); returns how many.
std::int64_t delete_used_recovery_codes(db::Connection& conn);

/// Deletes the user's recovery codes (2FA turned off).
void delete_recovery_codes(db::Connection& conn, std::string_view user_id);

}  // namespace crema::repo
