// Reports (SPEC §12) on both stores: every report against a plain recomputation from the
// generated order rows (thousands of random orders of every type, status, payment status and
// method, with refunds, renamed products and staff/customer/API-key creators, over business
// days that include both daylight-saving changes of America/New_York), and the daily_summary
// job (SPEC §10): once per closed day, also with two instances racing.

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "domain/money.hpp"
#include "domain/order.hpp"
#include "domain/report.hpp"
#include "repo/order_repo.hpp"
#include "repo/report_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/report_service.hpp"
#include "util/uuid.hpp"
#include "util/zoned_date.hpp"

namespace crema::test {
namespace {

using domain::SalesTotals;
constexpr const char* kZone = "America/New_York";
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kMinute = 60'000;

// The business day of an instant in New York, by hand: EST (UTC−5) except from the second
// Sunday of March 07:00 UTC to the first Sunday of November 06:00 UTC (EDT, UTC−4) — 2026
// only, which is all this test generates. Independent of the tz library the server uses.
int ny_day(std::int64_t at_ms) {
  const std::int64_t dst_start = *util::day_start_ms("2026-03-08", "UTC") + 7 * kHour;
  const std::int64_t dst_end = *util::day_start_ms("2026-11-01", "UTC") + 6 * kHour;
  const std::int64_t offset = (at_ms >= dst_start && at_ms < dst_end) ? -4 * kHour : -5 * kHour;
  const std::int64_t local = at_ms + offset;
  return static_cast<int>((local >= 0 ? local : local - 86'399'999) / 86'400'000);
}

int day(const char* iso) { return *domain::parse_iso_day(iso); }

struct Gen {
  domain::Order order;
  bool via_paid = false;   // paid on the way to a final state that is no sale
  bool ever_sale = false;  // a sale at some point (its lines' names reached the rollup)
  std::string ready_by;    // "" when no ready step or the system moved it
  std::optional<std::int64_t> ready_at;
};

class ReportTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db::migrate(*pool_);
    reports_ =
        std::make_unique<service::ReportService>(*pool_, service::ReportSettings{kZone, "USD"});
  }
  void TearDown() override {
    reports_.reset();
    DbTest::TearDown();
  }

  repo::UserRecord user(auth::Role role, bool active = true) {
    repo::UserRecord u;
    u.id = util::new_uuid_v7();
    u.name = "User " + u.id.substr(28);
    u.email = u.id.substr(24) + "@example.com";
    u.password_hash = "x";
    u.role = role;
    u.is_active = active;
    u.created_at = u.updated_at = 1;
    pool_->transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), u); });
    roles_[u.id] = role;
    names_[u.id] = u.name;
    return u;
  }

  void insert(db::Transaction& tx, Gen& g) {
    auto& o = g.order;
    o.business_date = domain::compact_day(reports_->business_day(o.created_at));
    o.order_number = o.business_date + "-" + std::to_string(++seq_);
    repo::insert_order(tx, o);
    for (const auto& h : o.history) repo::insert_history(tx, o.id, h);
  }

  std::unique_ptr<service::ReportService> reports_;
  std::map<std::string, auth::Role> roles_;
  std::map<std::string, std::string> names_;
  int seq_ = 0;
};

// ---- the plain recomputation ----------------------------------------------------------------

bool sale(const domain::Order& o) {
  return o.status != domain::OrderStatus::cancelled && o.is_paid();
}
std::int64_t amount(const domain::Order& o) { return o.total_amount - o.refunded_amount; }
std::string method_key(const domain::Order& o) {
  return o.payment_method.empty() ? "other" : o.payment_method;
}

