// Black-box tests of payments (SPEC §9) through the real binary, against local fake
// gateways that speak each real wire format (Stripe's form-encoded PaymentIntents and
// Refunds with a Bearer key and Idempotency-Key, PayPal's OAuth + Orders v2 + webhook
// verification, the local gateway's signed JSON): counter payments and who may record
// them, IDOR, unconfigured gateways, webhooks with signature attacks, replays and races,
// idempotent checkout races, partial and full refunds, refunds on cancellation and of a
// success that arrived for a cancelled order.

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/fake_endpoint.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kStripeKey = "sk_test_e2e_secret";
constexpr const char* kStripeWebhookSecret = "whsec_e2e_secret";
constexpr const char* kLocalSecret = "local-gateway-e2e-secret";
constexpr const char* kPaypalClient = "paypal-client";
constexpr const char* kPaypalSecret = "paypal-secret";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string sign(std::string_view secret, std::int64_t t, std::string_view body) {
  const std::string input = std::to_string(t) + "." + std::string(body);
  return "t=" + std::to_string(t) + ",v1=" + auth::hex_encode(auth::hmac_sha256(secret, input));
}

json::object parse_obj(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

// The fields of a form-encoded body, names and values decoded.
std::map<std::string, std::string> form_fields(std::string_view body) {
  auto decode = [](std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        out += ' ';
      } else if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  };
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    auto pair = body.substr(0, amp);
    auto eq = pair.find('=');
    out[decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

constexpr const char* kStripeVersion = "2024-06-20";  // what the adapter is written against

FakeHttpEndpoint::Answer stripe_refusal(std::string message) {
  return {400,
          json::serialize(json::object{
              {"error", {{"type", "invalid_request_error"}, {"message", std::move(message)}}}})};
}

// A fake Stripe: PaymentIntents (pi_1, pi_2, …) and Refunds (re_1, …), answered as Stripe does,
// refusing what Stripe refuses: a call without the API version the adapter is written against
// (the account's default would decide the shapes), and an intent confirmed at once without a
// return_url unless redirecting methods are ruled out.
FakeHttpEndpoint::Answer stripe_answer(const RecordedRequest& r, int) {
  static std::atomic<int> intents{0}, refunds{0};
  if (r.header("stripe-version") != kStripeVersion)
    return stripe_refusal("Stripe-Version " + r.header("stripe-version") + " is not " +
                          kStripeVersion + ", the version this client is written against");
  if (r.target == "/v1/payment_intents") {
    auto f = form_fields(r.body);
    if (f["confirm"] == "true" && f["automatic_payment_methods[enabled]"] == "true" &&
        f["automatic_payment_methods[allow_redirects]"] != "never" && f["return_url"].empty())
      return stripe_refusal(
          "This PaymentIntent is configured to accept payment methods enabled in your "
          "Dashboard. Because some of these payment methods might redirect your customer off of "
          "your page, you must provide a `return_url`.");
    if (!f["return_url"].empty() && f["confirm"] != "true")
      return stripe_refusal("You can only pass return_url when confirm=true.");
    if (r.body.find("payment_method=pm_card_chargeDeclined") != std::string::npos)
      return {
          402,
          R"({"error": {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}})"};
    if (r.body.find("payment_method=pm_gateway_down") != std::string::npos)
      return {500, R"({"error": {"type": "api_error"}})"};
    const int n = ++intents;
    const std::string id = "pi_e2e" + std::to_string(n);
    return {200, json::serialize(json::object{{"id", id},
                                              {"object", "payment_intent"},
                                              {"client_secret", id + "_secret_abc"},
                                              {"status", "requires_payment_method"}})};
  }
  if (r.target == "/v1/refunds") {
    if (r.body.find("amount=1&") != std::string::npos || r.body.ends_with("amount=1"))
      return {400, R"({"error": {"message": "refund refused by the fake"}})"};
    return {200, json::serialize(json::object{{"id", "re_e2e" + std::to_string(++refunds)},
                                              {"object", "refund"},
                                              {"status", "succeeded"}})};
  }
  return {404, R"({"error": {"message": "no such route"}})"};
}

FakeHttpEndpoint::Answer paypal_answer(const RecordedRequest& r, int n) {
  if (r.target == "/v1/oauth2/token")
    return {200, R"({"access_token": "A21-token", "token_type": "Bearer", "expires_in": 32400})"};
  if (r.target == "/v2/checkout/orders") {
    const std::string id = "PAYPAL" + std::to_string(n);
    return {201,
            json::serialize(json::object{
                {"id", id},
                {"status", "CREATED"},
                {"links", json::array{{{"rel", "self"}, {"href", "https://x/" + id}},
                                      {{"rel", "approve"},
                                       {"href", "https://paypal.test/approve?token=" + id}}}}})};
  }
  if (r.target == "/v1/notifications/verify-webhook-signature") {
    auto body = parse_obj(r.body);
    const bool good = body.contains("transmission_sig") &&
                      body.at("transmission_sig") == "good-signature" &&
                      body.contains("webhook_id") && body.at("webhook_id") == "WH-e2e";
    return {200,
            json::serialize(json::object{{"verification_status", good ? "SUCCESS" : "FAILURE"}})};
  }
  if (r.target.starts_with("/v2/checkout/orders/") && r.target.ends_with("/capture")) {
    const std::string id = r.target.substr(20, r.target.size() - 20 - 8);
    return {201, json::serialize(json::object{
                     {"id", id},
                     {"status", "COMPLETED"},
                     {"purchase_units",
                      json::array{{{"payments",
                                    {{"captures", json::array{{{"id", "CAP-" + id},
                                                               {"status", "COMPLETED"},
                                                               {"amount",
                                                                {{"currency_code", "EUR"},
                                                                 {"value", "4.40"}}}}}}}}}}}})};
  }
  if (r.target.starts_with("/v2/payments/captures/"))
    return {201, R"({"id": "PPREFUND1", "status": "COMPLETED"})"};
  return {404, R"({"name": "RESOURCE_NOT_FOUND"})"};
}

FakeHttpEndpoint::Answer local_answer(const RecordedRequest& r, int n) {
  if (r.target == "/payments")
    return {201, json::serialize(json::object{
                     {"id", "loc_" + std::to_string(n)},
                     {"redirect_url", "https://pay.local.test/p/loc_" + std::to_string(n)}})};
  if (r.target == "/refunds") return {200, R"({"id": "locref_1", "status": "ok"})"};
  return {404, "{}"};
}

class Payments : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    stripe_ = std::make_unique<FakeHttpEndpoint>(stripe_answer);
    paypal_ = std::make_unique<FakeHttpEndpoint>(paypal_answer);
    local_ = std::make_unique<FakeHttpEndpoint>(local_answer);
    shared_ = SharedServer::start(identity_server({
        {"CREMA_CURRENCY", "EUR"},
        {"CREMA_TAX_RATE_BPS", "1000"},
        {"CREMA_AUTH_RATE_PER_MIN", "0"},
        {"CREMA_USER_RATE_PER_MIN", "0"},
        {"CREMA_PUBLIC_RATE_PER_MIN", "0"},
        {"CREMA_STRIPE_API_BASE", stripe_->url("")},
        {"CREMA_STRIPE_SECRET_KEY", kStripeKey},
        {"CREMA_STRIPE_WEBHOOK_SECRET", kStripeWebhookSecret},
        {"CREMA_PAYPAL_API_BASE", paypal_->url("")},
        {"CREMA_PAYPAL_CLIENT_ID", kPaypalClient},
        {"CREMA_PAYPAL_SECRET", kPaypalSecret},
        {"CREMA_PAYPAL_WEBHOOK_ID", "WH-e2e"},
        {"CREMA_LOCAL_GATEWAY_URL", local_->url("")},
        {"CREMA_LOCAL_GATEWAY_SECRET", kLocalSecret},
    }));
  }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
    stripe_.reset();
    paypal_.reset();
    local_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
  }

  HttpResponse call(const RequestHeaders& who, std::string_view method, const std::string& path,
                    const json::object& body = {}, RequestHeaders extra = {}) {
    RequestHeaders h = who;
    h.insert(h.end(), extra.begin(), extra.end());
    const bool has_body = method == "POST" || method == "PUT";
    return client_->request(method, path, has_body ? json::serialize(body) : std::string(), h);
  }
  HttpResponse call(std::string_view role, std::string_view method, const std::string& path,
                    const json::object& body = {}, RequestHeaders extra = {}) {
    return call(auth_->bearer(role), method, path, body, std::move(extra));
  }
  // A product priced 4.00 (4.40 with the 10% tax), made once.
  std::string product() {
    static std::string id;
    if (id.empty()) {
      auto res = call("manager", "POST", "/api/v1/products",
                      {{"name", "Payments croissant"}, {"category", "Payments"}, {"price", 4}});
      EXPECT_EQ(res.status, 201) << res.describe();
      id = std::string(res.object().at("id").as_string());
    }
    return id;
  }
  // An order: staff's takeaway, or an online order of the given customer.
  json::object place(const RequestHeaders& who, std::string type, int quantity = 1) {
    json::object body{{"items", json::array{{{"product_id", product()}, {"quantity", quantity}}}}};
    if (!type.empty()) body["type"] = type;
    auto res = call(who, "POST", "/api/v1/orders", body);
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.status == 201 ? res.object() : json::object{};
  }
  json::object staff_order(int quantity = 1) {
    return place(auth_->bearer("staff"), "takeaway", quantity);
  }
  json::object customer_order(const Account& who) { return place(who.bearer(), ""); }
  json::object get_order(const std::string& id) {
    auto res = call("manager", "GET", "/api/v1/orders/" + id);
    EXPECT_EQ(res.status, 200) << res.describe();
    return res.object();
  }
  HttpResponse checkout(const RequestHeaders& who, const std::string& order_id, std::string method,
                        json::object details = {}, RequestHeaders extra = {}) {
    json::object body{{"order_id", order_id}, {"payment_method", method}};
    if (!details.empty()) body["payment_details"] = std::move(details);
    return call(who, "POST", "/api/v1/payments/checkout", body, std::move(extra));
  }
  json::array payments_of(const std::string& order_id) {
    auto res = call("staff", "GET", "/api/v1/payments?order_id=" + order_id);
    EXPECT_EQ(res.status, 200) << res.describe();
    return res.status == 200 ? res.object().at("items").as_array() : json::array{};
  }
  HttpResponse webhook(const std::string& body, RequestHeaders headers) {
    headers.emplace_back("Content-Type", "application/json; charset=utf-8");  // as Stripe sends it
    return client_->request("POST", "/api/v1/payments/webhook", body, headers);
  }
  static std::string stripe_event(const std::string& event_id, const std::string& type,
                                  const std::string& pi, std::int64_t amount,
                                  const std::string& order_id) {
    return json::serialize(
        json::object{{"id", event_id},
                     {"object", "event"},
                     {"type", type},
                     {"data",
                      {{"object",
                        {{"id", pi},
                         {"object", "payment_intent"},
                         {"amount", amount},
                         {"amount_received", type == "payment_intent.succeeded" ? amount : 0},
                         {"metadata", {{"order_id", order_id}}}}}}}});
  }
  HttpResponse stripe_webhook(const std::string& body, std::int64_t t = now_s(),
                              std::string_view secret = kStripeWebhookSecret) {
    return webhook(body, {{"Stripe-Signature", sign(secret, t, body)}});
  }
  static std::string str(const json::object& o, std::string_view k) {
    auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  }
  static double num(const json::value& v) { return v.to_number<double>(); }
  static std::int64_t minor(const json::value& v) {
    return static_cast<std::int64_t>(num(v) * 100 + (num(v) >= 0 ? 0.5 : -0.5));
  }
  std::vector<RecordedRequest> stripe_requests(std::string_view target) {
    std::vector<RecordedRequest> out;
    for (auto& r : stripe_->requests())
      if (r.target == target) out.push_back(r);
    return out;
  }

  static std::unique_ptr<FakeHttpEndpoint> stripe_, paypal_, local_;
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<FakeHttpEndpoint> Payments::stripe_;
std::unique_ptr<FakeHttpEndpoint> Payments::paypal_;
std::unique_ptr<FakeHttpEndpoint> Payments::local_;
std::unique_ptr<SharedServer> Payments::shared_;
std::unique_ptr<AuthHelper> Payments::auth_;

