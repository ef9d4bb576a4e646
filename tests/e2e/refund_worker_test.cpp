// `crema worker` runs the refund job too (issue 10): a refund a stopped `crema serve` still
// owed (its gateway refused it) is sent by the worker, once, with the refund's id as the
// idempotency key, and settled in the database. The claim that keeps two processes from
// sending one refund at the same time is raced at the service level
// (tests/db/payment_service_test.cpp, RefundClaimTest).

#include <atomic>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "db/pool.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/child_process.hpp"
#include "support/fake_endpoint.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kRefundStripeKey = "sk_test_worker";
constexpr const char* kWebhookSecret = "whsec_worker";

std::string stripe_signature(std::string_view body) {
  const auto t = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  const std::string input = std::to_string(t) + "." + std::string(body);
  return "t=" + std::to_string(t) +
         ",v1=" + auth::hex_encode(auth::hmac_sha256(kWebhookSecret, input));
}

std::vector<RecordedRequest> requests_to(const FakeHttpEndpoint& stripe, std::string_view target) {
  std::vector<RecordedRequest> out;
  for (auto& r : stripe.requests())
    if (r.target == target) out.push_back(r);
  return out;
}

bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// `crema worker` with `env`, run until `done` holds (20 s at most) and a moment more (to see
// that nothing further is sent), then stopped with SIGTERM, which must exit 0.
struct WorkerRun {
  bool reached = false;
  std::string out, err;
};
WorkerRun run_worker_until(const Environment& env, const std::function<bool()>& done) {
  ScratchDir logs;
  SpawnOptions spawn;
  spawn.argv = {crema_binary(), "worker"};
  spawn.env = env;
  spawn.stdout_path = logs.file("out");
  spawn.stderr_path = logs.file("err");
  ChildProcess worker(spawn);
  WorkerRun run;
  run.reached = wait_until(done);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait(std::chrono::seconds(15)), std::optional<int>(0))
      << read_file(logs.file("err"));
  run.out = read_file(logs.file("out"));
  run.err = read_file(logs.file("err"));
  return run;
}

// A customer's order of `quantity` × a new product at `price`, paid through the fake Stripe
// and confirmed by its signed payment_intent.succeeded event: {order id, PaymentIntent id}.
// Empty strings after a failed step (the test has recorded why).
std::pair<std::string, std::string> place_paid_order(HttpClient& client, AuthHelper& auth,
                                                     const std::string& name, double price,
                                                     int quantity, std::int64_t amount_minor,
                                                     const std::string& event_id) {
  auto product = client.post(
      "/api/v1/products",
      json::serialize(json::object{{"name", name}, {"category", "Tarts"}, {"price", price}}),
      auth.bearer("manager"));
  EXPECT_EQ(product.status, 201) << product.describe();
  if (product.status != 201) return {};
  auto customer = auth.create("customer");
  auto placed = client.post(
      "/api/v1/orders",
      json::serialize(json::object{{"items", json::array{{{"product_id", product.object().at("id")},
                                                          {"quantity", quantity}}}}}),
      customer.bearer());
  EXPECT_EQ(placed.status, 201) << placed.describe();
  if (placed.status != 201) return {};
  const std::string order_id(placed.object().at("id").as_string());
  auto checkout = client.post(
      "/api/v1/payments/checkout",
      json::serialize(json::object{{"order_id", order_id}, {"payment_method", "stripe"}}),
      customer.bearer());
  EXPECT_EQ(checkout.status, 200) << checkout.describe();
  if (checkout.status != 200) return {};
  const std::string pi(checkout.object().at("transaction_id").as_string());
  const std::string event =
      json::serialize(json::object{{"id", event_id},
                                   {"object", "event"},
                                   {"type", "payment_intent.succeeded"},
                                   {"data",
                                    {{"object",
                                      {{"id", pi},
                                       {"object", "payment_intent"},
                                       {"amount", amount_minor},
                                       {"amount_received", amount_minor},
                                       {"metadata", {{"order_id", order_id}}}}}}}});
  auto hook = client.request(
      "POST", "/api/v1/payments/webhook", event,
      {{"Stripe-Signature", stripe_signature(event)}, {"Content-Type", "application/json"}});
  EXPECT_EQ(hook.status, 200) << hook.describe();
  if (hook.status != 200) return {};
  return {order_id, pi};
}

