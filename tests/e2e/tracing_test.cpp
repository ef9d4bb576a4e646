// SPEC §15.5, distributed tracing: with CREMA_OTLP_ENDPOINT, requests, transactions, outbound
// calls and outbox deliveries are spans sent in OTLP/HTTP (JSON) to the collector, and an
// order is one trace from its POST through its payment webhook to its partner webhook.
//
// The collector here is a fake (tests/support/fake_endpoint) that records what it is sent;
// the test checks the OTLP JSON shape an OpenTelemetry Collector or Jaeger reads
// (ExportTraceServiceRequest: resourceSpans → scopeSpans → spans, hex ids, nanosecond
// strings), not a real Jaeger — none is packaged in Debian 12.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

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
using namespace std::chrono_literals;

constexpr const char* kTracedGatewaySecret = "tracing-e2e-local-gateway";

// The trace a client starts (its own traceparent on POST /orders).
constexpr const char* kClientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kClientSpan = "00f067aa0ba902b7";

std::string traced_signature(std::int64_t t, std::string_view body) {
  const std::string input = std::to_string(t) + "." + std::string(body);
  return "t=" + std::to_string(t) +
         ",v1=" + auth::hex_encode(auth::hmac_sha256(kTracedGatewaySecret, input));
}

bool is_lower_hex(std::string_view s, std::size_t n) {
  if (s.size() != n) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

struct SeenSpan {
  std::string trace_id, span_id, parent_span_id, name;
  int kind = 0;
  std::map<std::string, std::string> attributes;  ///< every value as text
};

// Every span the collector received; a body not of the OTLP shape fails the test.
std::vector<SeenSpan> spans_received(const FakeHttpEndpoint& collector) {
  std::vector<SeenSpan> out;
  for (const auto& r : collector.requests()) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/v1/traces");
    EXPECT_EQ(r.header("content-type"), "application/json");
    boost::system::error_code ec;
    auto doc = json::parse(r.body, ec);
    if (ec || !doc.is_object()) {
      ADD_FAILURE() << "not JSON: " << r.body.substr(0, 200);
      continue;
    }
    for (const auto& rs : doc.at("resourceSpans").as_array()) {
      bool named = false;
      for (const auto& a : rs.at("resource").at("attributes").as_array())
        named =
            named || (a.at("key") == "service.name" && a.at("value").at("stringValue") == "crema");
      EXPECT_TRUE(named) << "the resource names the service";
      for (const auto& ss : rs.at("scopeSpans").as_array()) {
        for (const auto& sv : ss.at("spans").as_array()) {
          const auto& s = sv.as_object();
          SeenSpan seen;
          seen.trace_id = std::string(s.at("traceId").as_string());
          seen.span_id = std::string(s.at("spanId").as_string());
          if (auto* p = s.if_contains("parentSpanId")) seen.parent_span_id = p->as_string();
          seen.name = std::string(s.at("name").as_string());
          seen.kind = static_cast<int>(s.at("kind").as_int64());
          EXPECT_TRUE(is_lower_hex(seen.trace_id, 32)) << seen.trace_id;
          EXPECT_TRUE(is_lower_hex(seen.span_id, 16)) << seen.span_id;
          const auto start = std::stoll(std::string(s.at("startTimeUnixNano").as_string()));
          const auto end = std::stoll(std::string(s.at("endTimeUnixNano").as_string()));
          EXPECT_GT(start, 1'600'000'000'000'000'000LL);
          EXPECT_LE(start, end);
          for (const auto& a : s.at("attributes").as_array()) {
            const auto& v = a.at("value").as_object();
            std::string text;
            if (auto* sv2 = v.if_contains("stringValue")) text = sv2->as_string();
            if (auto* iv = v.if_contains("intValue")) text = iv->as_string();
            if (auto* bv = v.if_contains("boolValue")) text = bv->as_bool() ? "true" : "false";
            seen.attributes[std::string(a.at("key").as_string())] = text;
          }
          out.push_back(std::move(seen));
        }
      }
    }
  }
  return out;
}

// The trace and span ids of a traceparent header ("" when it is not one).
std::pair<std::string, std::string> ids_of(const std::string& traceparent) {
  if (traceparent.size() != 55) return {};
  return {traceparent.substr(3, 32), traceparent.substr(36, 16)};
}

