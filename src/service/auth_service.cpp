#include "service/auth_service.hpp"

#include "auth/crypto.hpp"
#include "auth/totp.hpp"
#include "obs/log.hpp"
#include "repo/account_token_repo.hpp"
#include "repo/session_repo.hpp"
#include "service/admin_bootstrap.hpp"
#include "service/audit.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace {

// Sessions that ended are kept this long for the user's own record (the data export).
constexpr std::int64_t kEndedSessionKeepMs = 30LL * 24 * 3600 * 1000;
constexpr std::size_t kMaxRefreshTokenChars = 256;
constexpr std::size_t kMaxUserAgent = 256;

Error bad_credentials() {
  return Error::make(ErrorCode::unauthorized, "The email or password is not correct.");
}

Error not_valid_refresh() {
  return Error::make(ErrorCode::unauthorized, "The refresh token is not valid.");
}

Error locked(std::int64_t ms) {
  return Error::too_many("Too many failed attempts; try again later.",
                         static_cast<int>((ms + 999) / 1000));
}

// One attempt reserved against a lockout key (RateLimiter::reserve_attempt): counted as a
// failure from the start, so concurrent guesses cannot all pass the check. Unless the
// attempt is kept as a failure (fail) or ends in a success (succeed, which clears the
// key), it is given back when the reservation goes out of scope: a request that never
// reached the check (an exception, a full hashing queue) or was not a guess costs nothing.
class Attempt {
 public:
  Attempt(auth::RateLimiter& limiter, std::string key) : limiter_(limiter), key_(std::move(key)) {}
  ~Attempt() {
    if (settled_) return;
    try {
      limiter_.release_attempt(key_, util::now_ms());
    } catch (const std::exception& e) {
      // The attempt stays counted: the safe side.
      obs::Log(obs::Level::warn, "lockout: an attempt could not be given back")
          .str("error", e.what());
    }
  }
  Attempt(const Attempt&) = delete;
  Attempt& operator=(const Attempt&) = delete;
  /// The attempt failed: it stays counted.
  void fail() noexcept { settled_ = true; }
  /// The attempt succeeded: the key's count is cleared.
  void succeed() {
    settled_ = true;
    limiter_.clear_failures(key_);
  }

 private:
  auth::RateLimiter& limiter_;
  std::string key_;
  bool settled_ = false;
};

// A recovery code as typed, in the form it is hashed: lower case, without dashes or spaces.
std::string recovery_code_key(std::string_view code) {
  std::string out;
  for (char c : code.substr(0, 64)) {
    if (c == '-' || c == ' ') continue;
    out += c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
  }
  return out;
}

// Ten new codes of 80 random bits each, "abcd-efgh-ijkl-mnop" (base32, lower case), and
// their hashes.
std::vector<std::string> new_recovery_codes(std::vector<std::string>& hashes) {
  std::vector<std::string> codes;
  hashes.clear();
  for (int i = 0; i < kRecoveryCodeCount; ++i) {
    std::string b32 = auth::base32_encode(auth::random_bytes(10));
    for (auto& c : b32) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
    std::string code;
    for (std::size_t j = 0; j < b32.size(); ++j) {
      if (j > 0 && j % 4 == 0) code += '-';
      code += b32[j];
    }
    hashes.push_back(auth::sha256_hex(recovery_code_key(code)));
    codes.push_back(std::move(code));
  }
  return codes;
}

std::optional<std::string> opt_text(const std::string& s, std::size_t max) {
  if (s.empty()) return std::nullopt;
  return s.size() > max ? s.substr(0, max) : s;
}

}  // namespace

AuthService::AuthService(db::Pool& pool, const auth::JwtCodec& jwt, const auth::SecretBox& secrets,
                         auth::TokenDenylist& denylist, auth::RateLimiter& limiter,
                         auth::Argon2Profile argon2, SocketRevoker sockets,
                         std::int64_t session_max_ms)
    : pool_(pool),
      jwt_(jwt),
      secrets_(secrets),
      denylist_(denylist),
      limiter_(limiter),
      argon2_(argon2),
      sockets_(sockets),
      session_max_ms_(session_max_ms),
      dummy_hash_(auth::hash_password(auth::random_token(24), argon2)) {}

