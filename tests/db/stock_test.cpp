// The reservation module on the store under test: all or nothing, exact figures, log rows,
// one low-stock alert per crossing, and no oversell under concurrency.
#include <atomic>
#include <set>
#include <thread>

#include "db/catalogue_fixture.hpp"
#include "service/stock.hpp"
#include "service/write_tx.hpp"

namespace crema::test {
namespace {

using domain::StockNeed;
using service::StockContext;

class StockTest : public CatalogueDbTest {
 protected:
  service::ReserveOutcome reserve(std::vector<StockNeed> needs, std::string order = "order-1") {
    return pool_->transact([&](db::Transaction& tx) {
      return service::reserve_stock(tx, needs, StockContext{order, "user-1", "test"});
    });
  }
  // What a use case's unit of work does with its stock effects after the commit.
  void publish(const service::StockEffects& effects) {
    service::AfterCommit after;
    after.stock_changed(effects);
    std::move(after).run(bus_);
  }
};

TEST_F(StockTest, ReserveCommitReleaseRestockMoveTheRightFigures) {
  auto milk = make_item("Milk", units(10));
  auto beans = make_item("Beans", 2500, 0, "kg");

  auto r = reserve({{milk, 300}, {beans, 18}, {milk, 200}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(item(milk).reserved, 500);
  EXPECT_EQ(item(milk).on_hand, units(10));
  EXPECT_EQ(item(beans).reserved, 18);
  EXPECT_EQ(r.effects.item_ids.size(), 2u);

  auto committed = pool_->transact([&](db::Transaction& tx) {
    return service::commit_stock(tx, {{milk, 500}, {beans, 18}}, {"order-1", "", "paid"});
  });
  ASSERT_TRUE(committed.ok());
  EXPECT_EQ(item(milk).on_hand, 9500);
  EXPECT_EQ(item(milk).reserved, 0);
  EXPECT_EQ(item(beans).on_hand, 2482);

  auto restocked = pool_->transact([&](db::Transaction& tx) {
    return service::restock_stock(tx, {{milk, 500}}, {"order-1", "", "cancelled"});
  });
  ASSERT_TRUE(restocked.ok());
  EXPECT_EQ(item(milk).on_hand, units(10));

  ASSERT_TRUE(reserve({{milk, 1000}}, "order-2").ok());
  auto released = pool_->transact([&](db::Transaction& tx) {
    return service::release_stock(tx, {{milk, 1000}}, {"order-2", "", "expired"});
  });
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(item(milk).reserved, 0);
  EXPECT_EQ(item(milk).on_hand, units(10));

  EXPECT_EQ(logs_of(milk, "reserve"), 2);
  EXPECT_EQ(logs_of(milk, "commit"), 1);
  EXPECT_EQ(logs_of(milk, "restock"), 1);
  EXPECT_EQ(logs_of(milk, "release"), 1);
  EXPECT_EQ(logs_of(beans), 2);

  // The log rows carry the order, the actor, the signed delta and the figures after.
  auto lease = pool_->read();
  auto rows = repo::list_logs(*lease, milk, std::nullopt, 10);
  ASSERT_EQ(rows.size(), 5u);
  const auto& first_reserve = rows.back();  // oldest
  EXPECT_EQ(first_reserve.kind, domain::LogKind::reserve);
  EXPECT_EQ(first_reserve.delta, -500);
  EXPECT_EQ(first_reserve.order_id, "order-1");
  EXPECT_EQ(first_reserve.actor_id, "user-1");
  EXPECT_EQ(first_reserve.reserved_after, 500);
  EXPECT_EQ(first_reserve.on_hand_after, units(10));
}

TEST_F(StockTest, AShortItemRefusesTheWholeSetAndListsEveryShortItem) {
  auto milk = make_item("Milk", units(1));
  auto beans = make_item("Beans", 100, 0, "kg");
  auto sugar = make_item("Sugar", units(5), 0, "kg");
  // milk and sugar fit, beans and a missing item do not.
  auto r = reserve({{milk, 500}, {beans, 200}, {sugar, 100}, {"missing-item", 1}});
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.shortages.size(), 2u);
  std::map<std::string, service::Shortage> by_id;
  for (auto& s : r.shortages) by_id[s.item_id] = s;
  EXPECT_EQ(by_id[beans].requested, 200);
  EXPECT_EQ(by_id[beans].available, 100);
  EXPECT_EQ(by_id[beans].name, "Beans");
  EXPECT_EQ(by_id["missing-item"].available, 0);
  // Nothing stayed reserved and nothing was logged.
  EXPECT_EQ(item(milk).reserved, 0);
  EXPECT_EQ(item(sugar).reserved, 0);
  EXPECT_EQ(item(beans).reserved, 0);
  EXPECT_EQ(count("inventory_logs"), 0);

  auto e = service::out_of_stock_error(r.shortages);
  EXPECT_EQ(e.code, ErrorCode::out_of_stock);
  ASSERT_EQ(e.details.size(), 2u);
  bool saw_beans = false;
  for (const auto& d : e.details)
    if (d.field == beans) {
      saw_beans = true;
      EXPECT_EQ(d.issue, "Beans: 0.2 kg needed, 0.1 available");
    }
  EXPECT_TRUE(saw_beans);
}

TEST_F(StockTest, CommitOrReleaseBeyondTheReservationIsAConflict) {
  auto milk = make_item("Milk", units(5));
  ASSERT_TRUE(reserve({{milk, 1000}}).ok());
  auto too_much = pool_->transact([&](db::Transaction& tx) {
    return service::commit_stock(tx, {{milk, 2000}}, {});
  });
  ASSERT_FALSE(too_much.ok());
  EXPECT_EQ(too_much.error().code, ErrorCode::conflict);
  auto unknown = pool_->transact([&](db::Transaction& tx) {
    return service::release_stock(tx, {{"nope", 1}}, {});
  });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_THROW(pool_->transact([&](db::Transaction& tx) {
    return service::reserve_stock(tx, {{milk, -1}}, {});
  }),
               std::invalid_argument);
  EXPECT_EQ(item(milk).reserved, 1000);
}

TEST_F(StockTest, LowStockAlertsOncePerCrossing) {
  auto milk = make_item("Milk", units(10), units(4));
  auto r1 = reserve({{milk, units(5)}});  // available 5: not low
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(r1.effects.low_alerts.empty());
  auto r2 = reserve({{milk, units(2)}});  // available 3 < 4: the crossing
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2.effects.low_alerts.size(), 1u);
  EXPECT_EQ(r2.effects.low_alerts[0].id, milk);
  EXPECT_EQ(r2.effects.low_alerts[0].available(), units(3));
  auto r3 = reserve({{milk, units(1)}});  // still low: no second alert
  ASSERT_TRUE(r3.ok());
  EXPECT_TRUE(r3.effects.low_alerts.empty());
  // Back above the threshold re-arms; the next dip alerts again.
  ASSERT_TRUE(pool_
                  ->transact([&](db::Transaction& tx) {
                    return service::release_stock(tx, {{milk, units(8)}}, {});
                  })
                  .ok());
  EXPECT_FALSE(item(milk).low_alerted);
  auto r4 = reserve({{milk, units(7)}});
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(r4.effects.low_alerts.size(), 1u);

  // Published after the commit (by the unit of work): one inventory_low event per alert,
  // carrying the item.
  publish(r4.effects);
  auto low = events_of("inventory_low");
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(low[0].data.at("id").as_string(), milk);
  EXPECT_EQ(low[0].data.at("is_low"), true);
}

// SPEC §7: `menu_updated` names only the products whose menu entry really changed. Orders
// reserving and consuming a drink's ingredients leave the menu as it was until a product's
// in_stock flips; a tracked product's own stock figure is on the menu, so it counts.
TEST_F(StockTest, EffectsNameOnlyTheProductsWhoseMenuEntryChanged) {
  auto milk = make_item("Milk", units(10));
  auto syrup = make_item("Syrup", 100);  // short already: 0.1 l, a mocha needs 0.2
  service::CatalogueService catalogue(*pool_, bus_);
  auto product = [&](std::string name, std::vector<domain::RecipeLine> recipe,
                     std::optional<std::int64_t> stock = std::nullopt) {
    service::ProductInput in;
    in.name = std::move(name);
    in.category = "Coffee";
    in.price = 450;
    in.recipe = std::move(recipe);
    if (stock) in.stock = *stock;
    auto p = catalogue.create(admin_, in);
    EXPECT_TRUE(p.ok());
    return p->id;
  };
  const auto latte = product("Latte", {{milk, 200}});
  const auto flat = product("Flat white", {{milk, 150}});
  const auto mocha = product("Mocha", {{milk, 200}, {syrup, 200}});  // out of stock by syrup
  const auto bun = product("Bun", {}, units(5));
  clear_events();
  auto ids = [](const service::StockEffects& e) {
    return std::set<std::string>(e.product_ids.begin(), e.product_ids.end());
  };

  // 10 l → 9.8 l available: every drink is as available as it was.
  auto r = reserve({{milk, 200}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.effects.product_ids.empty());
  publish(r.effects);
  EXPECT_TRUE(events_of("menu_updated").empty());
  auto committed = pool_->transact([&](db::Transaction& tx) {
    return service::commit_stock(tx, {{milk, 200}}, {"order-1", "", "paid"});
  });
  ASSERT_TRUE(committed.ok());
  EXPECT_TRUE(committed->product_ids.empty());

  // Down to 0.18 l: below what a latte needs, not a flat white. The mocha was out already.
  auto crossing = reserve({{milk, 9620}}, "order-2");
  ASSERT_TRUE(crossing.ok());
  EXPECT_EQ(ids(crossing.effects), std::set<std::string>{latte});
  publish(crossing.effects);
  auto updated = events_of("menu_updated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].data.at("product_ids"), boost::json::array{boost::json::value(latte)});
  // Released: the latte is back.
  auto released = pool_->transact([&](db::Transaction& tx) {
    return service::release_stock(tx, {{milk, 9620}}, {"order-2", "", "expired"});
  });
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(ids(*released), std::set<std::string>{latte});
  // Both drinks cross at once.
  auto both = reserve({{milk, 9700}}, "order-3");
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(ids(both.effects), (std::set<std::string>{latte, flat}));
  (void)mocha;

  // A tracked product's own stock: a reservation leaves its figure (on_hand) as it was; the
  // commit moves it, and that is on the menu.
  auto held = reserve({{bun, units(1)}}, "order-4");
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held.effects.product_ids.empty());
  auto sold = pool_->transact([&](db::Transaction& tx) {
    return service::commit_stock(tx, {{bun, units(1)}}, {"order-4", "", "paid"});
  });
  ASSERT_TRUE(sold.ok());
  EXPECT_EQ(ids(*sold), std::set<std::string>{bun});
  // The last four reserved: out of stock.
  auto last = reserve({{bun, units(4)}}, "order-5");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(ids(last.effects), std::set<std::string>{bun});
}

// Partners hear of a menu change through the outbox only when there is one.
TEST_F(StockTest, PartnersAreToldOfMenuChangesOnlyWhenThereIsOne) {
  auto milk = make_item("Milk", units(1));
  service::CatalogueService catalogue(*pool_, bus_);
  service::ProductInput in;
  in.name = "Latte";
  in.category = "Coffee";
  in.price = 450;
  in.recipe = std::vector<domain::RecipeLine>{{milk, 400}};
  ASSERT_TRUE(catalogue.create(admin_, in).ok());
  pool_->transact([&](db::Transaction& tx) {
    tx.exec(
        "INSERT INTO webhooks (id, url, events, description, secret_sealed, created_at) "
        "VALUES ('wh-1', 'https://partner.example/menu', '[\"menu_updated\"]', '', 'sealed', 1)");
  });
  auto queued = [&] {
    return pool_->read()
        ->exec("SELECT COUNT(*) FROM outbox WHERE type = 'menu_updated' AND channel = 'webhook'")
        .front()
        .int64(0);
  };
  const auto before = queued();
  ASSERT_TRUE(reserve({{milk, 400}}).ok());  // 0.6 l left: a latte is still available
  EXPECT_EQ(queued(), before);
  ASSERT_TRUE(reserve({{milk, 400}}, "order-2").ok());  // 0.2 l: not any more
  EXPECT_EQ(queued(), before + 1);
}

// Many threads, on two pools (two "instances"), race for the last units: exactly the stock
// sells, the figures and the log agree, and exactly one low-stock alert is raised.
TEST_F(StockTest, ConcurrentReservationsNeverOversell) {
  constexpr int kStock = 7;
  constexpr int kThreads = 24;
  auto croissant = make_item("Croissant", units(kStock), units(3), "pcs");
  auto butter = make_item("Butter", units(100), 0, "kg");
  auto second = open_pool(options());
  std::atomic<int> won{0}, lost{0}, alerts{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      db::Pool& pool = i % 2 ? *second : *pool_;
      try {
        auto r = pool.transact([&](db::Transaction& tx) {
          return service::reserve_stock(tx, {{croissant, units(1)}, {butter, 50}},
                                        {"order-" + std::to_string(i), "", "race"});
        });
        (r.ok() ? won : lost)++;
        alerts += static_cast<int>(r.effects.low_alerts.size());
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        errors++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(won.load(), kStock);
  EXPECT_EQ(lost.load(), kThreads - kStock);
  EXPECT_EQ(alerts.load(), 1);
  auto c = item(croissant);
  EXPECT_EQ(c.reserved, units(kStock));
  EXPECT_EQ(c.on_hand, units(kStock));
  EXPECT_EQ(item(butter).reserved, 50 * kStock);  // the losers reserved no butter either
  EXPECT_EQ(logs_of(croissant, "reserve"), kStock);
  EXPECT_EQ(logs_of(butter, "reserve"), kStock);
}

// Two items in opposite order from different threads: merged needs are applied in id order,
// so PostgreSQL never sees a lock cycle (a deadlock would surface as an error here).
TEST_F(StockTest, OppositeOrdersDoNotDeadlock) {
  auto a = make_item("A", units(1000));
  auto b = make_item("B", units(1000));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 10; ++k) {
        std::vector<StockNeed> needs =
            i % 2 ? std::vector<StockNeed>{{a, 1}, {b, 1}} : std::vector<StockNeed>{{b, 1}, {a, 1}};
        try {
          auto r = pool_->transact(
              [&](db::Transaction& tx) { return service::reserve_stock(tx, needs, {}); });
          if (r.ok()) ok++;
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(item(a).reserved, 80);
  EXPECT_EQ(item(b).reserved, 80);
}

}  // namespace
}  // namespace crema::test
