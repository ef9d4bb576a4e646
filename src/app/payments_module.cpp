#include "app/payments_module.hpp"

#include <boost/json.hpp>
#include <prometheus/counter.h>

#include "api/identity_routes.hpp"
#include "obs/metrics.hpp"
#include "repo/payment_repo.hpp"
#include "service/user_export.hpp"

namespace crema::app {

payments::GatewaySettings gateway_settings(const Config& c) {
  payments::GatewaySettings s;
  s.stripe_api_base = c.stripe_api_base;
  s.stripe_secret_key = c.stripe_secret_key;
  s.stripe_webhook_secret = c.stripe_webhook_secret;
  s.stripe_api_version = c.stripe_api_version;
  s.paypal_api_base = c.paypal_api_base;
  s.paypal_client_id = c.paypal_client_id;
  s.paypal_secret = c.paypal_secret;
  s.paypal_webhook_id = c.paypal_webhook_id;
  s.local_gateway_url = c.local_gateway_url;
  s.local_gateway_secret = c.local_gateway_secret;
  return s;
}

PaymentsModule::PaymentsModule(db::Pool& pool, service::OrderService& orders, const Config& config,
                               obs::Metrics* metrics, events::Bus* bus)
    : orders_(orders),
      gateways_(gateway_settings(config)),
      payments_(pool, orders, gateways_),
      retry_(payments_),
      kick_target_(std::make_shared<std::atomic<jobs::RefundRetry*>>(&retry_)) {
  if (metrics) {
    auto& family = prometheus::BuildCounter()
                       .Name("payments_total")
                       .Help(
                           "Payment outcomes by gateway: succeeded, failed, declined, "
                           "unavailable, refunded, refund_failed, refund_pending")
                       .Register(metrics->registry());
    payments_.set_observer([&family](std::string_view gateway, std::string_view outcome) {
      family.Add({{"gateway", std::string(gateway)}, {"outcome", std::string(outcome)}})
          .Increment();
    });
  }
  orders_.set_paid_cancel_hook(
      [this](db::Transaction& tx, const service::Actor& actor, domain::Order& order) {
        return payments_.refund_on_cancel(tx, actor, order);
      });
  // A paid order this instance cancelled has refunds booked: the job sends them now.
  if (bus) {
    bus->subscribe([target = kick_target_](const events::Event& e) {
      if (e.remote || e.type != "order_cancelled" || !e.data.is_object()) return;
      const auto* status = e.data.get_object().if_contains("payment_status");
      if (!status || !status->is_string()) return;
      if (status->get_string() != "refunded" && status->get_string() != "partially_refunded")
        return;
      if (auto* job = target->load()) job->kick();
    });
  }
}

PaymentsModule::~PaymentsModule() {
  kick_target_->store(nullptr);
  orders_.set_paid_cancel_hook({});
}

void PaymentsModule::provide(api::AppServices& services) {
  services.payments = std::make_shared<api::PaymentContext>(api::PaymentContext{payments_});
  // GDPR export: the payments of the user's orders, as GET /payments shows them.
  if (services.identity && services.identity->exports) {
    services.identity->exports->add(
        "payments", [](db::Connection& conn, const std::string& user_id) {
          boost::json::array out;
          for (const auto& p : repo::payments_of_customer(conn, user_id))
            out.push_back(service::PaymentService::to_json(p, repo::refunds_of(conn, p.id)));
          return boost::json::value(std::move(out));
        });
  }
}

}  // namespace crema::app