TEST_F(ReportTest, EveryReportEqualsARecomputationFromTheOrders) {
  std::mt19937_64 rng(20261101);
  auto pick = [&](auto const& v) { return v[rng() % v.size()]; };
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  std::vector<std::string> staff, customers;
  for (auto r : {auth::Role::staff, auth::Role::staff, auth::Role::manager, auth::Role::admin})
    staff.push_back(user(r).id);
  for (int i = 0; i < 25; ++i) customers.push_back(user(auth::Role::customer).id);
  const std::string driver = user(auth::Role::driver).id;
  std::vector<std::string> products;
  for (int i = 0; i < 15; ++i) products.push_back(util::new_uuid_v7());

  // Two windows, each around a DST change (Mar 8 spring forward, Nov 1 fall back).
  const std::vector<std::pair<int, int>> windows = {{day("2026-03-04"), day("2026-03-12")},
                                                    {day("2026-10-28"), day("2026-11-05")}};
  const std::vector<std::string> types = {"dine-in", "takeaway", "online", "event"};
  const std::vector<domain::OrderStatus> statuses = {
      domain::OrderStatus::pending,          domain::OrderStatus::confirmed,
      domain::OrderStatus::preparing,        domain::OrderStatus::ready,
      domain::OrderStatus::out_for_delivery, domain::OrderStatus::delivered,
      domain::OrderStatus::completed,        domain::OrderStatus::cancelled};
  const std::vector<domain::PaymentStatus> payments = {
      domain::PaymentStatus::pending,  domain::PaymentStatus::paid,
      domain::PaymentStatus::paid,     domain::PaymentStatus::failed,
      domain::PaymentStatus::refunded, domain::PaymentStatus::partially_refunded};
  const std::vector<std::string> methods = {"",       "cash",   "card", "mobile",
                                            "stripe", "paypal", "local"};

  std::vector<Gen> all;
  constexpr int kOrders = 4000;
  for (int n = 0; n < kOrders; ++n) {
    Gen g;
    auto& o = g.order;
    o.id = util::new_uuid_v7();
    const auto& w = windows[static_cast<std::size_t>(n % 2)];
    const auto lo = *util::day_start_ms(domain::iso_day(w.first), "UTC") - 6 * kHour;
    const auto hi = *util::day_start_ms(domain::iso_day(w.second), "UTC") + 30 * kHour;
    o.created_at = between(lo, hi);
    // Every 50th order sits a minute either side of a local midnight around the DST days.
    if (n % 50 == 0) {
      const auto* d = n % 100 == 0 ? "2026-11-02" : "2026-03-09";
      o.created_at = *util::day_start_ms(d, kZone) + (n % 200 == 0 ? -kMinute : kMinute);
    }
    o.updated_at = o.created_at;
    o.type = *domain::parse_order_type(pick(types));
    o.status = pick(statuses);
    o.payment_status = pick(payments);
    o.payment_method = pick(methods);
    const bool by_customer = o.type == domain::OrderType::online && rng() % 3 != 0;
    const bool by_key = o.type == domain::OrderType::online && !by_customer && rng() % 2 == 0;
    if (by_customer) {
      o.customer_id = pick(customers);
      o.created_by = o.customer_id;
    } else if (by_key) {
      o.api_key_id = util::new_uuid_v7();
    } else {
      o.created_by = pick(staff);
      if (rng() % 3 == 0) o.customer_id = pick(customers);  // staff ordering for a customer
    }
    const int lines = static_cast<int>(between(1, 4));
    for (int i = 0; i < lines; ++i) {
      domain::OrderItem it;
      it.id = util::new_uuid_v7();
      const auto p = static_cast<std::size_t>(between(0, 14));
      it.product_id = products[p];
      it.name = "Product " + std::to_string(p) + (rng() % 5 == 0 ? " (renamed)" : "");
      it.unit_price = between(50, 2000);
      it.quantity = between(1, 5);
      it.line_total = it.unit_price * it.quantity;
      o.items.push_back(it);
      o.subtotal += it.line_total;
    }
    o.tax_amount = o.subtotal / 10;
    o.adjustment_amount = rng() % 10 == 0 ? -between(0, o.subtotal / 2) : 0;
    o.total_amount = o.subtotal + o.tax_amount + o.adjustment_amount;
    if (o.payment_status == domain::PaymentStatus::partially_refunded)
      o.refunded_amount = between(1, std::max<std::int64_t>(1, o.total_amount - 1));
    if (o.payment_status == domain::PaymentStatus::refunded) o.refunded_amount = o.total_amount;
    o.history.push_back({domain::OrderStatus::pending, o.created_at, o.created_by, ""});
    const bool confirmed = o.status != domain::OrderStatus::pending &&
                           !(o.status == domain::OrderStatus::cancelled && rng() % 2 == 0);
    std::int64_t t = o.created_at;
    if (confirmed) {
      t += between(0, 30 * kMinute);
      o.confirmed_at = t;
      o.history.push_back({domain::OrderStatus::confirmed, t, pick(staff), ""});
    }
    const bool reached_ready = o.status == domain::OrderStatus::ready ||
                               o.status == domain::OrderStatus::out_for_delivery ||
                               o.status == domain::OrderStatus::delivered ||
                               o.status == domain::OrderStatus::completed;
    if (reached_ready) {
      t += between(30'000, 45 * kMinute);  // may cross midnight: the day stays created_at's
      g.ready_at = t;
      g.ready_by = rng() % 10 == 0 ? "" : pick(staff);
      o.history.push_back({domain::OrderStatus::ready, t, g.ready_by, ""});
      if (o.status != domain::OrderStatus::ready)
        o.history.push_back({o.status, t + kMinute, pick(staff), ""});
    }
    if (o.status == domain::OrderStatus::cancelled)
      o.history.push_back({o.status, t + kMinute, pick(staff), "test"});
    if (o.is_delivery()) o.driver_id = driver;
    all.push_back(std::move(g));
  }
  // As orders live: inserted pending, then paid, refunded, cancelled… by updates (which the
  // product_sales_daily trigger follows); some are paid on the way to a state that is not a
  // sale, so their lines are added and taken off again.
  pool_->transact([&](db::Transaction& tx) {
    for (auto& g : all) {
      auto& o = g.order;
      const auto status = o.status;
      const auto paid = o.payment_status;
      o.status = domain::OrderStatus::pending;
      o.payment_status = domain::PaymentStatus::pending;
      insert(tx, g);
      o.status = status;
      o.payment_status = paid;
      g.via_paid = !sale(o) && rng() % 3 == 0;
      g.ever_sale = g.via_paid || sale(o);
      if (g.via_paid) {
        auto step = o;
        step.status = domain::OrderStatus::confirmed;
        step.payment_status = domain::PaymentStatus::paid;
        repo::update_order(tx, step);
      }
      repo::update_order(tx, o);
    }
  });

  // The business dates the server wrote are the hand-computed New York days.
  for (const auto& g : all)
    ASSERT_EQ(g.order.business_date, domain::compact_day(ny_day(g.order.created_at)))
        << g.order.created_at;

  // Daily, every day of both windows and a day either side.
  int sales_seen = 0;
  for (const auto& w : windows) {
    for (int d = w.first - 1; d <= w.second + 1; ++d) {
      SalesTotals total;
      std::map<std::string, SalesTotals> by_method, by_type;
      for (auto k : domain::kAlwaysMethods) by_method[std::string(k)];
      for (auto k : domain::kOrderTypes) by_type[std::string(k)];
      for (const auto& g : all) {
        const auto& o = g.order;
        if (!sale(o) || ny_day(o.created_at) != d) continue;
        total.add(1, amount(o));
        by_method[method_key(o)].add(1, amount(o));
        by_type[std::string(domain::order_type_name(o.type))].add(1, amount(o));
      }
      sales_seen += static_cast<int>(total.order_count);
      auto r = reports_->daily(d);
      SCOPED_TRACE(r.date);
      EXPECT_EQ(r.total.order_count, total.order_count);
      EXPECT_EQ(r.total.total_sales, total.total_sales);
      ASSERT_EQ(r.payment_methods.size(), by_method.size());
      for (const auto& [k, v] : by_method) {
        EXPECT_EQ(r.payment_methods[k].total_sales, v.total_sales) << k;
        EXPECT_EQ(r.payment_methods[k].order_count, v.order_count) << k;
      }
      ASSERT_EQ(r.by_type.size(), by_type.size());
      for (const auto& [k, v] : by_type) {
        EXPECT_EQ(r.by_type[k].total_sales, v.total_sales) << k;
        EXPECT_EQ(r.by_type[k].order_count, v.order_count) << k;
      }
      auto j = domain::to_json(r, "USD");
      EXPECT_EQ(j.at("order_count").as_int64(), total.order_count);
      EXPECT_EQ(*domain::money_from_major(j.at("total_sales").to_number<double>()),
                total.total_sales);
    }
  }
  EXPECT_GT(sales_seen, kOrders / 5);  // the generator makes plenty of sales

  // Weekly, from each window's first day (any day may start a week).
  for (const auto& w : windows) {
    auto r = reports_->weekly(w.first);
    SalesTotals total;
    std::map<std::string, SalesTotals> by_method;
    for (const auto& g : all) {
      const auto& o = g.order;
      const int d = ny_day(o.created_at);
      if (!sale(o) || d < w.first || d > w.first + 6) continue;
      total.add(1, amount(o));
      by_method[method_key(o)].add(1, amount(o));
    }
    EXPECT_EQ(r.week_end, domain::iso_day(w.first + 6));
    EXPECT_EQ(r.total.total_sales, total.total_sales);
    EXPECT_EQ(r.total.order_count, total.order_count);
    ASSERT_EQ(r.days.size(), 7u);
    SalesTotals days_sum;
    for (const auto& [date, t] : r.days) {
      EXPECT_EQ(t.total_sales, reports_->daily(*domain::parse_iso_day(date)).total.total_sales);
      days_sum.add(t.order_count, t.total_sales);
    }
    EXPECT_EQ(days_sum.total_sales, total.total_sales);
    for (const auto& [k, v] : by_method) EXPECT_EQ(r.payment_methods[k].total_sales, v.total_sales);
  }

  // Top products, per window and over both.
  auto expected_products = [&](int from, int to) {
    std::map<std::string, domain::ProductFigure> m;
    for (const auto& g : all) {
      const int d = ny_day(g.order.created_at);
      if (!g.ever_sale || d < from || d > to) continue;
      for (const auto& it : g.order.items) {
        auto& f = m[it.product_id];
        f.product_id = it.product_id;
        f.name = std::max(f.name, it.name);
        if (!sale(g.order)) continue;
        f.quantity += it.quantity;
        f.revenue += it.line_total;
      }
    }
    std::vector<domain::ProductFigure> v;
    for (auto& [k, f] : m)
      if (f.quantity > 0) v.push_back(f);
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      if (a.quantity != b.quantity) return a.quantity > b.quantity;
      if (a.revenue != b.revenue) return a.revenue > b.revenue;
      return a.product_id < b.product_id;
    });
    return v;
  };
  for (auto [from, to] : {windows[0], windows[1], std::pair{windows[0].first, windows[1].second}}) {
    auto want = expected_products(from, to);
    auto got = reports_->top_products(from, to, 100);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].product_id, want[i].product_id) << i;
      EXPECT_EQ(got[i].name, want[i].name) << i;
      EXPECT_EQ(got[i].quantity, want[i].quantity) << i;
      EXPECT_EQ(got[i].revenue, want[i].revenue) << i;
    }
    auto top3 = reports_->top_products(from, to, 3);
    ASSERT_EQ(top3.size(), 3u);
    EXPECT_EQ(top3[2].product_id, want[2].product_id);
  }

  // Staff performance: each sale credited once.
  for (auto [from, to] : {windows[0], windows[1]}) {
    std::map<std::string, domain::StaffFigure> m;
    std::int64_t credited_sales = 0;
    for (const auto& g : all) {
      const auto& o = g.order;
      const int d = ny_day(o.created_at);
      if (!sale(o) || d < from || d > to) continue;
      std::string who;
      auto role = roles_.find(o.created_by);
      if (role != roles_.end() &&
          (role->second == auth::Role::staff || role->second == auth::Role::manager ||
           role->second == auth::Role::admin))
        who = o.created_by;
      else who = g.ready_by;
      if (who.empty()) continue;
      auto& f = m[who];
      f.user_id = who;
      f.name = names_[who];
      f.orders_handled += 1;
      f.total_sales += amount(o);
      credited_sales += 1;
      if (g.ready_at && o.confirmed_at) {
        f.prep_ms_sum += *g.ready_at - *o.confirmed_at;
        f.prep_count += 1;
      }
    }
    auto got = reports_->performance(from, to);
    ASSERT_EQ(got.size(), m.size());
    std::int64_t got_orders = 0;
    for (std::size_t i = 0; i < got.size(); ++i) {
      const auto& s = got[i];
      ASSERT_TRUE(m.count(s.user_id)) << s.user_id;
      const auto& want = m[s.user_id];
      EXPECT_EQ(s.name, want.name);
      EXPECT_EQ(s.orders_handled, want.orders_handled);
      EXPECT_EQ(s.total_sales, want.total_sales);
      EXPECT_EQ(s.prep_ms_sum, want.prep_ms_sum);
      EXPECT_EQ(s.prep_count, want.prep_count);
      EXPECT_EQ(s.avg_prep_minutes(), want.avg_prep_minutes());
      if (i > 0) {
        EXPECT_GE(got[i - 1].total_sales, s.total_sales);
      }
      got_orders += s.orders_handled;
    }
    EXPECT_EQ(got_orders, credited_sales);
  }

  // Customers: the November window has March buyers returning.
  {
    const auto [from, to] = windows[1];
    std::map<std::string, domain::CustomerFigure> m;
    std::set<std::string> before;
    for (const auto& g : all) {
      const auto& o = g.order;
      if (!sale(o) || o.customer_id.empty()) continue;
      const int d = ny_day(o.created_at);
      if (d < from) before.insert(o.customer_id);
      if (d < from || d > to) continue;
      auto& f = m[o.customer_id];
      f.customer_id = o.customer_id;
      f.name = names_[o.customer_id];
      f.order_count += 1;
      f.total_spent += amount(o);
    }
    std::vector<domain::CustomerFigure> v;
    std::int64_t fresh = 0;
    for (auto& [k, f] : m) {
      f.is_new = !before.count(k);
      fresh += f.is_new ? 1 : 0;
      v.push_back(f);
    }
    auto want = domain::customer_report(v, 5);
    auto got = reports_->customers(from, to, 5);
    EXPECT_EQ(got.total_customers, static_cast<std::int64_t>(m.size()));
    EXPECT_EQ(got.new_customers, fresh);
    EXPECT_EQ(got.returning_customers, got.total_customers - fresh);
    EXPECT_GT(got.returning_customers, 0);
    ASSERT_EQ(got.top_customers.size(), want.top_customers.size());
    for (std::size_t i = 0; i < want.top_customers.size(); ++i) {
      EXPECT_EQ(got.top_customers[i].customer_id, want.top_customers[i].customer_id);
      EXPECT_EQ(got.top_customers[i].name, want.top_customers[i].name);
      EXPECT_EQ(got.top_customers[i].total_spent, want.top_customers[i].total_spent);
      EXPECT_EQ(got.top_customers[i].order_count, want.top_customers[i].order_count);
    }
  }

  // Admin sales buckets by day, week and month from March to November.
  const int from = day("2026-03-01"), to = day("2026-11-30");
  for (auto g : {domain::Granularity::day, domain::Granularity::week, domain::Granularity::month}) {
    auto r = reports_->sales(from, to, g);
    std::map<std::string, SalesTotals> want;
    SalesTotals total;
    for (const auto& gen : all) {
      const auto& o = gen.order;
      const int d = ny_day(o.created_at);
      if (!sale(o) || d < from || d > to) continue;
      int p = d;
      if (g == domain::Granularity::week) p = d - domain::weekday(d);
      if (g == domain::Granularity::month)
        p = *domain::parse_iso_day(domain::iso_day(d).substr(0, 8) + "01");
      want[domain::iso_day(p)].add(1, amount(o));
      total.add(1, amount(o));
    }
    EXPECT_EQ(r.total.total_sales, total.total_sales);
    EXPECT_EQ(r.total.order_count, total.order_count);
    for (const auto& [period, t] : r.buckets) {
      EXPECT_EQ(t.total_sales, want[period].total_sales) << period;
      EXPECT_EQ(t.order_count, want[period].order_count) << period;
    }
    if (g == domain::Granularity::month) {
      EXPECT_EQ(r.buckets.size(), 9u);
    }
    if (g == domain::Granularity::day) {
      EXPECT_EQ(r.buckets.size(), static_cast<std::size_t>(to - from + 1));
    }
  }
}

