#pragma once
/// The background job that retries automatic refunds the gateway did not take (a cancelled
/// paid order, a success that arrived for a cancelled or expired order): the money is owed,
/// so such a refund stays pending and is sent again, with the refund's id as the gateway's
/// idempotency key, until the gateway accepts it. Every instance runs it (`crema serve` and
/// `crema worker`): a pass claims each refund before its gateway call (repo::claim_refund),
/// so one process at a time sends it, and settles it under its order's row lock. The first
/// pass runs at start(), then one per period or kick().

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "service/payment_service.hpp"

namespace crema::jobs {

class RefundRetry {
 public:
  explicit RefundRetry(service::PaymentService& payments,
                       std::chrono::milliseconds every = std::chrono::seconds(60))
      : payments_(payments), every_(every) {}
  ~RefundRetry() { stop(); }
  RefundRetry(const RefundRetry&) = delete;
  RefundRetry& operator=(const RefundRetry&) = delete;

  void start();
  void stop();
  /// Wakes the job for a pass over every pending refund (a paid order was just cancelled).
  /// Never blocks: an event bus subscriber calls it.
  void kick();
  /// One pass now: refunds pending for at least one period (`all`: every pending refund);
  /// returns how many settled.
  int run_once(bool all = false);

 private:
  void run();
  service::PaymentService& payments_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool kicked_ = false;
  std::thread thread_;
};

}  // namespace crema::jobs