std::string AuthService::login_key(std::string_view email) {
  while (!email.empty() && (email.front() == ' ' || email.front() == '\t')) email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '\t')) email.remove_suffix(1);
  std::string key = "login:";
  key.reserve(key.size() + std::min<std::size_t>(email.size(), 320));
  for (char c : email.substr(0, 320)) key += c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
  return key;
}

std::string AuthService::issue_access_token(const std::string& user_id, auth::Role role,
                                            const std::string& session_id, std::int64_t now_ms,
                                            std::int64_t session_end_ms) const {
  auth::AccessClaims c;
  c.sub = user_id;
  c.role = role;
  c.iat = now_ms / 1000;
  c.exp = std::max(c.iat + 1, std::min(c.iat + auth::kAccessTokenSeconds, session_end_ms / 1000));
  c.jti = auth::random_token(16);
  c.sid = session_id;
  return jwt_.sign(c);
}

TokenPair AuthService::start_session(db::Transaction& tx, const repo::UserRecord& user,
                                     const ClientInfo& client, std::int64_t now_ms) {
  auto& conn = tx.connection();
  repo::prune_user_sessions(conn, user.id, now_ms, kEndedSessionKeepMs);
  repo::SessionRecord s;
  s.id = util::new_uuid_v7();
  s.user_id = user.id;
  s.created_at = s.last_used_at = now_ms;
  s.expires_at = now_ms + std::min(kRefreshTokenMs, session_max_ms_);
  s.ip = opt_text(client.ip, 64);
  s.user_agent = opt_text(client.user_agent, kMaxUserAgent);
  repo::insert_session(conn, s);

  TokenPair out;
  out.refresh_token = auth::random_token(32);
  repo::RefreshTokenRecord t;
  t.token_hash = auth::sha256_hex(out.refresh_token);
  t.session_id = s.id;
  t.issued_at = now_ms;
  t.expires_at = s.expires_at;
  repo::insert_refresh_token(conn, t);
  out.access_token =
      issue_access_token(user.id, user.role, s.id, now_ms, s.created_at + session_max_ms_);
  return out;
}

Result<SignedIn> AuthService::register_user(const Actor& actor, const RegisterInput& in,
                                            const ClientInfo& client) {
  const auth::Role role = in.role.value_or(auth::Role::customer);
  if (role != auth::Role::customer && !actor.is_role(auth::Role::admin))
    return Error::make(ErrorCode::forbidden,
                       "Only an admin may create staff, manager, driver or admin accounts.");
  auto email = normalize_email(in.email);
  if (!email)
    return Error::make(ErrorCode::validation_failed, "One field is invalid.",
                       {{"email", "must be a valid email address"}});
  const auto duplicate = [] {
    return Error::make(ErrorCode::duplicate, "An account with this email already exists.",
                       {{"email", "is already registered"}});
  };
  // Checked before hashing so a repeat answers at once; the insert catches races.
  if (repo::find_user_by_email(*pool_.read(), *email)) return duplicate();

  repo::UserRecord user;
  user.id = util::new_uuid_v7();
  user.name = in.name;
  user.email = *email;
  user.phone = in.phone;
  user.password_hash = auth::hash_password(in.password, argon2_);
  user.role = role;
  user.marketing_opt_in = in.marketing_opt_in;
  try {
    return pool_.transact([&](db::Transaction& tx) -> Result<SignedIn> {
      const std::int64_t now = util::now_ms();
      user.created_at = user.updated_at = now;
      repo::insert_user(tx.connection(), user);
      if (on_registered_) on_registered_(tx, user, now);
      record_audit(tx, actor,
                   {"user.create", "user", user.id,
                    "created " + std::string(auth::role_name(role)) + " account " + user.id});
      SignedIn out{user, start_session(tx, user, client, now)};
      return out;
    });
  } catch (const db::Error& e) {
    if (e.kind() == db::Error::Kind::unique_violation) return duplicate();
    throw;
  }
}

