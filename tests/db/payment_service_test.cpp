// The payment use cases on the store under test (SPEC §9), with an in-process gateway
// adapter: a counter payment confirms and commits the reservation in one transaction, an
// online payment settles through its event once even when deliveries race, idempotent
// checkout races charge once, refunds (racing too) never exceed what was paid, a success
// for an expired order is refunded at once, and the expiry job leaves paid orders alone.

#include <algorithm>
#include <atomic>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "repo/order_repo.hpp"
#include "repo/payment_repo.hpp"
#include "service/catalogue_service.hpp"
#include "service/order_service.hpp"
#include "service/payment_service.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using domain::OrderStatus;
using domain::PaymentStatus;

// Stands in for an online gateway ("stripe"): charges are pending with ids fake_1, fake_2…;
// events come as JSON {id, kind, txn, amount} under an X-Fake header.
class FakeGateway final : public payments::Gateway {
 public:
  std::string_view name() const noexcept override { return "stripe"; }
  bool online() const noexcept override { return true; }
  bool configured() const noexcept override { return keys_set; }
  payments::ChargeResult charge(const payments::ChargeRequest& r) override {
    const int n = ++charges;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a gateway takes a while
    payments::ChargeResult out;
    out.outcome = payments::Outcome::pending;
    out.transaction_id = "fake_" + std::to_string(n) + "_" + r.payment_id.substr(24);
    out.raw_response = R"({"status": "requires_action", "client_secret": "never stored"})";
    out.next_action = {{"client_secret", "cs"}};
    if (during_charge) during_charge(r, out.transaction_id);
    return out;
  }
  payments::RefundResult refund(const std::string&, const std::string&, std::int64_t amount,
                                const std::string&, const std::string& key) override {
    ++refunds;
    refunded += amount;
    {
      std::lock_guard lock(keys_mutex);
      refund_keys.insert(key);
    }
    if (during_refund) during_refund();
    if (refund_delay.count() > 0) std::this_thread::sleep_for(refund_delay);
    payments::RefundResult out;
    out.outcome = refuse_refunds    ? payments::Outcome::declined
                  : unknown_refunds ? payments::Outcome::unavailable
                                    : payments::Outcome::succeeded;
    out.reference = "fake_refund";
    out.message = "refused";
    return out;
  }
  bool recognises(const payments::WebhookRequest& r) const override {
    return r.header("X-Fake").has_value();
  }
  crema::Result<payments::WebhookEvent> verify(const payments::WebhookRequest& r) override {
    if (r.header("X-Fake").value_or("") != "ok")
      return crema::Error::make(ErrorCode::bad_request, "bad signature");
    auto o = json::parse(r.body).as_object();
    payments::WebhookEvent e;
    e.gateway = "stripe";
    e.event_id = std::string(o.at("id").as_string());
    e.type = std::string(o.at("kind").as_string());
    e.kind = e.type == "succeeded" ? payments::WebhookEvent::Kind::succeeded
                                   : payments::WebhookEvent::Kind::failed;
    e.transaction_id = std::string(o.at("txn").as_string());
    if (o.contains("pid")) e.payment_id = std::string(o.at("pid").as_string());
    if (o.contains("order")) e.order_id = std::string(o.at("order").as_string());
    if (o.contains("amount")) e.amount = o.at("amount").as_int64();
    e.raw = std::string(r.body);
    return e;
  }
  std::atomic<int> charges{0}, refunds{0};
  std::atomic<std::int64_t> refunded{0};
  std::atomic<bool> refuse_refunds{false};
  /// A timeout or a 5xx: the gateway's answer is unknown.
  std::atomic<bool> unknown_refunds{false};
  std::atomic<bool> keys_set{true};  ///< false: as if its settings were removed
  /// Runs inside charge(), before the gateway's answer reaches Crema (a webhook that races it).
  std::function<void(const payments::ChargeRequest&, const std::string&)> during_charge;
  /// Runs inside refund(), before the gateway answers.
  std::function<void()> during_refund;
  std::chrono::milliseconds refund_delay{0};
  /// The idempotency key (the refund's id) of every refund call.
  std::mutex keys_mutex;
  std::multiset<std::string> refund_keys;
};

class PaymentServiceTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    service::OrderSettings s;
    s.tax_rate_bps = 0;
    s.currency = "EUR";
    s.hold_minutes = 15;
    orders_.emplace(*pool_, bus_, s);
    catalogue_.emplace(*pool_, bus_);
    gateways_.emplace(payments::GatewaySettings{});
    auto fake = std::make_unique<FakeGateway>();
    fake_ = fake.get();
    gateways_->set(std::move(fake));
    payments_.emplace(*pool_, *orders_, *gateways_);
    orders_->set_paid_cancel_hook(
        [this](db::Transaction& tx, const service::Actor& a, domain::Order& o) {
          return payments_->refund_on_cancel(tx, a, o);
        });
  }

  std::string product(std::int64_t price, std::optional<std::int64_t> stock = std::nullopt) {
    service::ProductInput in;
    in.name = "Pay bun " + std::to_string(++made_);
    in.category = "Test";
    in.price = price;
    if (stock) in.stock = *stock;
    auto p = catalogue_->create(admin_, in);
    if (!p) throw std::runtime_error(p.error().message);
    return p->id;
  }
  std::string order(const service::Actor& who, const std::string& pid, std::int64_t q = 1) {
    service::OrderRequest r;
    if (!who.is_role(auth::Role::customer)) r.type = domain::OrderType::takeaway;
    service::OrderLine l;
    l.product_id = pid;
    l.quantity = q;
    r.items = {l};
    r.items_given = true;
    auto placed = orders_->place(who, r, {});
    if (!placed) throw std::runtime_error(placed.error().message);
    return placed->id;
  }
  domain::Order get(const std::string& id) {
    auto lease = pool_->read();
    return *repo::find_order(*lease, id);
  }
  std::vector<repo::PaymentRow> payments_of(const std::string& order_id) {
    repo::PaymentFilter f;
    f.order_id = order_id;
    auto lease = pool_->read();
    return repo::list_payments(*lease, f);
  }
  crema::Result<service::PaymentAnswer> pay(const service::Actor& who, const std::string& id,
                                            const std::string& method,
                                            std::optional<service::IdempotencyKey> key = {}) {
    return payments_->checkout(who, {id, method, {}}, key);
  }
  crema::Result<service::WebhookOutcome> deliver(const std::string& event_id,
                                                 const std::string& kind, const std::string& txn,
                                                 std::optional<std::int64_t> amount = {},
                                                 const std::string& signature = "ok") {
    json::object body{{"id", event_id}, {"kind", kind}, {"txn", txn}};
    if (amount) body["amount"] = *amount;
    const std::string text = json::serialize(body);
    payments::WebhookRequest r;
    r.body = text;
    r.header = [signature](std::string_view name) -> std::optional<std::string> {
      if (name == "X-Fake") return signature;
      return std::nullopt;
    };
    return payments_->webhook(r);
  }
  static std::string txn_of(const crema::Result<service::PaymentAnswer>& a) {
    return std::string(json::parse(a->body).at("transaction_id").as_string());
  }

  int made_ = 0;
  std::optional<service::OrderService> orders_;
  std::optional<service::CatalogueService> catalogue_;
  std::optional<payments::GatewayRegistry> gateways_;
  std::optional<service::PaymentService> payments_;
  FakeGateway* fake_ = nullptr;
  service::Actor customer_ = actor_of_role(auth::Role::customer, "customer-1");
  service::Actor other_customer_ = actor_of_role(auth::Role::customer, "customer-2");
};

TEST_F(PaymentServiceTest, ACounterPaymentConfirmsAndCommitsTheReservationAtOnce) {
  auto bun = product(250, units(10));
  auto id = order(staff_, bun, 2);
  EXPECT_EQ(item(bun).reserved, units(2));
  clear_events();
  auto paid = pay(staff_, id, "cash");
  ASSERT_TRUE(paid.ok()) << paid.error().message;
  auto o = get(id);
  EXPECT_EQ(o.status, OrderStatus::confirmed);
  EXPECT_EQ(o.payment_status, PaymentStatus::paid);
  EXPECT_EQ(o.payment_method, "cash");
  EXPECT_EQ(item(bun).on_hand, units(8));
  EXPECT_EQ(item(bun).reserved, 0);
  EXPECT_EQ(events_of("order_updated").size(), 1u);
  auto rows = payments_of(id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].amount, 500);
  EXPECT_EQ(domain::name(rows[0].status), "succeeded");
  // Paid already → conflict, nothing new.
  auto again = pay(manager_, id, "card");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
  EXPECT_EQ(payments_of(id).size(), 1u);
  // A customer may not record a counter payment; another customer cannot see the order.
  auto mine = order(customer_, bun);
  EXPECT_EQ(pay(customer_, mine, "cash").error().code, ErrorCode::forbidden);
  EXPECT_EQ(pay(other_customer_, mine, "stripe").error().code, ErrorCode::not_found);
  EXPECT_EQ(fake_->charges.load(), 0);
}

TEST_F(PaymentServiceTest, AnOnlinePaymentSettlesOnceThroughRacingEvents) {
  auto bun = product(300, units(5));
  auto id = order(customer_, bun);
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(get(id).status, OrderStatus::pending);
  const auto txn = txn_of(started);
  // The raw answer is kept without its secrets.
  EXPECT_EQ(payments_of(id)[0].raw_response.find("client_secret"), std::string::npos);
  // A bad signature changes nothing; a wrong amount neither.
  EXPECT_EQ(deliver("evt-1", "succeeded", txn, 300, "forged").error().code, ErrorCode::bad_request);
  EXPECT_EQ(deliver("evt-1", "succeeded", txn, 299).error().code, ErrorCode::bad_request);
  EXPECT_EQ(get(id).payment_status, PaymentStatus::pending);
  std::atomic<int> applied{0}, ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i)
    threads.emplace_back([&] {
      auto r = deliver("evt-1", "succeeded", txn, 300);
      if (r.ok()) {
        ++ok;
        if (r->applied) ++applied;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 6);
  EXPECT_EQ(applied.load(), 1);
  auto o = get(id);
  EXPECT_EQ(o.status, OrderStatus::confirmed);
  EXPECT_EQ(o.payment_status, PaymentStatus::paid);
  EXPECT_EQ(o.payment_method, "stripe");
  EXPECT_FALSE(o.expires_at.has_value());
  EXPECT_EQ(item(bun).on_hand, units(4));
  int confirmations = 0;
  for (const auto& h : o.history) confirmations += h.status == OrderStatus::confirmed ? 1 : 0;
  EXPECT_EQ(confirmations, 1);
  // A later, different success event for the same payment changes nothing either.
  auto late = deliver("evt-2", "succeeded", txn, 300);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->applied);
  EXPECT_EQ(get(id).version, o.version);
}

