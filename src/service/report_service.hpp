#pragma once
/// Reports (SPEC §12) and the daily_summary notification (SPEC §10): business days in
/// CREMA_TIMEZONE, figures read from the repository and assembled by domain/report.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "domain/report.hpp"

namespace date {
class time_zone;
}

namespace crema::service {

struct ReportSettings {
  std::string timezone = "UTC";  ///< IANA zone of business days
  std::string currency = "USD";
};

/// What a daily_summary notification carries: the daily report's JSON, plus for the template
/// `orders`, `revenue` and `average` and the breakdowns as money text (`payment_methods_text`,
/// `by_type_text`: "12.50").
boost::json::object daily_summary_payload(const domain::DailyReport& report,
                                          std::string_view currency);

/// A business week (Monday to Sunday) or month, for the weekly_summary and monthly_summary.
struct PeriodSummary {
  std::string kind;  ///< "week" or "month"
  int from = 0;      ///< first business day (days since 1970-01-01)
  int to = 0;        ///< last business day, inclusive
  domain::SalesTotals total;
  std::map<std::string, domain::SalesTotals> payment_methods;
  std::map<std::string, domain::SalesTotals> by_type;
  std::vector<domain::ProductFigure> top_products;
};
/// A period's figures from its sales groups and top products (SPEC §12's definitions).
PeriodSummary period_summary(std::string kind, int from, int to,
                             const std::vector<domain::SalesGroup>& groups,
                             std::vector<domain::ProductFigure> top);
/// What a weekly_summary / monthly_summary carries: `period`, `from`, `to` (YYYY-MM-DD),
/// `currency`, `order_count`, `total_sales`, `average_ticket` (numbers), the template's text
/// forms `orders`, `revenue`, `average`, `payment_methods_text`, `by_type_text`,
/// `top_products_text` ("Latte × 40 (120.00); …"), and `top_products` as in the report.
boost::json::object period_summary_payload(const PeriodSummary& s, std::string_view currency);

class ReportService {
 public:
  ReportService(db::Pool& pool, ReportSettings settings);

  const ReportSettings& settings() const noexcept { return settings_; }

  /// The business day (days since 1970-01-01 in the shop's zone) of an instant.
  int business_day(std::int64_t at_ms) const;

  domain::DailyReport daily(int day);
  /// The seven days from `week_start`.
  domain::WeeklyReport weekly(int week_start);
  domain::SalesBuckets sales(int from, int to, domain::Granularity granularity);
  std::vector<domain::ProductFigure> top_products(int from, int to, int limit);
  std::vector<domain::StaffFigure> performance(int from, int to);
  domain::CustomerReport customers(int from, int to, std::size_t top = 10);

  /// Queues the daily_summary of every business day closed as of `now_ms` (a day is closed
  /// kSummaryGraceMs after its end) and not summarised yet — the last one, or, after a gap,
  /// at most kSummaryCatchUpDays — to every active admin. Each day is claimed in the
  /// transaction that queues it, so it is queued exactly once across instances. Returns
  /// how many days were queued by this call.
  int enqueue_daily_summaries(std::int64_t now_ms);

  /// Queues the weekly_summary of the last business week (Monday to Sunday) and the
  /// monthly_summary of the last month closed as of `now_ms` (closed kSummaryGraceMs after
  /// their last day ends, in the shop's zone) to every active admin, each period claimed
  /// exactly once across instances and restarts (period_summaries). After downtime only the
  /// latest closed period of each kind is sent, never a backlog. Returns how many summaries
  /// were queued by this call (0, 1 or 2).
  int enqueue_period_summaries(std::int64_t now_ms);

  static constexpr std::int64_t kSummaryGraceMs = 5 * 60 * 1000;
  static constexpr int kSummaryCatchUpDays = 7;
  static constexpr int kSummaryTopProducts = 5;

 private:
  db::Pool& pool_;
  ReportSettings settings_;
  const date::time_zone* zone_ = nullptr;

  bool enqueue_period(const std::string& kind, int from, int to, std::int64_t now_ms);
};

}  // namespace crema::service
