#include "service/report_service.hpp"

#include <algorithm>
#include <chrono>

#include <boost/json.hpp>
#include <date/tz.h>

#include "domain/money.hpp"
#include "obs/log.hpp"
#include "repo/report_repo.hpp"
#include "service/outbox.hpp"

namespace crema::service {

namespace json = boost::json;

ReportService::ReportService(db::Pool& pool, ReportSettings settings)
    : pool_(pool), settings_(std::move(settings)) {
  try {
    zone_ = date::locate_zone(settings_.timezone);
  } catch (const std::exception&) {
    zone_ = date::locate_zone("UTC");
  }
}

int ReportService::business_day(std::int64_t at_ms) const {
  const date::sys_time<std::chrono::milliseconds> tp{std::chrono::milliseconds(at_ms)};
  const auto local = zone_->to_local(tp);
  return static_cast<int>(date::floor<date::days>(local).time_since_epoch().count());
}

domain::DailyReport ReportService::daily(int day) {
  const auto key = domain::compact_day(day);
  return domain::daily_report(day, repo::sales_groups(*pool_.read(), key, key));
}

domain::WeeklyReport ReportService::weekly(int week_start) {
  return domain::weekly_report(week_start,
                               repo::sales_groups(*pool_.read(), domain::compact_day(week_start),
                                                  domain::compact_day(week_start + 6)));
}

domain::SalesBuckets ReportService::sales(int from, int to, domain::Granularity granularity) {
  return domain::sales_buckets(
      from, to, granularity,
      repo::sales_groups(*pool_.read(), domain::compact_day(from), domain::compact_day(to)));
}

std::vector<domain::ProductFigure> ReportService::top_products(int from, int to, int limit) {
  return repo::top_products(*pool_.read(), domain::compact_day(from), domain::compact_day(to),
                            limit);
}

std::vector<domain::StaffFigure> ReportService::performance(int from, int to) {
  return repo::staff_performance(*pool_.read(), domain::compact_day(from), domain::compact_day(to));
}

domain::CustomerReport ReportService::customers(int from, int to, std::size_t top) {
  return domain::customer_report(
      repo::customer_figures(*pool_.read(), domain::compact_day(from), domain::compact_day(to)),
      top);
}

json::object daily_summary_payload(const domain::DailyReport& report, std::string_view currency) {
  auto o = domain::to_json(report, currency);
  o["orders"] = report.total.order_count;
  o["revenue"] = domain::money_text(report.total.total_sales);
  o["average"] = domain::money_text(report.total.average());
  json::object methods, types;
  for (const auto& [k, t] : report.payment_methods) methods[k] = domain::money_text(t.total_sales);
  for (const auto& [k, t] : report.by_type) types[k] = domain::money_text(t.total_sales);
  o["payment_methods_text"] = std::move(methods);
  o["by_type_text"] = std::move(types);
  return o;
}

int ReportService::enqueue_daily_summaries(std::int64_t now_ms) {
  const int closed = business_day(now_ms - kSummaryGraceMs) - 1;
  int first = closed;
  const auto last = repo::last_daily_summary(*pool_.read());
  if (auto l = domain::parse_compact_day(last))
    first = std::max(*l + 1, closed - kSummaryCatchUpDays + 1);
  int queued = 0;
  for (int day = first; day <= closed; ++day) {
    const auto key = domain::compact_day(day);
    const int recipients = pool_.transact([&](db::Transaction& tx) {
      if (!repo::claim_daily_summary(tx, key, now_ms)) return -1;
      auto report = domain::daily_report(day, repo::sales_groups(tx.connection(), key, key));
      const int n = enqueue_role_notification(tx, {"admin"}, "daily_summary",
                                              daily_summary_payload(report, settings_.currency));
      repo::set_daily_summary_recipients(tx, key, n);
      return n;
    });
    if (recipients < 0) continue;
    ++queued;
    obs::Log(obs::Level::info, "daily summary queued")
        .str("date", domain::iso_day(day))
        .num("recipients", recipients);
  }
  return queued;
}

}  // namespace crema::service
