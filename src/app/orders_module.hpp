#pragma once
/// The orders feature as the server wires it: the order and cart services, the hub's rule
/// for "order:<id>" channels, orders_created_total, and the expiry job (on the scheduler).

#include <memory>

#include "api/routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"
#include "events/hub.hpp"
#include "jobs/order_expiry.hpp"
#include "jobs/scheduler.hpp"
#include "service/cart_service.hpp"
#include "service/order_service.hpp"
#include "service/order_timing.hpp"

namespace crema::obs {
class Metrics;
}

namespace crema::app {

class OrdersModule {
 public:
  /// `timing`: the shop's hours and slots, which online orders follow.
  OrdersModule(db::Pool& pool, events::Bus& bus, events::Hub& hub, obs::Metrics& metrics,
               const Config& config, service::OrderTiming& timing);
  OrdersModule(const OrdersModule&) = delete;
  OrdersModule& operator=(const OrdersModule&) = delete;

  /// Hands the route context to the route table.
  void provide(api::AppServices& services);
  /// Adds the expiry job (and the pruning of Idempotency-Keys) and the order_due job
  /// (scheduled orders reaching the kitchen, SPEC §15.3) to `scheduler`, which must be
  /// stopped before this module is destroyed.
  void schedule(jobs::Scheduler& scheduler);

  service::OrderService& orders() noexcept { return orders_; }

 private:
  service::OrderService orders_;
  service::CartService cart_;
  jobs::OrderExpiry expiry_;
};

/// The order settings of a configuration.
service::OrderSettings order_settings(const Config& config);

}  // namespace crema::app
