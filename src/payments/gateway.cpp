#include "payments/gateway.hpp"

#include <cctype>
#include <cstdio>

#include <boost/json.hpp>

#include "auth/crypto.hpp"
#include "domain/money.hpp"
#include "notify/curl_transport.hpp"
#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::payments {

namespace json = boost::json;

namespace {

std::string trim_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// Keys whose values are secrets or card data: never stored, never logged.
// Personal data the gateways echo (billing and shipping details, the payer) is not kept
// either: the order already holds what the shop needs, and erasure (SPEC §3) need not chase
// copies inside gateway answers.
bool secret_key(std::string_view k) {
  return k == "client_secret" || k == "access_token" || k == "number" || k == "cvc" ||
         k == "card" || k == "password" || k == "secret" || k == "billing_details" ||
         k == "shipping" || k == "payer" || k == "receipt_email" || k == "email_address" ||
         k == "phone";
}

void scrub(json::value& v) {
  if (v.is_object()) {
    auto& o = v.get_object();
    for (auto it = o.begin(); it != o.end();) {
      if (secret_key(it->key())) {
        it = o.erase(it);
      } else {
        scrub(it->value());
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& e : v.get_array()) scrub(e);
  }
}

// The gateway's answer as stored: JSON without secrets, or a note when it was not JSON.
std::string scrubbed(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return json::serialize(json::object{{"unparsed", std::string(body.substr(0, 200))}});
  scrub(v);
  return json::serialize(v);
}

std::optional<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::string str_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::object* obj_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// An HTTP answer as an outcome: 2xx ok, 4xx declined, anything else unavailable.
Outcome classify(const notify::HttpPostResult& r) {
  if (!r.error.empty() || r.status == 0) return Outcome::unavailable;
  if (r.status >= 200 && r.status < 300) return Outcome::pending;
  if (r.status >= 400 && r.status < 500) return Outcome::declined;
  return Outcome::unavailable;
}

std::string failure_message(std::string_view gateway, const notify::HttpPostResult& r) {
  if (!r.error.empty()) return std::string(gateway) + " did not answer: " + r.error;
  std::string msg = std::string(gateway) + " answered HTTP " + std::to_string(r.status);
  if (auto o = parse_object(r.body)) {
    // Stripe: {error: {message}}; PayPal: {message} or {error_description}.
    std::string detail;
    if (auto* e = obj_at(*o, "error")) detail = str_at(*e, "message");
    if (detail.empty()) detail = str_at(*o, "message");
    if (detail.empty()) detail = str_at(*o, "error_description");
    if (!detail.empty()) msg += ": " + detail.substr(0, 300);
  }
  return msg;
}

void log_call(std::string_view gateway, std::string_view what, const notify::HttpPostResult& r) {
  obs::Log(r.error.empty() && r.status < 400 ? obs::Level::info : obs::Level::warn,
           "payment gateway call")
      .str("gateway", gateway)
      .str("call", what)
      .num("status", static_cast<std::int64_t>(r.status))
      .str("error", r.error);
}

// A gateway's answer to a charge: the outcome, the scrubbed body, and when it was accepted
// the gateway's id for the payment and the answer's JSON object (returned). nullopt when the
// charge did not go through, with `out` saying why.
std::optional<json::object> accepted_charge(const notify::HttpPostResult& res,
                                            std::string_view gateway, std::string_view id_name,
                                            ChargeResult& out) {
  out.outcome = classify(res);
  out.raw_response = scrubbed(res.body);
  if (out.outcome != Outcome::pending) {
    out.message = failure_message(gateway, res);
    return std::nullopt;
  }
  auto o = parse_object(res.body);
  out.transaction_id = o ? str_at(*o, "id") : "";
  if (out.transaction_id.empty()) {
    out.outcome = Outcome::unavailable;
    out.message = std::string(gateway) + " answered without " + std::string(id_name);
    return std::nullopt;
  }
  return o;
}

// A gateway's answer to a refund: the scrubbed body and, when accepted, the gateway's refund
// id and the answer's JSON object (an empty one when the body is not JSON); nullopt with
// `out` saying why when it was not.
std::optional<json::object> accepted_refund(const notify::HttpPostResult& res,
                                            std::string_view gateway, RefundResult& out) {
  out.raw_response = scrubbed(res.body);
  if (const auto c = classify(res); c != Outcome::pending) {
    out.outcome = c;
    out.message = failure_message(gateway, res);
    return std::nullopt;
  }
  auto o = parse_object(res.body);
  out.reference = o ? str_at(*o, "id") : "";
  return o ? std::move(*o) : json::object{};
}

// ---- counter methods ------------------------------------------------------------------------

class CounterGateway final : public Gateway {
 public:
  explicit CounterGateway(std::string name) : name_(std::move(name)) {}
  std::string_view name() const noexcept override { return name_; }
  bool online() const noexcept override { return false; }
  bool configured() const noexcept override { return true; }
  ChargeResult charge(const ChargeRequest& r) override {
    ChargeResult out;
    out.outcome = Outcome::succeeded;
    out.transaction_id = r.payment_id;
    json::object raw{{"method", name_},
                     {"amount", r.amount},
                     {"currency", r.currency},
                     {"recorded_at", util::format_rfc3339_ms(util::now_ms())}};
    // A terminal's receipt reference or a wallet's id may come along; nothing else is kept.
    if (auto ref = str_at(r.details, "reference"); !ref.empty())
      raw["reference"] = ref.substr(0, 100);
    if (auto* t = r.details.if_contains("tendered"); t && t->is_number())
      if (auto minor = domain::money_from_major(t->to_number<double>())) raw["tendered"] = *minor;
    out.raw_response = json::serialize(raw);
    return out;
  }
  RefundResult refund(const std::string& transaction_id, const std::string&, std::int64_t amount,
                      const std::string& currency, const std::string&) override {
    RefundResult out;
    out.outcome = Outcome::succeeded;
    out.reference = "counter:" + transaction_id;
    out.raw_response = json::serialize(json::object{{"method", name_},
                                                    {"amount", amount},
                                                    {"currency", currency},
                                                    {"note", "paid back at the counter"}});
    return out;
  }

 private:
  std::string name_;
};

// ---- Stripe ---------------------------------------------------------------------------------

class StripeGateway final : public Gateway {
 public:
  explicit StripeGateway(const GatewaySettings& s)
      : base_(trim_slash(s.stripe_api_base)),
        key_(s.stripe_secret_key),
        webhook_secret_(s.stripe_webhook_secret),
        version_(s.stripe_api_version.empty() ? std::string(kStripeApiVersion)
                                              : s.stripe_api_version),
        timeout_(s.timeout),
        tolerance_(s.webhook_tolerance_s) {}
  std::string_view name() const noexcept override { return "stripe"; }
  bool online() const noexcept override { return true; }
  bool configured() const noexcept override { return !key_.empty() && !base_.empty(); }

  ChargeResult charge(const ChargeRequest& r) override {
    std::string currency = r.currency;
    for (auto& c : currency) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string form = "amount=" + std::to_string(to_stripe_amount(r.amount, r.currency)) +
                       "&currency=" + form_escape(currency) +
                       "&metadata[order_id]=" + form_escape(r.order_id) +
                       "&metadata[payment_id]=" + form_escape(r.payment_id) +
                       "&metadata[order_number]=" + form_escape(r.order_number);
    form += "&automatic_payment_methods[enabled]=true";
    if (auto pm = str_at(r.details, "payment_method"); !pm.empty()) {
      // Confirmed at once with a saved payment method. Stripe then needs to know where the
      // customer comes back after a redirect (3-D Secure, a bank page): the client's
      // return_url, or — without one — that no redirecting method may be used.
      form += "&payment_method=" + form_escape(pm) + "&confirm=true";
      if (auto ret = str_at(r.details, "return_url"); !ret.empty()) {
        form += "&return_url=" + form_escape(ret);
      } else {
        form += "&automatic_payment_methods[allow_redirects]=never";
      }
    }
    auto res = post("/v1/payment_intents", form, r.payment_id);
    log_call("stripe", "payment_intents", res);
    ChargeResult out;
    auto o = accepted_charge(res, "Stripe", "a PaymentIntent id", out);
    if (!o) return out;
    out.next_action = {{"type", "stripe_confirm"}, {"client_secret", str_at(*o, "client_secret")}};
    return out;
  }

  RefundResult refund(const std::string& transaction_id, const std::string&, std::int64_t amount,
                      const std::string& currency, const std::string& idempotency_key) override {
    auto res = post("/v1/refunds",
                    "payment_intent=" + form_escape(transaction_id) +
                        "&amount=" + std::to_string(to_stripe_amount(amount, currency)),
                    idempotency_key);
    log_call("stripe", "refunds", res);
    RefundResult out;
    auto o = accepted_refund(res, "Stripe", out);
    if (!o) return out;
    const auto status = str_at(*o, "status");
    out.outcome = status == "failed" || status == "canceled" ? Outcome::declined
                  : status == "succeeded"                    ? Outcome::succeeded
                                                             : Outcome::pending;
    if (out.outcome == Outcome::declined) out.message = "Stripe refund " + status;
    return out;
  }

  bool recognises(const WebhookRequest& r) const override {
    return r.header("Stripe-Signature").has_value();
  }

  crema::Result<WebhookEvent> verify(const WebhookRequest& r) override {
    if (webhook_secret_.empty())
      return crema::Error::make(
          ErrorCode::bad_request,
          "Stripe webhooks are not configured (CREMA_STRIPE_WEBHOOK_SECRET).");
    auto why = check_signature(r.header("Stripe-Signature").value_or(""), webhook_secret_, r.body,
                               r.now_s, tolerance_);
    if (!why.empty()) return crema::Error::make(ErrorCode::bad_request, "Stripe-Signature " + why);
    auto o = parse_object(r.body);
    if (!o) return crema::Error::make(ErrorCode::bad_request, "The event is not a JSON object.");
    WebhookEvent e;
    e.gateway = "stripe";
    e.raw = std::string(r.body);
    e.event_id = str_at(*o, "id");
    e.type = str_at(*o, "type");
    if (e.event_id.empty() || e.type.empty())
      return crema::Error::make(ErrorCode::bad_request, "The event has no id or type.");
    const json::object* data = obj_at(*o, "data");
    const json::object* pi = data ? obj_at(*data, "object") : nullptr;
    if (e.type == "payment_intent.succeeded" || e.type == "payment_intent.payment_failed") {
      if (!pi) return crema::Error::make(ErrorCode::bad_request, "The event has no data.object.");
      e.kind = e.type == "payment_intent.succeeded" ? WebhookEvent::Kind::succeeded
                                                    : WebhookEvent::Kind::failed;
      e.transaction_id = str_at(*pi, "id");
      const std::string currency = str_at(*pi, "currency");
      if (auto* a = pi->if_contains("amount_received"); a && a->is_int64() && a->get_int64() > 0) {
        e.amount = from_stripe_amount(a->get_int64(), currency);
      } else if (auto* b = pi->if_contains("amount"); b && b->is_int64()) {
        e.amount = from_stripe_amount(b->get_int64(), currency);
      }
      if (auto* md = obj_at(*pi, "metadata")) {
        e.order_id = str_at(*md, "order_id");
        e.payment_id = str_at(*md, "payment_id");
      }
    }
    return e;
  }

 private:
  notify::HttpPostResult post(const std::string& path, const std::string& form,
                              const std::string& idempotency_key) {
    notify::HttpCall call;
    call.url = base_ + path;
    call.body = form;
    call.timeout = timeout_;
    call.headers = {{"Authorization", "Bearer " + key_},
                    {"Content-Type", "application/x-www-form-urlencoded"},
                    {"Stripe-Version", version_},
                    {"Idempotency-Key", idempotency_key}};
    return notify::http_call(call);
  }

  std::string base_, key_, webhook_secret_, version_;
  std::chrono::milliseconds timeout_;
  std::int64_t tolerance_;
};

// ---- PayPal ---------------------------------------------------------------------------------

class PaypalGateway final : public Gateway {
 public:
  explicit PaypalGateway(const GatewaySettings& s)
      : base_(trim_slash(s.paypal_api_base)),
        client_id_(s.paypal_client_id),
        secret_(s.paypal_secret),
        webhook_id_(s.paypal_webhook_id),
        timeout_(s.timeout) {}
  std::string_view name() const noexcept override { return "paypal"; }
  bool online() const noexcept override { return true; }
  bool configured() const noexcept override {
    return !base_.empty() && !client_id_.empty() && !secret_.empty();
  }

  ChargeResult charge(const ChargeRequest& r) override {
    ChargeResult out;
    auto token = access_token(out.message);
    if (!token) {
      out.outcome = Outcome::unavailable;
      return out;
    }
    json::object unit{{"reference_id", r.order_id},
                      {"custom_id", r.payment_id},
                      {"invoice_id", r.order_number},
                      {"amount", {{"currency_code", r.currency}, {"value", major_text(r.amount)}}}};
    json::object body{{"intent", "CAPTURE"}, {"purchase_units", json::array{std::move(unit)}}};
    auto res = call("POST", "/v2/checkout/orders", json::serialize(body), *token, r.payment_id);
    log_call("paypal", "checkout/orders", res);
    auto o = accepted_charge(res, "PayPal", "an order id", out);
    if (!o) return out;
    std::string approve;
    if (auto* links = o->if_contains("links"); links && links->is_array())
      for (const auto& l : links->get_array())
        if (l.is_object() && (str_at(l.get_object(), "rel") == "approve" ||
                              str_at(l.get_object(), "rel") == "payer-action"))
          approve = str_at(l.get_object(), "href");
    out.next_action = {{"type", "paypal_approve"},
                       {"approve_url", approve},
                       {"paypal_order_id", out.transaction_id}};
    return out;
  }

  RefundResult refund(const std::string& transaction_id, const std::string& capture_ref,
                      std::int64_t amount, const std::string& currency,
                      const std::string& idempotency_key) override {
    RefundResult out;
    if (capture_ref.empty()) {
      out.outcome = Outcome::declined;
      out.message = "PayPal order " + transaction_id + " has no capture to refund";
      return out;
    }
    auto token = access_token(out.message);
    if (!token) {
      out.outcome = Outcome::unavailable;
      return out;
    }
    json::object body{{"amount", {{"currency_code", currency}, {"value", major_text(amount)}}}};
    auto res = call("POST", "/v2/payments/captures/" + capture_ref + "/refund",
                    json::serialize(body), *token, idempotency_key);
    log_call("paypal", "captures/refund", res);
    auto o = accepted_refund(res, "PayPal", out);
    if (!o) return out;
    const auto status = str_at(*o, "status");
    out.outcome = status == "COMPLETED"                         ? Outcome::succeeded
                  : status == "FAILED" || status == "CANCELLED" ? Outcome::declined
                                                                : Outcome::pending;
    return out;
  }

  bool recognises(const WebhookRequest& r) const override {
    return r.header("Paypal-Transmission-Sig").has_value();
  }

  // PayPal signs with its certificate; its verification API checks the delivery (the
  // documented way), against our webhook id.
  crema::Result<WebhookEvent> verify(const WebhookRequest& r) override {
    if (!configured() || webhook_id_.empty())
      return crema::Error::make(ErrorCode::bad_request,
                                "PayPal webhooks are not configured (CREMA_PAYPAL_WEBHOOK_ID).");
    auto event = parse_object(r.body);
    if (!event)
      return crema::Error::make(ErrorCode::bad_request, "The event is not a JSON object.");
    json::object check{{"auth_algo", r.header("Paypal-Auth-Algo").value_or("")},
                       {"cert_url", r.header("Paypal-Cert-Url").value_or("")},
                       {"transmission_id", r.header("Paypal-Transmission-Id").value_or("")},
                       {"transmission_sig", r.header("Paypal-Transmission-Sig").value_or("")},
                       {"transmission_time", r.header("Paypal-Transmission-Time").value_or("")},
                       {"webhook_id", webhook_id_},
                       {"webhook_event", *event}};
    std::string why;
    auto token = access_token(why);
    if (!token)
      return crema::Error::make(ErrorCode::unavailable, "PayPal cannot verify the event now.");
    auto res = call("POST", "/v1/notifications/verify-webhook-signature", json::serialize(check),
                    *token, {});
    log_call("paypal", "verify-webhook-signature", res);
    if (classify(res) == Outcome::unavailable)
      return crema::Error::make(ErrorCode::unavailable, "PayPal cannot verify the event now.");
    auto verdict = parse_object(res.body);
    if (classify(res) != Outcome::pending || !verdict ||
        str_at(*verdict, "verification_status") != "SUCCESS")
      return crema::Error::make(ErrorCode::bad_request, "PayPal did not verify the signature.");
    WebhookEvent e;
    e.gateway = "paypal";
    e.raw = std::string(r.body);
    e.event_id = str_at(*event, "id");
    e.type = str_at(*event, "event_type");
    if (e.event_id.empty() || e.type.empty())
      return crema::Error::make(ErrorCode::bad_request, "The event has no id or event_type.");
    const json::object* res_obj = obj_at(*event, "resource");
    if (res_obj && e.type == "CHECKOUT.ORDER.APPROVED")
      return capture(std::move(e), *res_obj, *token);
    if (res_obj && (e.type == "PAYMENT.CAPTURE.COMPLETED" || e.type == "PAYMENT.CAPTURE.DENIED" ||
                    e.type == "PAYMENT.CAPTURE.DECLINED")) {
      e.kind = e.type == "PAYMENT.CAPTURE.COMPLETED" ? WebhookEvent::Kind::succeeded
                                                     : WebhookEvent::Kind::failed;
      e.capture_ref = str_at(*res_obj, "id");
      e.payment_id = str_at(*res_obj, "custom_id");
      if (auto* sd = obj_at(*res_obj, "supplementary_data"))
        if (auto* rel = obj_at(*sd, "related_ids")) e.transaction_id = str_at(*rel, "order_id");
      if (auto* amount = obj_at(*res_obj, "amount")) {
        auto value = str_at(*amount, "value");
        if (!value.empty()) {
          try {
            e.amount = domain::money_from_major(std::stod(value));
          } catch (const std::exception&) {}
        }
      }
    }
    return e;
  }

 private:
  // The buyer approved the order: Crema captures it (Orders v2 `…/capture`, idempotent by
  // PayPal-Request-Id), and the capture's outcome is the event applied. No answer → 503, so
  // PayPal delivers the approval again.
  crema::Result<WebhookEvent> capture(WebhookEvent e, const json::object& resource,
                                      const std::string& token) {
    e.transaction_id = str_at(resource, "id");
    if (e.transaction_id.empty())
      return crema::Error::make(ErrorCode::bad_request, "The approval names no order.");
    auto res = call("POST", "/v2/checkout/orders/" + form_escape(e.transaction_id) + "/capture",
                    "{}", token, "capture-" + e.transaction_id);
    log_call("paypal", "checkout/orders/capture", res);
    const auto c = classify(res);
    if (c == Outcome::unavailable)
      return crema::Error::make(ErrorCode::unavailable, "PayPal cannot capture the order now.");
    auto o = parse_object(res.body);
    e.raw = scrubbed(res.body);
    e.kind = WebhookEvent::Kind::failed;
    if (c != Outcome::pending || !o) return e;
    const json::object* cap = nullptr;
    if (auto* units = o->if_contains("purchase_units"); units && units->is_array())
      for (const auto& u : units->get_array())
        if (u.is_object())
          if (auto* pay = obj_at(u.get_object(), "payments"))
            if (auto* caps = pay->if_contains("captures"); caps && caps->is_array())
              for (const auto& one : caps->get_array())
                if (one.is_object() && !cap) cap = &one.get_object();
    if (str_at(*o, "status") == "COMPLETED" && cap && str_at(*cap, "status") == "COMPLETED") {
      e.kind = WebhookEvent::Kind::succeeded;
      e.capture_ref = str_at(*cap, "id");
      if (auto* amount = obj_at(*cap, "amount")) {
        try {
          e.amount = domain::money_from_major(std::stod(str_at(*amount, "value")));
        } catch (const std::exception&) {}
      }
    }
    return e;
  }

  notify::HttpPostResult call(const std::string& method, const std::string& path,
                              const std::string& body, const std::string& token,
                              const std::string& request_id) {
    notify::HttpCall c;
    c.method = method;
    c.url = base_ + path;
    c.body = body;
    c.timeout = timeout_;
    c.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    if (!request_id.empty()) c.headers.emplace_back("PayPal-Request-Id", request_id);
    return notify::http_call(c);
  }

  // OAuth client credentials, kept until shortly before they expire.
  std::optional<std::string> access_token(std::string& why) {
    std::lock_guard lock(mutex_);
    const auto now = util::now_ms();
    if (!token_.empty() && now < token_expires_ms_) return token_;
    notify::HttpCall c;
    c.url = base_ + "/v1/oauth2/token";
    c.body = "grant_type=client_credentials";
    c.userpwd = client_id_ + ":" + secret_;
    c.timeout = timeout_;
    c.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
    auto res = notify::http_call(c);
    log_call("paypal", "oauth2/token", res);
    auto o = classify(res) == Outcome::pending ? parse_object(res.body) : std::nullopt;
    const auto token = o ? str_at(*o, "access_token") : "";
    if (token.empty()) {
      why = failure_message("PayPal", res);
      return std::nullopt;
    }
    std::int64_t expires_s = 300;
    if (auto* e = o->if_contains("expires_in"); e && e->is_int64()) expires_s = e->get_int64();
    token_ = token;
    token_expires_ms_ = now + std::max<std::int64_t>(expires_s - 60, 30) * 1000;
    return token_;
  }

  std::string base_, client_id_, secret_, webhook_id_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::string token_;
  std::int64_t token_expires_ms_ = 0;
};

// ---- the local (regional) gateway ------------------------------------------------------------

// Crema creates a payment with `POST {CREMA_LOCAL_GATEWAY_URL}/payments` (JSON {reference,
// order_id, amount (major units), currency, return_url?}, signed with X-Crema-Signature), the
// gateway answers {id, redirect_url}; its callbacks are signed the same way (SPEC §9).
class LocalGateway final : public Gateway {
 public:
  explicit LocalGateway(const GatewaySettings& s)
      : base_(trim_slash(s.local_gateway_url)),
        secret_(s.local_gateway_secret),
        timeout_(s.timeout),
        tolerance_(s.webhook_tolerance_s) {}
  std::string_view name() const noexcept override { return "local"; }
  bool online() const noexcept override { return true; }
  bool configured() const noexcept override { return !base_.empty() && !secret_.empty(); }

  ChargeResult charge(const ChargeRequest& r) override {
    json::object body{{"reference", r.payment_id},
                      {"order_id", r.order_id},
                      {"amount", domain::money_to_major(r.amount)},
                      {"currency", r.currency}};
    if (auto ret = str_at(r.details, "return_url"); !ret.empty()) body["return_url"] = ret;
    auto res = post("/payments", json::serialize(body), r.payment_id);
    log_call("local", "payments", res);
    ChargeResult out;
    auto o = accepted_charge(res, "The local gateway", "an id", out);
    if (!o) return out;
    out.next_action = {{"type", "redirect"}, {"redirect_url", str_at(*o, "redirect_url")}};
    return out;
  }

  RefundResult refund(const std::string& transaction_id, const std::string&, std::int64_t amount,
                      const std::string& currency, const std::string& idempotency_key) override {
    json::object body{{"transaction_id", transaction_id},
                      {"amount", domain::money_to_major(amount)},
                      {"currency", currency},
                      {"reference", idempotency_key}};
    auto res = post("/refunds", json::serialize(body), idempotency_key);
    log_call("local", "refunds", res);
    RefundResult out;
    auto o = accepted_refund(res, "The local gateway", out);
    if (!o) return out;
    out.outcome = Outcome::succeeded;
    return out;
  }

  bool recognises(const WebhookRequest& r) const override {
    return r.header("X-Crema-Signature").has_value();
  }

  crema::Result<WebhookEvent> verify(const WebhookRequest& r) override {
    if (!configured())
      return crema::Error::make(ErrorCode::bad_request, "The local gateway is not configured.");
    auto why = check_signature(r.header("X-Crema-Signature").value_or(""), secret_, r.body, r.now_s,
                               tolerance_);
    if (!why.empty()) return crema::Error::make(ErrorCode::bad_request, "X-Crema-Signature " + why);
    auto o = parse_object(r.body);
    if (!o) return crema::Error::make(ErrorCode::bad_request, "The event is not a JSON object.");
    WebhookEvent e;
    e.gateway = "local";
    e.raw = std::string(r.body);
    e.event_id = str_at(*o, "id");
    e.type = str_at(*o, "type");
    e.transaction_id = str_at(*o, "transaction_id");
    e.order_id = str_at(*o, "order_id");
    if (e.event_id.empty() || e.type.empty())
      return crema::Error::make(ErrorCode::bad_request, "The event has no id or type.");
    if (auto* a = o->if_contains("amount"); a && a->is_number()) {
      e.amount = domain::money_from_major(a->to_number<double>());
      if (!e.amount) return crema::Error::make(ErrorCode::bad_request, "The amount is not money.");
    }
    if (e.type == "payment.succeeded" || e.type == "payment.failed") {
      if (e.transaction_id.empty())
        return crema::Error::make(ErrorCode::bad_request, "The event has no transaction_id.");
      e.kind = e.type == "payment.succeeded" ? WebhookEvent::Kind::succeeded
                                             : WebhookEvent::Kind::failed;
    }
    return e;
  }

 private:
  notify::HttpPostResult post(const std::string& path, const std::string& body,
                              const std::string& idempotency_key) {
    notify::HttpCall c;
    c.url = base_ + path;
    c.body = body;
    c.timeout = timeout_;
    c.headers = {{"Content-Type", "application/json"},
                 {"Idempotency-Key", idempotency_key},
                 {"X-Crema-Signature", sign_callback(secret_, util::now_ms() / 1000, body)}};
    return notify::http_call(c);
  }

  std::string base_, secret_;
  std::chrono::milliseconds timeout_;
  std::int64_t tolerance_;
};

}  // namespace

GatewayRegistry::GatewayRegistry(GatewaySettings settings) : settings_(std::move(settings)) {
  for (const char* m : {"cash", "card", "mobile"}) set(std::make_unique<CounterGateway>(m));
  set(std::make_unique<StripeGateway>(settings_));
  set(std::make_unique<PaypalGateway>(settings_));
  set(std::make_unique<LocalGateway>(settings_));
}

void GatewayRegistry::set(std::unique_ptr<Gateway> gateway) {
  std::string name(gateway->name());
  gateways_[name] = std::move(gateway);
}

Gateway* GatewayRegistry::find(std::string_view method) const {
  auto it = gateways_.find(method);
  return it == gateways_.end() ? nullptr : it->second.get();
}

Gateway* GatewayRegistry::for_webhook(const WebhookRequest& request) const {
  for (const auto& [name, g] : gateways_)
    if (g->recognises(request)) return g.get();
  return nullptr;
}

std::string sign_callback(std::string_view secret, std::int64_t t, std::string_view body) {
  const std::string ts = std::to_string(t);
  std::string input = ts + "." + std::string(body);
  return "t=" + ts + ",v1=" + auth::hex_encode(auth::hmac_sha256(secret, input));
}

std::string check_signature(std::string_view header, std::string_view secret, std::string_view body,
                            std::int64_t now_s, std::int64_t tolerance_s) {
  if (header.empty()) return "is missing";
  std::optional<std::int64_t> t;
  std::vector<std::string> v1;
  std::size_t pos = 0;
  while (pos <= header.size()) {
    auto end = header.find(',', pos);
    if (end == std::string_view::npos) end = header.size();
    auto part = header.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos) {
      auto k = part.substr(0, eq);
      auto v = part.substr(eq + 1);
      if (k == "t") {
        std::int64_t n = 0;
        bool digits = !v.empty() && v.size() <= 12;
        for (char c : v) {
          if (c < '0' || c > '9') {
            digits = false;
            break;
          }
          n = n * 10 + (c - '0');
        }
        if (!digits) return "has a malformed timestamp";
        t = n;
      } else if (k == "v1") {
        v1.emplace_back(v);
      }
    }
    pos = end + 1;
  }
  if (!t) return "has no timestamp";
  if (v1.empty()) return "has no v1 signature";
  if (*t < now_s - tolerance_s || *t > now_s + tolerance_s)
    return "is outside the tolerance of " + std::to_string(tolerance_s) + " seconds";
  const std::string expected =
      auth::hex_encode(auth::hmac_sha256(secret, std::to_string(*t) + "." + std::string(body)));
  bool match = false;
  for (const auto& candidate : v1) match = auth::constant_time_equal(expected, candidate) || match;
  return match ? std::string() : "does not match";
}

std::string scrub_raw(std::string_view body) { return scrubbed(body); }

namespace {
bool zero_decimal(std::string_view currency) {
  static constexpr std::string_view kCodes[] = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF",
                                                "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                                                "VUV", "XAF", "XOF", "XPF"};
  std::string upper(currency);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto code : kCodes)
    if (upper == code) return true;
  return false;
}
}  // namespace

std::int64_t to_stripe_amount(std::int64_t minor, std::string_view currency) {
  return zero_decimal(currency) ? minor / 100 : minor;
}

std::int64_t from_stripe_amount(std::int64_t amount, std::string_view currency) {
  return zero_decimal(currency) ? amount * 100 : amount;
}

std::string form_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string major_text(std::int64_t minor) {
  const bool negative = minor < 0;
  const std::int64_t abs = negative ? -minor : minor;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", negative ? "-" : "",
                static_cast<long long>(abs / 100), static_cast<long long>(abs % 100));
  return buf;
}

}  // namespace crema::payments