TEST_F(ReportTest, TheProductRollupFollowsPaymentsRefundsAndCancellations) {
  const auto staff = user(auth::Role::staff);
  const std::string bun = util::new_uuid_v7(), cake = util::new_uuid_v7();
  auto make = [&](std::int64_t at, std::vector<std::pair<std::string, std::int64_t>> lines) {
    Gen g;
    auto& o = g.order;
    o.id = util::new_uuid_v7();
    o.created_at = o.updated_at = at;
    o.created_by = staff.id;
    for (auto& [p, q] : lines) {
      domain::OrderItem it;
      it.id = util::new_uuid_v7();
      it.product_id = p;
      it.name = p == bun ? "Bun" : "Cake";
      it.unit_price = p == bun ? 250 : 2000;
      it.quantity = q;
      it.line_total = it.unit_price * q;
      o.items.push_back(it);
      o.subtotal += it.line_total;
    }
    o.total_amount = o.subtotal;
    pool_->transact([&](db::Transaction& tx) { insert(tx, g); });
    return o;
  };
  auto set = [&](domain::Order& o, domain::OrderStatus s, domain::PaymentStatus p,
                 std::int64_t refunded = 0) {
    o.status = s;
    o.payment_status = p;
    o.refunded_amount = refunded;
    pool_->transact([&](db::Transaction& tx) { repo::update_order(tx, o); });
  };
  auto top = [&] {
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> m;
    for (auto& p : reports_->top_products(day("2026-04-01"), day("2026-04-30"), 10))
      m[p.product_id] = {p.quantity, p.revenue};
    return m;
  };
  using Fig = std::map<std::string, std::pair<std::int64_t, std::int64_t>>;
  const auto at = *util::day_start_ms("2026-04-10", kZone) + 10 * kHour;
  auto a = make(at, {{bun, 3}, {cake, 1}});
  auto b = make(at + kHour, {{bun, 2}});
  EXPECT_EQ(top(), Fig{});  // placed, not paid
  set(a, domain::OrderStatus::confirmed, domain::PaymentStatus::paid);
  set(b, domain::OrderStatus::confirmed, domain::PaymentStatus::paid);
  EXPECT_EQ(top(), (Fig{{bun, {5, 1250}}, {cake, {1, 2000}}}));
  set(a, domain::OrderStatus::completed, domain::PaymentStatus::paid);  // no change
  set(b, domain::OrderStatus::ready, domain::PaymentStatus::partially_refunded, 100);
  EXPECT_EQ(top(), (Fig{{bun, {5, 1250}}, {cake, {1, 2000}}}));
  set(b, domain::OrderStatus::ready, domain::PaymentStatus::refunded, 500);  // no sale now
  EXPECT_EQ(top(), (Fig{{bun, {3, 750}}, {cake, {1, 2000}}}));
  set(a, domain::OrderStatus::cancelled, domain::PaymentStatus::refunded, 2750);
  EXPECT_EQ(top(), Fig{});
  // A sale moved to another business date (crema seed-demo backdates orders).
  auto c = make(at, {{cake, 2}});
  set(c, domain::OrderStatus::confirmed, domain::PaymentStatus::paid);
  pool_->transact([&](db::Transaction& tx) {
    repo::backdate_order(tx, c.id, 5 * 86'400'000LL, "20260405", "20260405-0099");
  });
  EXPECT_EQ(top(), (Fig{{cake, {2, 4000}}}));
  auto early = reports_->top_products(day("2026-04-05"), day("2026-04-05"), 10);
  ASSERT_EQ(early.size(), 1u);
  EXPECT_EQ(early[0].quantity, 2);
  EXPECT_TRUE(reports_->top_products(day("2026-04-10"), day("2026-04-10"), 10).empty());
  // The rollup is what recomputing it from the orders gives.
  auto rows = [&] {
    std::vector<std::string> out;
    for (auto r : pool_->read()->exec(
             "SELECT business_date, product_id, quantity, revenue FROM product_sales_daily "
             "WHERE quantity <> 0 OR revenue <> 0 ORDER BY 1, 2"))
      out.push_back(r.text(0) + " " + r.text(1) + " " + r.text(2) + " " + r.text(3));
    return out;
  };
  const auto kept = rows();
  pool_->transact([&](db::Transaction& tx) { repo::rebuild_product_sales(tx); });
  EXPECT_EQ(rows(), kept);
}

