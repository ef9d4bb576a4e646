#pragma once
/// The job that cancels unpaid online orders once their hold (CREMA_ORDER_HOLD_MINUTES) is
/// over, releasing their stock, every 15 s, and forgets Idempotency-Keys older than 24 hours,
/// hourly; both on the scheduler (jobs/scheduler.hpp). Every instance may run it: each order
/// is expired in its own transaction under its row lock, and one already expired elsewhere
/// is skipped.

#include <chrono>

#include "jobs/scheduler.hpp"
#include "service/order_service.hpp"

namespace crema::jobs {

class OrderExpiry {
 public:
  explicit OrderExpiry(service::OrderService& orders,
                       std::chrono::milliseconds every = std::chrono::seconds(15))
      : orders_(orders), every_(every) {}
  OrderExpiry(const OrderExpiry&) = delete;
  OrderExpiry& operator=(const OrderExpiry&) = delete;

  /// Adds "order_expiry" (every period) and "prune_idempotency_keys" (hourly) to
  /// `scheduler`, before its start(). This object must outlive the scheduler's stop().
  void schedule(Scheduler& scheduler);
  /// One expiry pass now; returns the orders expired.
  int run_once();
  /// Forgets the Idempotency-Keys older than 24 hours now; returns how many.
  std::int64_t prune_keys();

 private:
  service::OrderService& orders_;
  std::chrono::milliseconds every_;
};

}  // namespace crema::jobs
