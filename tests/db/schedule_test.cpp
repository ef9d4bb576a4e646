// Orders for later (SPEC §15.3) on the store under test, with the shop's clock set by the
// test: the hours and the pause refuse online orders (staff never), a scheduled order's
// time is checked (lead, horizon, hours), a slot never takes more than max_orders_per_slot
// under 64 concurrent orders, a cancelled order gives its place back, GET /slots' view, and
// the kitchen's due orders announced once across two "instances".

#include <atomic>
#include <thread>

#include <boost/json.hpp>

#include "db/catalogue_fixture.hpp"
#include "notify/templates.hpp"
#include "repo/order_repo.hpp"
#include "service/order_service.hpp"
#include "service/order_timing.hpp"
#include "service/settings_service.hpp"
#include "util/time.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using domain::OpeningRange;
using domain::OrderType;
using domain::Weekday;

std::int64_t sched_at(std::string_view t) { return util::parse_rfc3339(t).value(); }

class ScheduleTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (!pool_) return;
    service::SettingsOptions so;
    so.timezone = "UTC";
    so.slot_minutes = 15;
    so.max_schedule_days = 7;
    settings_.emplace(*pool_, bus_, so, clock_);
    timing_.emplace(*pool_, *settings_);
    service::OrderSettings os;
    os.hold_minutes = 15;
    orders_.emplace(*pool_, bus_, os);
    orders_->set_placement_rule([this](db::Transaction& tx, const service::Actor& a,
                                       domain::Order& o,
                                       std::int64_t now) { return timing_->admit(tx, a, o, now); });
    catalogue_.emplace(*pool_, bus_);
    service::ProductInput in;
    in.name = "Cake";
    in.category = "Cakes";
    in.price = 2500;
    in.prep_minutes = 30;
    auto p = catalogue_->create(admin_, in);
    ASSERT_TRUE(p) << p.error().message;
    cake_ = p->id;
    customer_ = insert_user_of_role(*pool_, auth::Role::customer);
    // Monday to Sunday 08:00-18:00 UTC; now is Monday 2030-01-07 10:00.
    domain::ShopSettingsPatch hours;
    std::vector<OpeningRange> week;
    for (int d = 0; d < 7; ++d) week.push_back({static_cast<Weekday>(d), 8 * 60, 18 * 60});
    hours.hours = week;
    ASSERT_TRUE(settings_->update(admin_, hours, std::nullopt));
  }

  void limit_slots(int n) {
    domain::ShopSettingsPatch p;
    p.max_orders_per_slot = std::optional<int>(n);
    ASSERT_TRUE(settings_->update(admin_, p, std::nullopt));
  }

  crema::Result<service::PlacedOrder> place(const service::Actor& who,
                                            std::optional<std::string_view> when,
                                            OrderType type = OrderType::online) {
    service::OrderRequest r;
    r.type = type;
    service::OrderLine l;
    l.product_id = cake_;
    l.quantity = 1;
    r.items = {l};
    r.items_given = true;
    if (when) r.scheduled_for = sched_at(*when);
    return orders_->place(who, r, {});
  }
  static json::object body_of(const crema::Result<service::PlacedOrder>& r) {
    return r.ok() ? json::parse(r->body).as_object() : json::object{};
  }
  static std::string issue_of(const crema::Result<service::PlacedOrder>& r) {
    if (r.ok() || r.error().details.empty()) return {};
    return r.error().details.front().field + ": " + r.error().details.front().issue;
  }

  util::ManualClock clock_{sched_at("2030-01-07T10:00:00Z")};
  std::optional<service::SettingsService> settings_;
  std::optional<service::OrderTiming> timing_;
  std::optional<service::OrderService> orders_;
  std::optional<service::CatalogueService> catalogue_;
  std::string cake_;
  service::Actor customer_;
};