class Tracing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    collector_ = std::make_unique<FakeHttpEndpoint>([](const RecordedRequest&, int) {
      return FakeHttpEndpoint::Answer{200, "{}"};
    });
    gateway_ = std::make_unique<FakeHttpEndpoint>([](const RecordedRequest& r, int n) {
      if (r.target == "/payments")
        return FakeHttpEndpoint::Answer{
            201, json::serialize(json::object{
                     {"id", "loc_t" + std::to_string(n)},
                     {"redirect_url", "https://pay.local.test/p/" + std::to_string(n)}})};
      return FakeHttpEndpoint::Answer{404, "{}"};
    });
    partner_ = std::make_unique<FakeHttpEndpoint>([](const RecordedRequest&, int) {
      return FakeHttpEndpoint::Answer{200, "{}"};
    });
    shared_ = SharedServer::start(identity_server({
        {"CREMA_OTLP_ENDPOINT", collector_->url("")},
        {"CREMA_LOCAL_GATEWAY_URL", gateway_->url("")},
        {"CREMA_LOCAL_GATEWAY_SECRET", kTracedGatewaySecret},
        {"CREMA_ALLOW_PRIVATE_WEBHOOKS", "1"},  // the partner is a fake on loopback
        {"CREMA_OUTBOX_POLL_MS", "50"},
        {"CREMA_AUTH_RATE_PER_MIN", "0"},
        {"CREMA_USER_RATE_PER_MIN", "0"},
        {"CREMA_PUBLIC_RATE_PER_MIN", "0"},
    }));
  }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
    collector_.reset();
    gateway_.reset();
    partner_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
  }

  // Waits until the collector holds a span `match` accepts; the spans seen by then.
  static std::vector<SeenSpan> await_span(const std::function<bool(const SeenSpan&)>& match) {
    const auto until = std::chrono::steady_clock::now() + 20s;
    for (;;) {
      auto spans = spans_received(*collector_);
      for (const auto& s : spans)
        if (match(s)) return spans;
      if (std::chrono::steady_clock::now() > until) return spans;
      std::this_thread::sleep_for(100ms);
    }
  }

  static inline std::unique_ptr<FakeHttpEndpoint> collector_, gateway_, partner_;
  static inline std::unique_ptr<SharedServer> shared_;
  static inline std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(Tracing, AnOrderIsOneTraceFromItsPostThroughItsPaymentWebhookToItsPartnerWebhook) {
  auto& admin = auth_->admin();
  auto hook = post_json(
      *client_, "/api/v1/webhooks",
      {{"url", partner_->url("/crema")}, {"events", json::array{"order_updated"}}}, admin.bearer());
  ASSERT_EQ(hook.status, 201) << hook.describe();
  auto product = post_json(*client_, "/api/v1/products",
                           {{"name", "Traced croissant"}, {"category", "Tracing"}, {"price", 3}},
                           auth_->bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string product_id(product.object().at("id").as_string());

  // The customer's client starts the trace.
  auto customer = auth_->create("customer");
  RequestHeaders traced = customer.bearer();
  traced.emplace_back("traceparent", std::string("00-") + kClientTrace + "-" + kClientSpan + "-01");
  auto order = post_json(
      *client_, "/api/v1/orders",
      {{"items", json::array{json::object{{"product_id", product_id}, {"quantity", 1}}}}}, traced);
  ASSERT_EQ(order.status, 201) << order.describe();
  const std::string order_id(order.object().at("id").as_string());

  // The checkout is another request (its own trace); its call to the gateway carries it.
  auto checkout = post_json(*client_, "/api/v1/payments/checkout",
                            {{"order_id", order_id},
                             {"payment_method", "local"},
                             {"payment_details", {{"return_url", "https://shop.test/done"}}}},
                            customer.bearer());
  ASSERT_EQ(checkout.status, 200) << checkout.describe();
  const std::string txn(checkout.object().at("transaction_id").as_string());
  ASSERT_FALSE(gateway_->requests().empty());
  const auto [gateway_trace, gateway_span] =
      ids_of(gateway_->requests().back().header("traceparent"));
  ASSERT_TRUE(is_lower_hex(gateway_trace, 32)) << "the gateway call carries a traceparent";
  EXPECT_NE(gateway_trace, kClientTrace);

  // The gateway's webhook knows nothing of the trace; Crema continues the order's.
  const std::string event = json::serialize(json::object{{"id", "trace-evt-1"},
                                                         {"type", "payment.succeeded"},
                                                         {"transaction_id", txn},
                                                         {"order_id", order_id},
                                                         {"amount", 3}});
  const auto t = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  auto paid = client_->request(
      "POST", "/api/v1/payments/webhook", event,
      {{"Content-Type", "application/json"}, {"X-Crema-Signature", traced_signature(t, event)}});
  ASSERT_EQ(paid.status, 200) << paid.describe();

  // The partner's webhook of the payment, sent later by the outbox worker, continues the
  // order's trace.
  std::string partner_trace, partner_span;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (partner_span.empty() && std::chrono::steady_clock::now() < until) {
    for (const auto& d : partner_->requests()) {
      boost::system::error_code ec;
      auto body = json::parse(d.body, ec);
      if (ec || !body.is_object()) continue;
      const auto* data = body.as_object().if_contains("data");
      if (!data || !data->is_object()) continue;
      const auto& o = data->as_object();
      const auto* id = o.if_contains("id");
      const auto* paid_state = o.if_contains("payment_status");
      if (id && id->is_string() && std::string_view(id->get_string()) == order_id && paid_state &&
          *paid_state == "paid")
        std::tie(partner_trace, partner_span) = ids_of(d.header("traceparent"));
    }
    if (partner_span.empty()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(partner_span.empty()) << "the partner heard of the payment, with a traceparent";
  EXPECT_EQ(partner_trace, kClientTrace) << "the partner's webhook is in the order's trace";

  // The collector has every step, in the one trace.
  auto spans = await_span([&](const SeenSpan& s) { return s.span_id == partner_span; });
  std::map<std::string, const SeenSpan*> by_id;
  for (const auto& s : spans) by_id[s.span_id] = &s;
  const SeenSpan* post = nullptr;
  const SeenSpan* webhook = nullptr;
  const SeenSpan* delivery = nullptr;
  const SeenSpan* partner_call = nullptr;
  bool order_tx = false;
  for (const auto& s : spans) {
    if (s.trace_id != kClientTrace) continue;
    if (s.name == "POST /api/v1/orders" && s.parent_span_id == kClientSpan) post = &s;
    if (s.name == "payment webhook local") webhook = &s;
    if (s.name == "outbox webhook order_updated") delivery = &s;
    if (s.span_id == partner_span) partner_call = &s;
  }
  for (const auto& s : spans)
    order_tx =
        order_tx || (post && s.name == "db transaction" && s.parent_span_id == post->span_id);
  ASSERT_NE(post, nullptr) << "the order's POST is a server span under the client's";
  EXPECT_EQ(post->kind, 2);
  EXPECT_EQ(post->attributes.at("http.response.status_code"), "201");
  EXPECT_EQ(post->attributes.at("http.route"), "/api/v1/orders");
  EXPECT_TRUE(order_tx) << "the order's transaction is a child of its request";
  ASSERT_NE(webhook, nullptr) << "the payment webhook joined the order's trace";
  EXPECT_EQ(webhook->attributes.at("crema.order_id"), order_id);
  EXPECT_NE(webhook->attributes.at("crema.request_trace_id"), kClientTrace);
  ASSERT_NE(delivery, nullptr) << "the outbox delivery continued it";
  EXPECT_EQ(delivery->kind, 5);
  ASSERT_NE(partner_call, nullptr) << "the call to the partner is a span of the delivery";
  EXPECT_EQ(partner_call->kind, 3);
  EXPECT_EQ(partner_call->parent_span_id, delivery->span_id);
  EXPECT_EQ(partner_call->attributes.at("server.address"), "127.0.0.1");
  // The delivery's parent is a span of the payment webhook's work (its transaction or the
  // webhook span itself): follow the parents up to the webhook span.
  const SeenSpan* up = delivery;
  for (int hops = 0; up && up != webhook && hops < 5; ++hops) {
    auto it = by_id.find(up->parent_span_id);
    up = it == by_id.end() ? nullptr : it->second;
  }
  EXPECT_EQ(up, webhook) << "the delivery descends from the payment webhook";

  // The gateway call of the checkout is a client span of the checkout's trace.
  bool gateway_call = false;
  for (const auto& s : spans)
    gateway_call =
        gateway_call || (s.span_id == gateway_span && s.trace_id == gateway_trace && s.kind == 3);
  EXPECT_TRUE(gateway_call);
}

}  // namespace
}  // namespace crema::test::e2e
