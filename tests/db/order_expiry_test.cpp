// The expiry job (jobs/order_expiry.hpp) on the store under test: a pass cancels held online
// orders whose hold is over and releases their stock; on the scheduler it sweeps by itself and
// prunes old Idempotency-Keys.

#include <chrono>
#include <thread>

#include "db/catalogue_fixture.hpp"
#include "jobs/order_expiry.hpp"
#include "jobs/scheduler.hpp"
#include "service/order_service.hpp"

namespace crema::test {
namespace {

using namespace std::chrono_literals;

class OrderExpiryTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    orders_.emplace(*pool_, bus_, service::OrderSettings{});
    service::CatalogueService catalogue(*pool_, bus_);
    service::ProductInput in;
    in.name = "Bun";
    in.category = "Test";
    in.price = 200;
    in.stock = units(10);
    auto p = catalogue.create(admin_, in);
    ASSERT_TRUE(p.ok());
    bun_ = p->id;
  }
  std::string place_online() {
    service::OrderRequest r;
    r.type = domain::OrderType::online;
    service::OrderLine line;
    line.product_id = bun_;
    line.quantity = 2;
    r.items = {line};
    r.items_given = true;
    auto placed = orders_->place(actor_of_role(auth::Role::customer, "c-1"), r, {});
    EXPECT_TRUE(placed.ok());
    return placed.ok() ? placed->id : std::string();
  }
  // The hold of an order ends now (as if CREMA_ORDER_HOLD_MINUTES had passed).
  void end_hold(const std::string& id) {
    pool_->transact([&](db::Transaction& tx) {
      tx.exec("UPDATE orders SET expires_at = $2 WHERE id = $1", {id, util::now_ms() - 1});
    });
  }
  domain::OrderStatus status_of(const std::string& id) { return orders_->get(admin_, id)->status; }

  std::optional<service::OrderService> orders_;
  std::string bun_;
};

TEST_F(OrderExpiryTest, APassCancelsOnlyOrdersWhoseHoldIsOver) {
  auto held = place_online();
  auto due = place_online();
  end_hold(due);
  EXPECT_EQ(item(bun_).reserved, units(4));
  jobs::OrderExpiry job(*orders_);
  EXPECT_EQ(job.run_once(), 1);
  EXPECT_EQ(status_of(due), domain::OrderStatus::cancelled);
  EXPECT_EQ(status_of(held), domain::OrderStatus::pending);
  EXPECT_EQ(item(bun_).reserved, units(2));
  EXPECT_EQ(logs_of(bun_, "release"), 1);
  EXPECT_EQ(job.run_once(), 0);
}

TEST_F(OrderExpiryTest, OnTheSchedulerItSweepsByItself) {
  auto held = place_online();
  jobs::OrderExpiry job(*orders_, 50ms);
  jobs::Scheduler scheduler;
  job.schedule(scheduler);
  scheduler.start();
  // The hold ends after the first pass (at start): a later pass of the period expires it.
  std::this_thread::sleep_for(20ms);
  end_hold(held);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (status_of(held) != domain::OrderStatus::cancelled &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  scheduler.stop();
  EXPECT_EQ(status_of(held), domain::OrderStatus::cancelled);
  EXPECT_EQ(item(bun_).reserved, 0);
  EXPECT_EQ(events_of("order_cancelled").size(), 1u);
}

TEST_F(OrderExpiryTest, OnTheSchedulerItPrunesIdempotencyKeysOlderThanADay) {
  const auto now = util::now_ms();
  pool_->transact([&](db::Transaction& tx) {
    for (auto [key, at] :
         {std::pair{"old", now - service::kIdempotencyKeepMs - 1}, std::pair{"new", now}})
      tx.exec(
          "INSERT INTO idempotency_keys (scope, route, idem_key, fingerprint, status, "
          "created_at) VALUES ('user:u', 'POST /orders', $1, 'f', 201, $2)",
          {std::string_view(key), at});
  });
  jobs::OrderExpiry job(*orders_);
  jobs::Scheduler scheduler;
  job.schedule(scheduler);
  scheduler.run_all_now();  // one expiry pass and one pruning, as at the scheduler's start
  EXPECT_EQ(count("idempotency_keys"), 1);
  EXPECT_EQ(job.prune_keys(), 0);
}

}  // namespace
}  // namespace crema::test
