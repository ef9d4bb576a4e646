#include "service/payment_service.hpp"

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "obs/log.hpp"
#include "obs/trace.hpp"
#include "repo/keyset.hpp"
#include "repo/order_repo.hpp"
#include "repo/trace_repo.hpp"
#include "service/audit.hpp"
#include "service/write_tx.hpp"
#include "util/json_text.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace json = boost::json;
using domain::ChargeStatus;
using domain::Order;
using domain::OrderStatus;
using domain::PaymentStatus;
using domain::RefundStatus;
using repo::PaymentRow;
using repo::RefundRow;

namespace {

constexpr std::string_view kCheckoutRoute = "POST /payments/checkout";
constexpr std::string_view kRefundRoute = "POST /payments/{transaction_id}/refund";
constexpr std::string_view kPendingPrefix = "pending:";
// How long a refund's claim holds (repo::claim_refund): far above a gateway call's timeout,
// so only a process that died mid-call leaves one to run out.
constexpr std::int64_t kRefundClaimMs = 2 * 60'000;

crema::Error no_such_paid_order(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No order " + id + ".");
}

crema::Error no_such_payment(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No payment transaction " + id + ".");
}

std::string money_text(std::int64_t minor, const std::string& currency) {
  return payments::major_text(minor) + " " + currency;
}

ChargeStatus status_after_refunds(std::int64_t paid, std::int64_t refunded) {
  if (refunded <= 0) return ChargeStatus::succeeded;
  return refunded >= paid ? ChargeStatus::refunded : ChargeStatus::partially_refunded;
}

PaymentStatus order_status_after_refunds(const Order& o) {
  if (o.refunded_amount <= 0) return PaymentStatus::paid;
  return o.refunded_amount >= o.total_amount ? PaymentStatus::refunded
                                             : PaymentStatus::partially_refunded;
}

bool settled_success(const PaymentRow& p) {
  return p.status == ChargeStatus::succeeded || p.status == ChargeStatus::refunded ||
         p.status == ChargeStatus::partially_refunded;
}

crema::Error gateway_error(const std::string& message, payments::Outcome outcome) {
  if (outcome == payments::Outcome::declined)
    return crema::Error::make(ErrorCode::validation_failed, message,
                              {{"payment_details", "refused by the gateway: " + message}});
  return crema::Error::make(ErrorCode::unavailable,
                            "The payment gateway is unavailable; nothing was charged. Try again.");
}

}  // namespace

PaymentService::PaymentService(db::Pool& pool, OrderService& orders,
                               payments::GatewayRegistry& gateways)
    : pool_(pool), orders_(orders), gateways_(gateways) {}

json::object PaymentService::to_json(const PaymentRow& p, const std::vector<RefundRow>& refunds) {
  json::value raw;
  boost::system::error_code ec;
  raw = json::parse(p.raw_response, ec);
  if (ec) raw = json::object{};
  json::array rs;
  for (const auto& r : refunds)
    rs.push_back(json::object{
        {"id", r.id},
        {"amount", domain::money_to_major(r.amount)},
        {"reason", r.reason.empty() ? json::value(nullptr) : json::value(r.reason)},
        {"status", domain::name(r.status)},
        {"gateway_ref", r.gateway_ref.empty() ? json::value(nullptr) : json::value(r.gateway_ref)},
        {"created_at", util::format_rfc3339_ms(r.created_at)}});
  const bool placeholder = p.transaction_id.starts_with(kPendingPrefix);
  return json::object{
      {"id", p.id},
      {"order_id", p.order_id},
      {"gateway", p.gateway},
      {"payment_method", p.gateway},
      {"amount", domain::money_to_major(p.amount)},
      {"currency", p.currency},
      {"transaction_id", placeholder ? json::value(nullptr) : json::value(p.transaction_id)},
      {"status", domain::name(p.status)},
      {"refunded_amount", domain::money_to_major(p.refunded_amount)},
      {"raw_response", std::move(raw)},
      {"refunds", std::move(rs)},
      {"created_by", p.created_by.empty() ? json::value(nullptr) : json::value(p.created_by)},
      {"created_at", util::format_rfc3339_ms(p.created_at)},
      {"updated_at", util::format_rfc3339_ms(p.updated_at)}};
}

// ---- checkout -------------------------------------------------------------------------------

