// The order use cases on the store under test: pricing and reservation in one transaction,
// refusal with nothing written, stock movements of each transition, expiry, idempotency
// (sequential and racing), versioned changes and no oversell under concurrency.

#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "repo/order_repo.hpp"
#include "service/order_service.hpp"
#include "util/json_text.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using domain::OrderStatus;
using domain::OrderType;

class OrderServiceTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    service::OrderSettings s;
    s.tax_rate_bps = 1000;
    s.currency = "EUR";
    s.hold_minutes = 15;
    s.kitchen_parallelism = 2;
    orders_.emplace(*pool_, bus_, s);
    catalogue_.emplace(*pool_, bus_);
  }

  std::string product(const std::string& name, std::int64_t price,
                      std::vector<domain::RecipeLine> recipe = {},
                      std::vector<domain::Modifier> mods = {},
                      std::optional<std::int64_t> stock = std::nullopt, int prep = 4) {
    service::ProductInput in;
    in.name = name;
    in.category = "Test";
    in.price = price;
    in.recipe = std::move(recipe);
    in.modifiers = std::move(mods);
    in.prep_minutes = prep;
    if (stock) in.stock = *stock;
    auto p = catalogue_->create(admin_, in);
    if (!p) throw std::runtime_error(p.error().message);
    return p->id;
  }

  service::OrderRequest request(std::vector<service::OrderLine> lines,
                                OrderType type = OrderType::takeaway) {
    service::OrderRequest r;
    r.type = type;
    r.items = std::move(lines);
    r.items_given = true;
    return r;
  }

  static service::OrderLine line(const std::string& pid, std::int64_t q,
                                 std::vector<std::string> mods = {}) {
    service::OrderLine l;
    l.product_id = pid;
    l.quantity = q;
    l.modifiers = std::move(mods);
    return l;
  }

  json::object placed_json(const crema::Result<service::PlacedOrder>& r) {
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? json::parse(r->body).as_object() : json::object{};
  }

  std::optional<service::OrderService> orders_;
  std::optional<service::CatalogueService> catalogue_;
  service::Actor customer_ = actor_of_role(auth::Role::customer, "customer-1");
};

