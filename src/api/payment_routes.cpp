#include "api/payment_routes.hpp"

#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "auth/crypto.hpp"
#include "repo/inventory_repo.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kPaymentTag = "payments";
constexpr std::size_t kMaxPaymentIdempotencyKey = 255;
constexpr std::size_t kDetailsLimit = 4096;

Response answer(service::PaymentAnswer a) {
  Response res(a.status, std::move(a.body));
  if (a.replayed) res.header("Idempotent-Replayed", "true");
  return res;
}

// Idempotency-Key: 1 to 255 characters; the fingerprint covers the path and the body.
std::optional<service::IdempotencyKey> idempotency(const Request& req, Input& in) {
  auto key = req.header("Idempotency-Key");
  if (!key) return std::nullopt;
  if (key->empty() || key->size() > kMaxPaymentIdempotencyKey) {
    in.issue_at("Idempotency-Key", "must be 1 to 255 characters");
    return std::nullopt;
  }
  return service::IdempotencyKey{std::string(*key), auth::sha256_hex(req.path + "\n" + req.body)};
}

Response checkout(Request& req, PaymentContext& ctx) {
  Input in(req.json);
  service::CheckoutRequest r;
  r.order_id = in.uuid({"order_id", "orderId"}, Need::required).value_or("");
  r.payment_method = in.one_of({"payment_method", "paymentMethod"}, Need::required,
                               {"cash", "card", "mobile", "stripe", "paypal", "local"})
                         .value_or("");
  r.payment_details =
      in.object({"payment_details", "paymentDetails"}, Need::optional, kDetailsLimit)
          .value_or(json::object{});
  // No card number or CVC ever reaches Crema: clients send gateway tokens.
  for (const char* k : {"card_number", "number", "cvc", "cvv", "card"})
    if (r.payment_details.contains(k))
      in.issue_at(std::string("payment_details.") + k,
                  "card data is not accepted; send the gateway's token");
  // Where the gateway sends the customer back after a redirect (Stripe's 3-D Secure, the
  // local gateway's page): an absolute http(s) URL.
  if (const auto* ret = r.payment_details.if_contains("return_url")) {
    const bool ok =
        ret->is_string() && ret->get_string().size() <= 2048 &&
        (ret->get_string().starts_with("https://") || ret->get_string().starts_with("http://")) &&
        ret->get_string().find_first_of(" \r\n\t") == json::string::npos;
    if (!ok) in.issue_at("payment_details.return_url", "must be an absolute http(s) URL");
  }
  if (const auto* pm = r.payment_details.if_contains("payment_method");
      pm && (!pm->is_string() || pm->get_string().empty() || pm->get_string().size() > 255))
    in.issue_at("payment_details.payment_method", "must be the gateway's payment method id");
  auto idem = idempotency(req, in);
  if (!in.ok()) return Response::from(in.error());
  r.order_id = repo::lower_ascii(r.order_id);
  auto done = ctx.payments.checkout(actor_of(req), r, idem);
  if (!done) return Response::from(std::move(done).error());
  return answer(std::move(*done));
}

Response webhook(Request& req, PaymentContext& ctx) {
  payments::WebhookRequest w;
  w.body = req.body;
  w.now_s = util::now_ms() / 1000;
  w.header = [&req](std::string_view name) -> std::optional<std::string> {
    auto v = req.header(name);
    if (!v) return std::nullopt;
    return std::string(*v);
  };
  auto done = ctx.payments.webhook(w);
  if (!done) return Response::from(std::move(done).error());
  return Response::json(
      200,
      json::object{{"received", true}, {"applied", done->applied}, {"message", done->message}});
}

Response refund(Request& req, PaymentContext& ctx) {
  std::string ref(req.param("transaction_id"));
  Input in(req.json);
  service::RefundRequest r;
  r.amount = in.money("amount", Need::optional, 1);
  r.reason = in.text("reason", Need::optional, 0, 500).value_or("");
  auto idem = idempotency(req, in);
  if (ref.empty() || ref.size() > 255)
    return Response::from(ErrorCode::not_found, "No payment transaction.");
  if (!in.ok()) return Response::from(in.error());
  if (util::is_uuid(ref)) ref = repo::lower_ascii(ref);
  auto done = ctx.payments.refund(actor_of(req), ref, r, idem);
  if (!done) return Response::from(std::move(done).error());
  return answer(std::move(*done));
}