TEST_F(PaymentServiceTest, RacingCheckoutsWithOneKeyChargeOnce) {
  auto bun = product(300);
  auto id = order(customer_, bun);
  service::IdempotencyKey key{"race-key", "fingerprint-1"};
  std::vector<std::string> bodies(5);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < bodies.size(); ++i)
    threads.emplace_back([&, i] {
      auto r = pay(customer_, id, "stripe", key);
      if (r.ok()) bodies[i] = r->body;
      else if (r.error().code != ErrorCode::conflict) bodies[i] = "unexpected";
    });
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  for (auto& b : bodies)
    if (!b.empty()) distinct.insert(b);
  EXPECT_EQ(distinct.size(), 1u);
  EXPECT_EQ(distinct.count("unexpected"), 0u);
  EXPECT_EQ(fake_->charges.load(), 1);
  auto replay = pay(customer_, id, "stripe", key);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->body, *distinct.begin());
  auto other = pay(customer_, id, "stripe", service::IdempotencyKey{"race-key", "another body"});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::conflict);
  EXPECT_EQ(payments_of(id).size(), 1u);
}

TEST_F(PaymentServiceTest, RacingRefundsNeverExceedWhatWasPaid) {
  auto bun = product(1000);
  auto id = order(staff_, bun);
  auto paid = pay(staff_, id, "card");
  ASSERT_TRUE(paid.ok());
  const auto txn = txn_of(paid);
  std::atomic<int> done{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i)
    threads.emplace_back([&] {
      auto r = payments_->refund(manager_, txn, {300, "racing"}, {});
      if (r.ok()) ++done;
      else if (r.error().code == ErrorCode::validation_failed) ++refused;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 3);
  EXPECT_EQ(refused.load(), 2);
  auto o = get(id);
  EXPECT_EQ(o.refunded_amount, 900);
  EXPECT_EQ(o.payment_status, PaymentStatus::partially_refunded);
  auto last = payments_->refund(manager_, txn, {std::nullopt, "the rest"}, {});
  ASSERT_TRUE(last.ok()) << last.error().message;
  o = get(id);
  EXPECT_EQ(o.refunded_amount, 1000);
  EXPECT_EQ(o.payment_status, PaymentStatus::refunded);
  EXPECT_EQ(domain::name(payments_of(id)[0].status), "refunded");
  EXPECT_EQ(payments_->refund(manager_, txn, {1, ""}, {}).error().code, ErrorCode::conflict);
}

TEST_F(PaymentServiceTest, ARefusedRefundGivesTheAmountBack) {
  auto id = order(customer_, product(400));
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-r", "succeeded", txn_of(started), 400).ok());
  fake_->refuse_refunds = true;
  auto r = payments_->refund(manager_, txn_of(started), {100, "x"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::validation_failed);
  auto o = get(id);
  EXPECT_EQ(o.refunded_amount, 0);
  EXPECT_EQ(o.payment_status, PaymentStatus::paid);
  auto p = payments_of(id)[0];
  EXPECT_EQ(domain::name(p.status), "succeeded");
  EXPECT_EQ(p.refunded_amount, 0);
}

// A timeout or a 5xx may have refunded: the manager's refund stays pending and booked
// (answered 202), a new refund finds nothing left, and the job sends it again with the
// same idempotency key; a later definite decline gives it back.
TEST_F(PaymentServiceTest, ARefundWithAnUnknownOutcomeStaysPendingAndIsRetriedWithItsKey) {
  auto id = order(customer_, product(500));
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-unknown", "succeeded", txn_of(started), 500).ok());
  fake_->unknown_refunds = true;
  auto r = payments_->refund(manager_, txn_of(started), {std::nullopt, "late"},
                             service::IdempotencyKey{"k-unknown", "f"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 202);
  auto p = payments_of(id)[0];
  EXPECT_EQ(p.refunded_amount, 500);
  EXPECT_EQ(domain::name(p.status), "refunded");
  auto refunds = repo::refunds_of(*pool_->read(), p.id);
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(domain::name(refunds[0].status), "pending");
  EXPECT_TRUE(refunds[0].requested);
  EXPECT_EQ(get(id).refunded_amount, 500);
  // A retry under another key refunds nothing twice.
  auto twice = payments_->refund(manager_, txn_of(started), {std::nullopt, "late"},
                                 service::IdempotencyKey{"k-other", "f"});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::conflict);
  // Still unknown on the next pass: still pending, same key.
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  EXPECT_EQ(domain::name(repo::refunds_of(*pool_->read(), p.id)[0].status), "pending");
  // The gateway answers at last.
  fake_->unknown_refunds = false;
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 1);
  EXPECT_EQ(domain::name(repo::refunds_of(*pool_->read(), p.id)[0].status), "succeeded");
  EXPECT_EQ(fake_->refunds.load(), 3);
  {
    std::lock_guard lock(fake_->keys_mutex);
    EXPECT_EQ(fake_->refund_keys.count(refunds[0].id), 3u);
  }
  EXPECT_EQ(get(id).payment_status, PaymentStatus::refunded);

  // Another payment: unknown first, then a definite decline on the retry gives it back.
  auto id2 = order(customer_, product(300));
  auto started2 = pay(customer_, id2, "stripe");
  ASSERT_TRUE(deliver("evt-unknown-2", "succeeded", txn_of(started2), 300).ok());
  fake_->unknown_refunds = true;
  auto r2 = payments_->refund(manager_, txn_of(started2), {100, "half"}, {});
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->status, 202);
  EXPECT_EQ(get(id2).refunded_amount, 100);
  fake_->unknown_refunds = false;
  fake_->refuse_refunds = true;
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  auto p2 = payments_of(id2)[0];
  EXPECT_EQ(domain::name(repo::refunds_of(*pool_->read(), p2.id)[0].status), "failed");
  EXPECT_EQ(p2.refunded_amount, 0);
  EXPECT_EQ(domain::name(p2.status), "succeeded");
  EXPECT_EQ(get(id2).refunded_amount, 0);
  EXPECT_EQ(get(id2).payment_status, PaymentStatus::paid);
}