TEST_F(Payments, CounterPaymentByStaffPaysConfirmsAndIsListed) {
  auto order = staff_order(2);
  const std::string id = str(order, "id");
  auto res = checkout(auth_->bearer("staff"), id, "cash", {{"reference", "till-7"}});
  ASSERT_EQ(res.status, 200) << res.describe();
  auto body = res.object();
  EXPECT_EQ(str(body, "payment_status"), "paid");
  EXPECT_FALSE(str(body, "transaction_id").empty());
  EXPECT_EQ(minor(body.at("amount")), 880);  // 2 × 4.00 + 10%: the server's total
  auto now = get_order(id);
  EXPECT_EQ(str(now, "status"), "confirmed");
  EXPECT_EQ(str(now, "payment_status"), "paid");
  EXPECT_EQ(str(now, "payment_method"), "cash");
  auto list = payments_of(id);
  ASSERT_EQ(list.size(), 1u);
  auto p = list[0].as_object();
  EXPECT_EQ(str(p, "status"), "succeeded");
  EXPECT_EQ(str(p, "gateway"), "cash");
  EXPECT_EQ(str(p, "transaction_id"), str(body, "transaction_id"));
  EXPECT_EQ(minor(p.at("amount")), 880);
  EXPECT_EQ(str(p, "currency"), "EUR");
  EXPECT_EQ(str(p.at("raw_response").as_object(), "reference"), "till-7");
  // Paying a paid order → 409, and nothing new is recorded.
  auto again = checkout(auth_->bearer("manager"), id, "card");
  EXPECT_EQ(again.status, 409) << again.describe();
  EXPECT_EQ(payments_of(id).size(), 1u);
}

