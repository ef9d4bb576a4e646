#pragma once
/// The background job that cancels unpaid online orders once their hold
/// (CREMA_ORDER_HOLD_MINUTES) is over, releasing their stock, and forgets Idempotency-Keys
/// older than 24 hours. Every instance may run it: each order is expired in its own
/// transaction under its row lock, and one already expired elsewhere is skipped.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "service/order_service.hpp"

namespace crema::jobs {

class OrderExpiry {
 public:
  explicit OrderExpiry(service::OrderService& orders,
                       std::chrono::milliseconds every = std::chrono::seconds(15))
      : orders_(orders), every_(every) {}
  ~OrderExpiry() { stop(); }
  OrderExpiry(const OrderExpiry&) = delete;
  OrderExpiry& operator=(const OrderExpiry&) = delete;

  void start();
  void stop();
  /// One pass now (expiry and, at most hourly, key pruning); returns the orders expired.
  int run_once();

 private:
  void run();
  service::OrderService& orders_;
  std::chrono::milliseconds every_;
  std::chrono::steady_clock::time_point next_prune_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace crema::jobs