TEST_F(PaymentServiceTest, ASuccessForAnExpiredOrderIsRecordedAndRefunded) {
  auto bun = product(300, units(3));
  auto id = order(customer_, bun);
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(started.ok());
  // The hold ends before the customer pays.
  EXPECT_EQ(orders_->expire_due(util::now_ms() + 16 * 60'000), 1);
  EXPECT_EQ(get(id).status, OrderStatus::cancelled);
  EXPECT_EQ(item(bun).reserved, 0);
  auto late = deliver("evt-late", "succeeded", txn_of(started), 300);
  ASSERT_TRUE(late.ok()) << late.error().message;
  auto o = get(id);
  EXPECT_EQ(o.status, OrderStatus::cancelled);
  EXPECT_EQ(o.payment_status, PaymentStatus::refunded);
  EXPECT_EQ(o.refunded_amount, 300);
  EXPECT_EQ(fake_->refunds.load(), 1);
  EXPECT_EQ(fake_->refunded.load(), 300);
  EXPECT_EQ(domain::name(payments_of(id)[0].status), "refunded");
  EXPECT_EQ(item(bun).on_hand, units(3));  // the stock stays released
}

TEST_F(PaymentServiceTest, PaidOrdersAreNoLongerHeldAndCancellingThemRefunds) {
  auto bun = product(300, units(3));
  auto id = order(customer_, bun);
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-p", "succeeded", txn_of(started), 300).ok());
  EXPECT_EQ(orders_->expire_due(util::now_ms() + 60 * 60'000), 0);
  EXPECT_EQ(get(id).status, OrderStatus::confirmed);
  // Staff may not cancel a paid order; a manager may, and it is refunded.
  EXPECT_EQ(orders_->change_status(staff_, id, OrderStatus::cancelled, "", {}).error().code,
            ErrorCode::forbidden);
  auto cancelled = orders_->change_status(manager_, id, OrderStatus::cancelled, "no oven", {});
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->payment_status, PaymentStatus::refunded);
  EXPECT_EQ(cancelled->refunded_amount, 300);
  // Booked in the cancellation; the gateway is called after the commit (by the refund job).
  EXPECT_EQ(fake_->refunds.load(), 0);
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 1);
  EXPECT_EQ(fake_->refunded.load(), 300);
  EXPECT_EQ(get(id).refunded_amount, 300);
  EXPECT_EQ(item(bun).on_hand, units(3));  // confirmed → cancelled restocks
}

TEST_F(PaymentServiceTest, AFailedEventMarksTheOrderAndReleasesNothing) {
  auto bun = product(300, units(3));
  auto id = order(customer_, bun);
  auto started = pay(customer_, id, "stripe");
  auto failed = deliver("evt-f", "failed", txn_of(started));
  ASSERT_TRUE(failed.ok());
  EXPECT_TRUE(failed->applied);
  auto o = get(id);
  EXPECT_EQ(o.status, OrderStatus::pending);
  EXPECT_EQ(o.payment_status, PaymentStatus::failed);
  EXPECT_EQ(item(bun).reserved, units(1));
  EXPECT_TRUE(o.expires_at.has_value());
  auto retry = pay(customer_, id, "stripe");
  ASSERT_TRUE(retry.ok());
  ASSERT_TRUE(deliver("evt-ok", "succeeded", txn_of(retry), 300).ok());
  EXPECT_EQ(get(id).payment_status, PaymentStatus::paid);
}

TEST_F(PaymentServiceTest, AnAutomaticRefundTheGatewayRefusedStaysOwedAndIsRetried) {
  auto id = order(customer_, product(300));
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-owed", "succeeded", txn_of(started), 300).ok());
  fake_->refuse_refunds = true;
  auto cancelled = orders_->change_status(manager_, id, OrderStatus::cancelled, "closed", {});
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->payment_status, PaymentStatus::refunded);
  std::vector<repo::RefundRow> refunds;
  {
    auto lease = pool_->read();
    refunds = repo::refunds_of(*lease, payments_of(id)[0].id);
  }
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(domain::name(refunds[0].status), "pending");
  EXPECT_EQ(get(id).refunded_amount, 300);
  // Not yet due; then refused: still owed, not given back; then the gateway takes it.
  EXPECT_EQ(payments_->retry_pending_refunds(refunds[0].updated_at - 1), 0);
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  {
    auto lease = pool_->read();
    EXPECT_EQ(domain::name(repo::refunds_of(*lease, payments_of(id)[0].id)[0].status), "pending");
  }
  EXPECT_EQ(get(id).payment_status, PaymentStatus::refunded);
  fake_->refuse_refunds = false;
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 1);
  {
    auto lease = pool_->read();
    EXPECT_EQ(domain::name(repo::refunds_of(*lease, payments_of(id)[0].id)[0].status), "succeeded");
  }
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  EXPECT_EQ(fake_->refunds.load(), 2);
}

