#pragma once
/// Payment use cases (SPEC §9): checkout through a gateway adapter (counter methods paid at
/// once, online gateways settled by their webhook), webhook events applied once each,
/// refunds (full, partial, on cancellation, and of a success that arrived for an order
/// already cancelled or paid), and the list of an order's payment transactions.
///
/// Gateway calls never run inside a database transaction: a checkout claims its
/// Idempotency-Key and writes a pending payment row, calls the gateway, then records the
/// answer; a refund books the amount (so two refunds can never exceed what was paid), calls
/// the gateway, then settles or gives the amount back. The order's row lock orders every
/// payment change of that order.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "payments/gateway.hpp"
#include "repo/keyset.hpp"
#include "repo/payment_repo.hpp"
#include "service/actor.hpp"
#include "service/order_service.hpp"
#include "service/page.hpp"
#include "util/error.hpp"

namespace crema::service {

struct CheckoutRequest {
  std::string order_id;
  std::string payment_method;
  boost::json::object payment_details;
};

struct RefundRequest {
  std::optional<std::int64_t> amount;  ///< minor units; nothing: what is left
  std::string reason;
};

/// An answer to replay verbatim for a repeated Idempotency-Key.
struct PaymentAnswer {
  int status = 200;
  std::string body;  ///< JSON text
  bool replayed = false;
};

struct WebhookOutcome {
  bool applied = false;  ///< false: a replay, or an event type Crema does not act on
  std::string message;
};

class PaymentService {
 public:
  PaymentService(db::Pool& pool, OrderService& orders, payments::GatewayRegistry& gateways);

  /// POST /payments/checkout: 200 {payment_status, transaction_id, payment_id, next_action?};
  /// 404 for an order the caller may not see, 403 for a counter method by a customer, 422 for
  /// an unconfigured gateway or a declined request, 409 for a paid or cancelled order, 503
  /// when the gateway does not answer.
  crema::Result<PaymentAnswer> checkout(const Actor& actor, const CheckoutRequest& request,
                                        const std::optional<IdempotencyKey>& idempotency);

  /// POST /payments/webhook: verifies and applies one gateway event (400 when the signature
  /// is bad; nothing changes twice for one event id).
  crema::Result<WebhookOutcome> webhook(const payments::WebhookRequest& request);

  /// POST /payments/{transaction_id}/refund (manager+): 200 the payment transaction.
  crema::Result<PaymentAnswer> refund(const Actor& actor, const std::string& payment_ref,
                                      const RefundRequest& request,
                                      const std::optional<IdempotencyKey>& idempotency);

  /// GET /payments (staff+), newest first, each with its refunds.
  Page<boost::json::object, repo::Keyset> list(repo::PaymentFilter filter);

  /// The PaymentTransaction resource.
  static boost::json::object to_json(const repo::PaymentRow& p,
                                     const std::vector<repo::RefundRow>& refunds);

  /// The hook the order service calls when a paid order is cancelled: books the refund of
  /// what is left (pending); the gateway calls follow after the commit, made by the refund
  /// job (jobs/refund_retry), which the order_cancelled event wakes.
  crema::Result<void> refund_on_cancel(db::Transaction& tx, const Actor& actor,
                                       domain::Order& order);

  /// Calls the gateway for automatic refunds (of a cancelled order, of a success that came
  /// too late) still pending since before `before_ms`; returns how many settled.
  int retry_pending_refunds(std::int64_t before_ms, int limit = 50);

  payments::GatewayRegistry& gateways() noexcept { return gateways_; }

  /// Told of each payment outcome (gateway; succeeded, failed, refunded, declined,
  /// unavailable) after it committed: the module counts them (payments_total). Set once at
  /// wiring.
  using OutcomeObserver = std::function<void(std::string_view gateway, std::string_view outcome)>;
  void set_observer(OutcomeObserver observer) { observer_ = std::move(observer); }

 private:
  struct Booked;
  /// Books a refund of `amount` from `payment` inside tx (payment and order amounts).
  /// `requested`: a manager's refund (a definite decline gives it back), not an owed one.
  repo::RefundRow book_refund(db::Transaction& tx, const Actor& actor, repo::PaymentRow& payment,
                              domain::Order& order, std::int64_t amount, const std::string& reason,
                              bool order_counts, bool requested = false);
  /// Calls the gateway for a booked refund and settles it:
  ///  * accepted → succeeded;
  ///  * a definite decline (a 4xx) → a requested refund fails and gives its amount back (the
  ///    gateway's error is returned); an owed one stays pending;
  ///  * no answer, a timeout or a 5xx → the outcome is unknown (the gateway may have
  ///    refunded): the refund stays pending, and retry_pending_refunds calls again with the
  ///    same idempotency key (the refund's id), never a second refund;
  ///  * a gateway that is not configured (nothing was called) → a requested refund fails
  ///    and gives back (503); an owed one waits.
  /// Returns the refund as it now stands, or the error to answer.
  crema::Result<repo::RefundRow> settle_refund(const std::string& refund_id);

  db::Pool& pool_;
  OrderService& orders_;
  payments::GatewayRegistry& gateways_;
  OutcomeObserver observer_;

  void observe(std::string_view gateway, std::string_view outcome) const {
    if (observer_) observer_(gateway, outcome);
  }
};

}  // namespace crema::service
