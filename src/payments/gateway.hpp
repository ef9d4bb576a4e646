#pragma once
/// Payment gateway adapters (SPEC §9), named by the payment_method that selects them:
/// `cash`, `card`, `mobile` (counter payments, paid at once), `stripe` (PaymentIntents and
/// Refunds over Stripe's REST API), `paypal` (Orders v2 with OAuth client credentials) and
/// `local` (a regional redirect gateway with HMAC-signed callbacks). Adapters do blocking
/// HTTP with bounded timeouts (libcurl): call them on worker threads, never inside a
/// database transaction. No secret or card data is ever put in a result's raw text.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "util/error.hpp"

namespace crema::payments {

/// The Stripe API version the Stripe adapter is written against (docs/PAYMENTS.md).
inline constexpr std::string_view kStripeApiVersion = "2024-06-20";

/// The gateway settings of SPEC §9 (CREMA_STRIPE_*, CREMA_PAYPAL_*, CREMA_LOCAL_GATEWAY_*).
struct GatewaySettings {
  std::string stripe_api_base = "https://api.stripe.com";
  std::string stripe_secret_key, stripe_webhook_secret;
  /// Stripe-Version of every Stripe call: the API version the adapter is written against
  /// (kStripeApiVersion), so the merchant account's default version never changes what
  /// Stripe answers.
  std::string stripe_api_version = std::string(kStripeApiVersion);
  std::string paypal_api_base = "https://api-m.paypal.com";
  std::string paypal_client_id, paypal_secret, paypal_webhook_id;
  std::string local_gateway_url, local_gateway_secret;
  std::chrono::milliseconds timeout{10'000};  ///< each gateway call
  std::int64_t webhook_tolerance_s = 300;     ///< signed callbacks older (or newer) → refused
};

/// What a checkout asks a gateway to charge.
struct ChargeRequest {
  std::string payment_id;  ///< Crema's payment row id (also the gateway's idempotency key)
  std::string order_id;
  std::string order_number;
  std::int64_t amount = 0;      ///< minor units: the server's order total
  std::string currency;         ///< ISO 4217, upper case
  boost::json::object details;  ///< the client's payment_details (gateway tokens only)
};

enum class Outcome : std::uint8_t {
  succeeded,    ///< paid now (counter methods)
  pending,      ///< created at the gateway; a webhook settles it
  declined,     ///< the gateway refused the request (4xx): nothing was charged
  unavailable,  ///< no answer or a 5xx: nothing known was charged
};

struct ChargeResult {
  Outcome outcome = Outcome::unavailable;
  std::string transaction_id;  ///< the gateway's id (pi_…, the PayPal order id, …)
  boost::json::object
      next_action;           ///< what the client does next ({client_secret}, {redirect_url}, …)
  std::string raw_response;  ///< the gateway's answer, secrets removed (JSON text)
  std::string message;       ///< why, when declined or unavailable
};

struct RefundResult {
  Outcome outcome =
      Outcome::unavailable;  ///< succeeded, pending (gateway still working), declined, unavailable
  std::string reference;     ///< the gateway's refund id
  std::string raw_response;
  std::string message;
};

/// One verified webhook event, as the payment service applies it.
struct WebhookEvent {
  std::string gateway;
  std::string event_id;  ///< the gateway's event id: applied once
  enum class Kind : std::uint8_t { succeeded, failed, ignored } kind = Kind::ignored;
  std::string type;                    ///< the gateway's own event type
  std::string transaction_id;          ///< the gateway's payment id (pi_…, PayPal order id, …)
  std::string payment_id;              ///< Crema's payment id when the gateway echoes it
  std::string order_id;                ///< Crema's order id when the gateway echoes it
  std::optional<std::int64_t> amount;  ///< minor units, when the event says
  std::string capture_ref;             ///< PayPal's capture id
  std::string raw;                     ///< the event as received
};

/// A webhook delivery: its raw body and a header lookup (case-insensitive).
struct WebhookRequest {
  std::string_view body;
  std::function<std::optional<std::string>(std::string_view)> header;
  std::int64_t now_s = 0;
};

class Gateway {
 public:
  virtual ~Gateway() = default;
  virtual std::string_view name() const noexcept = 0;
  /// Online gateways are paid by the customer; counter methods are recorded by staff.
  virtual bool online() const noexcept = 0;
  /// Whether its settings are present (an unconfigured gateway is refused at checkout).
  virtual bool configured() const noexcept = 0;
  virtual ChargeResult charge(const ChargeRequest& request) = 0;
  /// Refunds `amount` of the payment `transaction_id` (`capture_ref` when the gateway
  /// needs it); `idempotency_key` makes a retried call a no-op at the gateway.
  virtual RefundResult refund(const std::string& transaction_id, const std::string& capture_ref,
                              std::int64_t amount, const std::string& currency,
                              const std::string& idempotency_key) = 0;
  /// Whether this delivery is addressed to this gateway (by its signature header).
  virtual bool recognises(const WebhookRequest&) const { return false; }
  /// Verifies the delivery's signature and reads its event: 400 bad_request when the
  /// signature is missing, wrong or stale, or the body is not the gateway's event.
  virtual crema::Result<WebhookEvent> verify(const WebhookRequest&) {
    return crema::Error::make(ErrorCode::bad_request, "This gateway sends no webhooks.");
  }
};

/// The adapters by payment_method name.
class GatewayRegistry {
 public:
  explicit GatewayRegistry(GatewaySettings settings);
  /// Replaces (or adds) an adapter: for tests.
  void set(std::unique_ptr<Gateway> gateway);
  Gateway* find(std::string_view method) const;
  /// The gateway a webhook delivery is for, by its signature header; nothing otherwise.
  Gateway* for_webhook(const WebhookRequest& request) const;
  const GatewaySettings& settings() const noexcept { return settings_; }

 private:
  GatewaySettings settings_;
  std::map<std::string, std::unique_ptr<Gateway>, std::less<>> gateways_;
};

// ---- signatures (exposed for tests) ---------------------------------------------------------

/// `t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` — Stripe's and the local gateway's
/// scheme.
std::string sign_callback(std::string_view secret, std::int64_t t, std::string_view body);

/// Checks a `t=…,v1=…[,v1=…]` header: a t within `tolerance_s` of `now_s`, and one of the v1
/// values equal (compared in constant time) to the HMAC of "t.body". "" when valid, else why.
std::string check_signature(std::string_view header, std::string_view secret, std::string_view body,
                            std::int64_t now_s, std::int64_t tolerance_s);

/// A gateway's answer or event as stored: JSON with secrets and card data removed
/// (`client_secret`, `access_token`, card fields…), or a short note when it is not JSON.
std::string scrub_raw(std::string_view body);

/// `application/x-www-form-urlencoded` encoding of one value.
std::string form_escape(std::string_view text);

/// Crema keeps every amount in hundredths (SPEC §2); Stripe counts zero-decimal currencies
/// (JPY, KRW, VND…) in whole units. The amount Stripe is sent, and back.
std::int64_t to_stripe_amount(std::int64_t minor, std::string_view currency);
std::int64_t from_stripe_amount(std::int64_t amount, std::string_view currency);

/// Minor units as a decimal text in major units with two decimals (1234 → "12.34").
std::string major_text(std::int64_t minor);

}  // namespace crema::payments
