#pragma once
/// SQL of the reports (SPEC §12): sales aggregated at query time over the partial covering
/// indexes of migration 0120. Dates are business dates as the orders column stores them
/// (YYYYMMDD), both bounds inclusive. Every query filters sales with the same clause as the
/// indexes' WHERE, so both planners use them.

#include <cstdint>
#include <string_view>
#include <vector>

#include "db/pool.hpp"
#include "domain/report.hpp"

namespace crema::repo {

/// Sales grouped by business date, payment method and order type.
std::vector<domain::SalesGroup> sales_groups(db::Connection& conn, std::string_view from,
                                             std::string_view to);

/// Products sold, most units first (then revenue, then id), at most `limit`; read from the
/// product_sales_daily rollup (migration 0121), which a trigger keeps in step with orders.
std::vector<domain::ProductFigure> top_products(db::Connection& conn, std::string_view from,
                                                std::string_view to, int limit);

/// Staff credited with sales: the creator when staff+ created the order, otherwise whoever
/// moved it to ready; biggest total_sales first.
std::vector<domain::StaffFigure> staff_performance(db::Connection& conn, std::string_view from,
                                                   std::string_view to);

/// Every customer account with a sale in the period, with whether it was their first.
std::vector<domain::CustomerFigure> customer_figures(db::Connection& conn, std::string_view from,
                                                     std::string_view to);

/// Recomputes the product_sales_daily rollup from the orders (for data loaded as sales
/// directly, as bench/tools/report_bench.cpp does; the trigger keeps it otherwise).
void rebuild_product_sales(db::Transaction& tx);

/// The statements above ($1 from, $2 to, $3 limit), for bench/tools/report_bench.cpp's plans.
std::string_view sales_groups_sql();
std::string_view top_products_sql();
std::string_view staff_performance_sql();
std::string_view customer_figures_sql();

// ---- the daily summary ----------------------------------------------------------------------

/// Claims the summary of a business date (YYYYMMDD) in `tx`; false when it was claimed
/// before (by this or another instance). On PostgreSQL a concurrent uncommitted claim makes
/// this wait for its transaction.
bool claim_daily_summary(db::Transaction& tx, std::string_view business_date, std::int64_t now);
void set_daily_summary_recipients(db::Transaction& tx, std::string_view business_date, int n);
/// The latest business date summarised, "" when none.
std::string last_daily_summary(db::Connection& conn);

// ---- the weekly and monthly summaries (SPEC §15.5) ------------------------------------------

/// Claims the summary of a period (`kind` "week" or "month", its first business date
/// YYYYMMDD) in `tx`; false when it was claimed before, as claim_daily_summary.
bool claim_period_summary(db::Transaction& tx, std::string_view kind, std::string_view start,
                          std::int64_t now);
void set_period_summary_recipients(db::Transaction& tx, std::string_view kind,
                                   std::string_view start, int n);
/// The first business date of the latest period of `kind` summarised, "" when none.
std::string last_period_summary(db::Connection& conn, std::string_view kind);

}  // namespace crema::repo
