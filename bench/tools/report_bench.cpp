// crema_report_bench: fills a database with N generated orders (default 1,000,000: a year of
// business days, ~2,740 orders a day, 1–4 lines each, three history rows each, 20 staff and
// 20,000 customers) with set-based SQL, then times each report of SPEC §12 through
// service::ReportService (the code the routes call) and prints, in Markdown, the medians and
// each statement's plan. bench/reports.sh runs it on SQLite and PostgreSQL.
//
//   crema_report_bench DATABASE_URL [ORDERS] [--no-fill | --fill-only]
//
// --fill-only: migrate and fill, time nothing (bench/export.sh seeds its year with it).
//
// Business days are UTC here (the generator writes business_date from created_at in UTC).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "domain/report.hpp"
#include "repo/report_repo.hpp"
#include "service/report_service.hpp"

namespace {

using namespace crema;
using Clock = std::chrono::steady_clock;

constexpr int kDays = 365;
constexpr std::int64_t kStaff = 20;
constexpr std::int64_t kCustomers = 20000;
constexpr std::int64_t kProducts = 200;
// 2025-12-01 00:00 UTC: day 0 of the generated year.
constexpr std::int64_t kBaseEpoch = 1764547200;

struct Dialect {
  bool pg;
  // A series 0..n-1 named s(i), as a FROM item (SQLite: a CTE named in `with`).
  std::string with(std::int64_t from, std::int64_t to) const {
    if (pg) return "";
    return "WITH RECURSIVE s(i) AS (SELECT " + std::to_string(from) +
           " UNION ALL SELECT i + 1 FROM s WHERE i < " + std::to_string(to - 1) + ") ";
  }
  std::string series(std::int64_t from, std::int64_t to) const {
    if (pg)
      return "generate_series(" + std::to_string(from) + "::bigint, " + std::to_string(to - 1) +
             "::bigint) AS s(i)";
    return "s";
  }
  std::string id(const char* prefix, const std::string& n) const {
    // UUID-shaped text ids: "00000000-0000-7000-8000-" + prefix digit + 11 digits.
    if (pg)
      return "'00000000-0000-7000-8000-" + std::string(prefix) + "' || lpad((" + n +
             ")::text, 11, '0')";
    return "printf('00000000-0000-7000-8000-" + std::string(prefix) + "%011d', " + n + ")";
  }
  std::string day_text(const std::string& d) const {
    if (pg) return "to_char(date '2025-12-01' + (" + d + ")::int, 'YYYYMMDD')";
    return "strftime('%Y%m%d', " + std::to_string(kBaseEpoch) + " + (" + d +
           ") * 86400, 'unixepoch')";
  }
};

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void fill(db::Pool& pool, std::int64_t orders) {
  const Dialect d{pool.dialect() == db::Dialect::postgres};
  auto t0 = Clock::now();
  pool.transact([&](db::Transaction& tx) {
    tx.exec(d.with(0, kStaff + kCustomers) +
            "INSERT INTO users (id, name, email, password_hash, role, created_at, updated_at) "
            "SELECT CASE WHEN i < " +
            std::to_string(kStaff) + " THEN " + d.id("1", "i") + " ELSE " +
            d.id("2", "i - " + std::to_string(kStaff)) +
            " END, "
            "'Bench user ' || i, 'bench' || i || '@example.com', 'x', "
            "CASE WHEN i < " +
            std::to_string(kStaff) +
            " THEN 'staff' ELSE 'customer' END, 0, 0 "
            "FROM " +
            d.series(0, kStaff + kCustomers));
  });
  std::fprintf(stderr, "users: %.0f ms\n", ms_since(t0));
  constexpr std::int64_t kBatch = 100000;
  for (std::int64_t lo = 0; lo < orders; lo += kBatch) {
    const std::int64_t hi = std::min(orders, lo + kBatch);
    // g: i, h (a hash of i), t (type bucket), day.
    const std::string g =
        "(SELECT i, (i * 2654435761) % 1000003 AS h, "
        "((i * 2654435761) % 1000003) % 20 AS t, i % " +
        std::to_string(kDays) + " AS day FROM " + d.series(lo, hi) + ") g";
    const std::string created =
        "((" + std::to_string(kBaseEpoch) + " + g.day * 86400 + 21600 + g.h % 50000) * 1000)";
    const std::string customer = d.id("2", "(g.h / 17) % " + std::to_string(kCustomers));
    const std::string staff = d.id("1", "(g.h / 19) % " + std::to_string(kStaff));
    const std::string amount = "(500 + (g.h / 23) % 4000)";
    auto t1 = Clock::now();
    pool.transact([&](db::Transaction& tx) {
      tx.exec(
          d.with(lo, hi) +
          "INSERT INTO orders (id, order_number, business_date, type, status, payment_status, "
          "payment_method, customer_id, created_by, api_key_id, subtotal, tax_amount, "
          "total_amount, refunded_amount, currency, created_at, updated_at, confirmed_at, "
          "stock_state) SELECT " +
          d.id("3", "g.i") + ", 'B' || g.i, " + d.day_text("g.day") +
          ", "
          "CASE WHEN g.t < 9 THEN 'takeaway' WHEN g.t < 15 THEN 'dine-in' WHEN g.t < 19 THEN "
          "'online' ELSE 'event' END, "
          "CASE WHEN g.h % 50 = 0 THEN 'cancelled' WHEN g.h % 50 = 1 THEN 'pending' ELSE "
          "'completed' END, "
          "CASE WHEN (g.h / 7) % 20 = 0 THEN 'refunded' WHEN (g.h / 7) % 20 = 1 THEN "
          "'partially_refunded' WHEN (g.h / 7) % 20 = 2 THEN 'pending' ELSE 'paid' END, "
          "CASE (g.h / 13) % 6 WHEN 0 THEN 'cash' WHEN 1 THEN 'card' WHEN 2 THEN 'mobile' WHEN 3 "
          "THEN 'stripe' WHEN 4 THEN 'paypal' ELSE 'local' END, "
          "CASE WHEN g.t >= 15 AND g.t < 19 THEN " +
          customer +
          " END, "
          "CASE WHEN g.t >= 15 AND g.t < 18 THEN " +
          customer + " WHEN g.t = 18 THEN NULL ELSE " + staff +
          " END, "
          "CASE WHEN g.t = 18 THEN 'key' END, " +
          amount + ", 0, " + amount +
          ", "
          "CASE WHEN (g.h / 7) % 20 = 0 THEN " +
          amount + " WHEN (g.h / 7) % 20 = 1 THEN " + amount + " / 3 ELSE 0 END, 'USD', " +
          created + ", " + created + ", " + created + " + 60000, 'committed' FROM " + g);
      tx.exec(d.with(lo, hi) +
              "INSERT INTO order_items (id, order_id, position, product_id, name, unit_price, "
              "quantity, line_total) SELECT " +
              d.id("4", "g.i * 4 + j.k") + ", " + d.id("3", "g.i") + ", j.k, " +
              d.id("5", "((g.h / 29) + j.k * 37) % " + std::to_string(kProducts)) +
              ", 'Product ' || (((g.h / 29) + j.k * 37) % " + std::to_string(kProducts) +
              "), 250, "
              "1 + (g.h + j.k) % 3, 250 * (1 + (g.h + j.k) % 3) FROM " +
              g +
              " JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) j "
              "ON j.k <= g.h % 4");
      tx.exec(
          d.with(lo, hi) + "INSERT INTO order_history (id, order_id, status, at, by_id) SELECT " +
          d.id("6", "g.i * 3 + j.k") + ", " + d.id("3", "g.i") +
          ", CASE j.k WHEN 0 THEN 'pending' WHEN 1 THEN 'confirmed' ELSE 'ready' END, " + created +
          " + j.k * 60000 + CASE WHEN j.k = 2 THEN (g.h % 900) * 1000 ELSE 0 END, "
          "CASE WHEN j.k = 0 AND g.t < 15 THEN " +
          staff + " WHEN j.k > 0 THEN " + d.id("1", "(g.h / 31) % " + std::to_string(kStaff)) +
          " END FROM " + g +
          " JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) j ON 1 = 1");
    });
    std::fprintf(stderr, "orders %lld..%lld: %.0f ms\n", static_cast<long long>(lo),
                 static_cast<long long>(hi), ms_since(t1));
  }
  auto t2 = Clock::now();
  // Orders were written as sales directly, which the rollup trigger does not see.
  pool.transact([](db::Transaction& tx) { repo::rebuild_product_sales(tx); });
  std::fprintf(stderr, "product rollup: %.0f ms\n", ms_since(t2));
  t2 = Clock::now();
  auto conn = pool.write();
  // PostgreSQL: what autovacuum would do soon (statistics, visibility map for index-only
  // scans). SQLite: nothing, as Crema never runs ANALYZE there.
  if (d.pg) conn->exec_script("VACUUM ANALYZE");
  std::fprintf(stderr, "analyze: %.0f ms; fill total %.0f ms\n", ms_since(t2), ms_since(t0));
}

double median_ms(int runs, const std::function<void()>& fn) {
  fn();  // warm the cache and the prepared statement
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    fn();
    t.push_back(ms_since(t0));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void plan(db::Pool& pool, std::string_view sql, std::initializer_list<db::Param> params) {
  const bool pg = pool.dialect() == db::Dialect::postgres;
  auto conn = pool.read();
  std::string text =
      std::string(pg ? "EXPLAIN (ANALYZE, BUFFERS) " : "EXPLAIN QUERY PLAN ") + std::string(sql);
  auto rows = conn->exec(text, params);
  std::printf("```\n");
  for (auto r : rows) std::printf("%s\n", r.text(r.size() - 1).c_str());
  std::printf("```\n\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: crema_report_bench DATABASE_URL [ORDERS] [--no-fill | --fill-only]\n");
    return 2;
  }
  const std::string url = argv[1];
  std::int64_t orders = 1'000'000;
  bool do_fill = true;
  bool fill_only = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-fill") == 0) do_fill = false;
    else if (std::strcmp(argv[i], "--fill-only") == 0) fill_only = true;
    else orders = std::stoll(argv[i]);
  }
  db::PoolOptions options;
  options.size = 2;
  options.acquire_timeout = std::chrono::milliseconds(600000);
  auto pool = db::Pool::open(url, options);
  db::migrate(*pool);
  if (do_fill) fill(*pool, orders);
  if (fill_only) return 0;
  const bool pg = pool->dialect() == db::Dialect::postgres;
  const auto count = pool->read()->exec("SELECT COUNT(*) FROM orders").front().int64(0);

