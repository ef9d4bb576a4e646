// Delivery, reviews and catering events (SPEC §8, §11) on the store under test: the product
// rating stays exact under concurrent reviews and moderation, deliveries move their order
// through the order service's transitions, locations are paced per delivery, and a
// confirmed event's order totals the quote and reserves its stock — or nothing is written.

#include <algorithm>
#include <atomic>
#include <thread>

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "repo/order_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/delivery_service.hpp"
#include "service/event_service.hpp"
#include "service/order_service.hpp"
#include "service/review_service.hpp"
#include "util/uuid.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using domain::OrderStatus;

class FulfilServiceTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    service::OrderSettings s;
    s.tax_rate_bps = 1000;
    orders_.emplace(*pool_, bus_, s);
    catalogue_.emplace(*pool_, bus_);
    reviews_.emplace(*pool_, bus_);
    deliveries_.emplace(*pool_, bus_, *orders_);
    events_.emplace(*pool_, bus_, *orders_);
  }

  service::Actor user(auth::Role role) { return insert_user_of_role(*pool_, role); }

  std::string product(const std::string& name, std::int64_t price,
                      std::optional<std::int64_t> stock = std::nullopt) {
    service::ProductInput in;
    in.name = name;
    in.category = "Test";
    in.price = price;
    if (stock) in.stock = *stock;
    auto p = catalogue_->create(admin_, in);
    if (!p) throw std::runtime_error(p.error().message);
    return p->id;
  }

  std::pair<std::int64_t, std::int64_t> rating(const std::string& pid) {
    auto r = pool_->read()->exec(
        "SELECT rating_avg_milli, rating_count FROM products WHERE id = $1", {pid});
    return {r.front().int64(0), r.front().int64(1)};
  }

  std::string delivery_order(const service::Actor& customer, const std::string& pid) {
    service::OrderRequest r;
    r.type = domain::OrderType::online;
    service::OrderLine l;
    l.product_id = pid;
    l.quantity = 1;
    r.items = {l};
    r.items_given = true;
    r.is_pickup = false;
    r.delivery_info = json::object{{"address", "1 Main St"}};
    auto placed = orders_->place(customer, r, {});
    if (!placed) throw std::runtime_error(placed.error().message);
    return placed->id;
  }

  domain::Order order(const std::string& id) { return *repo::find_order(*pool_->read(), id); }

  std::optional<service::OrderService> orders_;
  std::optional<service::CatalogueService> catalogue_;
  std::optional<service::ReviewService> reviews_;
  std::optional<service::DeliveryService> deliveries_;
  std::optional<service::EventService> events_;
};

TEST_F(FulfilServiceTest, ConcurrentReviewsAndModerationKeepTheRatingExact) {
  const auto pid = product("Rated bun", 200);
  constexpr int kCustomers = 12;
  std::vector<service::Actor> customers;
  for (int i = 0; i < kCustomers; ++i) customers.push_back(user(auth::Role::customer));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::vector<std::string> ids(kCustomers);
  for (int i = 0; i < kCustomers; ++i)
    threads.emplace_back([&, i] {
      auto r = reviews_->create(customers[static_cast<std::size_t>(i)], pid, 1 + i % 5, "ok");
      if (r) {
        ++ok;
        ids[static_cast<std::size_t>(i)] = r->id;
      }
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(ok.load(), kCustomers);
  // Ratings 1..5, 1..5, 1, 2: sum 33 over 12 → 2.750.
  EXPECT_EQ(rating(pid), (std::pair<std::int64_t, std::int64_t>(2750, 12)));
  auto dup = reviews_->create(customers[0], pid, 5, "again");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::duplicate);

  // Concurrent moderation: hide the three 1-star reviews while others flag the 2-stars.
  threads.clear();
  for (int i = 0; i < kCustomers; ++i) {
    const int r = 1 + i % 5;
    if (r == 1)
      threads.emplace_back([&, i] {
        EXPECT_TRUE(reviews_->set_status(manager_, ids[static_cast<std::size_t>(i)],
                                         domain::ReviewStatus::hidden, {}));
      });
    if (r == 2)
      for (std::size_t who = 0; who < 3; ++who)  // three different users hide a review
        threads.emplace_back([&, i, who] {
          EXPECT_TRUE(reviews_->flag(customers[who], ids[static_cast<std::size_t>(i)], "spam"));
        });
  }
  for (auto& t : threads) t.join();
  // Left visible: 3,4,5,3,4,5 → 24 / 6 = 4.000.
  EXPECT_EQ(rating(pid), (std::pair<std::int64_t, std::int64_t>(4000, 6)));
  auto page = reviews_->list_visible(pid, {});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->items.size(), 6u);
  repo::ReviewFilter queue;
  queue.status = domain::ReviewStatus::flagged;
  EXPECT_EQ(reviews_->list(queue).items.size(), 3u);
  // A hidden review is invisible to a customer flagging it, a conflict for a manager.
  std::string hidden_id;
  for (int i = 0; i < kCustomers; ++i)
    if (i % 5 == 0) hidden_id = ids[static_cast<std::size_t>(i)];
  EXPECT_EQ(reviews_->flag(customers[1], hidden_id, "x").error().code, ErrorCode::not_found);
  EXPECT_EQ(reviews_->flag(manager_, hidden_id, "x").error().code, ErrorCode::conflict);
  EXPECT_FALSE(events_of("menu_updated").empty());
}

