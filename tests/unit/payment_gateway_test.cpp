// The pure parts of the payment gateways (SPEC §9): the t/v1 signature scheme Stripe and the
// local gateway use (tolerance, several v1 values, malformed headers, constant-time match),
// form encoding and money text.

#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "payments/gateway.hpp"
#include "support/fake_endpoint.hpp"

namespace crema::payments {
namespace {

constexpr std::string_view kSecret = "whsec_unit";
constexpr std::string_view kBody = R"({"id":"evt_1","type":"payment_intent.succeeded"})";

std::string v1(std::int64_t t, std::string_view body, std::string_view secret = kSecret) {
  return auth::hex_encode(auth::hmac_sha256(secret, std::to_string(t) + "." + std::string(body)));
}

TEST(PaymentSignature, AFreshCorrectSignatureIsAccepted) {
  const std::int64_t now = 1'800'000'000;
  EXPECT_EQ(check_signature(sign_callback(kSecret, now, kBody), kSecret, kBody, now, 300), "");
  EXPECT_EQ(sign_callback(kSecret, now, kBody), "t=1800000000,v1=" + v1(now, kBody));
  // Within the tolerance either way.
  EXPECT_EQ(check_signature(sign_callback(kSecret, now - 300, kBody), kSecret, kBody, now, 300),
            "");
  EXPECT_EQ(check_signature(sign_callback(kSecret, now + 300, kBody), kSecret, kBody, now, 300),
            "");
}

TEST(PaymentSignature, StaleWrongOrMalformedSignaturesAreRefused) {
  const std::int64_t now = 1'800'000'000;
  EXPECT_NE(check_signature(sign_callback(kSecret, now - 301, kBody), kSecret, kBody, now, 300),
            "");
  EXPECT_NE(check_signature(sign_callback(kSecret, now + 301, kBody), kSecret, kBody, now, 300),
            "");
  EXPECT_NE(check_signature(sign_callback("other", now, kBody), kSecret, kBody, now, 300), "");
  EXPECT_NE(check_signature(sign_callback(kSecret, now, kBody), kSecret, "{}", now, 300), "");
  for (std::string h :
       {std::string(), std::string("garbage"), "t=" + std::to_string(now), "v1=" + v1(now, kBody),
        "t=abc,v1=" + v1(now, kBody), "t=-5,v1=" + v1(now, kBody),
        "t=" + std::to_string(now) + ",v0=" + v1(now, kBody),
        "t=" + std::to_string(now) + ",v1=" + v1(now, kBody).substr(1)})
    EXPECT_NE(check_signature(h, kSecret, kBody, now, 300), "") << h;
}

TEST(PaymentSignature, OneMatchingV1AmongSeveralIsEnough) {
  const std::int64_t now = 1'800'000'000;
  const std::string h = "t=" + std::to_string(now) + ",v1=" + v1(now, kBody, "old") +
                        ", v1=" + v1(now, kBody) + ",v0=ignored";
  EXPECT_EQ(check_signature(h, kSecret, kBody, now, 300), "");
}

TEST(PaymentText, FormEscapingAndMajorUnits) {
  EXPECT_EQ(form_escape("metadata[order_id]"), "metadata%5Border_id%5D");
  EXPECT_EQ(form_escape("a b&c=d"), "a%20b%26c%3Dd");
  EXPECT_EQ(form_escape("pm_card_visa-1.2~"), "pm_card_visa-1.2~");
  EXPECT_EQ(major_text(440), "4.40");
  EXPECT_EQ(major_text(5), "0.05");
  EXPECT_EQ(major_text(123456), "1234.56");
  EXPECT_EQ(major_text(-250), "-2.50");
}

TEST(PaymentText, StripeCountsZeroDecimalCurrenciesInWholeUnits) {
  EXPECT_EQ(to_stripe_amount(440, "EUR"), 440);
  EXPECT_EQ(to_stripe_amount(50000, "JPY"), 500);
  EXPECT_EQ(to_stripe_amount(50000, "krw"), 500);
  EXPECT_EQ(from_stripe_amount(500, "jpy"), 50000);
  EXPECT_EQ(from_stripe_amount(440, "usd"), 440);
}

TEST(PaymentGateways, CounterMethodsAreAlwaysConfiguredOnlineOnesNeedSettings) {
  GatewayRegistry none{GatewaySettings{}};
  for (const char* m : {"cash", "card", "mobile"}) {
    ASSERT_NE(none.find(m), nullptr);
    EXPECT_TRUE(none.find(m)->configured());
    EXPECT_FALSE(none.find(m)->online());
  }
  for (const char* m : {"stripe", "paypal", "local"}) {
    ASSERT_NE(none.find(m), nullptr);
    EXPECT_FALSE(none.find(m)->configured()) << m;
    EXPECT_TRUE(none.find(m)->online());
  }
  EXPECT_EQ(none.find("bitcoin"), nullptr);
  GatewaySettings s;
  s.stripe_secret_key = "sk";
  s.local_gateway_url = "http://127.0.0.1:1";
  s.local_gateway_secret = "x";
  s.paypal_client_id = "id";
  s.paypal_secret = "secret";
  GatewayRegistry all{s};
  for (const char* m : {"stripe", "paypal", "local"}) EXPECT_TRUE(all.find(m)->configured()) << m;
}

TEST(PaymentGateways, CounterChargesSucceedAtOnceAndKeepNoCardData) {
  GatewayRegistry reg{GatewaySettings{}};
  ChargeRequest r{"pay-1", "order-1", "20261203-0001",
                  880,     "EUR",     {{"reference", "till-7"}, {"number", "4242424242424242"}}};
  auto out = reg.find("card")->charge(r);
  EXPECT_EQ(out.outcome, Outcome::succeeded);
  EXPECT_EQ(out.transaction_id, "pay-1");
  EXPECT_NE(out.raw_response.find("till-7"), std::string::npos);
  EXPECT_EQ(out.raw_response.find("4242"), std::string::npos);
}

TEST(PaymentGateways, AnUnreachableGatewayIsUnavailableNotDeclined) {
  GatewaySettings s;
  s.stripe_api_base = "http://127.0.0.1:1";  // nothing listens there
  s.stripe_secret_key = "sk_test";
  s.timeout = std::chrono::milliseconds(2000);
  GatewayRegistry reg{s};
  auto out = reg.find("stripe")->charge({"pay-1", "order-1", "n", 100, "USD", {}});
  EXPECT_EQ(out.outcome, Outcome::unavailable);
  EXPECT_FALSE(out.message.empty());
  EXPECT_EQ(out.message.find("sk_test"), std::string::npos);
}

// What the Stripe adapter sends for a saved card: Stripe-Version, and what Stripe requires of
// an intent confirmed at once — the client's return_url, or no redirecting method at all.
TEST(PaymentGateways, StripePinsItsApiVersionAndSaysWhereASavedCardReturns) {
  test::FakeHttpEndpoint stripe([](const test::RecordedRequest&, int n) {
    return test::FakeHttpEndpoint::Answer{
        200, R"({"id": "pi_unit)" + std::to_string(n) + R"(", "client_secret": "cs"})"};
  });
  GatewaySettings s;
  s.stripe_api_base = stripe.url("");
  s.stripe_secret_key = "sk_test_unit";
  auto stripe_of = [](const GatewaySettings& settings) {
    return std::make_shared<GatewayRegistry>(settings);
  };
  auto pinned = stripe_of(s);
  auto with_return = pinned->find("stripe")->charge(
      {"pay-1",
       "order-1",
       "n",
       440,
       "EUR",
       {{"payment_method", "pm_card_visa"}, {"return_url", "https://shop.example/paid?o=1"}}});
  EXPECT_EQ(with_return.outcome, Outcome::pending) << with_return.message;
  auto without = pinned->find("stripe")->charge(
      {"pay-2", "order-2", "n", 440, "EUR", {{"payment_method", "pm_card_visa"}}});
  EXPECT_EQ(without.outcome, Outcome::pending) << without.message;
  auto for_elements = pinned->find("stripe")->charge({"pay-3", "order-3", "n", 440, "EUR", {}});
  EXPECT_EQ(for_elements.outcome, Outcome::pending) << for_elements.message;
  EXPECT_EQ(for_elements.next_action.at("client_secret"), "cs");
  s.stripe_api_version = "2024-09-30.acacia";
  auto overridden = stripe_of(s)->find("stripe")->charge({"pay-4", "order-4", "n", 440, "EUR", {}});
  EXPECT_EQ(overridden.outcome, Outcome::pending) << overridden.message;

  auto calls = stripe.requests();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].header("stripe-version"), std::string(kStripeApiVersion));
  EXPECT_EQ(kStripeApiVersion, "2024-06-20");
  EXPECT_NE(calls[0].body.find("&confirm=true"), std::string::npos) << calls[0].body;
  EXPECT_NE(calls[0].body.find("&return_url=" + form_escape("https://shop.example/paid?o=1")),
            std::string::npos)
      << calls[0].body;
  EXPECT_NE(calls[0].body.find("automatic_payment_methods[enabled]=true"), std::string::npos);
  EXPECT_EQ(calls[0].body.find("allow_redirects"), std::string::npos) << calls[0].body;
  EXPECT_EQ(calls[1].header("stripe-version"), "2024-06-20");
  EXPECT_NE(calls[1].body.find("&confirm=true"), std::string::npos) << calls[1].body;
  EXPECT_NE(calls[1].body.find("automatic_payment_methods[enabled]=true"), std::string::npos);
  EXPECT_NE(calls[1].body.find("automatic_payment_methods[allow_redirects]=never"),
            std::string::npos)
      << calls[1].body;
  EXPECT_EQ(calls[1].body.find("return_url"), std::string::npos) << calls[1].body;
  // Without a saved method the client confirms with Stripe.js: nothing to confirm here.
  EXPECT_EQ(calls[2].body.find("confirm="), std::string::npos) << calls[2].body;
  EXPECT_EQ(calls[2].body.find("return_url"), std::string::npos) << calls[2].body;
  EXPECT_EQ(calls[3].header("stripe-version"), "2024-09-30.acacia");
}

}  // namespace
}  // namespace crema::payments