crema::Result<PaymentAnswer> PaymentService::checkout(const Actor& actor, const CheckoutRequest& r,
                                                      const std::optional<IdempotencyKey>& idem) {
  auto* gateway = gateways_.find(r.payment_method);
  if (!gateway)
    return crema::Error::make(ErrorCode::validation_failed, "Unknown payment method.",
                              {{"payment_method", "is not a payment method"}});
  const bool driver = actor.is_role(auth::Role::driver);
  if (!gateway->online() && !actor.is_staff_plus() && !(driver && r.payment_method == "cash"))
    return crema::Error::make(ErrorCode::forbidden,
                              "Counter payments (cash, card, mobile) are recorded by staff; pay "
                              "online with stripe, paypal or local.");
  if (gateway->online() && driver)
    return crema::Error::make(ErrorCode::forbidden, "Drivers record cash on delivery only.");
  if (!gateway->configured())
    return crema::Error::make(
        ErrorCode::validation_failed, "The " + r.payment_method + " gateway is not configured.",
        {{"payment_method",
          "the " + r.payment_method + " gateway is not configured on this server"}});
  const Idempotency key(actor, kCheckoutRoute, idem);
  const bool counter = !gateway->online();

  struct Phase1 {
    std::optional<PaymentAnswer> answer;  // counter payments and replays end here
    PaymentRow payment;
    std::string order_number;
  };
  auto first = in_write_tx(pool_, orders_.bus(), [&](UnitOfWork& work) -> crema::Result<Phase1> {
    auto& tx = work.tx();
    const auto now = util::now_ms();
    Phase1 out;
    if (auto earlier = key.claim(tx, now)) {
      if (!*earlier) return std::move(*earlier).error();
      out.answer = PaymentAnswer{(*earlier)->status, std::move((*earlier)->body), true};
      return out;
    }
    auto order = repo::lock_order(tx, r.order_id);
    if (!order || !orders_.may_view(actor, *order)) return no_such_paid_order(r.order_id);
    Order& o = *order;
    if (driver && !orders_.is_assigned_driver(actor, o)) return no_such_paid_order(r.order_id);
    if (o.is_paid() || o.payment_status == PaymentStatus::refunded)
      return crema::Error::make(ErrorCode::conflict,
                                "Order " + o.order_number + " is already paid.");
    if (o.status == OrderStatus::cancelled)
      return crema::Error::make(ErrorCode::invalid_transition,
                                "Order " + o.order_number + " is cancelled; it cannot be paid.");
    PaymentRow p;
    p.id = util::new_uuid_v7();
    p.order_id = o.id;
    p.gateway = r.payment_method;
    p.amount = o.total_amount;  // always the server's total, never the client's
    p.currency = o.currency;
    p.created_by = actor.user_id();
    p.created_at = p.updated_at = now;
    out.order_number = o.order_number;
    if (!counter) {
      p.transaction_id = std::string(kPendingPrefix) + p.id;
      p.status = ChargeStatus::pending;
      repo::insert_payment(tx, p);
      out.payment = std::move(p);
      return out;  // the key stays claimed (status 0) while the gateway is asked
    }
    payments::ChargeRequest charge{p.id,     o.id,       o.order_number,
                                   p.amount, p.currency, r.payment_details};
    auto result = gateway->charge(charge);  // no I/O for counter methods
    p.transaction_id = result.transaction_id;
    p.status = ChargeStatus::succeeded;
    p.raw_response = payments::scrub_raw(result.raw_response);
    repo::insert_payment(tx, p);
    o.payment_status = PaymentStatus::paid;
    o.payment_method = r.payment_method;
    repo::set_order_payment(tx, o.id, o.payment_method, o.refunded_amount);
    if (auto moved = orders_.record_payment(work, actor, o, true); !moved)
      return std::move(moved).error();
    record_audit(tx, actor,
                 {"payment.checkout", "payment", p.id,
                  "Order " + o.order_number + " paid " + money_text(p.amount, p.currency) + " by " +
                      r.payment_method});
    json::object body{{"payment_status", domain::payment_status_name(o.payment_status)},
                      {"transaction_id", p.transaction_id},
                      {"payment_id", p.id},
                      {"order_id", o.id},
                      {"amount", domain::money_to_major(p.amount)},
                      {"currency", p.currency}};
    PaymentAnswer answer{200, util::to_json(body), false};
    key.complete(tx, 200, answer.body);
    out.answer = std::move(answer);
    return out;
  });
  if (!first) return std::move(first).error();
  if (first->answer) {
    if (!first->answer->replayed) observe(r.payment_method, "succeeded");
    return std::move(*first->answer);
  }

  // An online gateway: asked outside any transaction, with our payment id as its
  // idempotency key (a retried call charges nothing twice).
  PaymentRow& p = first->payment;
  payments::ChargeRequest charge{p.id,     p.order_id, first->order_number,
                                 p.amount, p.currency, r.payment_details};
  auto result = gateway->charge(charge);
  // The refusal is written (the row `failed`) and committed before the error is answered.
  const bool refused = result.outcome != payments::Outcome::pending &&
                       result.outcome != payments::Outcome::succeeded;
  auto second = in_write_tx(pool_, [&](db::Transaction& tx) -> crema::Result<PaymentAnswer> {
    auto order = repo::lock_order(tx, p.order_id);
    auto cur = repo::find_payment(tx.connection(), p.id);
    if (!order || !cur) return no_such_payment(p.id);
    const auto now = util::now_ms();
    if (refused) {
      if (cur->status == ChargeStatus::pending) {
        cur->status = ChargeStatus::failed;
        cur->raw_response = payments::scrub_raw(result.raw_response);
        cur->updated_at = now;
        repo::update_payment(tx, *cur);
      }
      key.release(tx);  // the client may retry
      return PaymentAnswer{};
    }
    if (cur->transaction_id.starts_with(kPendingPrefix))
      cur->transaction_id = result.transaction_id;
    if (cur->status == ChargeStatus::pending)
      cur->raw_response = payments::scrub_raw(result.raw_response);
    cur->updated_at = now;
    repo::update_payment(tx, *cur);
    json::object body{{"payment_status", domain::payment_status_name(order->payment_status)},
                      {"transaction_id", cur->transaction_id},
                      {"payment_id", cur->id},
                      {"order_id", cur->order_id},
                      {"amount", domain::money_to_major(cur->amount)},
                      {"currency", cur->currency}};
    if (!result.next_action.empty()) body["next_action"] = result.next_action;
    PaymentAnswer answer{200, util::to_json(body), false};
    key.complete(tx, 200, answer.body);
    return answer;
  });
  if (!second) {
    key.release(pool_);
    return std::move(second).error();
  }
  if (refused) {
    obs::Log(obs::Level::warn, "checkout refused by the gateway")
        .str("gateway", r.payment_method)
        .str("payment_id", p.id)
        .str("message", result.message);
    observe(r.payment_method,
            result.outcome == payments::Outcome::declined ? "declined" : "unavailable");
    return gateway_error(result.message, result.outcome);
  }
  return std::move(*second);
}

