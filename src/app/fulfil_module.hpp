#pragma once
/// Delivery, reviews and catering events (SPEC §8, §11) as the server wires them.

#include <memory>

#include "api/routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"
#include "events/hub.hpp"
#include "service/delivery_service.hpp"
#include "service/event_service.hpp"
#include "service/order_service.hpp"
#include "service/review_service.hpp"

namespace crema::app {

class FulfilModule {
 public:
  FulfilModule(db::Pool& pool, events::Bus& bus, events::Hub& hub, service::OrderService& orders,
               const Config& config);
  ~FulfilModule();
  FulfilModule(const FulfilModule&) = delete;
  FulfilModule& operator=(const FulfilModule&) = delete;

  /// Hands the route context to the route table.
  void provide(api::AppServices& services);

 private:
  std::string config_currency_;
  std::string config_timezone_;
  std::unique_ptr<service::ReviewService> reviews_;
  std::unique_ptr<service::DeliveryService> deliveries_;
  std::unique_ptr<service::EventService> events_;
};

}  // namespace crema::app