Response list(Request& req, PaymentContext& ctx) {
  Query query(req);
  repo::PaymentFilter f;
  if (auto id = query.text("order_id", 36)) {
    if (util::is_uuid(*id)) {
      f.order_id = repo::lower_ascii(*id);
    } else {
      query.issue("order_id", "must be a UUID");
    }
  }
  auto page = keyset_page(query);
  f.limit = page.limit;
  f.before = std::move(page.after);
  if (!query.ok()) return Response::from(query.error());
  return Response::json(200, keyset_page_body(ctx.payments.list(std::move(f)),
                                              [](json::object& o) { return std::move(o); }));
}

void add_schemas(OpenApi& openapi) {
  openapi.add_schema("CheckoutInput", R"json({
    "type": "object", "required": ["order_id", "payment_method"],
    "properties": {
      "order_id": {"type": "string", "format": "uuid", "description": "alias orderId"},
      "payment_method": {"type": "string", "enum": ["cash", "card", "mobile", "stripe", "paypal", "local"], "description": "cash, card and mobile are counter methods recorded by staff+ (a driver: cash on their delivery); customers pay online (stripe, paypal, local). Alias paymentMethod"},
      "payment_details": {"type": "object", "additionalProperties": true,
        "description": "gateway tokens only, never card numbers. Alias paymentDetails",
        "properties": {
          "payment_method": {"type": "string", "maxLength": 255, "description": "stripe: a saved payment method (pm_…): the PaymentIntent is confirmed at once"},
          "return_url": {"type": "string", "format": "uri", "maxLength": 2048, "description": "stripe (with payment_method) and local: where the customer comes back after a redirect (3-D Secure, the gateway's page); without it Stripe is told to use no redirecting method"},
          "reference": {"type": "string", "maxLength": 100, "description": "counter methods: the terminal's receipt or the wallet's id"},
          "tendered": {"type": "number", "minimum": 0, "description": "cash: what the customer handed over"}}}
    }
  })json");
  openapi.add_schema("CheckoutResult", R"json({
    "type": "object", "required": ["payment_status", "transaction_id", "payment_id"],
    "properties": {
      "payment_status": {"type": "string", "enum": "$order_payment_status", "description": "the order's: paid at once for counter methods, pending for online gateways until their webhook"},
      "transaction_id": {"type": "string", "description": "the gateway's id (pi_… for Stripe, the PayPal order id); Crema's for counter methods"},
      "payment_id": {"type": "string", "format": "uuid"},
      "order_id": {"type": "string", "format": "uuid"},
      "amount": {"type": "number", "description": "the server's order total"},
      "currency": {"type": "string"},
      "next_action": {"type": "object", "required": ["type"],
        "description": "what the client does next, for online gateways",
        "properties": {
          "type": {"type": "string", "enum": ["stripe_confirm", "paypal_approve", "redirect"]},
          "client_secret": {"type": "string", "description": "stripe_confirm: for Stripe.js (confirmPayment / handleNextAction)"},
          "approve_url": {"type": "string", "description": "paypal_approve: where the payer approves"},
          "paypal_order_id": {"type": "string"},
          "redirect_url": {"type": "string", "description": "redirect: the local gateway's payment page"}}}
    }
  })json");
  openapi.add_schema("PaymentTransaction", R"json({
    "type": "object",
    "required": ["id", "order_id", "gateway", "amount", "currency", "transaction_id", "status", "raw_response", "created_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "order_id": {"type": "string", "format": "uuid"},
      "gateway": {"type": "string", "enum": ["cash", "card", "mobile", "stripe", "paypal", "local"]},
      "payment_method": {"type": "string"},
      "amount": {"type": "number"},
      "currency": {"type": "string"},
      "transaction_id": {"type": ["string", "null"], "description": "null until the gateway gave its id"},
      "status": {"type": "string", "enum": "$charge_status"},
      "refunded_amount": {"type": "number"},
      "raw_response": {"type": "object", "additionalProperties": true, "description": "the gateway's last answer or event, secrets removed"},
      "refunds": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "amount": {"type": "number"}, "reason": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": "$refund_status"},
        "gateway_ref": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"}}}},
      "created_by": {"type": ["string", "null"]},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  })json");
  openapi.add_page_schema("PaymentTransactionPage", "PaymentTransaction");
  openapi.add_schema("RefundInput", R"json({
    "type": "object",
    "properties": {
      "amount": {"type": "number", "minimum": 0.01, "description": "major units; default: everything not yet refunded"},
      "reason": {"type": "string", "maxLength": 500}
    }
  })json");
  openapi.add_schema("WebhookReceipt", R"json({
    "type": "object", "required": ["received", "applied"],
    "properties": {"received": {"type": "boolean"}, "applied": {"type": "boolean", "description": "false for a repeated event id or a type that needs nothing"}, "message": {"type": "string"}}
  })json");
}

}  // namespace