// ---- webhooks -------------------------------------------------------------------------------

crema::Result<WebhookOutcome> PaymentService::webhook(const payments::WebhookRequest& request) {
  auto* gateway = gateways_.for_webhook(request);
  if (!gateway)
    return crema::Error::make(ErrorCode::bad_request,
                              "No gateway signature (Stripe-Signature, X-Crema-Signature or "
                              "PayPal-Transmission-Sig).");
  auto verified = gateway->verify(request);
  if (!verified) {
    obs::Log(obs::Level::warn, "payment webhook refused")
        .str("gateway", gateway->name())
        .str("reason", verified.error().message);
    return std::move(verified).error();
  }
  const payments::WebhookEvent& e = *verified;
  const std::string gw(gateway->name());

  if (e.kind == payments::WebhookEvent::Kind::ignored) {
    pool_.transact([&](db::Transaction& tx) {
      repo::claim_event(tx, gw, e.event_id, e.type, util::now_ms());
    });
    return WebhookOutcome{false, "event type " + e.type + " needs nothing"};
  }

  // Which payment: the gateway's id, else Crema's id echoed back, else the order's newest
  // pending payment at this gateway (the callback raced the checkout's second step).
  std::optional<PaymentRow> found;
  std::optional<std::string> order_trace;
  {
    auto lease = pool_.read();
    if (!e.transaction_id.empty()) found = repo::find_payment_by_txn(*lease, gw, e.transaction_id);
    if (!found && util::is_uuid(e.payment_id)) {
      found = repo::find_payment(*lease, e.payment_id);
      if (found && found->gateway != gw) found.reset();
    }
    if (!found && util::is_uuid(e.order_id))
      found = repo::find_pending_payment(*lease, e.order_id, gw);
    if (found) order_trace = repo::find_order_trace(*lease, found->order_id);
  }
  if (!found)
    return crema::Error::make(ErrorCode::not_found,
                              "No " + gw + " payment " + e.transaction_id + " is known.");
  // SPEC §15.5: the gateway's call joins the order's trace (the request that placed it), so
  // the order is one trace from its POST through this webhook to the partner webhooks it
  // queues; this request's own trace is named on the span.
  std::optional<obs::TraceContext> parent;
  if (order_trace) parent = obs::TraceContext::parse(*order_trace);
  const auto* request_trace = obs::current_trace();
  if (!parent && request_trace) parent = *request_trace;
  obs::ScopedSpan span("payment webhook " + gw, obs::SpanKind::internal, parent);
  if (span.active()) {
    span.attr("crema.order_id", found->order_id).attr("crema.payment_id", found->id);
    if (request_trace) span.attr("crema.request_trace_id", request_trace->trace_id);
  }
  if (e.kind == payments::WebhookEvent::Kind::succeeded && e.amount && *e.amount != found->amount)
    return crema::Error::make(ErrorCode::bad_request,
                              "The event's amount is not the payment's amount.");

  const Actor system{};
  auto done = in_write_tx(pool_, orders_.bus(), [&](UnitOfWork& work) -> Result<WebhookOutcome> {
    auto& tx = work.tx();
    const auto now = util::now_ms();
    auto order = repo::lock_order(tx, found->order_id);
    auto cur = repo::find_payment(tx.connection(), found->id);
    if (!order || !cur) return no_such_payment(found->id);
    WebhookOutcome out;
    if (!repo::claim_event(tx, gw, e.event_id, e.type, now)) {
      out = {false, "event " + e.event_id + " was already applied"};
      return out;
    }
    Order& o = *order;
    PaymentRow& p = *cur;
    if (p.transaction_id.starts_with(kPendingPrefix) && !e.transaction_id.empty())
      p.transaction_id = e.transaction_id;
    if (!e.capture_ref.empty()) p.capture_ref = e.capture_ref;
    p.updated_at = now;

    if (e.kind == payments::WebhookEvent::Kind::failed) {
      if (p.status != ChargeStatus::pending) {
        repo::update_payment(tx, p);
        out = {false, "payment " + p.id + " is already " + std::string(domain::name(p.status))};
        return out;
      }
      p.status = ChargeStatus::failed;
      p.raw_response = payments::scrub_raw(e.raw);
      repo::update_payment(tx, p);
      // The customer may retry: nothing is released until the order's hold ends.
      if (!o.is_paid() && o.status != OrderStatus::cancelled &&
          o.payment_status != PaymentStatus::refunded) {
        o.payment_status = PaymentStatus::failed;
        if (auto moved = orders_.record_payment(work, system, o, false); !moved)
          return std::move(moved).error();
      }
      out = {true, "payment " + p.id + " failed"};
      return out;
    }

    // Succeeded.
    if (settled_success(p)) {
      repo::update_payment(tx, p);
      out = {false, "payment " + p.id + " had already succeeded"};
      return out;
    }
    p.status = ChargeStatus::succeeded;
    p.raw_response = payments::scrub_raw(e.raw);
    repo::update_payment(tx, p);
    if (o.status == OrderStatus::cancelled || o.is_paid() ||
        o.payment_status == PaymentStatus::refunded) {
      // Money for an order that can no longer take it (cancelled or expired meanwhile, or
      // paid another way): recorded, and given back at once. A cancelled order keeps its
      // status; one paid otherwise keeps its payment.
      const bool cancelled = o.status == OrderStatus::cancelled;
      auto refund = book_refund(
          tx, system, p, o, p.amount,
          cancelled ? "paid after the order was cancelled" : "order already paid", cancelled);
      // Sent right after the commit (the step below): no refund job sends it meanwhile.
      repo::claim_refund(tx, refund.id, refund.created_at, refund.created_at + kRefundClaimMs);
      if (cancelled) {
        o.payment_method = p.gateway;
        o.payment_status = PaymentStatus::refunded;
        repo::set_order_payment(tx, o.id, o.payment_method, o.refunded_amount);
        if (auto moved = orders_.record_payment(work, system, o, false); !moved)
          return std::move(moved).error();
      }
      // Sent to the gateway once the refund is committed; the webhook's answer stands.
      work.after_commit([this, refund_id = refund.id] {
        auto settled = settle_refund(refund_id);
        if (!settled)
          obs::Log(obs::Level::error, "automatic refund failed")
              .str("refund_id", refund_id)
              .str("message", settled.error().message);
      });
      out = {true, "payment " + p.id + " recorded and refunded"};
      return out;
    }
    o.payment_status = PaymentStatus::paid;
    o.payment_method = p.gateway;
    repo::set_order_payment(tx, o.id, o.payment_method, o.refunded_amount);
    if (auto moved = orders_.record_payment(work, system, o, true); !moved)
      return std::move(moved).error();
    out = {true, "payment " + p.id + " succeeded"};
    return out;
  });
  if (!done) return std::move(done).error();
  if (done->applied)
    observe(gw, e.kind == payments::WebhookEvent::Kind::failed ? "failed" : "succeeded");
  obs::Log(obs::Level::info, "payment webhook")
      .str("gateway", gw)
      .str("event_id", e.event_id)
      .str("type", e.type)
      .boolean("applied", done->applied);
  return std::move(*done);
}