// One customer cannot hide someone's review: each user flags once, the review stays
// visible until three different users flagged it, and a moderator's decision settles the
// flags (three new flaggers are then needed again).
TEST_F(FulfilServiceTest, AReviewStaysVisibleUntilThreeUsersFlagItOrAModeratorActs) {
  const auto pid = product("Flagged bun", 300);
  auto author = user(auth::Role::customer);
  auto review = reviews_->create(author, pid, 5, "best bun in town");
  ASSERT_TRUE(review) << review.error().message;
  const std::string id = review->id;
  auto a = user(auth::Role::customer), b = user(auth::Role::customer);
  auto c = user(auth::Role::driver), d = user(auth::Role::customer);
  auto one = reviews_->flag(a, id, "spam");
  ASSERT_TRUE(one);
  EXPECT_EQ(domain::name(one->status), "visible");
  EXPECT_EQ(one->open_flags, 1);
  for (int i = 0; i < 5; ++i) {
    auto again = reviews_->flag(a, id, "spam!");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::duplicate);
  }
  EXPECT_EQ(rating(pid), (std::pair<std::int64_t, std::int64_t>(5000, 1)));
  EXPECT_EQ(domain::name(reviews_->flag(b, id, "fake")->status), "visible");
  auto third = reviews_->flag(c, id, "rude");
  ASSERT_TRUE(third);
  EXPECT_EQ(domain::name(third->status), "flagged");
  EXPECT_EQ(rating(pid), (std::pair<std::int64_t, std::int64_t>(0, 0)));
  repo::ReviewFilter reported;
  reported.reported = true;
  EXPECT_EQ(reviews_->list(reported).items.size(), 1u);
  // The moderator puts it back: the flags are settled; old flaggers cannot flag again, and a
  // new one alone does not hide it.
  auto back = reviews_->set_status(manager_, id, domain::ReviewStatus::visible, {});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->open_flags, 0);
  EXPECT_TRUE(reviews_->list(reported).items.empty());
  EXPECT_EQ(reviews_->flag(b, id, "still fake").error().code, ErrorCode::duplicate);
  EXPECT_EQ(domain::name(reviews_->flag(d, id, "hmm")->status), "visible");
  // A moderator's own flag hides it at once.
  EXPECT_EQ(domain::name(reviews_->flag(manager_, id, "checking")->status), "flagged");
}

// A rating change reaches partners subscribed to menu_updated through the outbox, written in
// the review's own transaction (and nothing is queued when the review is refused).
TEST_F(FulfilServiceTest, RatingChangesQueueMenuUpdatedForPartners) {
  const auto pid = product("Webhooked bun", 200);
  pool_->transact([&](db::Transaction& tx) {
    tx.exec(
        "INSERT INTO webhooks (id, url, events, description, secret_sealed, created_at) "
        "VALUES ($1, 'https://partner.example/menu', '[\"menu_updated\"]', '', 'sealed', 1)",
        {util::new_uuid_v7()});
  });
  auto queued = [&] {
    return pool_->read()
        ->exec(
            "SELECT COUNT(*) FROM outbox WHERE type = 'menu_updated' AND channel = 'webhook' "
            "AND payload LIKE $1",
            {std::string("%" + pid + "%")})
        .front()
        .int64(0);
  };
  auto customer = user(auth::Role::customer);
  auto review = reviews_->create(customer, pid, 4, "nice");
  ASSERT_TRUE(review) << review.error().message;
  EXPECT_EQ(queued(), 1);
  EXPECT_FALSE(reviews_->create(customer, pid, 5, "again"));  // duplicate: rolled back
  EXPECT_EQ(queued(), 1);
  ASSERT_TRUE(reviews_->set_status(manager_, review->id, domain::ReviewStatus::hidden, {}));
  EXPECT_EQ(queued(), 2);
}