TEST_F(ReportTest, DaylightSavingDaysHaveTheirOwnHours) {
  // 2026-11-01 in New York lasts 25 hours, 2026-03-08 lasts 23.
  const auto admin = user(auth::Role::admin);
  auto order_at = [&](std::int64_t at, std::int64_t total) {
    Gen g;
    g.order.id = util::new_uuid_v7();
    g.order.created_at = g.order.updated_at = at;
    g.order.status = domain::OrderStatus::completed;
    g.order.payment_status = domain::PaymentStatus::paid;
    g.order.payment_method = "cash";
    g.order.created_by = admin.id;
    g.order.subtotal = g.order.total_amount = total;
    pool_->transact([&](db::Transaction& tx) { insert(tx, g); });
  };
  const auto nov1 = *util::day_start_ms("2026-11-01", kZone);
  const auto nov2 = *util::day_start_ms("2026-11-02", kZone);
  EXPECT_EQ(nov2 - nov1, 25 * kHour);
  order_at(nov1, 100);               // first instant of Nov 1
  order_at(nov1 + 24 * kHour, 200);  // 23:00 EST on Nov 1 (would be Nov 2 with a 24 h day)
  order_at(nov2, 400);               // Nov 2
  const auto mar8 = *util::day_start_ms("2026-03-08", kZone);
  const auto mar9 = *util::day_start_ms("2026-03-09", kZone);
  EXPECT_EQ(mar9 - mar8, 23 * kHour);
  order_at(mar9 - 1, 1000);  // last millisecond of Mar 8
  order_at(mar9, 2000);
  EXPECT_EQ(reports_->daily(day("2026-11-01")).total.total_sales, 300);
  EXPECT_EQ(reports_->daily(day("2026-11-02")).total.total_sales, 400);
  EXPECT_EQ(reports_->daily(day("2026-03-08")).total.total_sales, 1000);
  EXPECT_EQ(reports_->daily(day("2026-03-09")).total.total_sales, 2000);
  EXPECT_EQ(reports_->business_day(nov2 - 1), day("2026-11-01"));
}

