#include "app/orders_module.hpp"

#include <boost/json.hpp>
#include <prometheus/counter.h>

#include "api/identity_routes.hpp"
#include "obs/metrics.hpp"
#include "repo/order_repo.hpp"
#include "service/user_export.hpp"
#include "util/time.hpp"

namespace crema::app {

service::OrderSettings order_settings(const Config& c) {
  service::OrderSettings s;
  s.tax_rate_bps = c.tax_rate_bps;
  s.currency = c.currency;
  s.timezone = c.timezone;
  s.hold_minutes = c.order_hold_minutes;
  s.kitchen_parallelism = c.kitchen_parallelism;
  s.require_verified_email = c.require_verified_email;
  s.guest_checkout = c.guest_checkout;
  return s;
}

OrdersModule::OrdersModule(db::Pool& pool, events::Bus& bus, events::Hub& hub,
                           obs::Metrics& metrics, const Config& config,
                           service::OrderTiming& timing)
    : orders_(pool, bus, order_settings(config)),
      cart_(pool, order_settings(config)),
      expiry_(orders_) {
  // Online orders follow the shop's hours, pauses and slots (SPEC §15.3).
  orders_.set_placement_rule(
      [&timing](db::Transaction& tx, const service::Actor& actor, domain::Order& order,
                std::int64_t now_ms) { return timing.admit(tx, actor, order, now_ms); });
  // A customer may follow their own order, a driver the order they deliver (SPEC §7); the
  // check reads the order, so the hub runs it on the worker pool.
  hub.register_channel("order:", [this](const auth::Principal& p, std::string_view channel) {
    return orders_.may_watch(p, channel);
  });
  // Counted from the bus: one per order_created this instance committed (not replays, not
  // other instances' events).
  auto& created = prometheus::BuildCounter()
                      .Name("orders_created_total")
                      .Help("Orders placed through this instance")
                      .Register(metrics.registry())
                      .Add({});
  bus.subscribe([&created](const events::Event& e) {
    if (!e.remote && e.type == "order_created") created.Increment();
  });
}

void OrdersModule::schedule(jobs::Scheduler& scheduler) {
  expiry_.schedule(scheduler);
  // SPEC §15.3: scheduled orders appear to the kitchen when their time comes; each is
  // claimed once across instances, and the event reaches every instance's clients.
  scheduler.add("order_due", std::chrono::seconds(2),
                [this] { orders_.announce_due_orders(util::now_ms()); });
}

void OrdersModule::provide(api::AppServices& services) {
  services.orders = std::make_shared<api::OrderContext>(api::OrderContext{orders_, cart_});
  // GDPR export: the user's orders (as GET returns them) and cart.
  if (services.identity && services.identity->exports) {
    services.identity->exports->add("orders", [](db::Connection& conn, const std::string& user_id) {
      boost::json::array out;
      repo::OrderFilter f;
      f.customer_id = user_id;
      f.limit = 100'000;
      for (const auto& o : repo::list_orders(conn, f)) out.push_back(domain::to_json(o));
      return boost::json::value(std::move(out));
    });
    services.identity->exports->add(
        "cart", [](db::Connection& conn, const std::string& user_id) -> boost::json::value {
          auto items = repo::find_cart(conn, user_id);
          if (!items) return nullptr;
          return boost::json::parse(*items);
        });
  }
}

}  // namespace crema::app