Result<SignedIn> AuthService::login(const LoginInput& in, const ClientInfo& client) {
  const std::string key = login_key(in.email);
  const std::int64_t start = util::now_ms();
  if (auto wait = limiter_.reserve_attempt(key, kLoginFailureLimit, kLoginFailureWindowMs, start))
    return locked(*wait);
  Attempt attempt(limiter_, key);

  auto email = normalize_email(in.email);
  std::optional<repo::UserRecord> user;
  if (email) user = repo::find_user_by_email(*pool_.read(), *email);
  // The same work whether or not the account exists: one Argon2 verification.
  const bool password_ok =
      auth::verify_password(user ? user->password_hash : dummy_hash_, in.password);
  if (!user || !password_ok || !user->is_active) {
    attempt.fail();
    return bad_credentials();
  }
  if (user->two_factor_enabled) {
    // The right password without a code is not a guess: the attempt is given back.
    const bool has_otp = in.otp && !in.otp->empty();
    const bool has_recovery = in.recovery_code && !in.recovery_code->empty();
    if (!has_otp && !has_recovery)
      return Error::make(ErrorCode::unauthorized,
                         "This account has two-factor authentication: send the 6-digit code "
                         "from the authenticator app as otp (or a recovery code as "
                         "recovery_code).",
                         {{"otp", "is required"}});
  }
  const bool rehash = auth::password_needs_rehash(user->password_hash, argon2_);
  std::optional<std::string> new_hash;
  if (rehash) new_hash = auth::hash_password(in.password, argon2_);

  auto out = pool_.transact([&](db::Transaction& tx) -> Result<SignedIn> {
    const std::int64_t now = util::now_ms();
    if (user->two_factor_enabled && in.otp && !in.otp->empty()) {
      if (!check_otp(tx.connection(), *user, *in.otp, now))
        return Error::make(ErrorCode::unauthorized, "The one-time code is not valid.",
                           {{"otp", "is not valid"}});
    } else if (user->two_factor_enabled) {
      // A recovery code stands in for the TOTP code, once.
      if (!repo::use_recovery_code(tx.connection(), user->id,
                                   auth::sha256_hex(recovery_code_key(*in.recovery_code)), now))
        return Error::make(ErrorCode::unauthorized,
                           "The recovery code is not valid (each works once).",
                           {{"recovery_code", "is not valid"}});
      Actor self;
      self.principal = auth::Principal{};
      self.principal->user_id = user->id;
      self.principal->role = user->role;
      self.ip = client.ip;
      record_audit(tx, self,
                   {"user.2fa_recovery_login", "user", user->id, "signed in with a recovery code"});
    }
    if (new_hash) {
      repo::set_password_hash(tx.connection(), user->id, *new_hash, now);
      user->password_hash = *new_hash;
    }
    SignedIn s{*user, start_session(tx, *user, client, now)};
    return s;
  });
  if (!out) {
    attempt.fail();
    return out;
  }
  attempt.succeed();
  return out;
}

Result<TokenPair> AuthService::refresh(std::string_view token, const ClientInfo& client) {
  if (token.empty() || token.size() > kMaxRefreshTokenChars) return not_valid_refresh();
  const std::string hash = auth::sha256_hex(token);
  bool reuse = false;
  std::string reuse_session, reuse_user;
  auto out = pool_.transact([&](db::Transaction& tx) -> Result<TokenPair> {
    auto& conn = tx.connection();
    const std::int64_t now = util::now_ms();
    auto found = repo::find_refresh_token(conn, hash);
    if (!found) return not_valid_refresh();
    const auto& session = found->session;
    if (session.revoked_at)
      return Error::make(ErrorCode::unauthorized, "This session has ended; sign in again.");
    const bool expired = found->token.expires_at <= now;
    if (found->token.rotated_at || (!expired && !repo::mark_rotated(conn, hash, now))) {
      // A token that was already exchanged is being replayed: whoever holds the newer one
      // and whoever replays this one cannot be told apart, so the session ends for both.
      repo::revoke_session(conn, session.id, "refresh token reuse", now);
      reuse = true;
      reuse_session = session.id;
      reuse_user = session.user_id;
      return Error::make(ErrorCode::unauthorized,
                         "This refresh token was already used; the session has been revoked. "
                         "Sign in again.");
    }
    if (expired)
      return Error::make(ErrorCode::unauthorized, "The refresh token has expired; sign in again.");
    // However often it is refreshed, a session ends session_max_ms after the sign-in.
    const std::int64_t session_end = session.created_at + session_max_ms_;
    if (now >= session_end) {
      repo::revoke_session(conn, session.id, "maximum lifetime reached", now);
      return Error::make(ErrorCode::unauthorized,
                         "This session has reached its maximum lifetime; sign in again.");
    }
    auto user = repo::find_user_by_id(conn, session.user_id);
    if (!user || !user->is_active) {
      repo::revoke_session(conn, session.id, "account inactive", now);
      return not_valid_refresh();
    }
    TokenPair pair;
    pair.refresh_token = auth::random_token(32);
    repo::RefreshTokenRecord t;
    t.token_hash = auth::sha256_hex(pair.refresh_token);
    t.session_id = session.id;
    t.issued_at = now;
    t.expires_at = std::min(now + kRefreshTokenMs, session_end);
    repo::insert_refresh_token(conn, t);
    repo::touch_session(conn, session.id, now, t.expires_at);
    (void)client;
    pair.access_token = issue_access_token(user->id, user->role, session.id, now, session_end);
    pair.expires_in = std::max<std::int64_t>(
        1, std::min<std::int64_t>(auth::kAccessTokenSeconds, (session_end - now) / 1000));
    return pair;
  });
  if (reuse) {
    obs::Log(obs::Level::warn, "refresh token reuse; session revoked")
        .str("session_id", reuse_session);
    sockets_.session(reuse_user, reuse_session, "session revoked");
  }
  return out;
}

