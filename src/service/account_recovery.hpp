#pragma once
/// Getting back into an account (SPEC §15.1): the forgotten-password mail and the reset it
/// leads to, and the reset mail an admin or a manager sends for a user. The mails carry a
/// single-use token (256 random bits, only its SHA-256 kept in `account_tokens`) in a link
/// under CREMA_PUBLIC_URL, and go through the outbox like every notification.

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/password.hpp"
#include "db/pool.hpp"
#include "repo/user_repo.hpp"
#include "service/actor.hpp"
#include "service/socket_revoker.hpp"
#include "util/error.hpp"

namespace crema::service {

/// A user gets at most this many reset mails per rolling hour, however they are asked for.
inline constexpr int kResetMailsPerHour = 3;
inline constexpr std::int64_t kResetMailWindowMs = 3600LL * 1000;

struct RecoverySettings {
  std::string public_url;                             ///< CREMA_PUBLIC_URL: where the links point
  std::int64_t reset_valid_ms = 30LL * 60 * 1000;     ///< CREMA_PASSWORD_RESET_MINUTES
  std::int64_t verify_valid_ms = 24LL * 3600 * 1000;  ///< an email verification link
};

class AccountRecovery {
 public:
  AccountRecovery(db::Pool& pool, auth::Argon2Profile argon2, SocketRevoker sockets,
                  RecoverySettings settings);

  /// Queues a `password_reset` mail (SMS for an account with only a phone) to the active
  /// account with this email, unless it already had kResetMailsPerHour this hour. Answers
  /// the same, doing the same work (a token made and hashed, one transaction with the same
  /// reads), whether or not such an account exists: nothing tells the caller which.
  Result<void> forgot_password(std::string_view email);

  /// Sets the password of the token's account: the token is spent (with every other reset
  /// token of the account), every session and refresh family of the account is revoked and
  /// its WebSockets closed. An unknown, used or expired token: invalid_token; a password
  /// that breaks the rules: validation_failed on `new_password`.
  Result<void> reset_password(const Actor& actor, std::string_view token,
                              std::string_view new_password);

  /// An admin or a manager sends a reset mail to a user (audited). not_found for no such
  /// user, conflict for an inactive one, rate_limited past kResetMailsPerHour.
  Result<void> send_reset(const Actor& actor, std::string_view user_id);

  /// Queues the `verify_email` mail of a new account in the transaction that creates it.
  void queue_verification(db::Transaction& tx, const repo::UserRecord& user, std::int64_t now_ms);

  /// Marks the token's account verified and spends the token (and the account's other
  /// verification tokens). invalid_token for an unknown, used or expired one.
  Result<void> verify_email(const Actor& actor, std::string_view token);

  /// Sends the caller a new verification mail: conflict when already verified,
  /// rate_limited past kResetMailsPerHour verification mails an hour.
  Result<void> resend_verification(const Actor& actor);

  /// The link of a mail: CREMA_PUBLIC_URL + path + "?token=" + token.
  std::string link(std::string_view path, std::string_view token) const;

 private:
  db::Pool& pool_;
  auth::Argon2Profile argon2_;
  SocketRevoker sockets_;
  RecoverySettings settings_;
};

}  // namespace crema::service
