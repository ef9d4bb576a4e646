#include "app/fulfil_module.hpp"

#include "api/fulfil_routes.hpp"

namespace crema::app {

FulfilModule::FulfilModule(db::Pool& pool, events::Bus& bus, events::Hub& /*hub*/,
                           service::OrderService& orders, const Config& /*config*/)
    : reviews_(std::make_unique<service::ReviewService>(pool, bus)),
      deliveries_(std::make_unique<service::DeliveryService>(pool, bus, orders)),
      events_(std::make_unique<service::EventService>(pool, bus, orders)) {}

FulfilModule::~FulfilModule() = default;

void FulfilModule::provide(api::AppServices& services) {
  auto ctx = std::make_shared<api::FulfilContext>();
  ctx->reviews = reviews_.get();
  ctx->deliveries = deliveries_.get();
  ctx->events = events_.get();
  services.fulfil = std::move(ctx);
}

}  // namespace crema::app