TEST_F(ScheduleTest, ClosedOrPausedRefusesCustomersOnlineOrdersWithTheNextOpening) {
  clock_.set(sched_at("2030-01-07T19:00:00Z"));  // after closing
  auto closed = place(customer_, std::nullopt);
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::shop_closed);
  EXPECT_EQ(closed.error().extra.at(0).second, "2030-01-08T08:00:00Z");
  EXPECT_EQ(count("orders"), 0) << "nothing written";
  EXPECT_TRUE(place(staff_, std::nullopt)) << "staff are never refused for hours";
  EXPECT_TRUE(place(staff_, std::nullopt, OrderType::takeaway));
  // Scheduled for an open time, a customer's order is taken while the shop is closed.
  auto later = place(customer_, "2030-01-08T09:00:00Z");
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ(body_of(later).at("scheduled_for"), "2030-01-08T09:00:00Z");
  // The customer's order_placed says when (SPEC §15.3), in words, on the shop's clock.
  auto rows =
      pool_->read()->exec("SELECT payload FROM outbox WHERE type = 'order_placed' AND user_id = $1",
                          {std::string_view(customer_.user_id())});
  ASSERT_EQ(rows.size(), 1u);
  const auto mail =
      notify::Templates().render("order_placed", json::parse(rows.front().text(0)).as_object());
  EXPECT_NE(mail.text.find("We will have it ready for Tue 8 Jan 2030, 09:00."), std::string::npos)
      << mail.text;
  EXPECT_NE(mail.text.find("Total: 25.00"), std::string::npos) << mail.text;
  EXPECT_EQ(mail.text.find("Hello ,"), std::string::npos) << mail.text;
}

TEST_F(ScheduleTest, AScheduledTimeNeedsThePrepLeadTheHorizonAndOpenHours) {
  auto too_soon = place(customer_, "2030-01-07T10:20:00Z");  // prep 30 min
  ASSERT_FALSE(too_soon);
  EXPECT_EQ(too_soon.error().code, ErrorCode::validation_failed);
  EXPECT_EQ(issue_of(too_soon),
            "scheduled_for: must be at least 30 minutes from now (the order's preparation time)");
  auto too_far = place(customer_, "2030-01-14T10:30:00Z");  // 7 days and 30 min
  ASSERT_FALSE(too_far);
  EXPECT_EQ(issue_of(too_far), "scheduled_for: must be at most 7 days ahead");
  auto night = place(customer_, "2030-01-07T21:00:00Z");
  ASSERT_FALSE(night);
  EXPECT_EQ(issue_of(night),
            "scheduled_for: the shop is closed then; it opens next at 2030-01-08T08:00:00Z");
  EXPECT_TRUE(place(staff_, "2030-01-07T21:00:00Z")) << "staff may schedule outside hours";
  auto ok = place(customer_, "2030-01-07T10:30:00Z");
  ASSERT_TRUE(ok) << ok.error().message;
  auto o = body_of(ok);
  EXPECT_EQ(o.at("estimated_time"), 30) << "minutes to scheduled_for";
  auto dine = place(staff_, "2030-01-07T12:00:00Z", OrderType::dine_in);
  ASSERT_FALSE(dine);
  EXPECT_EQ(issue_of(dine), "scheduled_for: only online orders are scheduled");
}

