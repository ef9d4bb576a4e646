#pragma once
/// Retention (SPEC §15.5, docs/PRIVACY.md): what Crema forgets by itself, run by the
/// scheduler every hour.
///
/// * CREMA_RETENTION_DAYS_GUEST_PII (365): the contact details of orders placed without an
///   account — guests, API keys, walk-ins with a name — are cleared that many days after the
///   order ended (repo::clear_guest_contacts); the order itself stays for the books.
/// * CREMA_RETENTION_DAYS_NOTIFICATIONS (90): sent and failed notifications and webhook
///   deliveries, with their attempts, are deleted that many days after they settled.
///
/// 0 keeps them for good. Whatever the policy, credentials that no longer open anything go
/// too (SPEC §10's pruning of expired tokens, §15.1): account tokens (password reset, email
/// verification) spent or expired and older than a day (a younger one still counts in the
/// reset-mails-per-hour limit), spent 2FA recovery codes, and guests' order tokens 30 days
/// after their order ended. Work is done in batches (one transaction each), so a first run
/// over years of orders never holds a long transaction.
///
///   auto done = service::apply_retention(pool, {.guest_pii_days = 365,
///                                               .notification_days = 90}, util::now_ms());

#include <cstdint>

#include "db/pool.hpp"

namespace crema::service {

struct RetentionPolicy {
  int guest_pii_days = 365;    ///< 0: never cleared
  int notification_days = 90;  ///< 0: never deleted
};

struct RetentionResult {
  std::int64_t orders_cleared = 0;          ///< orders whose contact details went
  std::int64_t messages_deleted = 0;        ///< notifications and webhook deliveries
  std::int64_t account_tokens_deleted = 0;  ///< spent or expired reset/verification tokens
  std::int64_t recovery_codes_deleted = 0;  ///< spent 2FA recovery codes
  std::int64_t guest_tokens_deleted = 0;    ///< expired X-Order-Tokens
};

/// Account tokens are kept this long at least, spent or not (the reset mails of the last
/// hour are counted from them).
inline constexpr std::int64_t kAccountTokenKeepMs = 24LL * 60 * 60 * 1000;

/// Applies `policy` as of `now_ms`; returns what it did.
RetentionResult apply_retention(db::Pool& pool, const RetentionPolicy& policy, std::int64_t now_ms);

/// Orders cleared per transaction.
inline constexpr int kRetentionBatch = 500;

}  // namespace crema::service