Result<void> AuthService::logout(const Actor& actor,
                                 const std::optional<std::string>& refresh_token) {
  if (!actor.principal || actor.principal->is_api_key())
    return Error::make(ErrorCode::unauthorized, "Sign in first.");
  const auto& p = *actor.principal;
  std::string other_session;  // the refresh token's session, when it is another of theirs
  pool_.transact([&](db::Transaction& tx) {
    auto& conn = tx.connection();
    const std::int64_t now = util::now_ms();
    other_session.clear();
    if (!p.session_id.empty()) repo::revoke_session(conn, p.session_id, "logout", now);
    if (refresh_token && !refresh_token->empty() &&
        refresh_token->size() <= kMaxRefreshTokenChars) {
      auto found = repo::find_refresh_token(conn, auth::sha256_hex(*refresh_token));
      // Someone else's token is ignored rather than revoked: a logout must not end
      // another user's session.
      if (found && found->session.user_id == p.user_id) {
        repo::revoke_session(conn, found->session.id, "logout", now);
        if (found->session.id != p.session_id) other_session = found->session.id;
      }
    }
    record_audit(tx, actor, {"user.logout", "user", p.user_id, "signed out"});
  });
  if (!p.token_id.empty()) denylist_.deny(p.token_id, p.token_expires_ms, util::now_ms());
  sockets_.session(p.user_id, p.session_id, "signed out");
  sockets_.session(p.user_id, other_session, "signed out");
  return {};
}

Result<repo::UserRecord> AuthService::current_user(const Actor& actor, db::Connection& conn) {
  if (!actor.principal || actor.principal->is_api_key())
    return Error::make(ErrorCode::unauthorized, "Sign in first.");
  auto user = repo::find_user_by_id(conn, actor.principal->user_id);
  if (!user || !user->is_active) return Error::make(ErrorCode::unauthorized, "Sign in first.");
  return *user;
}

Result<repo::UserRecord> AuthService::me(const Actor& actor) {
  return current_user(actor, *pool_.read());
}

Result<void> AuthService::change_password(const Actor& actor, std::string_view current_password,
                                          std::string_view new_password) {
  auto user = current_user(actor, *pool_.read());
  if (!user) return std::move(user).error();
  const std::string key = login_key(user->email);
  if (auto wait =
          limiter_.reserve_attempt(key, kLoginFailureLimit, kLoginFailureWindowMs, util::now_ms()))
    return locked(*wait);
  Attempt attempt(limiter_, key);
  std::vector<FieldIssue> issues =
      auth::check_password_rules(new_password, user->email, "new_password");
  if (!issues.empty())
    return Error::make(ErrorCode::validation_failed, "The new password is not acceptable.",
                       std::move(issues));
  if (!auth::verify_password(user->password_hash, current_password)) {
    attempt.fail();
    return Error::make(ErrorCode::validation_failed, "The current password is not correct.",
                       {{"current_password", "is not correct"}});
  }
  if (current_password == new_password)
    return Error::make(ErrorCode::validation_failed, "The new password is not acceptable.",
                       {{"new_password", "must differ from the current password"}});
  const std::string hash = auth::hash_password(new_password, argon2_);
  pool_.transact([&](db::Transaction& tx) {
    const std::int64_t now = util::now_ms();
    repo::set_password_hash(tx.connection(), user->id, hash, now);
    repo::revoke_user_sessions(tx.connection(), user->id, actor.principal->session_id,
                               "password changed", now);
    record_audit(tx, actor, {"user.password_change", "user", user->id, "changed own password"});
  });
  sockets_.all_but(user->id, actor.principal->session_id, "password changed");
  attempt.succeed();
  return {};
}

