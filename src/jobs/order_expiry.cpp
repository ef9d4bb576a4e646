#include "jobs/order_expiry.hpp"

#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::jobs {

void OrderExpiry::schedule(Scheduler& scheduler) {
  // A pass that throws (the database was unavailable) is logged by the scheduler and the
  // next one tries again.
  scheduler.add("order_expiry", every_, [this] { run_once(); });
  scheduler.add("prune_idempotency_keys", std::chrono::hours(1), [this] { prune_keys(); });
}

int OrderExpiry::run_once() {
  const int expired = orders_.expire_due(util::now_ms());
  if (expired > 0) obs::Log(obs::Level::info, "unpaid orders expired").num("count", expired);
  return expired;
}

std::int64_t OrderExpiry::prune_keys() { return orders_.prune_idempotency_keys(util::now_ms()); }

}  // namespace crema::jobs