void register_payment_routes(http::Router& router, OpenApi& openapi,
                             std::shared_ptr<PaymentContext> ctx) {
  add_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  using auth::Role;
  router.add(
      {.method = Method::post,
       .pattern = "/api/v1/payments/checkout",
       .handler = with(checkout),
       .access = auth::Access::roles_of(
                     {Role::customer, Role::driver, Role::staff, Role::manager, Role::admin})
                     .with_order_token(),
       .body = http::BodyKind::json,
       .doc = {.summary = "Pay an order (owner online; staff+ at the counter; Idempotency-Key)",
               .description =
                   "Charges the server's order total. Counter methods (cash, card, mobile) are "
                   "paid at once and confirm the order; online gateways answer `pending` with "
                   "`next_action` until their webhook settles the payment. Paying a paid order "
                   "→ 409; an unconfigured gateway → 422; the gateway unreachable → 503.",
               .tag = kPaymentTag,
               .request_schema = "CheckoutInput",
               .response_schema = "CheckoutResult",
               .errors = {404, 409, 422, 503},
               .headers = {"Idempotency-Key"}}});
  router.add(
      {.method = Method::post,
       .pattern = "/api/v1/payments/webhook",
       .handler = with(webhook),
       .body = http::BodyKind::raw,
       .content_types = {"application/json"},
       .doc = {.summary = "Gateway callbacks (Stripe, PayPal, the local gateway)",
               .description =
                   "Stripe: `Stripe-Signature: t=…,v1=…` (HMAC-SHA256 of `t.body` with "
                   "CREMA_STRIPE_WEBHOOK_SECRET, 5-minute tolerance); local: "
                   "`X-Crema-Signature` in the same scheme with CREMA_LOCAL_GATEWAY_SECRET; "
                   "PayPal: checked with PayPal's verify-webhook-signature API. A bad or stale "
                   "signature → 400 and nothing changes; a repeated event id → 200, nothing "
                   "changes twice.",
               .tag = kPaymentTag,
               .response_schema = "WebhookReceipt",
               .errors = {400, 404}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/payments/{transaction_id}/refund",
              .handler = with(refund),
              .access = auth::Access::manager_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Refund a payment, in full or in part (Idempotency-Key)",
                      .description =
                          "`{transaction_id}` is the payment's id or the gateway's transaction "
                          "id. Never more than is left of the payment. 200: the gateway "
                          "accepted the refund. 202: its answer is unknown (a timeout or a 5xx; "
                          "the gateway may have refunded): the refund stays `pending` and is "
                          "sent again with the same idempotency key until the gateway answers, "
                          "and a repeat of this request replays the 202. 422: the gateway "
                          "declined it (the amount is not refunded). 503: the gateway is not "
                          "configured (nothing was sent).",
                      .tag = kPaymentTag,
                      .request_schema = "RefundInput",
                      .response_schema = "PaymentTransaction",
                      .errors = {409, 422, 503},
                      .headers = {"Idempotency-Key"},
                      .responses = {{.status = 202,
                                     .schema = "PaymentTransaction",
                                     .description = "Accepted: the gateway's answer is unknown; "
                                                    "the refund stays pending and is retried"}}}});
  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/payments",
       .handler = with(list),
       .access = auth::Access::staff_plus(),
       .doc = {
           .summary = "Payment transactions, newest first",
           .tag = kPaymentTag,
           .response_schema = "PaymentTransactionPage",
           .query = {{.name = "order_id", .description = "one order's payments"},
                     {.name = "limit", .type = "integer", .description = "1 to 200, default 50"},
                     {.name = "cursor", .description = "next_cursor of the previous page"}}}});
}

}  // namespace crema::api
