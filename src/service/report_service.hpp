#pragma once
/// Reports (SPEC §12) and the daily_summary notification (SPEC §10): business days in
/// CREMA_TIMEZONE, figures read from the repository and assembled by domain/report.

#include <cstdint>
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

  static constexpr std::int64_t kSummaryGraceMs = 5 * 60 * 1000;
  static constexpr int kSummaryCatchUpDays = 7;

 private:
  db::Pool& pool_;
  ReportSettings settings_;
  const date::time_zone* zone_ = nullptr;
};

}  // namespace crema::service