TEST_F(PaymentServiceTest, ARefundThroughAGatewayNoLongerConfiguredCallsNothingAndStaysOwed) {
  auto id = order(customer_, product(300));
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-keys", "succeeded", txn_of(started), 300).ok());
  fake_->keys_set = false;  // the operator removed the gateway's keys since
  // A manager's refund is answered 503 (the gateway is unavailable here) and gives
  // everything back, without calling the gateway.
  auto r = payments_->refund(manager_, txn_of(started), {100, "x"}, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::unavailable);
  EXPECT_EQ(payments_of(id)[0].refunded_amount, 0);
  EXPECT_EQ(fake_->refunds.load(), 0);
  // The refund a cancellation owes stays owed (retried, still without a call) until the
  // keys are back.
  auto cancelled = orders_->change_status(manager_, id, OrderStatus::cancelled, "closed", {});
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  EXPECT_EQ(fake_->refunds.load(), 0);
  {
    auto lease = pool_->read();
    const auto refunds = repo::refunds_of(*lease, payments_of(id)[0].id);
    ASSERT_EQ(refunds.size(), 2u);  // the manager's failed one and the owed one
    EXPECT_EQ(std::count_if(refunds.begin(), refunds.end(),
                            [](const repo::RefundRow& x) {
                              return x.status == domain::RefundStatus::pending;
                            }),
              1);
  }
  fake_->keys_set = true;
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 1);
  EXPECT_EQ(fake_->refunds.load(), 1);
  EXPECT_EQ(fake_->refunded.load(), 300);
}

