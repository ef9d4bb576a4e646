#pragma once
/// Sign-up, sign-in and sessions (SPEC §3): registration, login (with the per-account
/// lockout and TOTP), refresh-token rotation with theft detection, logout, password change,
/// two-factor enrolment, and turning a bearer token into a principal.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/denylist.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/secret_box.hpp"
#include "db/pool.hpp"
#include "repo/user_repo.hpp"
#include "service/actor.hpp"
#include "service/socket_revoker.hpp"
#include "util/error.hpp"

namespace crema::service {

/// Refresh tokens live 7 days; every use replaces them.
inline constexpr std::int64_t kRefreshTokenMs = 7LL * 24 * 3600 * 1000;
/// A session's absolute lifetime by default (CREMA_SESSION_MAX_DAYS): refreshing never
/// carries it past this many days after the sign-in.
inline constexpr std::int64_t kDefaultSessionMaxMs = 30LL * 24 * 3600 * 1000;
/// The per-account lockout: this many failed logins within the window lock the email.
inline constexpr int kLoginFailureLimit = 5;
inline constexpr std::int64_t kLoginFailureWindowMs = 15LL * 60 * 1000;

/// How recent a sign-in must be to stand in for the password (confirm_identity).
inline constexpr std::int64_t kFreshSignInMs = 5LL * 60 * 1000;

/// Where a sign-in comes from (kept with the session, shown in the data export).
struct ClientInfo {
  std::string ip;
  std::string user_agent;
};

struct TokenPair {
  std::string access_token;
  std::string refresh_token;
  std::int64_t expires_in = auth::kAccessTokenSeconds;  ///< seconds, of the access token
};

/// A user and a fresh session of theirs.
struct SignedIn {
  repo::UserRecord user;
  TokenPair tokens;
};

/// Fields of a registration, already validated in shape by the API layer.
struct RegisterInput {
  std::string name;
  std::string email;  ///< a valid address (normalised here)
  std::optional<std::string> phone;
  std::string password;  ///< follows the password rules
  std::optional<auth::Role> role;
  bool marketing_opt_in = false;
};

struct LoginInput {
  std::string email;
  std::string password;
  std::optional<std::string> otp;
  /// In place of otp: one of the account's unused recovery codes (spent by the sign-in).
  std::optional<std::string> recovery_code;
};

/// How many recovery codes enabling 2FA (or replacing them) hands out.
inline constexpr int kRecoveryCodeCount = 10;

/// What /auth/2fa/setup hands out once: the secret for the authenticator app.
struct TotpSetup {
  std::string secret_base32;
  std::string otpauth_url;
};

class AuthService {
 public:
  /// `sockets`: how logout, password change and a replayed refresh token end the live
  /// WebSocket sessions they concern (SPEC §15.4).
  AuthService(db::Pool& pool, const auth::JwtCodec& jwt, const auth::SecretBox& secrets,
              auth::TokenDenylist& denylist, auth::RateLimiter& limiter, auth::Argon2Profile argon2,
              SocketRevoker sockets = SocketRevoker(),
              std::int64_t session_max_ms = kDefaultSessionMaxMs);

  /// Creates an account and signs it in. Without a role, or by anyone but an admin asking
  /// for another role than customer: forbidden. Taken email: duplicate.
  Result<SignedIn> register_user(const Actor& actor, const RegisterInput& in,
                                 const ClientInfo& client);

  /// Signs in. Unknown email, wrong password and inactive account answer the same
  /// unauthorized (a dummy hash is verified for unknown emails). Five failures within 15
  /// minutes lock the email: rate_limited (with retry_after_s) before any hashing.
  Result<SignedIn> login(const LoginInput& in, const ClientInfo& client);

  /// Rotates a refresh token. An already-rotated token revokes its whole session and closes
  /// its WebSockets (theft detection); unknown, expired and revoked tokens are unauthorized,
  /// and so is a session past its absolute lifetime (session_max_ms after the sign-in): the
  /// new tokens never outlive it.
  Result<TokenPair> refresh(std::string_view refresh_token, const ClientInfo& client);