  service::ReportService reports(*pool, service::ReportSettings{"UTC", "USD"});
  const int first = *domain::parse_iso_day("2025-12-01");
  const int day = first + 200;  // a Tuesday in the middle of the data
  const int week = day - domain::weekday(day);
  std::printf("### %s, %lld orders\n\n", pg ? "PostgreSQL 15" : "SQLite 3.40",
              static_cast<long long>(count));
  std::printf("| report | median of 15 (ms) | result |\n|---|---|---|\n");
  auto row = [&](const char* name, const std::function<std::string()>& fn) {
    std::string result;
    const double ms = median_ms(15, [&] { result = fn(); });
    std::printf("| %s | %.2f | %s |\n", name, ms, result.c_str());
  };
  row("GET /reports/sales/daily", [&] {
    auto r = reports.daily(day);
    return std::to_string(r.total.order_count) + " sales";
  });
  row("GET /reports/sales/weekly", [&] {
    auto r = reports.weekly(week);
    return std::to_string(r.total.order_count) + " sales";
  });
  row("GET /reports/products/top (7 days)", [&] {
    auto r = reports.top_products(week, week + 6, 10);
    return std::to_string(r.size()) + " products";
  });
  row("GET /reports/products/top (30 days)", [&] {
    auto r = reports.top_products(day - 29, day, 10);
    return std::to_string(r.size()) + " products";
  });
  row("GET /reports/performance (7 days)", [&] {
    auto r = reports.performance(week, week + 6);
    return std::to_string(r.size()) + " staff";
  });
  row("GET /admin/sales (365 days by month)", [&] {
    auto r = reports.sales(first, first + 364, domain::Granularity::month);
    return std::to_string(r.total.order_count) + " sales";
  });
  row("GET /admin/customers (30 days)", [&] {
    auto r = reports.customers(day - 29, day);
    return std::to_string(r.total_customers) + " customers";
  });
  std::printf("\n");
  const auto d0 = domain::compact_day(day), w0 = domain::compact_day(week),
             w6 = domain::compact_day(week + 6);
  std::printf("Daily (`sales_groups`, one day):\n\n");
  plan(*pool, repo::sales_groups_sql(), {std::string_view(d0), std::string_view(d0)});
  std::printf("Top products (`top_products`, 7 days):\n\n");
  plan(*pool, repo::top_products_sql(),
       {std::string_view(w0), std::string_view(w6), std::int64_t{10}});
  std::printf("Performance (`staff_performance`, 7 days):\n\n");
  plan(*pool, repo::staff_performance_sql(), {std::string_view(w0), std::string_view(w6)});
  return 0;
}