TEST_F(PaymentServiceTest, AWebhookThatOvertakesTheCheckoutStillSettlesIt) {
  auto bun = product(300, units(2));
  auto id = order(customer_, bun);
  // The gateway calls back before its answer to the checkout arrives: the payment is found
  // by the id Crema gave the gateway.
  fake_->during_charge = [this](const payments::ChargeRequest& r, const std::string& txn) {
    json::object body{{"id", "evt-early"},
                      {"kind", "succeeded"},
                      {"txn", txn},
                      {"pid", r.payment_id},
                      {"amount", r.amount}};
    const std::string text = json::serialize(body);
    payments::WebhookRequest w;
    w.body = text;
    w.header = [](std::string_view name) -> std::optional<std::string> {
      if (name == "X-Fake") return std::string("ok");
      return std::nullopt;
    };
    auto applied = payments_->webhook(w);
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    EXPECT_TRUE(applied->applied);
  };
  auto answer = pay(customer_, id, "stripe");
  fake_->during_charge = nullptr;
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  auto body = json::parse(answer->body).as_object();
  EXPECT_EQ(body.at("payment_status").as_string(), "paid");
  auto rows = payments_of(id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(domain::name(rows[0].status), "succeeded");
  EXPECT_EQ(rows[0].transaction_id, txn_of(answer));
  EXPECT_TRUE(rows[0].transaction_id.starts_with("fake_"));
  auto o = get(id);
  EXPECT_EQ(o.status, OrderStatus::confirmed);
  EXPECT_EQ(o.payment_status, PaymentStatus::paid);
  EXPECT_EQ(item(bun).on_hand, units(1));
}

// ---- the refund job's claim: one process at a time sends an owed refund -------------------

class RefundClaimTest : public PaymentServiceTest {
 protected:
  // A paid order (stripe, `amount`) cancelled by a manager: its refund is booked, owed.
  std::string owed_refund(std::int64_t amount, const std::string& event_id) {
    auto id = order(customer_, product(amount));
    auto started = pay(customer_, id, "stripe");
    EXPECT_TRUE(deliver(event_id, "succeeded", txn_of(started), amount).ok());
    auto cancelled = orders_->change_status(manager_, id, OrderStatus::cancelled, "closed", {});
    EXPECT_TRUE(cancelled.ok()) << cancelled.error().message;
    return id;
  }
  repo::RefundRow refund_of_order(const std::string& order_id) {
    auto lease = pool_->read();
    auto rows = repo::refunds_of(*lease, payments_of(order_id)[0].id);
    EXPECT_EQ(rows.size(), 1u);
    return rows.at(0);
  }
  void set_claim(const std::string& refund_id, std::int64_t until) {
    pool_->transact([&](db::Transaction& tx) {
      tx.exec("UPDATE payment_refunds SET claimed_until = $2 WHERE id = $1",
              {std::string_view(refund_id), until});
    });
  }
};

TEST_F(RefundClaimTest, RacingJobsOfTwoProcessesSendEachOwedRefundOnce) {
  std::vector<std::string> orders;
  for (int i = 0; i < 4; ++i)
    orders.push_back(owed_refund(300 + 100 * i, "evt-race-" + std::to_string(i)));
  EXPECT_EQ(fake_->refunds.load(), 0);  // booked; the job sends them
  // A second process's payment service on the same database, with the same slow gateway.
  service::PaymentService other(*pool_, *orders_, *gateways_);
  fake_->refund_delay = std::chrono::milliseconds(40);
  std::atomic<int> settled{0};
  std::latch go(4);
  std::vector<std::thread> jobs;
  for (int i = 0; i < 4; ++i)
    jobs.emplace_back([&, i] {
      go.arrive_and_wait();
      auto& job = i % 2 == 0 ? *payments_ : other;
      settled += job.retry_pending_refunds(util::now_ms() + 1);
    });
  for (auto& t : jobs) t.join();
  EXPECT_EQ(settled.load(), 4);
  EXPECT_EQ(fake_->refunds.load(), 4);
  EXPECT_EQ(fake_->refunded.load(), 300 + 400 + 500 + 600);
  std::int64_t expected = 300;
  for (const auto& id : orders) {
    auto x = refund_of_order(id);
    EXPECT_EQ(domain::name(x.status), "succeeded");
    EXPECT_EQ(x.amount, expected);
    EXPECT_EQ(fake_->refund_keys.count(x.id), 1u) << x.id;
    EXPECT_EQ(get(id).refunded_amount, expected);
    EXPECT_EQ(get(id).payment_status, PaymentStatus::refunded);
    EXPECT_EQ(payments_of(id)[0].refunded_amount, expected);
    expected += 100;
  }
  // Nothing is left for a later pass of either.
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  EXPECT_EQ(other.retry_pending_refunds(util::now_ms() + 1), 0);
  EXPECT_EQ(fake_->refunds.load(), 4);
}

TEST_F(RefundClaimTest, ARefundClaimedByADeadProcessIsSentOnceItsClaimRunsOut) {
  auto id = owed_refund(450, "evt-dead");
  const auto x = refund_of_order(id);
  // Another process claimed it and died before settling: the claim holds for its lease.
  set_claim(x.id, util::now_ms() + 60'000);
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  EXPECT_EQ(fake_->refunds.load(), 0);
  EXPECT_EQ(domain::name(refund_of_order(id).status), "pending");
  // The lease ran out: sent once, settled, the claim dropped.
  set_claim(x.id, util::now_ms() - 1);
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 1);
  EXPECT_EQ(fake_->refunds.load(), 1);
  EXPECT_EQ(fake_->refunded.load(), 450);
  EXPECT_EQ(domain::name(refund_of_order(id).status), "succeeded");
  auto lease = pool_->read();
  EXPECT_TRUE(lease
                  ->exec("SELECT claimed_until FROM payment_refunds WHERE id = $1",
                         {std::string_view(x.id)})
                  .front()
                  .is_null(0));
}

TEST_F(RefundClaimTest, AManagersRefundInFlightIsNotSentByTheJob) {
  auto id = order(customer_, product(800));
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-manual", "succeeded", txn_of(started), 800).ok());
  // While the gateway works on the manager's refund, a refund job passes (of this or
  // another process): the refund is pending, but it is the request's to send.
  int job_settled = -1;
  fake_->during_refund = [&] {
    job_settled = payments_->retry_pending_refunds(util::now_ms() + 1);
  };
  auto r = payments_->refund(manager_, txn_of(started), {300, "burnt"}, {});
  fake_->during_refund = nullptr;
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(job_settled, 0);
  EXPECT_EQ(fake_->refunds.load(), 1);
  EXPECT_EQ(fake_->refunded.load(), 300);
  auto o = get(id);
  EXPECT_EQ(o.refunded_amount, 300);
  EXPECT_EQ(o.payment_status, PaymentStatus::partially_refunded);
  EXPECT_EQ(domain::name(refund_of_order(id).status), "succeeded");
}

TEST_F(RefundClaimTest, AnOwedRefundRefusedByTheGatewayIsReleasedForTheNextPass) {
  auto id = owed_refund(250, "evt-refused");
  fake_->refuse_refunds = true;
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 0);
  EXPECT_EQ(fake_->refunds.load(), 1);
  const auto x = refund_of_order(id);
  EXPECT_EQ(domain::name(x.status), "pending");  // still owed, the amount not given back
  EXPECT_EQ(get(id).refunded_amount, 250);
  // Not claimed any more: the next pass (any process) sends it again, with the same key.
  fake_->refuse_refunds = false;
  service::PaymentService other(*pool_, *orders_, *gateways_);
  EXPECT_EQ(other.retry_pending_refunds(util::now_ms() + 1), 1);
  EXPECT_EQ(fake_->refunds.load(), 2);
  EXPECT_EQ(fake_->refund_keys.count(x.id), 2u);
  EXPECT_EQ(domain::name(refund_of_order(id).status), "succeeded");
  EXPECT_EQ(domain::name(payments_of(id)[0].status), "refunded");
}

