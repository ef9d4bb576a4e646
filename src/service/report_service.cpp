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

PeriodSummary period_summary(std::string kind, int from, int to,
                             const std::vector<domain::SalesGroup>& groups,
                             std::vector<domain::ProductFigure> top) {
  PeriodSummary s;
  s.kind = std::move(kind);
  s.from = from;
  s.to = to;
  for (auto m : domain::kAlwaysMethods) s.payment_methods[std::string(m)];
  for (auto t : {"dine-in", "takeaway", "online", "event"}) s.by_type[t];
  const auto lo = domain::compact_day(from);
  const auto hi = domain::compact_day(to);
  for (const auto& g : groups) {
    if (g.business_date < lo || g.business_date > hi) continue;
    s.total.add(g.order_count, g.total_sales);
    s.payment_methods[domain::payment_method_key(g.payment_method)].add(g.order_count,
                                                                        g.total_sales);
    s.by_type[g.type].add(g.order_count, g.total_sales);
  }
  s.top_products = std::move(top);
  return s;
}

json::object period_summary_payload(const PeriodSummary& s, std::string_view currency) {
  json::object o;
  o["period"] = s.kind;
  o["from"] = domain::iso_day(s.from);
  o["to"] = domain::iso_day(s.to);
  o["currency"] = currency;
  o["order_count"] = s.total.order_count;
  o["total_sales"] = domain::money_to_major(s.total.total_sales);
  o["average_ticket"] = domain::money_to_major(s.total.average());
  o["orders"] = s.total.order_count;
  o["revenue"] = domain::money_text(s.total.total_sales);
  o["average"] = domain::money_text(s.total.average());
  json::object methods, types;
  for (const auto& [k, t] : s.payment_methods) methods[k] = domain::money_text(t.total_sales);
  for (const auto& [k, t] : s.by_type) types[k] = domain::money_text(t.total_sales);
  o["payment_methods_text"] = std::move(methods);
  o["by_type_text"] = std::move(types);
  json::array top;
  std::string top_text;
  for (const auto& p : s.top_products) {
    top.push_back(json::object{{"product_id", p.product_id},
                               {"name", p.name},
                               {"quantity", p.quantity},
                               {"revenue", domain::money_to_major(p.revenue)}});
    if (!top_text.empty()) top_text += "; ";
    top_text +=
        p.name + " × " + std::to_string(p.quantity) + " (" + domain::money_text(p.revenue) + ")";
  }
  o["top_products"] = std::move(top);
  o["top_products_text"] = top_text.empty() ? std::string("none") : top_text;
  return o;
}

bool ReportService::enqueue_period(const std::string& kind, int from, int to, std::int64_t now_ms) {
  const auto key = domain::compact_day(from);
  const auto hi = domain::compact_day(to);
  // The figures of a closed period do not change: they are read before the write
  // transaction, which then only claims the period and queues the messages, so a month's
  // aggregate never holds SQLite's writer (a sign-in waiting on it would time out).
  auto summary = [&] {
    auto conn = pool_.read();
    return period_summary(kind, from, to, repo::sales_groups(*conn, key, hi),
                          repo::top_products(*conn, key, hi, kSummaryTopProducts));
  }();
  const auto payload = period_summary_payload(summary, settings_.currency);
  const int recipients = pool_.transact([&](db::Transaction& tx) {
    if (!repo::claim_period_summary(tx, kind, key, now_ms)) return -1;
    const int n = enqueue_role_notification(tx, {"admin"}, kind + "ly_summary", payload);
    repo::set_period_summary_recipients(tx, kind, key, n);
    return n;
  });
  if (recipients < 0) return false;
  obs::Log(obs::Level::info, "period summary queued")
      .str("period", kind)
      .str("from", domain::iso_day(from))
      .num("recipients", recipients);
  return true;
}

int ReportService::enqueue_period_summaries(std::int64_t now_ms) {
  // The last closed business day; the last week and month that end on or before it.
  const int closed = business_day(now_ms - kSummaryGraceMs) - 1;
  const int week_end = closed - (domain::weekday(closed) + 1) % 7;  // the last Sunday
  const int next_month = domain::month_start(closed + 1);
  const int month_end = next_month - 1;  // the last day of the last whole month
  const int month_from = domain::month_start(month_end);
  int queued = 0;
  // Only the latest closed period: claimed periods are never sent again, and one older than
  // the latest is not worth sending late (the reports have it).
  if (repo::last_period_summary(*pool_.read(), "week") < domain::compact_day(week_end - 6) &&
      enqueue_period("week", week_end - 6, week_end, now_ms))
    ++queued;
  if (repo::last_period_summary(*pool_.read(), "month") < domain::compact_day(month_from) &&
      enqueue_period("month", month_from, month_end, now_ms))
    ++queued;
  return queued;
}

}  // namespace crema::service