TEST(RefundWorker, CremaWorkerSendsARefundAStoppedServerOwedOnceAndSettlesIt) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  std::atomic<bool> refuse{true};
  FakeHttpEndpoint stripe([&](const RecordedRequest& r, int n) -> FakeHttpEndpoint::Answer {
    // As Stripe would be told: the API version the adapter is written against.
    if (r.header("stripe-version") != "2024-06-20")
      return {400, R"({"error": {"message": "unexpected Stripe-Version"}})"};
    if (r.target == "/v1/payment_intents")
      return {200, json::serialize(json::object{{"id", "pi_worker" + std::to_string(n)},
                                                {"object", "payment_intent"},
                                                {"client_secret", "pi_secret"},
                                                {"status", "requires_payment_method"}})};
    if (r.target == "/v1/refunds") {
      if (refuse) return {400, R"({"error": {"message": "refund refused by the fake"}})"};
      return {200, R"({"id": "re_worker", "object": "refund", "status": "succeeded"})"};
    }
    return {404, R"({"error": {"message": "no such route"}})"};
  });
  ServerOptions options = identity_server({
      {"CREMA_CURRENCY", "EUR"},
      {"CREMA_TAX_RATE_BPS", "0"},
      {"CREMA_STRIPE_API_BASE", stripe.url("")},
      {"CREMA_STRIPE_SECRET_KEY", kRefundStripeKey},
      {"CREMA_STRIPE_WEBHOOK_SECRET", kWebhookSecret},
  });
  options.database_url = db->url();
  Environment env;
  std::string order_id;
  {
    ServerProcess server(options);
    env = server.environment();
    auto client = client_for(server);
    AuthHelper auth(server);
    order_id = place_paid_order(*client, auth, "Worker tart", 6.5, 2, 1300, "evt_worker").first;
    ASSERT_FALSE(order_id.empty());
    // Cancelled by a manager: 13.00 is owed; the server's job tries at once and is refused.
    auto cancelled =
        client->request("DELETE", "/api/v1/orders/" + order_id, "", auth.bearer("manager"));
    ASSERT_EQ(cancelled.status, 200) << cancelled.describe();
    EXPECT_EQ(cancelled.object().at("payment_status").as_string(), "refunded");
    ASSERT_TRUE(wait_until([&] { return requests_to(stripe, "/v1/refunds").size() == 1; }));
    EXPECT_EQ(server.stop(SIGTERM), 0);  // its job finishes the pass before it exits
  }

  db::PoolOptions o;
  o.size = 1;
  auto pool = db::Pool::open(db->url(), o);
  auto refund_row = [&] {
    auto lease = pool->read();
    return lease->exec(
        "SELECT r.id, r.status, r.amount, r.gateway_ref, r.claimed_until, p.status, "
        "p.refunded_amount FROM payment_refunds r JOIN payment_transactions p ON p.id = "
        "r.payment_id WHERE p.order_id = $1",
        {std::string_view(order_id)});
  };
  std::string refund_id;
  {
    auto r = refund_row();
    ASSERT_EQ(r.size(), 1u);
    refund_id = r.front().text(0);
    EXPECT_EQ(r.front().text(1), "pending");  // owed: not given back on a refusal
    EXPECT_EQ(r.front().int64(2), 1300);
    EXPECT_TRUE(r.front().is_null(4));  // the refused try released its claim
    EXPECT_EQ(r.front().text(5), "refunded");
    EXPECT_EQ(r.front().int64(6), 1300);
  }
  // Its last try was a while ago: due for the job's next pass.
  pool->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE payment_refunds SET updated_at = updated_at - 600000 WHERE id = $1",
            {std::string_view(refund_id)});
  });

  refuse = false;
  const auto worker = run_worker_until(env, [&] {
    auto r = refund_row();
    return r.size() == 1 && r.front().text(1) == "succeeded";
  });
  ASSERT_TRUE(worker.reached) << worker.out << worker.err;

  const auto calls = requests_to(stripe, "/v1/refunds");
  ASSERT_EQ(calls.size(), 2u);  // the refused try, and the worker's: once
  for (const auto& c : calls) {
    EXPECT_EQ(c.header("idempotency-key"), refund_id);
    EXPECT_NE(c.body.find("amount=1300"), std::string::npos) << c.body;
    EXPECT_EQ(c.header("authorization"), std::string("Bearer ") + kRefundStripeKey);
  }
  auto r = refund_row();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().text(3), "re_worker");
  EXPECT_TRUE(r.front().is_null(4));
  EXPECT_EQ(r.front().text(5), "refunded");
  EXPECT_EQ(r.front().int64(6), 1300);
  EXPECT_NE(worker.out.find("\"msg\":\"pending refunds retried\""), std::string::npos)
      << worker.out;
}