TEST_F(OrderServiceTest, PlacingPricesReservesNumbersAndAnnouncesAfterCommit) {
  auto milk = make_item("Milk", units(10));
  auto oat = make_item("Oat milk", units(1));
  auto latte = product("Latte", 450, {{milk, 200}}, {{"oat", "Oat", 60, {{oat, 150}}}}, {}, 5);
  auto bun = product("Bun", 225, {}, {}, units(10), 3);
  clear_events();

  auto r = orders_->place(staff_, request({line(latte, 2, {"oat"}), line(bun, 3)}), {});
  auto o = placed_json(r);
  // 2 × (4.50 + 0.60) + 3 × 2.25 = 16.95; 10 % tax = 1.695 → 1.70 (half away from zero).
  EXPECT_EQ(o.at("subtotal").to_number<double>(), 16.95);
  EXPECT_EQ(o.at("tax_amount").to_number<double>(), 1.7);
  EXPECT_EQ(o.at("total_amount").to_number<double>(), 18.65);
  EXPECT_EQ(o.at("currency"), "EUR");
  EXPECT_EQ(o.at("items").at(0).at("unit_price").to_number<double>(), 5.1);
  EXPECT_EQ(o.at("items").at(0).at("line_total").to_number<double>(), 10.2);
  EXPECT_EQ(o.at("status"), "pending");
  EXPECT_EQ(o.at("estimated_time"), 5);  // its own 5 minutes, nothing queued
  EXPECT_TRUE(
      std::regex_match(std::string(o.at("order_number").as_string()), std::regex(R"(\d{8}-0001)")));
  EXPECT_EQ(o.at("history").as_array().size(), 1u);

  EXPECT_EQ(item(milk).reserved, 400);
  EXPECT_EQ(item(oat).reserved, 300);
  EXPECT_EQ(item(bun).reserved, units(3));
  EXPECT_EQ(logs_of(milk, "reserve"), 1);

  auto created = events_of("order_created");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(util::to_json(created[0].data), r->body)
      << "the event carries the order as GET returns it";
  EXPECT_EQ(created[0].topics, (std::vector<std::string>{"orders", "order:" + r->id}));

  auto second = placed_json(orders_->place(staff_, request({line(bun, 1)}), {}));
  EXPECT_TRUE(std::string(second.at("order_number").as_string()).ends_with("-0002"));
  auto got = orders_->get(staff_, r->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(util::to_json(domain::to_json(*got)), r->body) << "GET answers what POST answered";
}

TEST_F(OrderServiceTest, ShortStockRefusesTheWholeOrderListingEachShortItemAndWritesNothing) {
  auto milk = make_item("Milk", 300);
  auto beans = make_item("Beans", 10, 0, "kg");
  auto latte = product("Latte", 450, {{milk, 200}, {beans, 18}});
  auto bun = product("Bun", 225, {}, {}, units(5));
  clear_events();
  auto r = orders_->place(staff_, request({line(latte, 2), line(bun, 1)}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::out_of_stock);
  ASSERT_EQ(r.error().details.size(), 2u);
  std::set<std::string> fields;
  for (const auto& d : r.error().details) fields.insert(d.field);
  EXPECT_EQ(fields, (std::set<std::string>{milk, beans}));
  EXPECT_EQ(count("orders"), 0);
  EXPECT_EQ(count("order_items"), 0);
  EXPECT_EQ(count("order_history"), 0);
  EXPECT_EQ(count("order_counters"), 0);
  EXPECT_EQ(item(milk).reserved, 0);
  EXPECT_EQ(item(bun).reserved, 0);
  EXPECT_TRUE(events_of("order_created").empty());
}

TEST_F(OrderServiceTest, UnknownProductsAndModifiersAre422ListingEveryLine) {
  auto latte = product("Latte", 450, {}, {{"oat", "Oat", 60, {}}});
  auto r =
      orders_->place(staff_, request({line(latte, 1, {"soy"}), line(util::new_uuid_v7(), 1)}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::validation_failed);
  ASSERT_EQ(r.error().details.size(), 2u);
  // The message counts the issues it lists (it once said "0 fields are invalid.").
  EXPECT_EQ(r.error().message, "2 fields are invalid.");
  EXPECT_EQ(r.error().details[0].field, "items[0].modifiers[0]");
  EXPECT_EQ(r.error().details[1].field, "items[1].product_id");
  // The role rules: customers order online only, staff must say which type.
  auto customer_dine_in =
      orders_->place(customer_, request({line(latte, 1)}, OrderType::dine_in), {});
  ASSERT_FALSE(customer_dine_in.ok());
  EXPECT_EQ(customer_dine_in.error().details.at(0).field, "type");
  EXPECT_EQ(customer_dine_in.error().message, "One field is invalid.");
  auto delivery = request({line(latte, 1)}, OrderType::online);
  delivery.is_pickup = false;
  auto no_address = orders_->place(customer_, delivery, {});
  ASSERT_FALSE(no_address.ok());
  EXPECT_EQ(no_address.error().details.at(0).field, "delivery_info.address");
  EXPECT_EQ(count("orders"), 0);
}

TEST_F(OrderServiceTest, ConfirmCommitsAndCancelReleasesRestocksOrKeeps) {
  auto bun = product("Bun", 200, {}, {}, units(10));
  auto place = [&] {
    auto r = orders_->place(staff_, request({line(bun, 2)}), {});
    EXPECT_TRUE(r.ok());
    return r->id;
  };
  // pending → cancelled: the reservation is released.
  auto a = place();
  EXPECT_EQ(item(bun).reserved, units(2));
  auto cancelled = orders_->change_status(staff_, a, OrderStatus::cancelled, "changed mind", {});
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->cancel_reason, "changed mind");
  EXPECT_TRUE(cancelled->cancelled_at);
  EXPECT_EQ(item(bun).reserved, 0);
  EXPECT_EQ(item(bun).on_hand, units(10));
  // pending → confirmed commits; confirmed → cancelled puts it back.
  auto b = place();
  auto confirmed = orders_->change_status(staff_, b, OrderStatus::confirmed, "", {});
  ASSERT_TRUE(confirmed.ok());
  EXPECT_TRUE(confirmed->confirmed_at);
  EXPECT_EQ(item(bun).on_hand, units(8));
  EXPECT_EQ(item(bun).reserved, 0);
  ASSERT_TRUE(orders_->change_status(staff_, b, OrderStatus::cancelled, "", {}).ok());
  EXPECT_EQ(item(bun).on_hand, units(10));
  EXPECT_EQ(logs_of(bun, "restock"), 1);
  // Once preparing, nothing goes back.
  auto c = place();
  ASSERT_TRUE(orders_->change_status(staff_, c, OrderStatus::confirmed, "", {}).ok());
  ASSERT_TRUE(orders_->change_status(staff_, c, OrderStatus::preparing, "", {}).ok());
  ASSERT_TRUE(orders_->change_status(staff_, c, OrderStatus::cancelled, "", {}).ok());
  EXPECT_EQ(item(bun).on_hand, units(8));
  EXPECT_EQ(logs_of(bun, "restock"), 1);
  // Through to completed, with a history row per step.
  auto d = place();
  for (auto s :
       {OrderStatus::confirmed, OrderStatus::preparing, OrderStatus::ready, OrderStatus::completed})
    ASSERT_TRUE(orders_->change_status(staff_, d, s, "", {}).ok());
  auto done = orders_->get(staff_, d);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->history.size(), 5u);
  EXPECT_TRUE(done->completed_at);
  EXPECT_EQ(done->version, 5);
  auto again = orders_->change_status(staff_, d, OrderStatus::cancelled, "", {});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::invalid_transition);
  EXPECT_EQ(events_of("order_completed").size(), 1u);
  EXPECT_EQ(events_of("order_cancelled").size(), 3u);
}