// ---- refunds --------------------------------------------------------------------------------

RefundRow PaymentService::book_refund(db::Transaction& tx, const Actor& actor, PaymentRow& p,
                                      Order& o, std::int64_t amount, const std::string& reason,
                                      bool order_counts, bool requested) {
  const auto now = util::now_ms();
  RefundRow x;
  x.id = util::new_uuid_v7();
  x.payment_id = p.id;
  x.amount = amount;
  x.reason = reason;
  x.status = RefundStatus::pending;
  x.created_by = actor.user_id();
  x.created_at = x.updated_at = now;
  x.requested = requested;
  repo::insert_refund(tx, x);
  p.refunded_amount += amount;
  p.status = status_after_refunds(p.amount, p.refunded_amount);
  p.updated_at = now;
  repo::update_payment(tx, p);
  if (order_counts) o.refunded_amount += amount;
  return x;
}

crema::Result<RefundRow> PaymentService::settle_refund(const std::string& refund_id) {
  std::optional<RefundRow> refund;
  std::optional<PaymentRow> payment;
  {
    auto lease = pool_.read();
    refund = repo::find_refund(*lease, refund_id);
    if (refund) payment = repo::find_payment(*lease, refund->payment_id);
  }
  if (!refund || !payment) return no_such_payment(refund_id);
  auto* gateway = gateways_.find(payment->gateway);
  payments::RefundResult result;
  const bool called = gateway && gateway->configured();
  if (called) {
    result = gateway->refund(payment->transaction_id, payment->capture_ref, refund->amount,
                             payment->currency, refund->id);
  } else if (gateway) {
    // Its keys were removed since the payment: nothing to call (an owed refund waits for
    // them; a manager's refund is refused with this reason).
    result.message = payment->gateway + " is not configured";
  } else {
    result.message = "no adapter for " + payment->gateway;
  }
  const bool ok = result.outcome == payments::Outcome::succeeded ||
                  result.outcome == payments::Outcome::pending;
  // Given back only when it is certain no money moved: the gateway said no, or was never
  // called. A timeout or a 5xx may have refunded: the refund stays pending.
  const bool definite_no = result.outcome == payments::Outcome::declined || !called;
  bool given_back = false;
  const Actor system{};
  auto done = in_write_tx(pool_, orders_.bus(), [&](UnitOfWork& work) -> crema::Result<RefundRow> {
    auto& tx = work.tx();
    auto order = repo::lock_order(tx, payment->order_id);
    auto p = repo::find_payment(tx.connection(), payment->id);
    auto x = repo::find_refund(tx.connection(), refund_id);
    if (!order || !p || !x) return no_such_payment(refund_id);
    repo::release_refund_claim(tx, refund_id);
    if (x->status != RefundStatus::pending) return std::move(*x);
    const auto now = util::now_ms();
    x->gateway_ref = result.reference;
    x->raw_response = result.raw_response.empty() ? "{}" : payments::scrub_raw(result.raw_response);
    x->updated_at = now;
    if (ok) {
      // A gateway that is still working on it (pending) is settled as accepted.
      x->status = RefundStatus::succeeded;
      repo::update_refund(tx, *x);
      return std::move(*x);
    }
    if (!x->requested || !definite_no) {
      // Owed to the customer, or an unknown outcome: stays pending, retried by the refund
      // job with the same idempotency key.
      repo::update_refund(tx, *x);
      return std::move(*x);
    }
    // Refused, or never sent: the amount goes back to the payment and the order.
    x->status = RefundStatus::failed;
    repo::update_refund(tx, *x);
    given_back = true;
    p->refunded_amount -= x->amount;
    p->status = status_after_refunds(p->amount, p->refunded_amount);
    p->updated_at = now;
    repo::update_payment(tx, *p);
    Order& o = *order;
    if (o.payment_method == p->gateway && o.refunded_amount >= x->amount &&
        (o.is_paid() || o.payment_status == PaymentStatus::refunded)) {
      o.refunded_amount -= x->amount;
      o.payment_status = order_status_after_refunds(o);
      repo::set_order_payment(tx, o.id, o.payment_method, o.refunded_amount);
      if (auto moved = orders_.record_payment(work, system, o, false); !moved)
        return std::move(moved).error();
    }
    return std::move(*x);
  });
  if (!done) return std::move(done).error();
  observe(payment->gateway, ok ? "refunded" : given_back ? "refund_failed" : "refund_pending");
  if (given_back) return gateway_error(result.message, result.outcome);
  if (!ok && done->status == RefundStatus::pending)
    obs::Log(obs::Level::warn, "refund outcome unknown; kept pending for a retry")
        .str("refund_id", refund_id)
        .str("gateway", payment->gateway)
        .str("reason", result.message);
  return std::move(*done);
}

