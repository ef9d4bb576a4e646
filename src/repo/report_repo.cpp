#include "repo/report_repo.hpp"

#include <string>

namespace crema::repo {

namespace {

// Exactly the WHERE of the partial indexes of migration 0120 (SQLite matches it term by term).
#define CREMA_SALE_WHERE(o) \
  o "status <> 'cancelled' AND " o "payment_status IN ('paid', 'partially_refunded')"

}  // namespace

std::string_view sales_groups_sql() {
  static const std::string sql =
      "SELECT business_date, payment_method, type, COUNT(*), "
      "CAST(SUM(total_amount - refunded_amount) AS BIGINT) "
      "FROM orders WHERE " CREMA_SALE_WHERE("") " AND business_date >= $1 AND business_date <= $2 "
      "GROUP BY business_date, payment_method, type "
      "ORDER BY business_date, payment_method, type";
  return sql;
}

std::string_view top_products_sql() {
  // From the rollup of migration 0121 (kept by a trigger on orders).
  static const std::string sql =
      "SELECT product_id, MAX(name), CAST(SUM(quantity) AS BIGINT), CAST(SUM(revenue) AS BIGINT) "
      "FROM product_sales_daily WHERE business_date >= $1 AND business_date <= $2 "
      "GROUP BY product_id HAVING SUM(quantity) > 0 ORDER BY 3 DESC, 4 DESC, 1 LIMIT $3";
  return sql;
}

std::string_view staff_performance_sql() {
  // An order reaches ready once (the status machine has no way back), so joining its ready
  // history row finds who moved it there and when. Its customer's feedback (one row at most,
  // SPEC §15.5) goes to the same staff member.
  static const std::string sql =
      "SELECT s.credited, u.name, COUNT(*), CAST(SUM(s.amount) AS BIGINT), "
      "CAST(COALESCE(SUM(CASE WHEN s.ready_at IS NOT NULL AND s.confirmed_at IS NOT NULL "
      "THEN s.ready_at - s.confirmed_at END), 0) AS BIGINT), "
      "COUNT(CASE WHEN s.ready_at IS NOT NULL AND s.confirmed_at IS NOT NULL THEN 1 END), "
      "CAST(COALESCE(SUM(s.feedback), 0) AS BIGINT), COUNT(s.feedback) "
      "FROM (SELECT CASE WHEN cu.role IN ('staff', 'manager', 'admin') THEN o.created_by "
      "ELSE h.by_id END AS credited, o.total_amount - o.refunded_amount AS amount, "
      "o.confirmed_at AS confirmed_at, h.at AS ready_at, fb.rating AS feedback "
      "FROM orders o LEFT JOIN users cu ON cu.id = o.created_by "
      "LEFT JOIN order_history h ON h.order_id = o.id AND h.status = 'ready' "
      "LEFT JOIN order_feedback fb ON fb.order_id = o.id "
      "WHERE " CREMA_SALE_WHERE("o.") " AND o.business_date >= $1 AND o.business_date <= $2) s "
      "JOIN users u ON u.id = s.credited "
      "GROUP BY s.credited, u.name ORDER BY 4 DESC, 3 DESC, 1";
  return sql;
}

std::string_view customer_figures_sql() {
  static const std::string sql =
      "SELECT c.customer_id, COALESCE(u.name, ''), c.n, c.spent, "
      "CASE WHEN EXISTS (SELECT 1 FROM orders p WHERE p.customer_id = c.customer_id AND "
      CREMA_SALE_WHERE("p.") " AND p.business_date < $1) THEN 0 ELSE 1 END "
      "FROM (SELECT customer_id, COUNT(*) AS n, "
      "CAST(SUM(total_amount - refunded_amount) AS BIGINT) AS spent FROM orders "
      "WHERE customer_id IS NOT NULL AND " CREMA_SALE_WHERE("")
      " AND business_date >= $1 AND business_date <= $2 GROUP BY customer_id) c "
      "LEFT JOIN users u ON u.id = c.customer_id";
  return sql;
}

std::vector<domain::SalesGroup> sales_groups(db::Connection& conn, std::string_view from,
                                             std::string_view to) {
  auto rows = conn.exec(sales_groups_sql(), {from, to});
  std::vector<domain::SalesGroup> out;
  out.reserve(rows.size());
  for (auto r : rows)
    out.push_back({r.text(0), r.opt_text(1).value_or(""), r.text(2), r.int64(3), r.int64(4)});
  return out;
}

std::vector<domain::ProductFigure> top_products(db::Connection& conn, std::string_view from,
                                                std::string_view to, int limit) {
  auto rows = conn.exec(top_products_sql(), {from, to, static_cast<std::int64_t>(limit)});
  std::vector<domain::ProductFigure> out;
  out.reserve(rows.size());
  for (auto r : rows) out.push_back({r.text(0), r.text(1), r.int64(2), r.int64(3)});
  return out;
}

std::vector<domain::StaffFigure> staff_performance(db::Connection& conn, std::string_view from,
                                                   std::string_view to) {
  // The ready step of an order: its first history row with status ready (there is one).
  auto rows = conn.exec(staff_performance_sql(), {from, to});
  std::vector<domain::StaffFigure> out;
  out.reserve(rows.size());
  for (auto r : rows)
    out.push_back({r.text(0), r.text(1), r.int64(2), r.int64(3), r.int64(4), r.int64(5), r.int64(6),
                   r.int64(7)});
  return out;
}

std::vector<domain::CustomerFigure> customer_figures(db::Connection& conn, std::string_view from,
                                                     std::string_view to) {
  auto rows = conn.exec(customer_figures_sql(), {from, to});
  std::vector<domain::CustomerFigure> out;
  out.reserve(rows.size());
  for (auto r : rows)
    out.push_back({r.text(0), r.text(1), r.int64(2), r.int64(3), r.int64(4) == 1});
  return out;
}

void rebuild_product_sales(db::Transaction& tx) {
  tx.exec("DELETE FROM product_sales_daily");
  tx.exec(
      "INSERT INTO product_sales_daily (business_date, product_id, name, quantity, revenue) "
      "SELECT o.business_date, i.product_id, MAX(i.name), SUM(i.quantity), SUM(i.line_total) "
      "FROM orders o JOIN order_items i ON i.order_id = o.id "
      "WHERE " CREMA_SALE_WHERE("o.") " GROUP BY o.business_date, i.product_id");
}

#undef CREMA_SALE_WHERE

bool claim_daily_summary(db::Transaction& tx, std::string_view business_date, std::int64_t now) {
  auto r = tx.exec(
      "INSERT INTO daily_summaries (business_date, created_at) VALUES ($1, $2) "
      "ON CONFLICT (business_date) DO NOTHING",
      {business_date, now});
  return r.affected() == 1;
}

void set_daily_summary_recipients(db::Transaction& tx, std::string_view business_date, int n) {
  tx.exec("UPDATE daily_summaries SET recipients = $2 WHERE business_date = $1",
          {business_date, static_cast<std::int64_t>(n)});
}

std::string last_daily_summary(db::Connection& conn) {
  auto r = conn.exec("SELECT MAX(business_date) FROM daily_summaries");
  if (r.empty() || r.front().is_null(0)) return {};
  return r.front().text(0);
}

bool claim_period_summary(db::Transaction& tx, std::string_view kind, std::string_view start,
                          std::int64_t now) {
  auto r = tx.exec(
      "INSERT INTO period_summaries (kind, period_start, created_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (kind, period_start) DO NOTHING",
      {kind, start, now});
  return r.affected() == 1;
}

void set_period_summary_recipients(db::Transaction& tx, std::string_view kind,
                                   std::string_view start, int n) {
  tx.exec("UPDATE period_summaries SET recipients = $3 WHERE kind = $1 AND period_start = $2",
          {kind, start, static_cast<std::int64_t>(n)});
}

std::string last_period_summary(db::Connection& conn, std::string_view kind) {
  auto r = conn.exec("SELECT MAX(period_start) FROM period_summaries WHERE kind = $1", {kind});
  if (r.empty() || r.front().is_null(0)) return {};
  return r.front().text(0);
}

}  // namespace crema::repo