TEST_F(Payments, CustomersPayOnlyTheirOwnOrdersAndOnlyOnline) {
  auto alice = auth_->create("customer");
  auto bob = auth_->create("customer");
  const std::string id = str(customer_order(alice), "id");
  for (const char* m : {"cash", "card", "mobile"}) {
    auto res = checkout(alice.bearer(), id, m);
    EXPECT_EQ(res.status, 403) << m << " " << res.describe();
  }
  // Another customer's order does not exist for Bob.
  auto idor = checkout(bob.bearer(), id, "stripe");
  EXPECT_EQ(idor.status, 404) << idor.describe();
  EXPECT_EQ(error_code(idor), "not_found");
  // A driver who is not assigned may not record cash for it either.
  EXPECT_EQ(checkout(auth_->bearer("driver"), id, "cash").status, 404);
  EXPECT_EQ(checkout(auth_->bearer("driver"), id, "card").status, 403);
  // Bad input: every field at once, and card data refused.
  auto bad = call(alice.bearer(), "POST", "/api/v1/payments/checkout",
                  {{"order_id", "nope"},
                   {"payment_method", "bitcoin"},
                   {"payment_details", {{"card_number", "4242424242424242"}}}});
  EXPECT_EQ(bad.status, 422) << bad.describe();
  EXPECT_EQ(bad.object().at("error").at("details").as_array().size(), 3u) << bad.describe();
  auto unknown = checkout(alice.bearer(), "01890000-0000-7000-8000-000000000000", "stripe");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(payments_of(id).empty());
  // Only staff+ list payments; only manager+ refund.
  EXPECT_EQ(call(alice.bearer(), "GET", "/api/v1/payments").status, 403);
  EXPECT_EQ(client_->get("/api/v1/payments").status, 401);
}

// A saved card (payment_details.payment_method) is confirmed at once: with the client's
// return_url when it gave one, else with redirecting methods ruled out — what Stripe requires.
TEST_F(Payments, AStripeSavedCardSaysWhereTheCustomerReturnsOrThatNoneWillLeave) {
  auto dora = auth_->create("customer");
  const auto before = stripe_requests("/v1/payment_intents").size();
  auto with_return = checkout(dora.bearer(), str(customer_order(dora), "id"), "stripe",
                              {{"payment_method", "pm_card_threeDSecure2Required"},
                               {"return_url", "https://shop.example/orders/done?x=1&y=2"}});
  ASSERT_EQ(with_return.status, 200) << with_return.describe();
  EXPECT_FALSE(str(with_return.object().at("next_action").as_object(), "client_secret").empty());
  auto without = checkout(dora.bearer(), str(customer_order(dora), "id"), "stripe",
                          {{"payment_method", "pm_card_visa"}});
  ASSERT_EQ(without.status, 200) << without.describe();
  auto calls = stripe_requests("/v1/payment_intents");
  ASSERT_EQ(calls.size(), before + 2);
  auto first = form_fields(calls[before].body);
  EXPECT_EQ(calls[before].header("stripe-version"), kStripeVersion);
  EXPECT_EQ(first["return_url"], "https://shop.example/orders/done?x=1&y=2") << calls[before].body;
  EXPECT_EQ(first["confirm"], "true");
  auto second = form_fields(calls[before + 1].body);
  EXPECT_EQ(second["automatic_payment_methods[allow_redirects]"], "never")
      << calls[before + 1].body;
  EXPECT_EQ(second.count("return_url"), 0u);
  // A return_url that is not an absolute http(s) URL is refused before any gateway call.
  for (const char* bad : {"javascript:alert(1)", "/orders/done", "https://a b.example"}) {
    auto res = checkout(dora.bearer(), str(customer_order(dora), "id"), "stripe",
                        {{"payment_method", "pm_card_visa"}, {"return_url", bad}});
    EXPECT_ERROR(res, 422, "validation_failed");
  }
  EXPECT_EQ(stripe_requests("/v1/payment_intents").size(), before + 2);
}