crema::Result<PaymentAnswer> PaymentService::refund(const Actor& actor,
                                                    const std::string& payment_ref,
                                                    const RefundRequest& r,
                                                    const std::optional<IdempotencyKey>& idem) {
  std::optional<PaymentRow> found;
  {
    auto lease = pool_.read();
    found = repo::find_payment_by_any_id(*lease, payment_ref);
  }
  if (!found) return no_such_payment(payment_ref);
  const Idempotency key(actor, kRefundRoute, idem);
  struct Phase1 {
    std::optional<PaymentAnswer> replay;
    std::string refund_id;
  };
  auto first = in_write_tx(pool_, orders_.bus(), [&](UnitOfWork& work) -> crema::Result<Phase1> {
    auto& tx = work.tx();
    const auto now = util::now_ms();
    Phase1 out;
    if (auto earlier = key.claim(tx, now)) {
      if (!*earlier) return std::move(*earlier).error();
      out.replay = PaymentAnswer{(*earlier)->status, std::move((*earlier)->body), true};
      return out;
    }
    auto order = repo::lock_order(tx, found->order_id);
    auto p = repo::find_payment(tx.connection(), found->id);
    if (!order || !p) return no_such_payment(payment_ref);
    if (p->status != ChargeStatus::succeeded && p->status != ChargeStatus::partially_refunded)
      return crema::Error::make(ErrorCode::conflict,
                                p->status == ChargeStatus::refunded
                                    ? "Payment " + p->id + " is already refunded in full."
                                    : "Payment " + p->id + " is " +
                                          std::string(domain::name(p->status)) +
                                          "; only a succeeded payment is refunded.");
    const std::int64_t left = p->amount - p->refunded_amount;
    const std::int64_t amount = r.amount.value_or(left);
    if (amount > left)
      return crema::Error::make(
          ErrorCode::validation_failed, "The refund is more than was paid.",
          {{"amount", "at most " + payments::major_text(left) + " is left to refund"}});
    if (amount <= 0)
      return crema::Error::make(ErrorCode::validation_failed, "The refund is empty.",
                                {{"amount", "must be more than 0"}});
    Order& o = *order;
    // The order's own payment is the one reports count; another (refunded at once) is not.
    const bool order_counts = o.payment_method == p->gateway && o.is_paid();
    auto x = book_refund(tx, actor, *p, o, amount, r.reason, order_counts, /*requested=*/true);
    // Sent by this request after the commit: no refund job sends it meanwhile.
    repo::claim_refund(tx, x.id, x.created_at, x.created_at + kRefundClaimMs);
    if (order_counts) {
      o.payment_status = order_status_after_refunds(o);
      repo::set_order_payment(tx, o.id, o.payment_method, o.refunded_amount);
      if (auto moved = orders_.record_payment(work, actor, o, false); !moved)
        return std::move(moved).error();
    }
    record_audit(tx, actor,
                 {"payment.refund", "payment", p->id,
                  "Refund of " + money_text(amount, p->currency) + " on order " + o.order_number +
                      (r.reason.empty() ? "" : ": " + r.reason)});
    out.refund_id = x.id;
    return out;
  });
  if (!first) return std::move(first).error();
  if (first->replay) return std::move(*first->replay);
  auto settled = settle_refund(first->refund_id);
  if (!settled) {
    // Given back (declined, or the gateway is not configured): the same key may try again.
    key.release(pool_);
    return std::move(settled).error();
  }
  // The answer: the payment transaction as it now stands — 202 while the gateway's answer is
  // unknown (the refund is pending and retried; a repeat with the same key replays this,
  // never books a second refund).
  PaymentAnswer answer;
  answer.status = settled->status == RefundStatus::pending ? 202 : 200;
  pool_.transact([&](db::Transaction& tx) {
    auto p = repo::find_payment(tx.connection(), found->id);
    auto body = to_json(*p, repo::refunds_of(tx.connection(), p->id));
    answer.body = util::to_json(body);
    key.complete(tx, answer.status, answer.body);
  });
  return answer;
}