// A manager's refund whose gateway call gets no definite answer (a 5xx; a timeout is the
// same outcome) may have refunded: it is not given back (a retry under a new key could then
// refund twice) but stays pending, answered 202, and the refund job sends it again with the
// same idempotency key until the gateway answers.
TEST(RefundWorker, ARefundWithAnUnknownOutcomeStaysPendingAndIsRetriedWithTheSameKey) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  std::atomic<bool> down{true};
  FakeHttpEndpoint stripe([&](const RecordedRequest& r, int n) -> FakeHttpEndpoint::Answer {
    if (r.target == "/v1/payment_intents")
      return {200, json::serialize(json::object{{"id", "pi_unknown" + std::to_string(n)},
                                                {"object", "payment_intent"},
                                                {"client_secret", "pi_secret"},
                                                {"status", "requires_payment_method"}})};
    if (r.target == "/v1/refunds") {
      if (down) return {503, R"({"error": {"type": "api_error", "message": "try later"}})"};
      return {200, R"({"id": "re_unknown", "object": "refund", "status": "succeeded"})"};
    }
    return {404, R"({"error": {"message": "no such route"}})"};
  });
  ServerOptions options = identity_server({
      {"CREMA_CURRENCY", "EUR"},
      {"CREMA_TAX_RATE_BPS", "0"},
      {"CREMA_STRIPE_API_BASE", stripe.url("")},
      {"CREMA_STRIPE_SECRET_KEY", kRefundStripeKey},
      {"CREMA_STRIPE_WEBHOOK_SECRET", kWebhookSecret},
  });
  options.database_url = db->url();
  Environment env;
  std::string order_id, pi;
  {
    ServerProcess server(options);
    env = server.environment();
    auto client = client_for(server);
    AuthHelper auth(server);
    std::tie(order_id, pi) =
        place_paid_order(*client, auth, "Unknown tart", 5, 2, 1000, "evt_unknown");
    ASSERT_FALSE(pi.empty());

    auto manager = auth.bearer("manager");
    auto with_key = [&](const std::string& key) {
      RequestHeaders h = manager;
      h.emplace_back("Idempotency-Key", key);
      return h;
    };
    auto first = client->post("/api/v1/payments/" + pi + "/refund", R"({"reason": "burnt"})",
                              with_key("refund-k1"));
    ASSERT_EQ(first.status, 202) << first.describe();
    const auto& refunds = first.object().at("refunds").as_array();
    ASSERT_EQ(refunds.size(), 1u);
    EXPECT_EQ(refunds[0].at("status").as_string(), "pending");
    // The amount stays booked: another refund under a new key finds nothing left.
    EXPECT_EQ(first.object().at("status").as_string(), "refunded") << first.body;
    auto again = client->post("/api/v1/payments/" + pi + "/refund", R"({"reason": "burnt"})",
                              with_key("refund-k2"));
    EXPECT_EQ(again.status, 409) << again.describe();
    auto replay = client->post("/api/v1/payments/" + pi + "/refund", R"({"reason": "burnt"})",
                               with_key("refund-k1"));
    EXPECT_EQ(replay.status, 202) << replay.describe();
    EXPECT_EQ(replay.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(requests_to(stripe, "/v1/refunds").size(), 1u);
    EXPECT_EQ(server.stop(SIGTERM), 0);
  }

  db::PoolOptions o;
  o.size = 1;
  auto pool = db::Pool::open(db->url(), o);
  auto refund_row = [&] {
    auto lease = pool->read();
    return lease->exec(
        "SELECT r.id, r.status, r.amount, r.requested, p.refunded_amount FROM payment_refunds r "
        "JOIN payment_transactions p ON p.id = r.payment_id WHERE p.order_id = $1",
        {std::string_view(order_id)});
  };
  std::string refund_id;
  {
    auto r = refund_row();
    ASSERT_EQ(r.size(), 1u);
    refund_id = r.front().text(0);
    EXPECT_EQ(r.front().text(1), "pending");
    EXPECT_TRUE(r.front().boolean(3));
    EXPECT_EQ(r.front().int64(4), 1000);
  }
  pool->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE payment_refunds SET updated_at = updated_at - 600000 WHERE id = $1",
            {std::string_view(refund_id)});
  });
  down = false;
  const auto worker = run_worker_until(env, [&] {
    auto r = refund_row();
    return r.size() == 1 && r.front().text(1) == "succeeded";
  });
  ASSERT_TRUE(worker.reached) << worker.out << worker.err;
  const auto calls = requests_to(stripe, "/v1/refunds");
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& c : calls) {
    EXPECT_EQ(c.header("idempotency-key"), refund_id);
    EXPECT_NE(c.body.find("amount=1000"), std::string::npos) << c.body;
  }
  EXPECT_EQ(refund_row().front().int64(4), 1000);
}

}  // namespace
}  // namespace crema::test::e2e