TEST_F(Payments, StripeCheckoutSpeaksStripeAndTheWebhookConfirmsOnce) {
  auto carol = auth_->create("customer");
  auto order = customer_order(carol);
  const std::string id = str(order, "id");
  const auto before = stripe_requests("/v1/payment_intents").size();
  auto res = checkout(carol.bearer(), id, "stripe", {{"payment_method", "pm_card_visa"}},
                      {{"Idempotency-Key", "carol-1"}});
  ASSERT_EQ(res.status, 200) << res.describe();
  auto body = res.object();
  EXPECT_EQ(str(body, "payment_status"), "pending");
  const std::string pi = str(body, "transaction_id");
  EXPECT_TRUE(pi.starts_with("pi_")) << pi;
  EXPECT_EQ(str(body.at("next_action").as_object(), "client_secret"), pi + "_secret_abc");
  auto calls = stripe_requests("/v1/payment_intents");
  ASSERT_EQ(calls.size(), before + 1);
  const auto& c = calls.back();
  EXPECT_EQ(c.method, "POST");
  EXPECT_EQ(c.header("authorization"), std::string("Bearer ") + kStripeKey);
  EXPECT_TRUE(c.header("content-type").starts_with("application/x-www-form-urlencoded"));
  EXPECT_FALSE(c.header("idempotency-key").empty());
  EXPECT_EQ(c.header("stripe-version"), kStripeVersion);
  EXPECT_NE(c.body.find("amount=440"), std::string::npos) << c.body;
  EXPECT_NE(c.body.find("currency=eur"), std::string::npos) << c.body;
  EXPECT_TRUE(c.body.find("metadata[order_id]=" + id) != std::string::npos ||
              c.body.find("metadata%5Border_id%5D=" + id) != std::string::npos)
      << c.body;
  EXPECT_NE(c.body.find("payment_method=pm_card_visa"), std::string::npos) << c.body;
  EXPECT_EQ(str(get_order(id), "status"), "pending");

  // The webhook settles it; the order is confirmed and paid, once.
  const auto event = stripe_event("evt_carol_1", "payment_intent.succeeded", pi, 440, id);
  auto hook = stripe_webhook(event);
  ASSERT_EQ(hook.status, 200) << hook.describe();
  EXPECT_TRUE(hook.object().at("applied").as_bool());
  auto paid = get_order(id);
  EXPECT_EQ(str(paid, "status"), "confirmed");
  EXPECT_EQ(str(paid, "payment_status"), "paid");
  EXPECT_EQ(str(paid, "payment_method"), "stripe");
  const auto version = paid.at("version").as_int64();
  auto replay = stripe_webhook(event);
  ASSERT_EQ(replay.status, 200) << replay.describe();
  EXPECT_FALSE(replay.object().at("applied").as_bool());
  EXPECT_EQ(get_order(id).at("version").as_int64(), version);
  auto list = payments_of(id);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(str(list[0].as_object(), "status"), "succeeded");
  EXPECT_EQ(str(list[0].as_object(), "transaction_id"), pi);
  // The stored raw response never keeps the client secret.
  EXPECT_EQ(json::serialize(list[0]).find("_secret_"), std::string::npos);
  // Paying again → 409.
  EXPECT_EQ(checkout(carol.bearer(), id, "stripe").status, 409);
  // Operators see outcomes in /metrics.
  auto m = client_->get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("payments_total{gateway=\"stripe\",outcome=\"succeeded\"}"),
            std::string::npos);
  // The customer's data export carries their payments.
  auto exported = call(carol.bearer(), "GET", "/api/v1/users/me/export");
  ASSERT_EQ(exported.status, 200) << exported.describe();
  const auto& mine = exported.object().at("payments").as_array();
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(str(mine[0].as_object(), "order_id"), id);
}

