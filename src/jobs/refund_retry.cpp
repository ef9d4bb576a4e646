#include "jobs/refund_retry.hpp"

#include "util/time.hpp"

namespace crema::jobs {

void RefundRetry::schedule(Scheduler& scheduler) {
  // A pass that throws (the database was unavailable) is logged by the scheduler and the
  // next one tries again. The first pass runs at start: refunds owed from before this
  // process started (another instance died, the gateway was down) do not wait a period.
  task_ = scheduler.add("refund_retry", every_,
                        [this] { run_once(kicked_.exchange(false, std::memory_order_acq_rel)); });
  scheduler_.store(&scheduler, std::memory_order_release);
}

void RefundRetry::kick() {
  kicked_.store(true, std::memory_order_release);
  if (auto* s = scheduler_.load(std::memory_order_acquire)) s->run_soon(task_);
}

int RefundRetry::run_once(bool all) {
  return payments_.retry_pending_refunds(all ? util::now_ms() + 1
                                             : util::now_ms() - every_.count());
}

}  // namespace crema::jobs