  /// Ends the caller's session (and the session of `refresh_token` when it is theirs),
  /// denylists the access token until it expires and closes those sessions' WebSockets.
  Result<void> logout(const Actor& actor, const std::optional<std::string>& refresh_token);

  /// The caller's account.
  Result<repo::UserRecord> me(const Actor& actor);

  /// Changes the caller's password after checking the current one (failures count toward
  /// the lockout), then revokes every other session of theirs and closes their WebSockets.
  Result<void> change_password(const Actor& actor, std::string_view current_password,
                               std::string_view new_password);

  /// A sensitive step by the caller themself (erasing their own account) needs proof it is
  /// still them: their current password (a wrong one counts toward the lockout), or a
  /// sign-in (the session's start) within the last kFreshSignInMs. validation_failed on
  /// the `password` field otherwise.
  Result<void> confirm_identity(const Actor& actor, const std::optional<std::string>& password);

  /// Starts TOTP enrolment: a new secret, stored encrypted, not yet required.
  Result<TotpSetup> totp_setup(const Actor& actor);
  /// Turns 2FA on once a code from the new secret checks out; answers the account's ten
  /// one-time recovery codes (shown this once: only their hashes are kept).
  Result<std::vector<std::string>> totp_enable(const Actor& actor, std::string_view otp);
  /// Turns 2FA off given a valid current code (the recovery codes go with it).
  Result<void> totp_disable(const Actor& actor, std::string_view otp);
  /// Replaces the recovery codes given a valid current code; answers the new ones.
  Result<std::vector<std::string>> replace_recovery_codes(const Actor& actor, std::string_view otp);

  /// The principal of a bearer access token: signature, expiry, denylist, and the account
  /// and session still live with the same role.
  Result<auth::Principal> authenticate_bearer(std::string_view token);

  /// Called inside the transaction that registers an account (the verify_email mail of
  /// SPEC §15.1 is queued there); nothing by default.
  using RegisteredHook =
      std::function<void(db::Transaction&, const repo::UserRecord&, std::int64_t now_ms)>;
  void on_registered(RegisteredHook hook) { on_registered_ = std::move(hook); }

  /// The lockout key of an email as typed (trimmed, lower-cased): the lockout applies
  /// whether or not the address is known or even valid.
  static std::string login_key(std::string_view email);

 private:
  TokenPair start_session(db::Transaction& tx, const repo::UserRecord& user,
                          const ClientInfo& client, std::int64_t now_ms);
  /// An access token, expiring in 15 minutes or at `session_end_ms`, whichever is first.
  std::string issue_access_token(const std::string& user_id, auth::Role role,
                                 const std::string& session_id, std::int64_t now_ms,
                                 std::int64_t session_end_ms) const;
  /// Checks a TOTP code against the user's secret and burns its step; nothing when wrong.
  bool check_otp(db::Connection& conn, const repo::UserRecord& user, std::string_view otp,
                 std::int64_t now_ms);
  std::optional<std::string> open_totp_secret(const repo::UserRecord& user) const;
  /// Runs `change` in one transaction once `otp` is the user's current code (the attempt
  /// counts against the user's OTP lockout); a wrong code → 422 naming `otp`, nothing changed.
  Result<void> change_with_otp(
      const repo::UserRecord& user, std::string_view otp,
      const std::function<void(db::Transaction&, std::int64_t now_ms)>& change);
  Result<repo::UserRecord> current_user(const Actor& actor, db::Connection& conn);

  db::Pool& pool_;
  const auth::JwtCodec& jwt_;
  const auth::SecretBox& secrets_;
  auth::TokenDenylist& denylist_;
  auth::RateLimiter& limiter_;
  auth::Argon2Profile argon2_;
  SocketRevoker sockets_;
  std::int64_t session_max_ms_;
  std::string dummy_hash_;  ///< verified for unknown emails, so they cost the same time
  RegisteredHook on_registered_;
};

}  // namespace crema::service