// An unpaid delivery order that expires is cancelled through the one transition path: its
// history says why, the cancellation is audited (by the server: role "system"), and the
// delivery assigned to it is withdrawn like any cancelled order's.
TEST_F(FulfilServiceTest, AnExpiredDeliveryOrderIsCancelledLikeAnyOtherWithItsDelivery) {
  const auto pid = product("Expiring pie", 900, units(5));
  auto customer = user(auth::Role::customer);
  auto driver_user = user(auth::Role::driver);
  service::DriverInput in;
  in.user_id = driver_user.user_id();
  in.vehicle = "bike";
  auto driver = deliveries_->create_driver(manager_, in);
  ASSERT_TRUE(driver) << driver.error().message;
  const auto oid = delivery_order(customer, pid);
  ASSERT_TRUE(orders_->assign_delivery(manager_, oid, driver->id));
  ASSERT_EQ(domain::name(deliveries_->list(driver_user, {}).items.at(0).status), "assigned");
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE orders SET expires_at = $2 WHERE id = $1", {oid, util::now_ms() - 1});
  });
  clear_events();

  EXPECT_EQ(orders_->expire_due(util::now_ms()), 1);
  const auto o = order(oid);
  EXPECT_EQ(o.status, OrderStatus::cancelled);
  ASSERT_FALSE(o.history.empty());
  EXPECT_EQ(o.history.back().status, OrderStatus::cancelled);
  EXPECT_NE(o.history.back().reason.find("expired"), std::string::npos) << o.history.back().reason;
  EXPECT_EQ(item(pid).reserved, 0);
  auto delivery = deliveries_->list(driver_user, {});
  ASSERT_EQ(delivery.items.size(), 1u);
  EXPECT_EQ(domain::name(delivery.items.at(0).status), "failed");
  EXPECT_EQ(delivery.items.at(0).failure_reason, "order cancelled");
  auto updated = events_of("delivery_updated");
  ASSERT_EQ(updated.size(), 1u);  // the driver hears of it
  EXPECT_NE(std::find(updated[0].topics.begin(), updated[0].topics.end(),
                      "driver:" + driver_user.user_id()),
            updated[0].topics.end());
  EXPECT_EQ(events_of("order_cancelled").size(), 1u);
  EXPECT_EQ(o.stock_state, domain::StockState::released);
  // The release is logged as the expiry's, by nobody.
  auto logs = repo::list_logs(*pool_->read(), pid, std::nullopt, 10);
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs.front().kind, domain::LogKind::release);
  EXPECT_EQ(logs.front().reason, "order " + o.order_number + " expired");
  EXPECT_EQ(logs.front().actor_id, "");
  auto audit = pool_->read()->exec(
      "SELECT actor_id, actor_role, summary FROM audit_log WHERE action = 'order.cancel' AND "
      "target_id = $1",
      {oid});
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_TRUE(audit.front().is_null(0));
  EXPECT_EQ(audit.front().text(1), "system");
  EXPECT_EQ(orders_->expire_due(util::now_ms()), 0);  // once
}

