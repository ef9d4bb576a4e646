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
/// 0 keeps them for good. Work is done in batches (one transaction each), so a first run
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
  std::int64_t orders_cleared = 0;    ///< orders whose contact details went
  std::int64_t messages_deleted = 0;  ///< notifications and webhook deliveries
};

/// Applies `policy` as of `now_ms`; returns what it did.
RetentionResult apply_retention(db::Pool& pool, const RetentionPolicy& policy, std::int64_t now_ms);

/// Orders cleared per transaction.
inline constexpr int kRetentionBatch = 500;

}  // namespace crema::service