TEST_F(OrderServiceTest, AStaleVersionIsAConflictAndChangesNothing) {
  auto bun = product("Bun", 200, {}, {}, units(10));
  auto r = orders_->place(staff_, request({line(bun, 1)}), {});
  ASSERT_TRUE(r.ok());
  auto stale = orders_->change_status(staff_, r->id, OrderStatus::confirmed, "", 7);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::version_conflict);
  EXPECT_EQ(item(bun).reserved, units(1));
  EXPECT_TRUE(orders_->change_status(staff_, r->id, OrderStatus::confirmed, "", 1).ok());
}

TEST_F(OrderServiceTest, EstimatedTimeCountsTheKitchenQueue) {
  auto cake = product("Cake", 900, {}, {}, std::nullopt, 10);
  auto tea = product("Tea", 300, {}, {}, std::nullopt, 3);
  auto a = orders_->place(staff_, request({line(cake, 1)}), {});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(orders_->change_status(staff_, a->id, OrderStatus::confirmed, "", {}).ok());
  auto b = placed_json(orders_->place(staff_, request({line(tea, 1)}), {}));
  EXPECT_EQ(b.at("estimated_time"), 8);  // its own 3 + 10 queued / 2 cooks
  auto prepping = orders_->change_status(staff_, a->id, OrderStatus::preparing, "", {});
  ASSERT_TRUE(prepping.ok());
  EXPECT_EQ(prepping->estimated_time, 10);  // its own 10; the other order is still pending
  auto ready = orders_->change_status(staff_, a->id, OrderStatus::ready, "", {});
  EXPECT_EQ(ready->estimated_time, 0);
}

