#include "service/account_recovery.hpp"

#include <boost/json.hpp>

#include "auth/crypto.hpp"
#include "obs/log.hpp"
#include "repo/account_token_repo.hpp"
#include "repo/outbox_repo.hpp"
#include "repo/session_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/admin_bootstrap.hpp"
#include "service/audit.hpp"
#include "service/outbox.hpp"
#include "util/time.hpp"

namespace crema::service {

namespace {

constexpr std::string_view kResetPurpose = "password_reset";
constexpr std::string_view kVerifyPurpose = "verify_email";
constexpr std::size_t kMaxAccountTokenChars = 256;

Error invalid_reset_token() {
  return Error::make(ErrorCode::invalid_token,
                     "This reset link is not valid: it is unknown, was already used or has "
                     "expired. Ask for a new one.",
                     {{"token", "is not valid"}});
}

Error invalid_verify_token() {
  return Error::make(ErrorCode::invalid_token,
                     "This verification link is not valid: it is unknown, was already used or "
                     "has expired. Ask for a new one.",
                     {{"token", "is not valid"}});
}

// The channel of an account's own mails: email, or SMS when it has only a phone; nothing
// when it has neither.
std::optional<std::string> own_channel(db::Connection& conn, std::string_view user_id) {
  auto contact = repo::find_active_contact(conn, user_id);
  if (!contact) return std::nullopt;
  if (!contact->email.empty()) return std::string("email");
  if (!contact->phone.empty()) return std::string("sms");
  return std::nullopt;
}

}  // namespace

AccountRecovery::AccountRecovery(db::Pool& pool, auth::Argon2Profile argon2, SocketRevoker sockets,
                                 RecoverySettings settings)
    : pool_(pool), argon2_(argon2), sockets_(sockets), settings_(std::move(settings)) {
  while (!settings_.public_url.empty() && settings_.public_url.back() == '/')
    settings_.public_url.pop_back();
}

std::string AccountRecovery::link(std::string_view path, std::string_view token) const {
  return settings_.public_url + std::string(path) + "?token=" + std::string(token);
}

Result<void> AccountRecovery::forgot_password(std::string_view email) {
  const auto normalized = normalize_email(email);
  // Made whether or not it is sent, so both answers cost the same.
  const std::string token = auth::random_token(32);
  const std::string hash = auth::sha256_hex(token);
  pool_.transact([&](db::Transaction& tx) {
    auto& conn = tx.connection();
    const std::int64_t now = util::now_ms();
    std::optional<repo::UserRecord> user;
    if (normalized) user = repo::find_user_by_email(conn, *normalized);
    const bool usable = user && user->is_active && !user->erased_at;
    // The same count for an unknown address (on an id no account has).
    const std::string counted = usable ? user->id : std::string("-");
    const auto recent =
        repo::count_account_tokens_since(conn, counted, kResetPurpose, now - kResetMailWindowMs);
    const auto channel = own_channel(conn, counted);
    if (!usable || !channel) return;
    if (recent >= kResetMailsPerHour) {
      obs::Log(obs::Level::info, "password reset mail not sent: hourly limit reached")
          .str("user_id", user->id);
      return;
    }
    repo::insert_account_token(conn, {hash, user->id, std::string(kResetPurpose), now,
                                      now + settings_.reset_valid_ms, std::nullopt});
    enqueue_user_notification(tx, user->id, "password_reset",
                              {{"name", user->name},
                               {"link", link("/reset-password", token)},
                               {"expires_minutes", settings_.reset_valid_ms / 60000}},
                              *channel);
  });
  return {};
}

Result<void> AccountRecovery::reset_password(const Actor& actor, std::string_view token,
                                             std::string_view new_password) {
  if (token.empty() || token.size() > kMaxAccountTokenChars) return invalid_reset_token();
  const std::string hash = auth::sha256_hex(token);
  std::optional<repo::UserRecord> user;
  {
    auto lease = pool_.read();
    auto found = repo::find_account_token(*lease, hash, kResetPurpose);
    if (!found || found->used_at || found->expires_at <= util::now_ms())
      return invalid_reset_token();
    user = repo::find_user_by_id(*lease, found->user_id);
  }
  if (!user || !user->is_active || user->erased_at) return invalid_reset_token();
  auto issues = auth::check_password_rules(new_password, user->email, "new_password");
  if (!issues.empty())
    return Error::make(ErrorCode::validation_failed, "The new password is not acceptable.",
                       std::move(issues));
  const std::string password_hash = auth::hash_password(new_password, argon2_);
  auto out = pool_.transact([&](db::Transaction& tx) -> Result<void> {
    auto& conn = tx.connection();
    const std::int64_t now = util::now_ms();
    // Spent here, not at the read above: of two requests with one token only one wins.
    if (!repo::use_account_token(conn, hash, now)) return invalid_reset_token();
    repo::use_user_tokens(conn, user->id, kResetPurpose, now);
    repo::set_password_hash(conn, user->id, password_hash, now);
    repo::revoke_user_sessions(conn, user->id, "", "password reset", now);
    // Audited as the account's own act (it proved it holds the mailed token).
    Actor self = actor;
    auth::Principal p;
    p.user_id = user->id;
    p.role = user->role;
    self.principal = p;
    record_audit(tx, self,
                 {"user.password_reset", "user", user->id,
                  "set a new password with a reset link; every session ended"});
    return {};
  });
  if (!out) return out;
  sockets_.user(user->id, "password reset");
  return {};
}

Result<void> AccountRecovery::send_reset(const Actor& actor, std::string_view user_id) {
  if (!actor.is_manager_plus())
    return Error::make(ErrorCode::forbidden, "Only managers and admins may send a reset.");
  const std::string token = auth::random_token(32);
  const std::string hash = auth::sha256_hex(token);
  return pool_.transact([&](db::Transaction& tx) -> Result<void> {
    auto& conn = tx.connection();
    const std::int64_t now = util::now_ms();
    auto user = repo::find_user_by_id(conn, user_id);
    if (!user || user->erased_at) return Error::make(ErrorCode::not_found, "No such user.");
    if (!user->is_active)
      return Error::make(ErrorCode::conflict,
                         "This account is not active; reactivate it before sending a reset.");
    const auto channel = own_channel(conn, user->id);
    if (!channel)
      return Error::make(ErrorCode::conflict, "This account has no email or phone to send to.");
    if (repo::count_account_tokens_since(conn, user->id, kResetPurpose, now - kResetMailWindowMs) >=
        kResetMailsPerHour)
      return Error::too_many("This account was sent " + std::to_string(kResetMailsPerHour) +
                                 " reset mails in the last hour; try again later.",
                             static_cast<int>(kResetMailWindowMs / 1000));
    repo::insert_account_token(conn, {hash, user->id, std::string(kResetPurpose), now,
                                      now + settings_.reset_valid_ms, std::nullopt});
    enqueue_user_notification(tx, user->id, "password_reset",
                              {{"name", user->name},
                               {"link", link("/reset-password", token)},
                               {"expires_minutes", settings_.reset_valid_ms / 60000}},
                              *channel);
    record_audit(tx, actor,
                 {"user.password_reset_sent", "user", user->id,
                  "sent a password reset link to the account's own " + *channel});
    return {};
  });
}

void AccountRecovery::queue_verification(db::Transaction& tx, const repo::UserRecord& user,
                                         std::int64_t now_ms) {
  const std::string token = auth::random_token(32);
  repo::insert_account_token(tx.connection(),
                             {auth::sha256_hex(token), user.id, std::string(kVerifyPurpose), now_ms,
                              now_ms + settings_.verify_valid_ms, std::nullopt});
  // To the address being verified, whatever else the account has.
  enqueue_notification(tx, {"verify_email",
                            "email",
                            user.email,
                            user.id,
                            {{"name", user.name},
                             {"link", link("/verify-email", token)},
                             {"expires_hours", settings_.verify_valid_ms / 3600000}}});
}

Result<void> AccountRecovery::verify_email(const Actor& actor, std::string_view token) {
  if (token.empty() || token.size() > kMaxAccountTokenChars) return invalid_verify_token();
  const std::string hash = auth::sha256_hex(token);
  return pool_.transact([&](db::Transaction& tx) -> Result<void> {
    auto& conn = tx.connection();
    const std::int64_t now = util::now_ms();
    auto found = repo::find_account_token(conn, hash, kVerifyPurpose);
    if (!found || !repo::use_account_token(conn, hash, now)) return invalid_verify_token();
    auto user = repo::find_user_by_id(conn, found->user_id);
    if (!user || !user->is_active || user->erased_at) return invalid_verify_token();
    repo::use_user_tokens(conn, user->id, kVerifyPurpose, now);
    if (user->email_verified) return {};
    repo::set_email_verified(conn, user->id, now);
    Actor self = actor;
    auth::Principal p;
    p.user_id = user->id;
    p.role = user->role;
    self.principal = p;
    record_audit(tx, self, {"user.email_verify", "user", user->id, "verified the email address"});
    return {};
  });
}

Result<void> AccountRecovery::resend_verification(const Actor& actor) {
  if (!actor.principal || actor.principal->is_api_key())
    return Error::make(ErrorCode::unauthorized, "Sign in first.");
  return pool_.transact([&](db::Transaction& tx) -> Result<void> {
    auto& conn = tx.connection();
    const std::int64_t now = util::now_ms();
    auto user = repo::find_user_by_id(conn, actor.principal->user_id);
    if (!user || !user->is_active) return Error::make(ErrorCode::unauthorized, "Sign in first.");
    if (user->email_verified)
      return Error::make(ErrorCode::conflict, "This email address is already verified.");
    if (repo::count_account_tokens_since(conn, user->id, kVerifyPurpose,
                                         now - kResetMailWindowMs) >= kResetMailsPerHour)
      return Error::too_many("Verification mails were sent " + std::to_string(kResetMailsPerHour) +
                                 " times in the last hour; try again later.",
                             static_cast<int>(kResetMailWindowMs / 1000));
    queue_verification(tx, *user, now);
    return {};
  });
}

}  // namespace crema::service