TEST_F(ReportTest, AnEmptyDayHasZerosAndTheAlwaysPresentKeys) {
  auto r = reports_->daily(day("2026-05-05"));
  auto j = domain::to_json(r, "USD");
  EXPECT_EQ(j.at("date"), "2026-05-05");
  EXPECT_EQ(j.at("order_count").as_int64(), 0);
  EXPECT_EQ(j.at("average_order_value").to_number<double>(), 0.0);
  for (auto k : {"cash", "card", "mobile"})
    EXPECT_TRUE(j.at("payment_methods").as_object().contains(k));
  for (auto k : {"dine-in", "takeaway", "online", "event"})
    EXPECT_TRUE(j.at("by_type").as_object().contains(k));
  EXPECT_TRUE(reports_->top_products(day("2026-05-01"), day("2026-05-31"), 10).empty());
  EXPECT_TRUE(reports_->performance(day("2026-05-01"), day("2026-05-31")).empty());
  EXPECT_EQ(reports_->customers(day("2026-05-01"), day("2026-05-31")).total_customers, 0);
}

// ---- the daily summary ----------------------------------------------------------------------

class DailySummaryTest : public ReportTest {
 protected:
  std::int64_t summaries(std::string_view date_iso = {}) {
    if (date_iso.empty())
      return pool_->read()
          ->exec("SELECT COUNT(*) FROM outbox WHERE type = 'daily_summary'")
          .front()
          .int64(0);
    std::int64_t n = 0;
    for (auto r : pool_->read()->exec("SELECT payload FROM outbox WHERE type = 'daily_summary'")) {
      auto p = boost::json::parse(r.text(0)).as_object();
      if (p.at("date").as_string() == date_iso) ++n;
    }
    return n;
  }
  void sale_on(std::int64_t at, std::int64_t total, std::string method, const std::string& by) {
    Gen g;
    g.order.id = util::new_uuid_v7();
    g.order.created_at = g.order.updated_at = at;
    g.order.status = domain::OrderStatus::completed;
    g.order.payment_status = domain::PaymentStatus::paid;
    g.order.payment_method = std::move(method);
    g.order.created_by = by;
    g.order.subtotal = g.order.total_amount = total;
    pool_->transact([&](db::Transaction& tx) { insert(tx, g); });
  }
};

