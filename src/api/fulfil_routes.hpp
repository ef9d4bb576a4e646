#pragma once
/// Routes of delivery (SPEC §8), reviews and catering events (SPEC §11): drivers,
/// deliveries and their locations, product reviews and their moderation, event requests.

#include <memory>
#include <string>

#include "api/openapi.hpp"
#include "net/router.hpp"

namespace crema::service {
class ReviewService;
class DeliveryService;
class EventService;
}  // namespace crema::service

namespace crema::api {

struct FulfilContext {
  service::ReviewService* reviews = nullptr;
  service::DeliveryService* deliveries = nullptr;
  service::EventService* events = nullptr;
  std::string timezone = "UTC";  ///< CREMA_TIMEZONE, for YYYY-MM-DD filters
};

/// Registers every route of the feature; `ctx` may be null when only the route table is
/// wanted (the OpenAPI test).
void register_fulfil_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<FulfilContext> ctx);

// One file per resource.
void register_review_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<FulfilContext> ctx);
void register_delivery_routes(http::Router& router, OpenApi& openapi,
                              std::shared_ptr<FulfilContext> ctx);
void register_event_routes(http::Router& router, OpenApi& openapi,
                           std::shared_ptr<FulfilContext> ctx);

}  // namespace crema::api