TEST_F(OrderServiceTest, UnpaidOnlineOrdersExpireAfterTheHoldReleasingStock) {
  auto bun = product("Bun", 200, {}, {}, units(5));
  auto online = request({line(bun, 2)}, OrderType::online);
  auto held = orders_->place(customer_, online, {});
  ASSERT_TRUE(held.ok());
  auto walk_in = orders_->place(staff_, request({line(bun, 1)}), {});
  ASSERT_TRUE(walk_in.ok());
  auto confirmed = orders_->place(customer_, online, {});
  ASSERT_TRUE(confirmed.ok());
  ASSERT_TRUE(orders_->change_status(staff_, confirmed->id, OrderStatus::confirmed, "", {}).ok());
  EXPECT_EQ(item(bun).reserved, units(3));
  const auto now = util::now_ms();
  EXPECT_EQ(orders_->expire_due(now + 14 * 60'000), 0) << "still within the hold";
  clear_events();
  EXPECT_EQ(orders_->expire_due(now + 16 * 60'000), 1);
  auto o = orders_->get(customer_, held->id);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->status, OrderStatus::cancelled);
  EXPECT_TRUE(o->cancel_reason.starts_with("expired"));
  EXPECT_EQ(item(bun).reserved, units(1));
  EXPECT_EQ(item(bun).on_hand, units(3));
  EXPECT_EQ(events_of("order_cancelled").size(), 1u);
  EXPECT_EQ(orders_->expire_due(now + 60 * 60'000), 0) << "nothing twice";
}

TEST_F(OrderServiceTest, IdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody) {
  auto bun = product("Bun", 200, {}, {}, units(5));
  service::IdempotencyKey key{"k-1", "fingerprint-a"};
  auto first = orders_->place(staff_, request({line(bun, 1)}), key);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->replayed);
  auto again = orders_->place(staff_, request({line(bun, 1)}), key);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->body, first->body);
  EXPECT_EQ(count("orders"), 1);
  EXPECT_EQ(item(bun).reserved, units(1));
  auto other = orders_->place(staff_, request({line(bun, 2)}), {{"k-1", "fingerprint-b"}});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::conflict);
  // Scoped to the caller: the same key from someone else is a new request.
  auto manager = orders_->place(manager_, request({line(bun, 1)}), key);
  ASSERT_TRUE(manager.ok());
  EXPECT_FALSE(manager->replayed);
  EXPECT_EQ(count("orders"), 2);
  // Forgotten after 24 hours.
  EXPECT_EQ(orders_->prune_idempotency_keys(util::now_ms() + service::kIdempotencyKeepMs + 1), 2);
}

TEST_F(OrderServiceTest, RacingIdenticalRequestsPlaceOneOrder) {
  auto bun = product("Bun", 200, {}, {}, units(50));
  constexpr int kThreads = 8;
  std::vector<std::string> bodies(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      auto r = orders_->place(staff_, request({line(bun, 1)}), {{"race", "same"}});
      if (r.ok()) bodies[i] = r->body;
    });
  for (auto& t : threads) t.join();
  for (const auto& b : bodies) EXPECT_EQ(b, bodies[0]);
  EXPECT_FALSE(bodies[0].empty());
  EXPECT_EQ(count("orders"), 1);
  EXPECT_EQ(item(bun).reserved, units(1));
}

TEST_F(OrderServiceTest, ManyBuyersOfTheLastUnitsNeverOversell) {
  auto bun = product("Bun", 200, {}, {}, units(7));
  constexpr int kThreads = 12;
  std::atomic<int> sold{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 3; ++k) {
        auto r = orders_->place(staff_, request({line(bun, 1)}), {});
        if (r.ok()) {
          sold.fetch_add(1);
        } else if (r.error().code == ErrorCode::out_of_stock) {
          refused.fetch_add(1);
        } else {
          other.fetch_add(1);
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(sold.load(), 7);
  EXPECT_EQ(refused.load(), kThreads * 3 - 7);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(item(bun).reserved, units(7));
  EXPECT_EQ(count("orders"), 7);
}

// The day's first orders race for its first number (PostgreSQL: the order_day_starts row,
// SQLite: the counter row); every order still gets a distinct number of the day, the numbers
// rise in commit order from 0001, and a refused order leaves no order behind.
TEST_F(OrderServiceTest, ConcurrentOrdersGetDistinctRisingNumbersOfTheDay) {
  auto bun = product("Bun", 200, {}, {}, units(1000));
  constexpr int kThreads = 8;
  constexpr int kEach = 5;
  std::vector<std::vector<std::string>> numbers(kThreads);
  std::atomic<int> ready{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int k = 0; k < kEach; ++k) {
        auto r = orders_->place(staff_, request({line(bun, 1)}), {});
        if (!r.ok()) {
          failed.fetch_add(1);
          continue;
        }
        numbers[i].push_back(std::string(placed_json(r).at("order_number").as_string()));
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  std::set<std::string> all;
  std::string day;
  for (const auto& per_thread : numbers) {
    for (std::size_t k = 0; k < per_thread.size(); ++k) {
      const auto& n = per_thread[k];
      ASSERT_TRUE(std::regex_match(n, std::regex(R"(\d{8}-\d{4,})"))) << n;
      if (day.empty()) day = n.substr(0, 8);
      EXPECT_EQ(n.substr(0, 8), day) << "one business day";
      EXPECT_GE(std::stoll(n.substr(9)), 1);
      // One thread's orders commit one after another: its numbers rise.
      if (k > 0) {
        EXPECT_GT(std::stoll(n.substr(9)), std::stoll(per_thread[k - 1].substr(9)));
      }
      all.insert(n);
    }
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach)) << "no number twice";
  EXPECT_EQ(count("orders"), kThreads * kEach);
  EXPECT_EQ(item(bun).reserved, units(kThreads * kEach));

  // A refused order rolls back with the rest; the next order still numbers after the others.
  auto refused = orders_->place(staff_, request({line(bun, 10000)}), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::out_of_stock);
  EXPECT_EQ(count("orders"), kThreads * kEach);
  auto next = placed_json(orders_->place(staff_, request({line(bun, 1)}), {}));
  const std::string last(next.at("order_number").as_string());
  for (const auto& n : all) EXPECT_GT(std::stoll(last.substr(9)), std::stoll(n.substr(9)));
}

TEST_F(OrderServiceTest, CustomersSeeOnlyTheirOwnOrders) {
  auto bun = product("Bun", 200, {}, {}, units(10));
  auto mine = orders_->place(customer_, request({line(bun, 1)}, OrderType::online), {});
  ASSERT_TRUE(mine.ok());
  auto theirs_actor = actor_of_role(auth::Role::customer, "customer-2");
  auto theirs = orders_->place(theirs_actor, request({line(bun, 1)}, OrderType::online), {});
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(orders_->get(customer_, mine->id).ok());
  auto denied = orders_->get(customer_, theirs->id);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::not_found);
  auto cancel = orders_->change_status(customer_, theirs->id, OrderStatus::cancelled, "", {});
  EXPECT_EQ(cancel.error().code, ErrorCode::not_found);
  auto page = orders_->list(customer_, {});
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].id, mine->id);
  EXPECT_EQ(orders_->list(staff_, {}).items.size(), 2u);
  auto driver = actor_of_role(auth::Role::driver, "driver-1");
  EXPECT_TRUE(orders_->list(driver, {}).items.empty());
  auth::Principal p = *customer_.principal;
  EXPECT_TRUE(orders_->may_watch(p, "order:" + mine->id));
  EXPECT_FALSE(orders_->may_watch(p, "order:" + theirs->id));
  EXPECT_TRUE(orders_->may_watch(*staff_.principal, "order:" + theirs->id));
}

TEST_F(OrderServiceTest, ListingIsNewestFirstWithStableKeysetPages) {
  auto bun = product("Bun", 200, {}, {}, units(100));
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    auto r = orders_->place(staff_, request({line(bun, 1)}), {});
    ASSERT_TRUE(r.ok());
    ids.insert(ids.begin(), r->id);
  }
  repo::OrderFilter f;
  f.limit = 3;
  std::vector<std::string> seen;
  for (int guard = 0; guard < 5; ++guard) {
    auto page = orders_->list(staff_, f);
    for (const auto& o : page.items) seen.push_back(o.id);
    if (!page.next) break;
    f.before = page.next;
    // A new order between pages does not disturb the ones after the cursor.
    ASSERT_TRUE(orders_->place(staff_, request({line(bun, 1)}), {}).ok());
  }
  EXPECT_EQ(seen, ids);
  repo::OrderFilter pending;
  pending.statuses = {"pending"};
  pending.q = "-000";
  EXPECT_EQ(orders_->list(staff_, pending).items.size(), 9u);
}

}  // namespace
}  // namespace crema::test