TEST_F(DailySummaryTest, QueuesOneSummaryPerAdminWithTheDailyFigures) {
  const auto a1 = user(auth::Role::admin);
  const auto a2 = user(auth::Role::admin);
  user(auth::Role::admin, /*active=*/false);
  user(auth::Role::manager);
  const auto d = *util::day_start_ms("2026-11-01", kZone);
  sale_on(d + kHour, 1250, "cash", a1.id);
  sale_on(d + 24 * kHour + 30 * kMinute, 500, "card", a1.id);  // 23:30 on the 25-hour day
  sale_on(d - kMinute, 9999, "card", a1.id);                   // Oct 31

  const auto next = *util::day_start_ms("2026-11-02", kZone);
  // Two minutes after midnight the day is not closed yet (grace): Oct 31 is the last one.
  EXPECT_EQ(reports_->enqueue_daily_summaries(next + 2 * kMinute), 1);
  EXPECT_EQ(summaries("2026-10-31"), 2);
  EXPECT_EQ(summaries("2026-11-01"), 0);
  EXPECT_EQ(reports_->enqueue_daily_summaries(next + 10 * kMinute), 1);
  EXPECT_EQ(summaries("2026-11-01"), 2);
  EXPECT_EQ(reports_->enqueue_daily_summaries(next + 11 * kMinute), 0);
  EXPECT_EQ(reports_->enqueue_daily_summaries(next + 20 * kHour), 0);
  EXPECT_EQ(summaries(), 4);

  auto rows = pool_->read()->exec(
      "SELECT user_id, payload FROM outbox WHERE type = 'daily_summary' ORDER BY user_id");
  std::set<std::string> to;
  for (auto r : rows) {
    auto p = boost::json::parse(r.text(1)).as_object();
    if (p.at("date") != "2026-11-01") continue;
    to.insert(r.text(0));
    EXPECT_EQ(p.at("orders").as_int64(), 2);
    EXPECT_EQ(p.at("order_count").as_int64(), 2);
    EXPECT_EQ(p.at("revenue"), "17.50");
    EXPECT_EQ(p.at("average"), "8.75");
    EXPECT_EQ(p.at("payment_methods").at("cash").to_number<double>(), 12.5);
    EXPECT_EQ(p.at("payment_methods").at("card").to_number<double>(), 5.0);
    EXPECT_EQ(p.at("currency"), "USD");
  }
  EXPECT_EQ(to, (std::set<std::string>{a1.id, a2.id}));
}