// ---- the remaining branches that move money (issue 10) -----------------------------------

TEST_F(PaymentServiceTest, ACancelledOrderIsNeverCharged) {
  auto bun = product(300, units(4));
  auto id = order(customer_, bun);
  ASSERT_TRUE(orders_->change_status(customer_, id, OrderStatus::cancelled, "", {}).ok());
  auto paid = pay(customer_, id, "stripe");
  ASSERT_FALSE(paid.ok());
  EXPECT_EQ(paid.error().code, ErrorCode::invalid_transition);
  EXPECT_EQ(fake_->charges.load(), 0);
  EXPECT_TRUE(payments_of(id).empty());
  EXPECT_EQ(get(id).payment_status, PaymentStatus::pending);
  EXPECT_EQ(item(bun).reserved, 0);
  EXPECT_EQ(item(bun).on_hand, units(4));
}

TEST_F(PaymentServiceTest, ALateFailureEventNeverUndoesASuccess) {
  auto bun = product(300, units(4));
  auto id = order(customer_, bun);
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-ok-first", "succeeded", txn_of(started), 300).ok());
  EXPECT_EQ(item(bun).on_hand, units(3));
  auto failed = deliver("evt-fail-late", "failed", txn_of(started));
  ASSERT_TRUE(failed.ok()) << failed.error().message;
  EXPECT_FALSE(failed->applied);
  auto o = get(id);
  EXPECT_EQ(o.status, OrderStatus::confirmed);
  EXPECT_EQ(o.payment_status, PaymentStatus::paid);
  EXPECT_EQ(domain::name(payments_of(id)[0].status), "succeeded");
  EXPECT_EQ(item(bun).on_hand, units(3));  // the sale's stock stays taken
  EXPECT_EQ(item(bun).reserved, 0);
}

TEST_F(PaymentServiceTest, AWebhookNamingOnlyTheOrderSettlesItsPendingPayment) {
  auto bun = product(300, units(2));
  auto id = order(customer_, bun);
  ASSERT_TRUE(pay(customer_, id, "stripe").ok());
  // The gateway's callback carries no id Crema knows, only the order's.
  json::object body{{"id", "evt-by-order"},
                    {"kind", "succeeded"},
                    {"txn", "gw-unknown"},
                    {"order", id},
                    {"amount", 300}};
  payments::WebhookRequest w;
  const std::string text = json::serialize(body);
  w.body = text;
  w.header = [](std::string_view name) -> std::optional<std::string> {
    if (name == "X-Fake") return std::string("ok");
    return std::nullopt;
  };
  auto applied = payments_->webhook(w);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_TRUE(applied->applied);
  EXPECT_EQ(get(id).payment_status, PaymentStatus::paid);
  EXPECT_EQ(item(bun).on_hand, units(1));
  // An event for a payment nobody knows changes nothing.
  auto unknown = deliver("evt-nobody", "succeeded", "gw-nobody", 300);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_EQ(payments_of(id).size(), 1u);
  EXPECT_EQ(item(bun).on_hand, units(1));
}

TEST_F(PaymentServiceTest, ASuccessForACancelledOrderWhoseRefundIsRefusedStaysOwed) {
  auto bun = product(350, units(2));
  auto id = order(customer_, bun);
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(orders_->change_status(manager_, id, OrderStatus::cancelled, "sold out", {}).ok());
  fake_->refuse_refunds = true;
  auto late = deliver("evt-late-refused", "succeeded", txn_of(started), 350);
  ASSERT_TRUE(late.ok()) << late.error().message;
  EXPECT_EQ(fake_->refunds.load(), 1);
  auto o = get(id);
  EXPECT_EQ(o.status, OrderStatus::cancelled);
  EXPECT_EQ(o.payment_status, PaymentStatus::refunded);
  EXPECT_EQ(o.refunded_amount, 350);
  std::vector<repo::RefundRow> refunds;
  {
    auto lease = pool_->read();
    refunds = repo::refunds_of(*lease, payments_of(id)[0].id);
  }
  ASSERT_EQ(refunds.size(), 1u);
  EXPECT_EQ(domain::name(refunds[0].status), "pending");  // owed, not given back
  EXPECT_EQ(refunds[0].amount, 350);
  EXPECT_EQ(payments_of(id)[0].refunded_amount, 350);
  // The job sends it once the gateway takes it.
  fake_->refuse_refunds = false;
  EXPECT_EQ(payments_->retry_pending_refunds(util::now_ms() + 1), 1);
  EXPECT_EQ(fake_->refunds.load(), 2);
  EXPECT_EQ(fake_->refunded.load(), 700);  // 350 refused, 350 taken
  EXPECT_EQ(domain::name(payments_of(id)[0].status), "refunded");
  EXPECT_EQ(item(bun).on_hand, units(2));
  EXPECT_EQ(item(bun).reserved, 0);
}

