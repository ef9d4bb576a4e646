#include "service/retention.hpp"

#include "repo/order_repo.hpp"
#include "service/outbox.hpp"

namespace crema::service {

namespace {
constexpr std::int64_t kRetentionDayMs = 24LL * 60 * 60 * 1000;
}

RetentionResult apply_retention(db::Pool& pool, const RetentionPolicy& policy,
                                std::int64_t now_ms) {
  RetentionResult out;
  if (policy.guest_pii_days > 0) {
    const std::int64_t before = now_ms - policy.guest_pii_days * kRetentionDayMs;
    for (;;) {
      const auto n = pool.transact([&](db::Transaction& tx) {
        return repo::clear_guest_contacts(tx, before, now_ms, kRetentionBatch);
      });
      out.orders_cleared += n;
      if (n < kRetentionBatch) break;
    }
  }
  if (policy.notification_days > 0)
    out.messages_deleted =
        prune_settled_messages(pool, now_ms - policy.notification_days * kRetentionDayMs);
  return out;
}

}  // namespace crema::service
