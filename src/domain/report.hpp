#pragma once
/// Report definitions (SPEC §12) without I/O: what a sale is and what it counts for, business
/// dates as day numbers, and the reports assembled from the grouped figures the repository
/// reads. Every figure is an exact integer (minor units, counts); only the averages are
/// divided, once, at the end.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "domain/order.hpp"

namespace crema::domain {

// ---- definitions ----------------------------------------------------------------------------

/// A sale: an order that is not cancelled and whose payment_status is paid or
/// partially_refunded.
bool is_sale(std::string_view status, std::string_view payment_status) noexcept;
/// A sale's amount: total_amount − refunded_amount (minor units).
inline std::int64_t sale_amount(std::int64_t total, std::int64_t refunded) noexcept {
  return total - refunded;
}
/// The key of `payment_methods` for an order's payment_method ("" → "other").
std::string payment_method_key(std::string_view method);
/// Payment methods always present in `payment_methods` (SPEC §12).
inline constexpr std::string_view kAlwaysMethods[] = {"cash", "card", "mobile"};
/// Minor units as text in major units with two decimals ("12.50", "-3.05"), for CSV and
/// message text.
std::string money_text(std::int64_t minor);
/// Order types, always present in `by_type`: domain::kOrderTypes (order.hpp).

// ---- business dates -------------------------------------------------------------------------

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; nothing when it is not a real date.
std::optional<int> parse_iso_day(std::string_view yyyy_mm_dd) noexcept;
/// Days since 1970-01-01 of a `YYYYMMDD` business date (the orders column).
std::optional<int> parse_compact_day(std::string_view yyyymmdd) noexcept;
std::string iso_day(int day);      ///< YYYY-MM-DD
std::string compact_day(int day);  ///< YYYYMMDD
/// 0 for Monday … 6 for Sunday.
int weekday(int day) noexcept;
/// The first day of the day's month.
int month_start(int day) noexcept;

// ---- figures --------------------------------------------------------------------------------

/// Count and amount of some sales.
struct SalesTotals {
  std::int64_t order_count = 0;
  std::int64_t total_sales = 0;  ///< minor units
  void add(std::int64_t count, std::int64_t amount) noexcept {
    order_count += count;
    total_sales += amount;
  }
  /// total_sales / order_count in minor units, rounded half away from zero (0 when none).
  std::int64_t average() const noexcept;
};

/// Sales of one business day, one payment method and one order type (a repository row).
struct SalesGroup {
  std::string business_date;   ///< YYYYMMDD
  std::string payment_method;  ///< "" when the order has none
  std::string type;
  std::int64_t order_count = 0;
  std::int64_t total_sales = 0;
};

struct DailyReport {
  std::string date;  ///< YYYY-MM-DD
  SalesTotals total;
  std::map<std::string, SalesTotals> payment_methods;
  std::map<std::string, SalesTotals> by_type;
};
/// The report of `day` from the groups of that day (others are ignored).
DailyReport daily_report(int day, const std::vector<SalesGroup>& groups);

struct WeeklyReport {
  std::string week_start, week_end;  ///< YYYY-MM-DD, week_end = week_start + 6
  SalesTotals total;
  std::vector<std::pair<std::string, SalesTotals>> days;  ///< all seven, in order
  std::map<std::string, SalesTotals> payment_methods;
};
WeeklyReport weekly_report(int week_start, const std::vector<SalesGroup>& groups);

enum class Granularity { day, week, month };
std::optional<Granularity> parse_granularity(std::string_view s) noexcept;
struct SalesBuckets {
  std::vector<std::pair<std::string, SalesTotals>> buckets;  ///< period_start, every period
  SalesTotals total;
};
/// Buckets from `from` to `to` (inclusive days); weeks start on Monday, months on the 1st;
/// the first bucket starts at the period that holds `from`.
SalesBuckets sales_buckets(int from, int to, Granularity g, const std::vector<SalesGroup>& groups);

struct ProductFigure {
  std::string product_id;
  std::string name;  ///< the greatest name its lines were sold under (names are snapshots)
  std::int64_t quantity = 0;
  std::int64_t revenue = 0;  ///< sum of line_total (minor units)
};

struct StaffFigure {
  std::string user_id;
  std::string name;
  std::int64_t orders_handled = 0;
  std::int64_t total_sales = 0;
  std::int64_t prep_ms_sum = 0;  ///< sum of (ready − confirmed) over the orders with both
  std::int64_t prep_count = 0;
  std::int64_t feedback_sum = 0;    ///< the customers' ratings (1–5) of the orders credited
  std::int64_t feedback_count = 0;  ///< how many of those orders were rated
  /// Mean minutes from confirmed to ready, rounded to 2 decimals; nothing when none.
  std::optional<double> avg_prep_minutes() const noexcept;
  /// Mean feedback rating, rounded to 2 decimals; nothing when no order was rated.
  std::optional<double> feedback_avg() const noexcept;
};

struct CustomerFigure {
  std::string customer_id;
  std::string name;
  std::int64_t order_count = 0;
  std::int64_t total_spent = 0;
  bool is_new = false;  ///< their first sale ever is in the period
};
struct CustomerReport {
  std::int64_t total_customers = 0;
  std::int64_t new_customers = 0;
  std::int64_t returning_customers = 0;
  std::vector<CustomerFigure> top_customers;  ///< by total_spent, then order_count
};
/// Totals over every customer, and the `top` biggest spenders.
CustomerReport customer_report(std::vector<CustomerFigure> all, std::size_t top);

// ---- JSON -----------------------------------------------------------------------------------

boost::json::object to_json(const DailyReport& r, std::string_view currency);
boost::json::object to_json(const WeeklyReport& r, std::string_view currency);
boost::json::object to_json(const SalesBuckets& r, std::string_view currency);
boost::json::object products_json(const std::vector<ProductFigure>& items,
                                  std::string_view currency);
boost::json::object staff_json(const std::vector<StaffFigure>& staff, std::string_view currency);
boost::json::object to_json(const CustomerReport& r, std::string_view currency);

}  // namespace crema::domain
