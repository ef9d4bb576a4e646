#include "app/fulfil_module.hpp"

#include <boost/json.hpp>

#include "api/fulfil_routes.hpp"
#include "api/identity_routes.hpp"
#include "service/user_export.hpp"

namespace crema::app {

FulfilModule::FulfilModule(db::Pool& pool, events::Bus& bus, events::Hub& /*hub*/,
                           service::OrderService& orders, const Config& config)
    : config_currency_(config.currency),
      config_timezone_(config.timezone),
      reviews_(std::make_unique<service::ReviewService>(pool, bus)),
      deliveries_(std::make_unique<service::DeliveryService>(pool, bus, orders)),
      events_(std::make_unique<service::EventService>(pool, bus, orders)) {}

FulfilModule::~FulfilModule() = default;

void FulfilModule::provide(api::AppServices& services) {
  auto ctx = std::make_shared<api::FulfilContext>();
  ctx->reviews = reviews_.get();
  ctx->deliveries = deliveries_.get();
  ctx->events = events_.get();
  ctx->timezone = config_timezone_;
  services.fulfil = std::move(ctx);
  // GDPR export: the user's reviews, order feedback, event requests and driver profile with its
  // deliveries.
  if (services.identity && services.identity->exports) {
    auto& exports = *services.identity->exports;
    exports.add("reviews", [](db::Connection& conn, const std::string& user_id) {
      boost::json::array out;
      repo::ReviewFilter f;
      f.customer_id = user_id;
      f.limit = 100'000;
      for (const auto& r : repo::list_reviews(conn, f))
        out.push_back(service::review_json(r, false));
      return boost::json::value(std::move(out));
    });
    exports.add("order_feedback", [](db::Connection& conn, const std::string& user_id) {
      boost::json::array out;
      repo::FeedbackFilter f;
      f.customer_id = user_id;
      f.limit = 100'000;
      for (const auto& row : repo::list_feedback(conn, f))
        out.push_back(service::feedback_json(row));
      return boost::json::value(std::move(out));
    });
    const std::string currency = config_currency_;
    exports.add("event_requests", [currency](db::Connection& conn, const std::string& user_id) {
      boost::json::array out;
      repo::EventFilter f;
      f.customer_id = user_id;
      f.limit = 100'000;
      for (const auto& e : repo::list_events(conn, f))
        out.push_back(service::event_json(e, currency));
      return boost::json::value(std::move(out));
    });
    exports.add("driver",
                [](db::Connection& conn, const std::string& user_id) -> boost::json::value {
                  auto d = repo::find_driver_by_user(conn, user_id);
                  if (!d) return nullptr;
                  auto out = service::driver_json(*d);
                  boost::json::array deliveries;
                  repo::DeliveryFilter f;
                  f.driver_id = d->id;
                  f.limit = 100'000;
                  for (const auto& row : repo::list_deliveries(conn, f))
                    deliveries.push_back(service::delivery_json(row));
                  out["deliveries"] = std::move(deliveries);
                  return out;
                });
  }
}

}  // namespace crema::app
