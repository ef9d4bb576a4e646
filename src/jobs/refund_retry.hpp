#pragma once
/// The job that retries automatic refunds the gateway did not take (a cancelled paid order,
/// a success that arrived for a cancelled or expired order): the money is owed, so such a
/// refund stays pending and is sent again, with the refund's id as the gateway's idempotency
/// key, until the gateway accepts it. Every instance runs it (`crema serve` and
/// `crema worker`), on the scheduler (jobs/scheduler.hpp): a pass claims each refund before
/// its gateway call (repo::claim_refund), so one process at a time sends it, and settles it
/// under its order's row lock. The first pass runs at the scheduler's start, then one per
/// period, and one soon after kick().

#include <atomic>
#include <chrono>

#include "jobs/scheduler.hpp"
#include "service/payment_service.hpp"

namespace crema::jobs {

class RefundRetry {
 public:
  explicit RefundRetry(service::PaymentService& payments,
                       std::chrono::milliseconds every = std::chrono::seconds(60))
      : payments_(payments), every_(every) {}
  RefundRetry(const RefundRetry&) = delete;
  RefundRetry& operator=(const RefundRetry&) = delete;

  /// Adds "refund_retry" to `scheduler`, before its start(). This object must outlive the
  /// scheduler's stop().
  void schedule(Scheduler& scheduler);
  /// Asks for a pass over every pending refund soon (a paid order was just cancelled).
  /// Never blocks: an event bus subscriber calls it.
  void kick();
  /// One pass now: refunds pending for at least one period (`all`: every pending refund);
  /// returns how many settled.
  int run_once(bool all = false);

 private:
  service::PaymentService& payments_;
  std::chrono::milliseconds every_;
  std::atomic<Scheduler*> scheduler_{nullptr};
  Scheduler::TaskId task_ = 0;
  std::atomic<bool> kicked_{false};
};

}  // namespace crema::jobs