crema::Result<void> PaymentService::refund_on_cancel(db::Transaction& tx, const Actor& actor,
                                                     Order& o) {
  repo::PaymentFilter f;
  f.order_id = o.id;
  f.limit = 1000;
  int booked = 0;
  for (auto& p : repo::list_payments(tx.connection(), f)) {
    if (p.status != ChargeStatus::succeeded && p.status != ChargeStatus::partially_refunded)
      continue;
    const std::int64_t left = p.amount - p.refunded_amount;
    if (left <= 0) continue;
    const bool order_counts = o.payment_method == p.gateway;
    book_refund(tx, actor, p, o, left, "order cancelled", order_counts);
    ++booked;
  }
  if (booked == 0) {
    // Paid with no transaction on record (data from before payments): nothing to give back
    // here, and the order says so rather than claiming a refund.
    obs::Log(obs::Level::warn, "paid order cancelled without a payment to refund")
        .str("order_id", o.id);
    return {};
  }
  o.payment_status = order_status_after_refunds(o);
  repo::set_order_payment(tx, o.id, o.payment_method, o.refunded_amount);
  record_audit(tx, actor,
               {"payment.refund", "order", o.id,
                "Order " + o.order_number + " cancelled: refunded " +
                    money_text(o.refunded_amount, o.currency)});
  return {};
}

