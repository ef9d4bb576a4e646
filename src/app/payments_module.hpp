#pragma once
/// The payments feature as the server wires it: the gateway adapters from the settings,
/// the payment service, its hook into order cancellation (a paid order is refunded) and the
/// job that retries automatic refunds (on the scheduler).

#include <atomic>
#include <memory>

#include "api/routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"
#include "jobs/refund_retry.hpp"
#include "jobs/scheduler.hpp"
#include "payments/gateway.hpp"
#include "service/order_service.hpp"
#include "service/payment_service.hpp"

namespace crema::obs {
class Metrics;
}

namespace crema::app {

/// The gateway settings of a configuration.
payments::GatewaySettings gateway_settings(const Config& config);

class PaymentsModule {
 public:
  /// `metrics` (may be null) gets payments_total{gateway, outcome}; `bus` (may be null)
  /// wakes the refund job when a paid order is cancelled.
  PaymentsModule(db::Pool& pool, service::OrderService& orders, const Config& config,
                 obs::Metrics* metrics = nullptr, events::Bus* bus = nullptr);
  ~PaymentsModule();
  PaymentsModule(const PaymentsModule&) = delete;
  PaymentsModule& operator=(const PaymentsModule&) = delete;

  /// Hands the route context to the route table.
  void provide(api::AppServices& services);
  /// Adds the refund retry job to `scheduler` (`crema serve` and `crema worker`), which must
  /// be stopped before this module is destroyed.
  void schedule(jobs::Scheduler& scheduler) { retry_.schedule(scheduler); }
  service::PaymentService& payments() noexcept { return payments_; }

 private:
  service::OrderService& orders_;
  payments::GatewayRegistry gateways_;
  service::PaymentService payments_;
  jobs::RefundRetry retry_;
  /// What the bus subscriber kicks; emptied on destruction (subscriptions outlive us).
  std::shared_ptr<std::atomic<jobs::RefundRetry*>> kick_target_;
};

}  // namespace crema::app