Result<void> AuthService::confirm_identity(const Actor& actor,
                                           const std::optional<std::string>& password) {
  auto user = current_user(actor, *pool_.read());
  if (!user) return std::move(user).error();
  if (!password) {
    const auto session = repo::find_session(*pool_.read(), actor.principal->session_id);
    if (session && !session->revoked_at && session->created_at >= util::now_ms() - kFreshSignInMs)
      return {};
    return Error::make(ErrorCode::validation_failed,
                       "Confirm with your password: the sign-in is more than 5 minutes old.",
                       {{"password", "is required (or sign in again)"}});
  }
  const std::string key = login_key(user->email);
  if (auto wait =
          limiter_.reserve_attempt(key, kLoginFailureLimit, kLoginFailureWindowMs, util::now_ms()))
    return locked(*wait);
  Attempt attempt(limiter_, key);
  if (!auth::verify_password(user->password_hash, *password)) {
    attempt.fail();
    return Error::make(ErrorCode::validation_failed, "The password is not correct.",
                       {{"password", "is not correct"}});
  }
  attempt.succeed();
  return {};
}

std::optional<std::string> AuthService::open_totp_secret(const repo::UserRecord& user) const {
  if (!user.totp_secret) return std::nullopt;
  return secrets_.open(*user.totp_secret);
}

bool AuthService::check_otp(db::Connection& conn, const repo::UserRecord& user,
                            std::string_view otp, std::int64_t now_ms) {
  auto secret = open_totp_secret(user);
  if (!secret) {
    obs::Log(obs::Level::error, "TOTP secret cannot be decrypted (wrong CREMA_DATA_KEY?)")
        .str("user_id", user.id);
    return false;
  }
  auto step = auth::totp_match(*secret, otp, now_ms / 1000);
  // A code is good once: the step must be later than the last one accepted.
  return step && repo::advance_totp_step(conn, user.id, *step);
}

Result<TotpSetup> AuthService::totp_setup(const Actor& actor) {
  auto user = current_user(actor, *pool_.read());
  if (!user) return std::move(user).error();
  if (user->two_factor_enabled)
    return Error::make(ErrorCode::conflict,
                       "Two-factor authentication is already on; disable it first to enrol a "
                       "new secret.");
  const std::string secret = auth::random_bytes(auth::kTotpSecretBytes);
  TotpSetup out;
  out.secret_base32 = auth::base32_encode(secret);
  out.otpauth_url = auth::otpauth_url("Crema", user->email, out.secret_base32);
  const std::string sealed = secrets_.seal(secret);
  pool_.transact([&](db::Transaction& tx) {
    repo::set_totp(tx.connection(), user->id, sealed, false, std::nullopt, util::now_ms());
    record_audit(tx, actor,
                 {"user.2fa_setup", "user", user->id,
                  "started two-factor enrolment (a new secret, not yet enabled)"});
  });
  return out;
}

Result<void> AuthService::change_with_otp(
    const repo::UserRecord& user, std::string_view otp,
    const std::function<void(db::Transaction&, std::int64_t now_ms)>& change) {
  const std::string key = "otp:" + user.id;
  if (auto wait =
          limiter_.reserve_attempt(key, kLoginFailureLimit, kLoginFailureWindowMs, util::now_ms()))
    return locked(*wait);
  Attempt attempt(limiter_, key);
  const bool ok = pool_.transact([&](db::Transaction& tx) -> bool {
    const std::int64_t now = util::now_ms();
    if (!check_otp(tx.connection(), user, otp, now)) return false;
    change(tx, now);
    return true;
  });
  if (!ok) {
    attempt.fail();
    return Error::make(ErrorCode::validation_failed, "The one-time code is not valid.",
                       {{"otp", "is not valid"}});
  }
  attempt.succeed();
  return {};
}

