#include "service/retention.hpp"

#include "repo/account_token_repo.hpp"
#include "repo/order_repo.hpp"
#include "service/guest_tokens.hpp"
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
  pool.transact([&](db::Transaction& tx) {
    out.account_tokens_deleted =
        repo::delete_settled_account_tokens(tx.connection(), now_ms, now_ms - kAccountTokenKeepMs);
    out.recovery_codes_deleted = repo::delete_used_recovery_codes(tx.connection());
  });
  out.guest_tokens_deleted = prune_guest_tokens(pool, now_ms);
  return out;
}

}  // namespace crema::service