TEST_F(Payments, StripeSignatureAttacksAreRefusedAndChangeNothing) {
  auto dan = auth_->create("customer");
  const std::string id = str(customer_order(dan), "id");
  auto res = checkout(dan.bearer(), id, "stripe");
  ASSERT_EQ(res.status, 200) << res.describe();
  const std::string pi = str(res.object(), "transaction_id");
  const auto event = stripe_event("evt_dan_1", "payment_intent.succeeded", pi, 440, id);
  const auto t = now_s();
  struct Case {
    const char* what;
    std::string header;
    std::string body;
  };
  const std::string tampered = stripe_event("evt_dan_1", "payment_intent.succeeded", pi, 1, id);
  std::vector<Case> cases = {
      {"wrong secret", sign("whsec_wrong", t, event), event},
      {"stale", sign(kStripeWebhookSecret, t - 301, event), event},
      {"from the future", sign(kStripeWebhookSecret, t + 301, event), event},
      {"tampered body", sign(kStripeWebhookSecret, t, event), tampered},
      {"no v1", "t=" + std::to_string(t), event},
      {"no t",
       sign(kStripeWebhookSecret, t, event)
           .substr(sign(kStripeWebhookSecret, t, event).find(',') + 1),
       event},
      {"garbage", "nonsense", event},
      {"empty", "", event},
      {"v0 only",
       "t=" + std::to_string(t) + ",v0=" +
           auth::hex_encode(
               auth::hmac_sha256(kStripeWebhookSecret, std::to_string(t) + "." + event)),
       event},
  };
  for (const auto& c : cases) {
    auto hook = webhook(c.body, {{"Stripe-Signature", c.header}});
    EXPECT_EQ(hook.status, 400) << c.what << ": " << hook.describe();
  }
  // No signature header at all.
  EXPECT_EQ(webhook(event, {}).status, 400);
  auto still = get_order(id);
  EXPECT_EQ(str(still, "status"), "pending");
  EXPECT_EQ(str(still, "payment_status"), "pending");
  EXPECT_EQ(str(payments_of(id)[0].as_object(), "status"), "pending");
  // One good v1 among several (secret rotation) is enough.
  const std::string good = sign(kStripeWebhookSecret, t, event);
  const std::string rotated = "t=" + std::to_string(t) + ",v1=" + std::string(64, '0') + "," +
                              good.substr(good.find("v1="));
  auto ok = webhook(event, {{"Stripe-Signature", rotated}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  EXPECT_EQ(str(get_order(id), "payment_status"), "paid");
}

TEST_F(Payments, RacingDeliveriesOfOneEventApplyItOnce) {
  auto erin = auth_->create("customer");
  const std::string id = str(customer_order(erin), "id");
  auto res = checkout(erin.bearer(), id, "stripe");
  ASSERT_EQ(res.status, 200) << res.describe();
  const std::string pi = str(res.object(), "transaction_id");
  const auto event = stripe_event("evt_erin_race", "payment_intent.succeeded", pi, 440, id);
  const auto header = sign(kStripeWebhookSecret, now_s(), event);
  std::atomic<int> applied{0}, ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      HttpClient c(shared_->server->base_url());
      auto r = c.request("POST", "/api/v1/payments/webhook", event,
                         {{"Stripe-Signature", header}, {"Content-Type", "application/json"}});
      if (r.status == 200) {
        ++ok;
        if (r.object().at("applied").as_bool()) ++applied;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(applied.load(), 1);
  auto order = get_order(id);
  EXPECT_EQ(str(order, "payment_status"), "paid");
  int confirmations = 0;
  for (const auto& h : order.at("history").as_array())
    if (str(h.as_object(), "status") == "confirmed") ++confirmations;
  EXPECT_EQ(confirmations, 1);
}

TEST_F(Payments, IdempotentCheckoutReplaysAndRacesChargeOnce) {
  auto fay = auth_->create("customer");
  const std::string id = str(customer_order(fay), "id");
  const auto before = stripe_requests("/v1/payment_intents").size();
  std::vector<HttpResponse> answers(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < answers.size(); ++i)
    threads.emplace_back([&, i] {
      HttpClient c(shared_->server->base_url());
      RequestHeaders h = fay.bearer();
      h.emplace_back("Idempotency-Key", "fay-race");
      h.emplace_back("Content-Type", "application/json");
      answers[i] = c.request(
          "POST", "/api/v1/payments/checkout",
          json::serialize(json::object{{"order_id", id}, {"payment_method", "stripe"}}), h);
    });
  for (auto& t : threads) t.join();
  std::set<std::string> bodies;
  for (auto& a : answers) {
    // The first does the work; the others replay it, or hear it is still running.
    ASSERT_TRUE(a.status == 200 || a.status == 409) << a.describe();
    if (a.status == 200) bodies.insert(a.body);
  }
  EXPECT_EQ(bodies.size(), 1u);
  EXPECT_EQ(stripe_requests("/v1/payment_intents").size(), before + 1);
  // A later repeat replays the same answer; another body with the key → 409.
  auto repeat = checkout(fay.bearer(), id, "stripe", {}, {{"Idempotency-Key", "fay-race"}});
  ASSERT_EQ(repeat.status, 200) << repeat.describe();
  EXPECT_EQ(repeat.body, *bodies.begin());
  EXPECT_EQ(repeat.headers.get("Idempotent-Replayed"), "true");
  auto other = checkout(fay.bearer(), id, "local", {}, {{"Idempotency-Key", "fay-race"}});
  EXPECT_EQ(other.status, 409) << other.describe();
  EXPECT_EQ(stripe_requests("/v1/payment_intents").size(), before + 1);
  EXPECT_EQ(payments_of(id).size(), 1u);
}

TEST_F(Payments, PartialAndFullRefundsNeverExceedWhatWasPaid) {
  const std::string id = str(staff_order(5), "id");  // 5 × 4.00 + 10% = 22.00
  auto paid = checkout(auth_->bearer("staff"), id, "card");
  ASSERT_EQ(paid.status, 200) << paid.describe();
  const std::string txn = str(paid.object(), "transaction_id");
  const std::string path = "/api/v1/payments/" + txn + "/refund";
  EXPECT_EQ(call("staff", "POST", path, {{"amount", 1}}).status, 403);
  auto part = call("manager", "POST", path, {{"amount", 2.5}, {"reason", "cold coffee"}},
                   {{"Idempotency-Key", "refund-1"}});
  ASSERT_EQ(part.status, 200) << part.describe();
  EXPECT_EQ(str(part.object(), "status"), "partially_refunded");
  EXPECT_EQ(minor(part.object().at("refunded_amount")), 250);
  // The same key and body: replayed, not refunded twice.
  auto again = call("manager", "POST", path, {{"amount", 2.5}, {"reason", "cold coffee"}},
                    {{"Idempotency-Key", "refund-1"}});
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, part.body);
  auto order = get_order(id);
  EXPECT_EQ(str(order, "payment_status"), "partially_refunded");
  EXPECT_EQ(minor(order.at("refunded_amount")), 250);
  // More than is left → 422; bad amounts → 422.
  auto over = call("manager", "POST", path, {{"amount", 19.51}});
  EXPECT_EQ(over.status, 422) << over.describe();
  EXPECT_EQ(call("manager", "POST", path, {{"amount", 0}}).status, 422);
  EXPECT_EQ(call("manager", "POST", path, {{"amount", 1.005}}).status, 422);
  // The rest.
  auto rest = call("manager", "POST", path, {{"reason", "closing the tab"}});
  ASSERT_EQ(rest.status, 200) << rest.describe();
  EXPECT_EQ(str(rest.object(), "status"), "refunded");
  EXPECT_EQ(minor(rest.object().at("refunded_amount")), 2200);
  EXPECT_EQ(rest.object().at("refunds").as_array().size(), 2u);
  order = get_order(id);
  EXPECT_EQ(str(order, "payment_status"), "refunded");
  EXPECT_EQ(minor(order.at("refunded_amount")), 2200);
  EXPECT_EQ(call("manager", "POST", path, {{"amount", 0.01}}).status, 409);
  EXPECT_EQ(call("manager", "POST", "/api/v1/payments/pi_unknown/refund", {}).status, 404);
}

TEST_F(Payments, StripeRefundsAndCancellingAPaidOrderRefundsIt) {
  auto gus = auth_->create("customer");
  const std::string id = str(customer_order(gus), "id");
  auto res = checkout(gus.bearer(), id, "stripe");
  const std::string pi = str(res.object(), "transaction_id");
  ASSERT_EQ(stripe_webhook(stripe_event("evt_gus", "payment_intent.succeeded", pi, 440, id)).status,
            200);
  // A customer may not cancel a paid order; staff may not either; a manager may, and it refunds.
  EXPECT_NE(call(gus.bearer(), "DELETE", "/api/v1/orders/" + id).status, 200);
  EXPECT_EQ(call("staff", "DELETE", "/api/v1/orders/" + id).status, 403);
  const auto refunds_before = stripe_requests("/v1/refunds").size();
  auto cancelled = call("manager", "DELETE", "/api/v1/orders/" + id + "?reason=oven%20broke");
  ASSERT_EQ(cancelled.status, 200) << cancelled.describe();
  auto order = get_order(id);
  EXPECT_EQ(str(order, "status"), "cancelled");
  EXPECT_EQ(str(order, "payment_status"), "refunded");
  EXPECT_EQ(minor(order.at("refunded_amount")), 440);
  // The gateway is called right after the commit, by the refund job the cancellation wakes.
  for (int i = 0; i < 200 && stripe_requests("/v1/refunds").size() == refunds_before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto calls = stripe_requests("/v1/refunds");
  ASSERT_EQ(calls.size(), refunds_before + 1);
  EXPECT_NE(calls.back().body.find("payment_intent=" + pi), std::string::npos);
  EXPECT_NE(calls.back().body.find("amount=440"), std::string::npos);
  EXPECT_EQ(calls.back().header("authorization"), std::string("Bearer ") + kStripeKey);
  EXPECT_FALSE(calls.back().header("idempotency-key").empty());
  json::object p;
  for (int i = 0; i < 100; ++i) {
    p = payments_of(id)[0].as_object();
    if (str(p.at("refunds").as_array()[0].as_object(), "status") != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(str(p, "status"), "refunded");
  EXPECT_EQ(str(p.at("refunds").as_array()[0].as_object(), "status"), "succeeded");
}

TEST_F(Payments, AGatewayRefusalGivesTheRefundBack) {
  auto hal = auth_->create("customer");
  const std::string id = str(customer_order(hal), "id");
  auto res = checkout(hal.bearer(), id, "stripe");
  const std::string pi = str(res.object(), "transaction_id");
  ASSERT_EQ(stripe_webhook(stripe_event("evt_hal", "payment_intent.succeeded", pi, 440, id)).status,
            200);
  // The fake refuses refunds of exactly 0.01.
  auto refused = call("manager", "POST", "/api/v1/payments/" + pi + "/refund", {{"amount", 0.01}});
  EXPECT_EQ(refused.status, 422) << refused.describe();
  auto order = get_order(id);
  EXPECT_EQ(str(order, "payment_status"), "paid");
  EXPECT_EQ(minor(order.at("refunded_amount")), 0);
  auto p = payments_of(id)[0].as_object();
  EXPECT_EQ(str(p, "status"), "succeeded");
  EXPECT_EQ(str(p.at("refunds").as_array()[0].as_object(), "status"), "failed");
}

TEST_F(Payments, ASuccessForACancelledOrderIsRecordedAndRefundedAtOnce) {
  auto ivy = auth_->create("customer");
  const std::string id = str(customer_order(ivy), "id");
  auto res = checkout(ivy.bearer(), id, "stripe");
  const std::string pi = str(res.object(), "transaction_id");
  ASSERT_EQ(call(ivy.bearer(), "DELETE", "/api/v1/orders/" + id).status, 200);
  const auto before = stripe_requests("/v1/refunds").size();
  auto hook = stripe_webhook(stripe_event("evt_ivy", "payment_intent.succeeded", pi, 440, id));
  ASSERT_EQ(hook.status, 200) << hook.describe();
  auto order = get_order(id);
  EXPECT_EQ(str(order, "status"), "cancelled");
  EXPECT_EQ(str(order, "payment_status"), "refunded");
  EXPECT_EQ(minor(order.at("refunded_amount")), 440);
  EXPECT_EQ(stripe_requests("/v1/refunds").size(), before + 1);
  auto p = payments_of(id)[0].as_object();
  EXPECT_EQ(str(p, "status"), "refunded");
}

TEST_F(Payments, AFailedPaymentReleasesNothingAndMayBeRetried) {
  auto jo = auth_->create("customer");
  const std::string id = str(customer_order(jo), "id");
  auto first = checkout(jo.bearer(), id, "stripe");
  const std::string pi = str(first.object(), "transaction_id");
  auto failed =
      stripe_webhook(stripe_event("evt_jo_fail", "payment_intent.payment_failed", pi, 440, id));
  ASSERT_EQ(failed.status, 200) << failed.describe();
  auto order = get_order(id);
  EXPECT_EQ(str(order, "status"), "pending");
  EXPECT_EQ(str(order, "payment_status"), "failed");
  auto retry = checkout(jo.bearer(), id, "stripe");
  ASSERT_EQ(retry.status, 200) << retry.describe();
  const std::string pi2 = str(retry.object(), "transaction_id");
  EXPECT_NE(pi2, pi);
  ASSERT_EQ(
      stripe_webhook(stripe_event("evt_jo_ok", "payment_intent.succeeded", pi2, 440, id)).status,
      200);
  EXPECT_EQ(str(get_order(id), "payment_status"), "paid");
  auto list = payments_of(id);
  ASSERT_EQ(list.size(), 2u);
  std::multiset<std::string> statuses;
  for (auto& p : list) statuses.insert(str(p.as_object(), "status"));
  EXPECT_EQ(statuses, (std::multiset<std::string>{"failed", "succeeded"}));
}

TEST_F(Payments, LocalGatewayRedirectsAndItsSignedCallbackSettles) {
  auto kim = auth_->create("customer");
  const std::string id = str(customer_order(kim), "id");
  auto res = checkout(kim.bearer(), id, "local", {{"return_url", "https://shop.test/done"}});
  ASSERT_EQ(res.status, 200) << res.describe();
  auto body = res.object();
  const std::string txn = str(body, "transaction_id");
  EXPECT_TRUE(txn.starts_with("loc_")) << txn;
  EXPECT_TRUE(str(body.at("next_action").as_object(), "redirect_url").starts_with("https://"));
  // Crema's own request to the gateway is signed in the same scheme.
  auto reqs = local_->requests();
  ASSERT_FALSE(reqs.empty());
  const auto& sent = reqs.back();
  EXPECT_EQ(sent.target, "/payments");
  const auto sig = sent.header("x-crema-signature");
  const auto t = std::stoll(sig.substr(2, sig.find(',') - 2));
  EXPECT_EQ(sig, sign(kLocalSecret, t, sent.body));
  EXPECT_EQ(parse_obj(sent.body).at("amount").to_number<double>(), 4.4);

  const std::string event = json::serialize(json::object{{"id", "local-evt-1"},
                                                         {"type", "payment.succeeded"},
                                                         {"transaction_id", txn},
                                                         {"order_id", id},
                                                         {"amount", 4.4}});
  auto bad = webhook(event, {{"X-Crema-Signature", sign("wrong", now_s(), event)}});
  EXPECT_EQ(bad.status, 400);
  auto stale = webhook(event, {{"X-Crema-Signature", sign(kLocalSecret, now_s() - 3600, event)}});
  EXPECT_EQ(stale.status, 400);
  EXPECT_EQ(str(get_order(id), "payment_status"), "pending");
  auto ok = webhook(event, {{"X-Crema-Signature", sign(kLocalSecret, now_s(), event)}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  auto order = get_order(id);
  EXPECT_EQ(str(order, "payment_status"), "paid");
  EXPECT_EQ(str(order, "payment_method"), "local");
  EXPECT_EQ(str(order, "status"), "confirmed");
  // A signed event whose amount is not the payment's is refused.
  const std::string wrong_amount = json::serialize(json::object{{"id", "local-evt-2"},
                                                                {"type", "payment.succeeded"},
                                                                {"transaction_id", txn},
                                                                {"amount", 0.01}});
  EXPECT_EQ(
      webhook(wrong_amount, {{"X-Crema-Signature", sign(kLocalSecret, now_s(), wrong_amount)}})
          .status,
      400);
}

TEST_F(Payments, PaypalUsesOAuthOrdersV2AndVerifiesItsWebhooks) {
  auto lou = auth_->create("customer");
  const std::string id = str(customer_order(lou), "id");
  auto res = checkout(lou.bearer(), id, "paypal");
  ASSERT_EQ(res.status, 200) << res.describe();
  const std::string paypal_order = str(res.object(), "transaction_id");
  EXPECT_TRUE(paypal_order.starts_with("PAYPAL")) << res.describe();
  EXPECT_NE(str(res.object().at("next_action").as_object(), "approve_url").find(paypal_order),
            std::string::npos);
  bool token_seen = false, order_seen = false;
  for (const auto& r : paypal_->requests()) {
    if (r.target == "/v1/oauth2/token") {
      token_seen = true;
      EXPECT_EQ(r.header("authorization"),
                "Basic " + std::string("cGF5cGFsLWNsaWVudDpwYXlwYWwtc2VjcmV0"));  // client:secret
      EXPECT_EQ(r.body, "grant_type=client_credentials");
    }
    if (r.target == "/v2/checkout/orders") {
      order_seen = true;
      EXPECT_EQ(r.header("authorization"), "Bearer A21-token");
      auto b = parse_obj(r.body);
      EXPECT_EQ(str(b, "intent"), "CAPTURE");
      auto unit = b.at("purchase_units").as_array()[0].as_object();
      EXPECT_EQ(str(unit.at("amount").as_object(), "value"), "4.40");
      EXPECT_EQ(str(unit.at("amount").as_object(), "currency_code"), "EUR");
    }
  }
  EXPECT_TRUE(token_seen && order_seen);
  const std::string event = json::serialize(
      json::object{{"id", "WH-EVT-lou"},
                   {"event_type", "PAYMENT.CAPTURE.COMPLETED"},
                   {"resource",
                    {{"id", "CAPTURE-lou"},
                     {"status", "COMPLETED"},
                     {"amount", {{"currency_code", "EUR"}, {"value", "4.40"}}},
                     {"supplementary_data", {{"related_ids", {{"order_id", paypal_order}}}}}}}});
  RequestHeaders base = {{"Paypal-Auth-Algo", "SHA256withRSA"},
                         {"Paypal-Cert-Url", "https://api.paypal.com/cert"},
                         {"Paypal-Transmission-Id", "tx-1"},
                         {"Paypal-Transmission-Time", "2026-12-03T10:00:00Z"}};
  auto forged = base;
  forged.emplace_back("Paypal-Transmission-Sig", "forged");
  EXPECT_EQ(webhook(event, forged).status, 400);
  EXPECT_EQ(str(get_order(id), "payment_status"), "pending");
  auto good = base;
  good.emplace_back("Paypal-Transmission-Sig", "good-signature");
  auto ok = webhook(event, good);
  ASSERT_EQ(ok.status, 200) << ok.describe();
  EXPECT_EQ(str(get_order(id), "payment_status"), "paid");
  // A refund names the capture.
  auto refund =
      call("manager", "POST", "/api/v1/payments/" + paypal_order + "/refund", {{"amount", 1.4}});
  ASSERT_EQ(refund.status, 200) << refund.describe();
  bool refund_seen = false;
  for (const auto& r : paypal_->requests())
    if (r.target == "/v2/payments/captures/CAPTURE-lou/refund") {
      refund_seen = true;
      EXPECT_EQ(str(parse_obj(r.body).at("amount").as_object(), "value"), "1.40");
    }
  EXPECT_TRUE(refund_seen);
  EXPECT_EQ(str(get_order(id), "payment_status"), "partially_refunded");
}

TEST_F(Payments, APaypalApprovalIsCapturedByCrema) {
  auto nia = auth_->create("customer");
  const std::string id = str(customer_order(nia), "id");
  auto res = checkout(nia.bearer(), id, "paypal");
  ASSERT_EQ(res.status, 200) << res.describe();
  const std::string paypal_order = str(res.object(), "transaction_id");
  const std::string approved = json::serialize(json::object{
      {"id", "WH-EVT-approve-" + paypal_order},
      {"event_type", "CHECKOUT.ORDER.APPROVED"},
      {"resource", {{"id", paypal_order}, {"status", "APPROVED"}, {"intent", "CAPTURE"}}}});
  auto ok = webhook(approved, {{"Paypal-Auth-Algo", "SHA256withRSA"},
                               {"Paypal-Cert-Url", "https://api.paypal.com/cert"},
                               {"Paypal-Transmission-Id", "tx-2"},
                               {"Paypal-Transmission-Time", "2026-12-03T10:00:00Z"},
                               {"Paypal-Transmission-Sig", "good-signature"}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  EXPECT_TRUE(ok.object().at("applied").as_bool());
  bool captured = false;
  for (const auto& r : paypal_->requests())
    if (r.target == "/v2/checkout/orders/" + paypal_order + "/capture") {
      captured = true;
      EXPECT_EQ(r.header("authorization"), "Bearer A21-token");
      EXPECT_EQ(r.header("paypal-request-id"), "capture-" + paypal_order);
    }
  EXPECT_TRUE(captured);
  auto order = get_order(id);
  EXPECT_EQ(str(order, "payment_status"), "paid");
  EXPECT_EQ(str(order, "status"), "confirmed");
  // The capture's own COMPLETED event comes later and changes nothing.
  const std::string completed = json::serialize(
      json::object{{"id", "WH-EVT-cap-" + paypal_order},
                   {"event_type", "PAYMENT.CAPTURE.COMPLETED"},
                   {"resource",
                    {{"id", "CAP-" + paypal_order},
                     {"amount", {{"currency_code", "EUR"}, {"value", "4.40"}}},
                     {"supplementary_data", {{"related_ids", {{"order_id", paypal_order}}}}}}}});
  auto later = webhook(completed, {{"Paypal-Transmission-Sig", "good-signature"}});
  ASSERT_EQ(later.status, 200) << later.describe();
  EXPECT_FALSE(later.object().at("applied").as_bool());
  EXPECT_EQ(get_order(id).at("version").as_int64(), order.at("version").as_int64());
}

TEST_F(Payments, ADeclinedOrUnansweredChargeIsRecordedAndMayBeRetried) {
  auto oz = auth_->create("customer");
  const std::string id = str(customer_order(oz), "id");
  auto declined =
      checkout(oz.bearer(), id, "stripe", {{"payment_method", "pm_card_chargeDeclined"}},
               {{"Idempotency-Key", "oz-1"}});
  EXPECT_EQ(declined.status, 422) << declined.describe();
  EXPECT_NE(declined.body.find("Your card was declined."), std::string::npos);
  auto down = checkout(oz.bearer(), id, "stripe", {{"payment_method", "pm_gateway_down"}});
  EXPECT_EQ(down.status, 503) << down.describe();
  EXPECT_EQ(error_code(down), "unavailable");
  auto list = payments_of(id);
  ASSERT_EQ(list.size(), 2u);
  for (const auto& p : list) EXPECT_EQ(str(p.as_object(), "status"), "failed");
  auto order = get_order(id);
  EXPECT_EQ(str(order, "status"), "pending");
  EXPECT_EQ(str(order, "payment_status"), "pending");
  // The same Idempotency-Key may be used again once the first attempt was refused.
  auto retry = checkout(oz.bearer(), id, "stripe", {{"payment_method", "pm_card_chargeDeclined"}},
                        {{"Idempotency-Key", "oz-1"}});
  EXPECT_EQ(retry.status, 422) << retry.describe();
  EXPECT_EQ(payments_of(id).size(), 3u);
}

TEST_F(Payments, TheAssignedDriverRecordsCashOnDelivery) {
  auto mo = auth_->create("customer");
  // A delivery order: online, not picked up, with an address.
  auto res = call(mo.bearer(), "POST", "/api/v1/orders",
                  {{"items", json::array{{{"product_id", product()}, {"quantity", 1}}}},
                   {"is_pickup", false},
                   {"delivery_info", {{"address", "1 Rue du Pain"}}}});
  ASSERT_EQ(res.status, 201) << res.describe();
  const std::string id = str(res.object(), "id");
  auto driver = auth_->create("driver");
  auto other_driver = auth_->create("driver");
  // SPEC §8 assigns a driver profile (POST /drivers); where that route is not served, the
  // driver's user id.
  std::string driver_ref = driver.id;
  auto profile = call("manager", "POST", "/api/v1/drivers",
                      {{"user_id", driver.id}, {"vehicle", "cargo bike"}});
  if (profile.status == 201) driver_ref = str(profile.object(), "id");
  auto assigned = call("manager", "POST", "/api/v1/orders/" + id + "/assign-delivery",
                       {{"driver_id", driver_ref}});
  ASSERT_EQ(assigned.status, 200) << assigned.describe();
  EXPECT_EQ(checkout(other_driver.bearer(), id, "cash").status, 404);
  EXPECT_EQ(checkout(driver.bearer(), id, "card").status, 403);
  auto paid = checkout(driver.bearer(), id, "cash");
  ASSERT_EQ(paid.status, 200) << paid.describe();
  EXPECT_EQ(str(paid.object(), "payment_status"), "paid");
  auto now = get_order(id);
  EXPECT_EQ(str(now, "payment_method"), "cash");
  EXPECT_EQ(str(now, "payment_status"), "paid");
  // Drivers do not list payments.
  EXPECT_EQ(call(driver.bearer(), "GET", "/api/v1/payments").status, 403);
}

TEST(PaymentsUnconfigured, AGatewayWithoutSettingsIsRefusedAt422) {
  CREMA_E2E_REQUIRE_STORE();
  auto shared = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}}));
  CREMA_E2E_REQUIRE(shared);
  AuthHelper auth(*shared->server);
  auto client = client_for(*shared->server);
  auto who = auth.create("customer");
  auto product = client->post("/api/v1/products",
                              R"({"name": "Unconfigured bun", "category": "X", "price": 2})",
                              auth.bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  auto order = client->post(
      "/api/v1/orders",
      json::serialize(json::object{
          {"items", json::array{{{"product_id", product.object().at("id")}, {"quantity", 1}}}}}),
      who.bearer());
  ASSERT_EQ(order.status, 201) << order.describe();
  for (const char* m : {"stripe", "paypal", "local"}) {
    auto res = client->post(
        "/api/v1/payments/checkout",
        json::serialize(json::object{{"order_id", order.object().at("id")}, {"payment_method", m}}),
        who.bearer());
    EXPECT_EQ(res.status, 422) << m << " " << res.describe();
    EXPECT_EQ(error_code(res), "validation_failed");
  }
  // A webhook for an unconfigured gateway changes nothing.
  auto hook =
      client->request("POST", "/api/v1/payments/webhook", R"({"id": "evt"})",
                      {{"Stripe-Signature", "t=1,v1=00"}, {"Content-Type", "application/json"}});
  EXPECT_EQ(hook.status, 400);
}

// `crema seed-demo` pays its orders through the payment service: every paid or refunded
// order has a succeeded transaction of its payment_method and the refunds add up.
TEST(PaymentsDemo, SeedDemoOrdersCarryTheirPaymentTransactions) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto seed = run_crema({"seed-demo"}, {{"CREMA_DATABASE_URL", db->url()}});
  ASSERT_EQ(seed.exit_code, 0) << seed.out << seed.err;
  ServerOptions o;
  o.database_url = db->url();
  ServerProcess server(o);
  auto client = client_for(server);
  auto login = post_json(*client, "/api/v1/auth/login",
                         {{"email", "manager@crema.demo"}, {"password", "crema-demo-2026"}});
  ASSERT_EQ(login.status, 200) << login.describe();
  const auto bearer = AuthHelper::bearer_of(std::string(login.object().at("token").as_string()));
  auto orders = client->get("/api/v1/orders?limit=200", bearer);
  ASSERT_EQ(orders.status, 200) << orders.describe();
  std::set<std::string> statuses, methods;
  int paid_orders = 0;
  for (const auto& v : orders.object().at("items").as_array()) {
    const auto& order = v.as_object();
    const std::string ps(order.at("payment_status").as_string());
    statuses.insert(ps);
    if (ps == "pending" || ps == "failed") continue;
    ++paid_orders;
    const std::string id(order.at("id").as_string());
    const std::string method(order.at("payment_method").as_string());
    methods.insert(method);
    auto list = client->get("/api/v1/payments?order_id=" + id, bearer);
    ASSERT_EQ(list.status, 200) << list.describe();
    std::int64_t refunded = 0;
    bool found = false;
    for (const auto& p : list.object().at("items").as_array()) {
      const auto& tx = p.as_object();
      if (std::string(tx.at("gateway").as_string()) != method) continue;
      found = true;
      EXPECT_EQ(tx.at("amount").to_number<double>(), order.at("total_amount").to_number<double>());
      refunded +=
          static_cast<std::int64_t>(tx.at("refunded_amount").to_number<double>() * 100 + 0.5);
    }
    EXPECT_TRUE(found) << "no " << method << " transaction for order " << id;
    EXPECT_EQ(refunded, static_cast<std::int64_t>(
                            order.at("refunded_amount").to_number<double>() * 100 + 0.5));
  }
  EXPECT_GE(paid_orders, 10);
  EXPECT_TRUE(statuses.count("paid"));
  EXPECT_TRUE(methods.count("stripe"));
  EXPECT_TRUE(methods.count("cash") || methods.count("card"));
  EXPECT_TRUE(statuses.count("refunded") || statuses.count("partially_refunded"))
      << "the demo refunds a few orders";
}

}  // namespace
}  // namespace crema::test::e2e