TEST_F(DailySummaryTest, CatchesUpAWeekAtMostAfterDowntime) {
  user(auth::Role::admin);
  const auto d = *util::day_start_ms("2026-06-01", kZone);
  EXPECT_EQ(reports_->enqueue_daily_summaries(d + 10 * kMinute), 1);  // May 31 only
  // Twenty days later: the last seven closed days, not twenty.
  EXPECT_EQ(reports_->enqueue_daily_summaries(*util::day_start_ms("2026-06-21", kZone) + kHour), 7);
  EXPECT_EQ(summaries("2026-06-13"), 0);
  EXPECT_EQ(summaries("2026-06-14"), 1);
  EXPECT_EQ(summaries("2026-06-20"), 1);
  EXPECT_EQ(summaries(), 8);
}

TEST_F(DailySummaryTest, TwoInstancesQueueEachDayExactlyOnce) {
  user(auth::Role::admin);
  auto other_pool = open_pool(options());
  service::ReportService other(*other_pool, service::ReportSettings{kZone, "USD"});
  std::atomic<int> queued{0};
  for (int i = 0; i < 10; ++i) {
    const auto at =
        *util::day_start_ms(domain::iso_day(day("2026-07-01") + i), kZone) + 10 * kMinute;
    std::thread a([&] { queued += reports_->enqueue_daily_summaries(at); });
    std::thread b([&] { queued += other.enqueue_daily_summaries(at); });
    a.join();
    b.join();
  }
  EXPECT_EQ(queued.load(), 10);
  EXPECT_EQ(summaries(), 10);
  EXPECT_EQ(count("daily_summaries"), 10);
}

// ---- the weekly and monthly summaries (SPEC §15.5) -------------------------------------------

class PeriodSummaryTest : public DailySummaryTest {
 protected:
  // A paid, completed sale of `qty` × one product at `at`.
  void line_sale(std::int64_t at, const std::string& product, const std::string& name,
                 std::int64_t price, std::int64_t qty, std::string method) {
    Gen g;
    auto& o = g.order;
    o.id = util::new_uuid_v7();
    o.created_at = o.updated_at = at;
    o.payment_method = std::move(method);
    domain::OrderItem it;
    it.id = util::new_uuid_v7();
    it.product_id = product;
    it.name = name;
    it.unit_price = price;
    it.quantity = qty;
    it.line_total = price * qty;
    o.items.push_back(it);
    o.subtotal = o.total_amount = it.line_total;
    // Placed pending, then paid and completed: the rollup of top products follows the
    // change (migration 0121's trigger), as for an order served through the API.
    pool_->transact([&](db::Transaction& tx) { insert(tx, g); });
    o.status = domain::OrderStatus::completed;
    o.payment_status = domain::PaymentStatus::paid;
    pool_->transact([&](db::Transaction& tx) { repo::update_order(tx, o); });
  }
  std::vector<boost::json::object> payloads(std::string_view type, std::string_view from) {
    std::vector<boost::json::object> out;
    for (auto r : pool_->read()->exec("SELECT payload FROM outbox WHERE type = $1", {type})) {
      auto p = boost::json::parse(r.text(0)).as_object();
      if (p.at("from").as_string() == from) out.push_back(std::move(p));
    }
    return out;
  }
  std::int64_t at(const char* iso_day, std::int64_t offset) {
    return *util::day_start_ms(iso_day, kZone) + offset;
  }
};

