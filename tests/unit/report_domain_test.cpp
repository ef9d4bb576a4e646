// Report definitions without a database (SPEC §12): business-date arithmetic, exact
// averages and money text, period buckets, the daily report's always-present keys, and the
// daily_summary template filled from a summary payload.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "domain/report.hpp"
#include "notify/templates.hpp"
#include "service/report_service.hpp"

namespace crema::domain {
namespace {

TEST(ReportDomain, BusinessDatesAreDayNumbers) {
  EXPECT_EQ(parse_iso_day("1970-01-01"), 0);
  EXPECT_EQ(parse_iso_day("2026-11-01"), parse_compact_day("20261101"));
  EXPECT_EQ(iso_day(*parse_iso_day("2028-02-29")), "2028-02-29");
  EXPECT_EQ(compact_day(*parse_iso_day("2026-12-31") + 1), "20270101");
  for (const char* bad : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-1-01", "20261101",
                          "2026-11-31", "abcd-ef-gh", "1969-12-31", ""})
    EXPECT_FALSE(parse_iso_day(bad)) << bad;
  EXPECT_FALSE(parse_compact_day("2026-11-0"));
  EXPECT_EQ(weekday(*parse_iso_day("2026-11-02")), 0);  // a Monday
  EXPECT_EQ(weekday(*parse_iso_day("2026-11-01")), 6);  // a Sunday
  EXPECT_EQ(iso_day(month_start(*parse_iso_day("2026-03-31"))), "2026-03-01");
}

TEST(ReportDomain, SaleDefinitionAndExactFigures) {
  EXPECT_TRUE(is_sale("completed", "paid"));
  EXPECT_TRUE(is_sale("pending", "partially_refunded"));
  EXPECT_FALSE(is_sale("cancelled", "paid"));
  EXPECT_FALSE(is_sale("completed", "refunded"));
  EXPECT_FALSE(is_sale("completed", "pending"));
  EXPECT_EQ(sale_amount(1000, 250), 750);
  SalesTotals t;
  EXPECT_EQ(t.average(), 0);
  t.add(3, 5200);
  EXPECT_EQ(t.average(), 1733);  // 17.333…
  t = {};
  t.add(2, 5);
  EXPECT_EQ(t.average(), 3);  // 2.5 rounds half away from zero
  EXPECT_EQ(money_text(0), "0.00");
  EXPECT_EQ(money_text(5), "0.05");
  EXPECT_EQ(money_text(1250), "12.50");
  EXPECT_EQ(money_text(-305), "-3.05");
  StaffFigure s;
  EXPECT_FALSE(s.avg_prep_minutes());
  s.prep_ms_sum = 3 * 60'000 + 20'000 + 6 * 60'000;  // 3:20 and 6:00
  s.prep_count = 2;
  EXPECT_EQ(s.avg_prep_minutes(), 4.67);
}

TEST(ReportDomain, DailyReportKeepsTheAlwaysPresentKeysAndOtherForNoMethod) {
  const int day = *parse_iso_day("2026-11-01");
  std::vector<SalesGroup> groups = {{"20261101", "cash", "dine-in", 2, 1000},
                                    {"20261101", "stripe", "online", 1, 700},
                                    {"20261101", "", "takeaway", 1, 300},
                                    {"20261102", "card", "dine-in", 9, 9999}};
  auto r = daily_report(day, groups);
  EXPECT_EQ(r.total.order_count, 4);
  EXPECT_EQ(r.total.total_sales, 2000);
  auto j = to_json(r, "EUR");
  const auto& m = j.at("payment_methods").as_object();
  EXPECT_EQ(m.size(), 5u);  // cash, card, mobile, stripe, other
  EXPECT_EQ(m.at("card").to_number<double>(), 0.0);
  EXPECT_EQ(m.at("other").to_number<double>(), 3.0);
  EXPECT_EQ(j.at("by_type").as_object().size(), 4u);
  EXPECT_EQ(j.at("average_order_value").to_number<double>(), 5.0);
  EXPECT_EQ(j.at("currency"), "EUR");
}

TEST(ReportDomain, BucketsCoverEveryPeriodOfTheRange) {
  const int from = *parse_iso_day("2026-10-28"), to = *parse_iso_day("2026-11-10");
  std::vector<SalesGroup> groups = {{"20261027", "cash", "dine-in", 1, 100},  // outside
                                    {"20261028", "cash", "dine-in", 1, 200},
                                    {"20261102", "cash", "dine-in", 1, 400},
                                    {"20261110", "cash", "dine-in", 1, 800}};
  auto weeks = sales_buckets(from, to, Granularity::week, groups);
  ASSERT_EQ(weeks.buckets.size(), 3u);
  EXPECT_EQ(weeks.buckets[0].first, "2026-10-26");  // the Monday of the first week
  EXPECT_EQ(weeks.buckets[0].second.total_sales, 200);
  EXPECT_EQ(weeks.buckets[1].second.total_sales, 400);
  EXPECT_EQ(weeks.buckets[2].second.total_sales, 800);
  EXPECT_EQ(weeks.total.total_sales, 1400);
  auto months = sales_buckets(from, to, Granularity::month, groups);
  ASSERT_EQ(months.buckets.size(), 2u);
  EXPECT_EQ(months.buckets[1].first, "2026-11-01");
  EXPECT_EQ(months.buckets[1].second.order_count, 2);
  EXPECT_EQ(sales_buckets(from, to, Granularity::day, groups).buckets.size(), 14u);
  EXPECT_FALSE(parse_granularity("year"));
}

TEST(ReportDomain, TheDailySummaryTemplateShowsTheFigures) {
  auto payload = service::daily_summary_payload(
      daily_report(*parse_iso_day("2026-11-01"), {{"20261101", "cash", "dine-in", 2, 1250}}),
      "USD");
  EXPECT_EQ(payload.at("orders").as_int64(), 2);
  auto m = notify::Templates().render("daily_summary", payload);
  EXPECT_EQ(m.subject, "Daily summary for 2026-11-01");
  EXPECT_NE(m.text.find("2 orders, revenue 12.50 USD (average 6.25)"), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("Cash 12.50, card 0.00, mobile 0.00"), std::string::npos) << m.text;
  EXPECT_NE(m.text.find("Dine-in 12.50, takeaway 0.00"), std::string::npos) << m.text;
  EXPECT_NE(m.html.find("Dine-in 12.50"), std::string::npos) << m.html;
  EXPECT_NE(m.sms.find("2026-11-01: 2 orders, 12.50 USD."), std::string::npos) << m.sms;
}

}  // namespace
}  // namespace crema::domain