TEST_F(ScheduleTest, ASlotNeverTakesMoreThanItsLimitUnderConcurrentOrders) {
  limit_slots(5);
  constexpr int kClients = 64;
  std::atomic<int> placed{0}, full{0}, other{0};
  std::vector<service::Actor> buyers;
  for (int i = 0; i < 8; ++i) buyers.push_back(insert_user_of_role(*pool_, auth::Role::customer));
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      // 12:00 and 12:14 are in the same 15-minute slot (counted from the 08:00 opening).
      auto r =
          place(buyers[i % buyers.size()], i % 2 ? "2030-01-07T12:00:00Z" : "2030-01-07T12:14:00Z");
      if (r) {
        ++placed;
      } else if (r.error().code == ErrorCode::slot_full) {
        ++full;
      } else {
        ++other;
      }
    });
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(placed.load(), 5);
  EXPECT_EQ(full.load(), kClients - 5);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(count("orders"), 5);
  EXPECT_TRUE(place(customer_, "2030-01-07T12:15:00Z")) << "the next slot has room";

  // GET /slots: the full slot is not offered; the next shows what is left.
  auto day = timing_->slots("2030-01-07");
  ASSERT_TRUE(day);
  bool saw_noon = false;
  for (const auto& s : *day) {
    EXPECT_GT(s.start, clock_.now_ms()) << "only slots still to come";
    saw_noon = saw_noon || s.start == sched_at("2030-01-07T12:00:00Z");
    if (s.start == sched_at("2030-01-07T12:15:00Z")) {
      EXPECT_EQ(s.available, 4);
    }
  }
  EXPECT_FALSE(saw_noon);
  EXPECT_EQ(day->front().start, sched_at("2030-01-07T10:15:00Z"));
  EXPECT_EQ(day->back().start, sched_at("2030-01-07T17:45:00Z"));
  EXPECT_TRUE(timing_->slots("2030-01-20")->empty()) << "beyond CREMA_MAX_SCHEDULE_DAYS";
  EXPECT_FALSE(timing_->slots("20300107"));
}

TEST_F(ScheduleTest, ACancelledScheduledOrderGivesItsPlaceBack) {
  limit_slots(1);
  auto first = place(customer_, "2030-01-07T15:00:00Z");
  ASSERT_TRUE(first);
  auto second = place(customer_, "2030-01-07T15:05:00Z");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::slot_full);
  auto cancelled =
      orders_->change_status(customer_, first->id, domain::OrderStatus::cancelled, "", {});
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_TRUE(place(customer_, "2030-01-07T15:05:00Z")) << "the place went back";
}

TEST_F(ScheduleTest, DueOrdersReachTheKitchenOnceAndDueListsWhatIsOnNow) {
  auto later = place(customer_, "2030-01-07T14:00:00Z");  // due at 13:30
  ASSERT_TRUE(later);
  auto now_order = place(staff_, std::nullopt);
  ASSERT_TRUE(now_order);
  repo::OrderFilter due;
  due.due_by = sched_at("2030-01-07T13:00:00Z");
  auto listed = orders_->list(staff_, due);
  ASSERT_EQ(listed.items.size(), 1u) << "the unscheduled order only";
  EXPECT_EQ(listed.items[0].id, now_order->id);
  repo::OrderFilter waiting;
  waiting.not_due_at = sched_at("2030-01-07T13:00:00Z");
  ASSERT_EQ(orders_->list(staff_, waiting).items.size(), 1u);

  clear_events();
  EXPECT_EQ(orders_->announce_due_orders(sched_at("2030-01-07T13:29:00Z")), 0);
  // Two instances' jobs at once: one announcement.
  service::OrderService other(*pool_, bus_, service::OrderSettings{});
  std::atomic<int> total{0};
  std::thread a([&] { total += orders_->announce_due_orders(sched_at("2030-01-07T13:30:00Z")); });
  std::thread b([&] { total += other.announce_due_orders(sched_at("2030-01-07T13:30:00Z")); });
  a.join();
  b.join();
  EXPECT_EQ(total.load(), 1);
  auto announced = events_of("order_due");
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].data.at("id").as_string(), later->id);
  EXPECT_EQ(announced[0].topics, std::vector<std::string>{"orders"})
      << "the kitchen, not the customer";
  EXPECT_EQ(orders_->announce_due_orders(sched_at("2030-01-07T14:00:00Z")), 0) << "once";
  due.due_by = sched_at("2030-01-07T13:30:00Z");
  EXPECT_EQ(orders_->list(staff_, due).items.size(), 2u);
}

}  // namespace
}  // namespace crema::test