TEST_F(PaymentServiceTest, ARefundSettledElsewhereDuringTheGatewayCallIsNotCountedTwice) {
  auto id = order(customer_, product(500));
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-elsewhere", "succeeded", txn_of(started), 500).ok());
  fake_->refuse_refunds = true;
  ASSERT_TRUE(orders_->change_status(manager_, id, OrderStatus::cancelled, "", {}).ok());
  std::string refund_id;
  {
    auto lease = pool_->read();
    refund_id = repo::refunds_of(*lease, payments_of(id)[0].id).at(0).id;
  }
  // Another process settles it while this one waits for the gateway (whose answer is a
  // refusal): the settled refund is left as it is, nothing is given back or counted again.
  fake_->during_refund = [&] {
    pool_->transact([&](db::Transaction& tx) {
      tx.exec(
          "UPDATE payment_refunds SET status = 'succeeded', gateway_ref = 'elsewhere' "
          "WHERE id = $1",
          {std::string_view(refund_id)});
    });
  };
  payments_->retry_pending_refunds(util::now_ms() + 1);
  fake_->during_refund = nullptr;
  auto lease = pool_->read();
  auto x = repo::find_refund(*lease, refund_id);
  ASSERT_TRUE(x);
  EXPECT_EQ(domain::name(x->status), "succeeded");
  EXPECT_EQ(x->gateway_ref, "elsewhere");
  EXPECT_EQ(payments_of(id)[0].refunded_amount, 500);
  EXPECT_EQ(domain::name(payments_of(id)[0].status), "refunded");
  EXPECT_EQ(get(id).refunded_amount, 500);
  EXPECT_EQ(get(id).payment_status, PaymentStatus::refunded);
}

TEST_F(PaymentServiceTest, AnEmptyRefundIsRefusedAndChangesNothing) {
  auto id = order(staff_, product(600));
  auto paid = pay(staff_, id, "cash");
  ASSERT_TRUE(paid.ok());
  for (std::int64_t amount : {0, -100}) {
    auto r = payments_->refund(manager_, txn_of(paid), {amount, "nothing"}, {});
    ASSERT_FALSE(r.ok()) << amount;
    EXPECT_EQ(r.error().code, ErrorCode::validation_failed);
    ASSERT_EQ(r.error().details.size(), 1u);
    EXPECT_EQ(r.error().details[0].field, "amount");
  }
  EXPECT_EQ(payments_of(id)[0].refunded_amount, 0);
  EXPECT_EQ(domain::name(payments_of(id)[0].status), "succeeded");
  EXPECT_EQ(get(id).refunded_amount, 0);
  EXPECT_EQ(get(id).payment_status, PaymentStatus::paid);
}

TEST_F(PaymentServiceTest, ARefusedRefundFreesItsIdempotencyKeyForTheRetry) {
  auto id = order(customer_, product(800));
  auto started = pay(customer_, id, "stripe");
  ASSERT_TRUE(deliver("evt-key", "succeeded", txn_of(started), 800).ok());
  const service::IdempotencyKey key{"refund-retry-1", "fingerprint-1"};
  fake_->refuse_refunds = true;
  auto refused = payments_->refund(manager_, txn_of(started), {200, "cold"}, key);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(get(id).refunded_amount, 0);
  // The same key again, once the gateway takes refunds: a real refund, not a replayed error.
  fake_->refuse_refunds = false;
  auto taken = payments_->refund(manager_, txn_of(started), {200, "cold"}, key);
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  EXPECT_FALSE(taken->replayed);
  EXPECT_EQ(fake_->refunds.load(), 2);
  EXPECT_EQ(get(id).refunded_amount, 200);
  EXPECT_EQ(get(id).payment_status, PaymentStatus::partially_refunded);
  EXPECT_EQ(payments_of(id)[0].refunded_amount, 200);
  // And now it replays, refunding nothing more.
  auto replay = payments_->refund(manager_, txn_of(started), {200, "cold"}, key);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(fake_->refunds.load(), 2);
  EXPECT_EQ(get(id).refunded_amount, 200);
}

TEST_F(PaymentServiceTest, CancellingAPaidOrderWithNoPaymentOnRecordRefundsNothing) {
  auto bun = product(400, units(3));
  auto id = order(staff_, bun);
  ASSERT_TRUE(pay(staff_, id, "cash").ok());
  EXPECT_EQ(item(bun).on_hand, units(2));
  // Data from before payments: the order says paid, no transaction backs it.
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("DELETE FROM payment_transactions WHERE order_id = $1", {std::string_view(id)});
  });
  auto cancelled = orders_->change_status(manager_, id, OrderStatus::cancelled, "", {});
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->status, OrderStatus::cancelled);
  EXPECT_EQ(cancelled->refunded_amount, 0);  // no refund is claimed
  EXPECT_EQ(cancelled->payment_status, PaymentStatus::paid);
  auto lease = pool_->read();
  EXPECT_EQ(lease->exec("SELECT COUNT(*) FROM payment_refunds").front().int64(0), 0);
  EXPECT_EQ(item(bun).on_hand, units(3));  // confirmed → cancelled restocks
}

}  // namespace
}  // namespace crema::test
