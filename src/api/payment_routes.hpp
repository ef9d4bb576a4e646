#pragma once
/// Payment routes (SPEC §9): POST /payments/checkout, POST /payments/webhook,
/// POST /payments/{transaction_id}/refund, GET /payments.

#include <memory>

#include "api/openapi.hpp"
#include "net/router.hpp"
#include "service/payment_service.hpp"

namespace crema::api {

struct PaymentContext {
  service::PaymentService& payments;
};

/// Registers the payment routes; `ctx` may be null when only the route table is wanted.
void register_payment_routes(http::Router& router, OpenApi& openapi,
                             std::shared_ptr<PaymentContext> ctx);

}  // namespace crema::api