int PaymentService::retry_pending_refunds(std::int64_t before_ms, int limit) {
  std::vector<std::string> due;
  {
    auto lease = pool_.read();
    due = repo::pending_refunds(*lease, before_ms, util::now_ms(), limit);
  }
  int settled = 0;
  for (const auto& id : due) {
    // Every instance (each `crema serve`, `crema worker`) runs this job: the claim makes
    // one of them, and only one, call the gateway for this refund now.
    bool mine = false;
    pool_.transact([&](db::Transaction& tx) {
      const auto now = util::now_ms();
      mine = repo::claim_refund(tx, id, now, now + kRefundClaimMs);
    });
    if (!mine) continue;
    auto r = settle_refund(id);
    if (r && r->status == RefundStatus::succeeded) ++settled;
  }
  if (!due.empty())
    obs::Log(obs::Level::info, "pending refunds retried")
        .num("due", static_cast<std::int64_t>(due.size()))
        .num("settled", settled);
  return settled;
}

// ---- list -----------------------------------------------------------------------------------

Page<json::object, repo::Keyset> PaymentService::list(repo::PaymentFilter filter) {
  const int limit = filter.limit;
  std::vector<std::pair<repo::Keyset, json::object>> rows;
  pool_.read_transact([&](db::Transaction& tx) {
    rows.clear();
    for (auto& p : repo::list_payments(tx.connection(), filter))
      rows.emplace_back(repo::Keyset{p.created_at, p.id},
                        to_json(p, repo::refunds_of(tx.connection(), p.id)));
    return 0;
  });
  auto page = make_page(std::move(rows), limit, [](const auto& r) { return r.first; });
  Page<json::object, repo::Keyset> out;
  out.next = page.next;
  for (auto& r : page.items) out.items.push_back(std::move(r.second));
  return out;
}

}  // namespace crema::service
