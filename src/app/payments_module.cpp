#include "app/payments_module.hpp"

namespace crema::app {

payments::GatewaySettings gateway_settings(const Config& c) {
  payments::GatewaySettings s;
  s.stripe_api_base = c.stripe_api_base;
  s.stripe_secret_key = c.stripe_secret_key;
  s.stripe_webhook_secret = c.stripe_webhook_secret;
  s.paypal_api_base = c.paypal_api_base;
  s.paypal_client_id = c.paypal_client_id;
  s.paypal_secret = c.paypal_secret;
  s.paypal_webhook_id = c.paypal_webhook_id;
  s.local_gateway_url = c.local_gateway_url;
  s.local_gateway_secret = c.local_gateway_secret;
  return s;
}

PaymentsModule::PaymentsModule(db::Pool& pool, service::OrderService& orders, const Config& config)
    : orders_(orders), gateways_(gateway_settings(config)), payments_(pool, orders, gateways_) {
  orders_.set_paid_cancel_hook(
      [this](db::Transaction& tx, const service::Actor& actor, domain::Order& order) {
        return payments_.refund_on_cancel(tx, actor, order);
      });
}

PaymentsModule::~PaymentsModule() { orders_.set_paid_cancel_hook({}); }

void PaymentsModule::provide(api::AppServices& services) {
  services.payments = std::make_shared<api::PaymentContext>(api::PaymentContext{payments_});
}

}  // namespace crema::app