TEST_F(FulfilServiceTest, DeliveriesMoveTheirOrderThroughTheOrderService) {
  const auto pid = product("Delivered pie", 900, units(5));
  auto customer = user(auth::Role::customer);
  auto driver_user = user(auth::Role::driver);
  auto other_driver_user = user(auth::Role::driver);
  service::DriverInput in;
  in.user_id = driver_user.user_id();
  in.vehicle = "bike";
  auto driver = deliveries_->create_driver(manager_, in);
  ASSERT_TRUE(driver) << driver.error().message;
  EXPECT_EQ(deliveries_->create_driver(manager_, in).error().code, ErrorCode::duplicate);
  in.user_id = customer.user_id();
  EXPECT_EQ(deliveries_->create_driver(manager_, in).error().code, ErrorCode::validation_failed);
  in.user_id = other_driver_user.user_id();
  ASSERT_TRUE(deliveries_->create_driver(manager_, in));

  const auto oid = delivery_order(customer, pid);
  auto assigned = orders_->assign_delivery(manager_, oid, driver->id);
  ASSERT_TRUE(assigned) << assigned.error().message;
  EXPECT_EQ(assigned->driver_id, driver_user.user_id());
  EXPECT_EQ(domain::to_json(*assigned).at("delivery_info").at("driver_id"),
            json::value(driver->id));
  EXPECT_TRUE(orders_->get(driver_user, oid));
  EXPECT_FALSE(orders_->get(other_driver_user, oid));

  auto mine = deliveries_->list(driver_user, {});
  ASSERT_EQ(mine.items.size(), 1u);
  const auto did = mine.items[0].id;
  EXPECT_TRUE(deliveries_->list(other_driver_user, {}).items.empty());
  EXPECT_EQ(deliveries_->update(other_driver_user, did, domain::DeliveryStatus::picked_up, {}, "")
                .error()
                .code,
            ErrorCode::not_found);
  EXPECT_EQ(
      deliveries_->update(driver_user, did, domain::DeliveryStatus::picked_up, {}, "").error().code,
      ErrorCode::invalid_transition);  // the order is not ready

  for (auto s : {OrderStatus::confirmed, OrderStatus::preparing, OrderStatus::ready})
    ASSERT_TRUE(orders_->change_status(staff_, oid, s, "", {}));
  clear_events();
  auto picked = deliveries_->update(driver_user, did, domain::DeliveryStatus::picked_up,
                                    util::now_ms() + 600'000, "");
  ASSERT_TRUE(picked) << picked.error().message;
  auto o = order(oid);
  EXPECT_EQ(o.status, OrderStatus::out_for_delivery);
  EXPECT_TRUE(o.delivery_info->contains("eta"));
  EXPECT_EQ(o.history.back().status, OrderStatus::out_for_delivery);
  EXPECT_EQ(events_of("delivery_updated").size(), 1u);
  EXPECT_EQ(events_of("order_updated").size(), 1u);

  // Locations: one per second per delivery, for its driver only.
  EXPECT_TRUE(deliveries_->locate(driver_user, did, 1.5, 2.5));
  auto again = deliveries_->locate(driver_user, did, 1.6, 2.6);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::rate_limited);
  EXPECT_GE(again.error().retry_after_s, 1);
  EXPECT_EQ(deliveries_->locate(other_driver_user, did, 1, 1).error().code, ErrorCode::not_found);
  ASSERT_EQ(events_of("delivery_location").size(), 1u);
  EXPECT_EQ(events_of("delivery_location")[0].data.at("order_id"), json::value(oid));

  // Racing reports of a fresh delivery: exactly one gets through (the pace lives in the
  // database, so this holds across instances too).
  {
    const auto oid2 = delivery_order(customer, pid);
    ASSERT_TRUE(orders_->assign_delivery(manager_, oid2, driver->id));
    repo::DeliveryFilter f;
    f.order_id = oid2;
    const auto racing = deliveries_->list(manager_, f).items.at(0).id;
    std::atomic<int> accepted{0}, paced{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i)
      threads.emplace_back([&] {
        auto r = deliveries_->locate(driver_user, racing, 3, 4);
        if (r) ++accepted;
        else if (r.error().code == ErrorCode::rate_limited) ++paced;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(accepted.load(), 1);
    EXPECT_EQ(paced.load(), 5);
  }

  // failed: back to ready, unassigned.
  auto failed =
      deliveries_->update(driver_user, did, domain::DeliveryStatus::failed, {}, "flat tyre");
  ASSERT_TRUE(failed) << failed.error().message;
  o = order(oid);
  EXPECT_EQ(o.status, OrderStatus::ready);
  EXPECT_TRUE(o.driver_id.empty());
  EXPECT_TRUE(domain::to_json(o).at("delivery_info").at("driver_id").is_null());
  EXPECT_FALSE(orders_->get(driver_user, oid));
  EXPECT_EQ(deliveries_->locate(driver_user, did, 1, 1).error().code, ErrorCode::conflict);

  // Delivered through the order route also settles the delivery.
  ASSERT_TRUE(orders_->assign_delivery(manager_, oid, driver->id));
  const auto did2 = deliveries_->list(driver_user, {}).items[0].id;
  ASSERT_TRUE(deliveries_->update(manager_, did2, domain::DeliveryStatus::picked_up, {}, ""));
  ASSERT_TRUE(orders_->change_status(driver_user, oid, OrderStatus::delivered, "", {}));
  EXPECT_EQ(domain::name(deliveries_->get(manager_, did2)->status), "delivered");
}

TEST_F(FulfilServiceTest, ConfirmedEventsBecomeOrdersTotallingTheQuoteOrNothing) {
  const auto cake = product("Event cake", 450, units(20));
  const auto tart = product("Event tart", 300, units(2));
  auto customer = user(auth::Role::customer);
  auto other = user(auth::Role::customer);
  service::EventInput in;
  in.event_type = "birthday";
  in.date = "2999-06-01";
  in.guests = 30;
  in.items = {{cake, 10}, {tart, 3}};
  auto ev = events_->create(customer, in);
  ASSERT_TRUE(ev) << ev.error().message;
  ASSERT_EQ(events_of("event_request_created").size(), 1u);
  auto outbox =
      pool_->read()->exec("SELECT COUNT(*) FROM outbox WHERE type = 'event_request_received'");
  EXPECT_EQ(outbox.front().int64(0), 0);  // no admin accounts in this database
  in.date = "2000-01-01";
  EXPECT_EQ(events_->create(customer, in).error().code, ErrorCode::validation_failed);
  // The message counts the issues it lists (it once said "0 fields are invalid.").
  EXPECT_EQ(events_->create(customer, in).error().message, "One field is invalid.");

  EXPECT_EQ(events_->get(other, ev->id).error().code, ErrorCode::not_found);
  EXPECT_EQ(events_->change_status(other, ev->id, {domain::EventStatus::cancelled}).error().code,
            ErrorCode::not_found);
  // 51.01 is not reachable as x + 10 % tax: the tax makes up the cent.
  ASSERT_TRUE(events_->change_status(manager_, ev->id, {domain::EventStatus::quoted, 5101}));
  const auto orders_before = count("orders");
  auto refused = events_->change_status(manager_, ev->id, {domain::EventStatus::confirmed});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::out_of_stock);
  ASSERT_EQ(refused.error().details.size(), 1u);
  EXPECT_EQ(refused.error().details[0].field, tart);
  EXPECT_EQ(count("orders"), orders_before);
  EXPECT_EQ(item(cake).reserved, 0);

  ASSERT_TRUE(catalogue_->update(
      manager_, tart,
      [] {
        service::ProductInput p;
        p.stock = units(3);  // the event takes the last three: the tart leaves the menu
        return p;
      }(),
      {}, "product.stock"));
  clear_events();
  auto confirmed = events_->change_status(manager_, ev->id, {domain::EventStatus::confirmed});
  ASSERT_TRUE(confirmed) << confirmed.error().message;
  auto o = order(confirmed->order_id);
  // Built like any order: the day's number, its first history row, order_created after the
  // commit with the stock's menu_updated (naming only the tart, whose last units it took: the
  // cake stays in stock, SPEC §7), the customer's order_placed message.
  EXPECT_EQ(o.type, domain::OrderType::event);
  EXPECT_TRUE(o.order_number.starts_with(o.business_date + "-")) << o.order_number;
  ASSERT_EQ(o.history.size(), 1u);
  EXPECT_EQ(o.history[0].reason, "catering event confirmed");
  EXPECT_EQ(o.history[0].by, manager_.user_id());
  ASSERT_EQ(events_of("order_created").size(), 1u);
  EXPECT_EQ(events_of("order_created")[0].data.at("id"), json::value(o.id));
  const auto menu = events_of("menu_updated");
  ASSERT_EQ(menu.size(), 1u);
  EXPECT_EQ(menu[0].data.at("product_ids"), (json::array{json::value(tart)}));
  EXPECT_EQ(pool_->read()
                ->exec("SELECT COUNT(*) FROM outbox WHERE type = 'order_placed'")
                .front()
                .int64(0),
            1);
  auto logs = repo::list_logs(*pool_->read(), cake, std::nullopt, 10);
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs.front().kind, domain::LogKind::reserve);
  EXPECT_EQ(logs.front().reason, "catering event");
  EXPECT_EQ(logs.front().order_id, o.id);
  EXPECT_EQ(o.customer_id, customer.user_id());
  EXPECT_EQ(o.subtotal, 5400);
  EXPECT_EQ(o.total_amount, 5101);
  EXPECT_EQ(o.subtotal + o.adjustment_amount + o.tax_amount, 5101);
  EXPECT_FALSE(o.expires_at.has_value());
  EXPECT_EQ(item(cake).reserved, units(10));
  EXPECT_EQ(item(tart).reserved, units(3));
  EXPECT_EQ(orders_->expire_due(util::now_ms() + 365LL * 86'400'000), 0);

  auto cancelled = events_->change_status(manager_, ev->id, {domain::EventStatus::cancelled});
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(order(confirmed->order_id).status, OrderStatus::cancelled);
  EXPECT_EQ(item(cake).reserved, 0);
  EXPECT_EQ(item(tart).reserved, 0);
  EXPECT_EQ(events_->change_status(manager_, ev->id, {domain::EventStatus::completed}).error().code,
            ErrorCode::invalid_transition);
}

}  // namespace
}  // namespace crema::test