TEST_F(PeriodSummaryTest, AfterEachBusinessWeekAndMonthOncePerAdminWithTheFigures) {
  const auto a1 = user(auth::Role::admin);
  const auto a2 = user(auth::Role::admin);
  user(auth::Role::admin, /*active=*/false);
  user(auth::Role::manager);
  const std::string bun = util::new_uuid_v7(), cake = util::new_uuid_v7();
  // October: 20.00 + 5.00 (the last at 23:00 on the 31st, local time).
  line_sale(at("2026-10-15", 10 * kHour), cake, "Cake", 2000, 1, "cash");
  line_sale(at("2026-10-31", 23 * kHour), bun, "Bun", 250, 2, "card");
  // The week of Monday November 2: 40.00 card + 10.00 cash (Sunday 23:30, local).
  line_sale(at("2026-11-03", 10 * kHour), cake, "Cake", 2000, 2, "card");
  line_sale(at("2026-11-08", 23 * kHour + 30 * kMinute), bun, "Bun", 250, 4, "cash");
  line_sale(at("2026-11-01", 12 * kHour), cake, "Cake", 2000, 9, "cash");  // the week before
  line_sale(at("2026-11-09", kHour), cake, "Cake", 2000, 7, "cash");       // the week after

  // Monday 00:02: Sunday is not closed yet (grace) — the week that ended on November 1 and
  // October are the last closed periods.
  EXPECT_EQ(reports_->enqueue_period_summaries(at("2026-11-09", 2 * kMinute)), 2);
  EXPECT_EQ(payloads("weekly_summary", "2026-10-26").size(), 2U);
  ASSERT_EQ(payloads("monthly_summary", "2026-10-01").size(), 2U);
  EXPECT_TRUE(payloads("weekly_summary", "2026-11-02").empty());
  // 00:10: the week of November 2 is closed.
  EXPECT_EQ(reports_->enqueue_period_summaries(at("2026-11-09", 10 * kMinute)), 1);
  EXPECT_EQ(reports_->enqueue_period_summaries(at("2026-11-09", 11 * kMinute)), 0);
  // A restart (another service on the same database) sends nothing again.
  auto other_pool = open_pool(options());
  service::ReportService restarted(*other_pool, service::ReportSettings{kZone, "USD"});
  EXPECT_EQ(restarted.enqueue_period_summaries(at("2026-11-10", kHour)), 0);
  EXPECT_EQ(count("period_summaries"), 3);

  auto week = payloads("weekly_summary", "2026-11-02");
  ASSERT_EQ(week.size(), 2U);
  std::set<std::string> to;
  for (auto r : pool_->read()->exec("SELECT user_id FROM outbox WHERE type = 'weekly_summary'"))
    to.insert(r.text(0));
  EXPECT_EQ(to, (std::set<std::string>{a1.id, a2.id}));
  const auto& w = week.front();
  EXPECT_EQ(w.at("period"), "week");
  EXPECT_EQ(w.at("to"), "2026-11-08");
  EXPECT_EQ(w.at("orders").as_int64(), 2);
  EXPECT_EQ(w.at("order_count").as_int64(), 2);
  EXPECT_EQ(w.at("revenue"), "50.00");
  EXPECT_EQ(w.at("average"), "25.00");
  EXPECT_EQ(w.at("total_sales").to_number<double>(), 50.0);
  EXPECT_EQ(w.at("average_ticket").to_number<double>(), 25.0);
  EXPECT_EQ(w.at("payment_methods_text").at("card"), "40.00");
  EXPECT_EQ(w.at("payment_methods_text").at("cash"), "10.00");
  EXPECT_EQ(w.at("payment_methods_text").at("mobile"), "0.00");
  EXPECT_EQ(w.at("top_products_text"), "Bun × 4 (10.00); Cake × 2 (40.00)");
  EXPECT_EQ(w.at("top_products").as_array().size(), 2U);
  EXPECT_EQ(w.at("currency"), "USD");

  const auto month = payloads("monthly_summary", "2026-10-01").front();
  EXPECT_EQ(month.at("period"), "month");
  EXPECT_EQ(month.at("to"), "2026-10-31");
  EXPECT_EQ(month.at("orders").as_int64(), 2);
  EXPECT_EQ(month.at("revenue"), "25.00");
  EXPECT_EQ(month.at("average"), "12.50");
  EXPECT_EQ(month.at("top_products_text"), "Bun × 2 (5.00); Cake × 1 (20.00)");

  // The month of November closes on December 1 (after the grace), once.
  EXPECT_EQ(reports_->enqueue_period_summaries(at("2026-12-01", 2 * kMinute)), 1);  // a week
  EXPECT_EQ(reports_->enqueue_period_summaries(at("2026-12-01", 6 * kMinute)), 1);  // November
  EXPECT_EQ(payloads("monthly_summary", "2026-11-01").front().at("orders").as_int64(), 4);
}

TEST_F(PeriodSummaryTest, TwoInstancesQueueEachPeriodExactlyOnce) {
  user(auth::Role::admin);
  auto other_pool = open_pool(options());
  service::ReportService other(*other_pool, service::ReportSettings{kZone, "USD"});
  std::atomic<int> queued{0};
  const auto now = at("2026-08-03", 10 * kMinute);  // a Monday, and August 1 has passed
  std::thread a([&] { queued += reports_->enqueue_period_summaries(now); });
  std::thread b([&] { queued += other.enqueue_period_summaries(now); });
  a.join();
  b.join();
  EXPECT_EQ(queued.load(), 2);
  EXPECT_EQ(count("period_summaries"), 2);
  EXPECT_EQ(payloads("weekly_summary", "2026-07-27").size(), 1U);
  EXPECT_EQ(payloads("monthly_summary", "2026-07-01").size(), 1U);
}

}  // namespace
}  // namespace crema::test