Result<std::vector<std::string>> AuthService::totp_enable(const Actor& actor,
                                                          std::string_view otp) {
  auto user = current_user(actor, *pool_.read());
  if (!user) return std::move(user).error();
  if (user->two_factor_enabled)
    return Error::make(ErrorCode::conflict, "Two-factor authentication is already on.");
  if (!user->totp_secret) return Error::make(ErrorCode::conflict, "Call /auth/2fa/setup first.");
  std::vector<std::string> hashes;
  auto codes = new_recovery_codes(hashes);
  auto done = change_with_otp(*user, otp, [&](db::Transaction& tx, std::int64_t now) {
    auto fresh = repo::find_user_by_id(tx.connection(), user->id);
    repo::set_totp(tx.connection(), user->id, user->totp_secret, true,
                   fresh ? fresh->totp_last_step : std::nullopt, now);
    repo::replace_recovery_codes(tx.connection(), user->id, hashes, now);
    record_audit(tx, actor,
                 {"user.2fa_enable", "user", user->id, "enabled two-factor authentication"});
  });
  if (!done) return std::move(done).error();
  return codes;
}

Result<void> AuthService::totp_disable(const Actor& actor, std::string_view otp) {
  auto user = current_user(actor, *pool_.read());
  if (!user) return std::move(user).error();
  if (!user->two_factor_enabled)
    return Error::make(ErrorCode::conflict, "Two-factor authentication is not on.");
  return change_with_otp(*user, otp, [&](db::Transaction& tx, std::int64_t now) {
    repo::set_totp(tx.connection(), user->id, std::nullopt, false, std::nullopt, now);
    repo::delete_recovery_codes(tx.connection(), user->id);
    record_audit(tx, actor,
                 {"user.2fa_disable", "user", user->id, "disabled two-factor authentication"});
  });
}

Result<std::vector<std::string>> AuthService::replace_recovery_codes(const Actor& actor,
                                                                     std::string_view otp) {
  auto user = current_user(actor, *pool_.read());
  if (!user) return std::move(user).error();
  if (!user->two_factor_enabled)
    return Error::make(ErrorCode::conflict,
                       "Two-factor authentication is not on: enabling it gives the codes.");
  std::vector<std::string> hashes;
  auto codes = new_recovery_codes(hashes);
  auto done = change_with_otp(*user, otp, [&](db::Transaction& tx, std::int64_t now) {
    repo::replace_recovery_codes(tx.connection(), user->id, hashes, now);
    record_audit(
        tx, actor,
        {"user.2fa_recovery_codes", "user", user->id, "replaced the two-factor recovery codes"});
  });
  if (!done) return std::move(done).error();
  return codes;
}

Result<auth::Principal> AuthService::authenticate_bearer(std::string_view token) {
  const std::int64_t now = util::now_ms();
  auto claims = jwt_.verify(token, now / 1000);
  if (!claims) return std::move(claims).error();
  if (denylist_.denied(claims->jti, now))
    return Error::make(ErrorCode::unauthorized, "The access token has been revoked.");
  auto state = repo::find_auth_state(*pool_.read(), claims->sub, claims->sid);
  if (!state || !state->is_active)
    return Error::make(ErrorCode::unauthorized, "This account is not active.");
  if (!state->session_live)
    return Error::make(ErrorCode::unauthorized, "This session has ended; sign in again.");
  if (state->role != claims->role)
    return Error::make(ErrorCode::unauthorized, "Your role has changed; refresh the access token.");
  auth::Principal p;
  p.user_id = std::move(claims->sub);
  p.role = claims->role;
  p.token_id = std::move(claims->jti);
  p.token_expires_ms = claims->exp * 1000;
  p.session_id = std::move(claims->sid);
  p.two_factor = state->two_factor_enabled;
  p.email_verified = state->email_verified;
  return p;
}

}  // namespace crema::service
