// Opening hours (SPEC §15.3) in the shop's zone: ranges, past midnight, closures, the pause,
// slots, and the 2026 daylight-saving changes of Europe/Berlin and America/New_York.
#include <date/tz.h>
#include <gtest/gtest.h>

#include "domain/hours.hpp"
#include "domain/report.hpp"
#include "util/clock.hpp"
#include "util/time.hpp"

namespace crema::domain {
namespace {

std::int64_t hours_at(std::string_view rfc3339) { return util::parse_rfc3339(rfc3339).value(); }
std::string text(std::int64_t ms) { return util::format_rfc3339(ms); }
std::string text(const std::optional<std::int64_t>& ms) { return ms ? text(*ms) : "never"; }

OpeningRange range(Weekday d, std::string_view open, std::string_view close) {
  return {d, parse_clock_time(open).value(), parse_clock_time(close, true).value()};
}

const date::time_zone* zone(std::string_view name) { return date::locate_zone(name); }

constexpr std::int64_t kMinute = 60'000;

TEST(HoursDomain, ClockTimesAndDays) {
  EXPECT_EQ(parse_clock_time("07:30"), 450);
  EXPECT_EQ(parse_clock_time("00:00"), 0);
  EXPECT_EQ(parse_clock_time("23:59"), 1439);
  EXPECT_FALSE(parse_clock_time("24:00"));
  EXPECT_EQ(parse_clock_time("24:00", true), 1440);
  EXPECT_FALSE(parse_clock_time("24:01", true));
  for (auto bad : {"7:30", "07:60", "25:00", "07-30", "0730", "ab:cd", "07:3", " 7:30", ""})
    EXPECT_FALSE(parse_clock_time(bad)) << bad;
  EXPECT_EQ(clock_time_text(450), "07:30");
  EXPECT_EQ(clock_time_text(1440), "24:00");
  EXPECT_EQ(parse_weekday("sun"), Weekday::sun);
  EXPECT_FALSE(parse_weekday("Sun"));
  EXPECT_FALSE(parse_weekday("sunday"));
  EXPECT_EQ(weekday_name(Weekday::wed), "wed");
}

TEST(HoursDomain, RangesThatOverlapAreNamed) {
  EXPECT_TRUE(opening_range_issues(
                  {range(Weekday::mon, "08:00", "12:00"), range(Weekday::mon, "12:00", "14:00"),
                   range(Weekday::mon, "18:00", "02:00"), range(Weekday::tue, "02:00", "06:00")})
                  .empty())
      << "touching ranges, past midnight included, are fine";

  auto same_day = opening_range_issues(
      {range(Weekday::mon, "08:00", "12:00"), range(Weekday::mon, "11:00", "13:00")});
  ASSERT_EQ(same_day.size(), 1u);
  EXPECT_EQ(same_day[0].field, "hours[1]");
  EXPECT_NE(same_day[0].issue.find("hours[0]"), std::string::npos) << same_day[0].issue;

  auto past_midnight = opening_range_issues(
      {range(Weekday::fri, "20:00", "03:00"), range(Weekday::sat, "02:30", "10:00")});
  ASSERT_EQ(past_midnight.size(), 1u);
  EXPECT_EQ(past_midnight[0].field, "hours[1]");

  auto week_wrap = opening_range_issues(
      {range(Weekday::mon, "00:00", "08:00"), range(Weekday::sun, "22:00", "01:00")});
  ASSERT_EQ(week_wrap.size(), 1u) << "Sunday night runs into Monday morning";
  EXPECT_EQ(week_wrap[0].field, "hours[1]");

  auto empty = opening_range_issues({range(Weekday::tue, "09:00", "09:00")});
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].field, "hours[0].close");

  EXPECT_TRUE(opening_range_issues(
                  {range(Weekday::tue, "00:00", "24:00"), range(Weekday::wed, "00:00", "24:00")})
                  .empty());
}

TEST(HoursDomain, OpenAndNextOpenOnOrdinaryDays) {
  // Berlin in winter is UTC+1, in summer UTC+2.
  OpeningHours h({range(Weekday::mon, "08:00", "12:00"), range(Weekday::mon, "14:00", "18:00")}, {},
                 zone("Europe/Berlin"));
  // Monday 2026-01-12.
  EXPECT_FALSE(h.open_at(hours_at("2026-01-12T06:59:59Z")));
  EXPECT_TRUE(h.open_at(hours_at("2026-01-12T07:00:00Z")));
  EXPECT_TRUE(h.open_at(hours_at("2026-01-12T10:59:59Z")));
  EXPECT_FALSE(h.open_at(hours_at("2026-01-12T11:00:00Z")));
  EXPECT_EQ(text(h.next_open(hours_at("2026-01-12T11:00:00Z"))), "2026-01-12T13:00:00Z");
  EXPECT_EQ(text(h.next_open(hours_at("2026-01-12T09:00:00Z"))), "2026-01-12T09:00:00Z");
  EXPECT_EQ(text(h.next_open(hours_at("2026-01-12T17:00:00Z"))), "2026-01-19T07:00:00Z")
      << "after Monday's last range: next Monday";
  // A Monday in summer: the same wall-clock hours are two hours before UTC.
  EXPECT_EQ(text(h.next_open(hours_at("2026-07-13T00:00:00Z"))), "2026-07-13T06:00:00Z");
}

TEST(HoursDomain, RangesPastMidnight) {
  OpeningHours h({range(Weekday::fri, "20:00", "02:00")}, {}, zone("UTC"));
  // Friday 2026-05-15 20:00 to Saturday 02:00.
  EXPECT_TRUE(h.open_at(hours_at("2026-05-16T01:59:00Z")));
  EXPECT_FALSE(h.open_at(hours_at("2026-05-16T02:00:00Z")));
  EXPECT_EQ(text(h.interval_at(hours_at("2026-05-16T00:30:00Z"))->start), "2026-05-15T20:00:00Z");
  EXPECT_EQ(text(h.next_open(hours_at("2026-05-16T00:30:00Z"))), "2026-05-16T00:30:00Z");
  EXPECT_EQ(text(h.next_open(hours_at("2026-05-16T02:00:00Z"))), "2026-05-22T20:00:00Z");
}

TEST(HoursDomain, ClosuresCloseTheRangesOpeningThatDay) {
  const std::vector<OpeningRange> nights = {range(Weekday::fri, "20:00", "02:00"),
                                            range(Weekday::sat, "10:00", "12:00")};
  // Saturday closed: Friday night still runs into Saturday, Saturday's own range does not.
  OpeningHours sat_closed(nights, {{"2026-05-16", "inventory"}}, zone("UTC"));
  EXPECT_TRUE(sat_closed.open_at(hours_at("2026-05-16T01:00:00Z")));
  EXPECT_FALSE(sat_closed.open_at(hours_at("2026-05-16T11:00:00Z")));
  EXPECT_EQ(text(sat_closed.next_open(hours_at("2026-05-16T02:00:00Z"))), "2026-05-22T20:00:00Z");
  // Friday closed: nothing from Friday evening; Saturday morning as usual.
  OpeningHours fri_closed(nights, {{"2026-05-15", "holiday"}}, zone("UTC"));
  EXPECT_FALSE(fri_closed.open_at(hours_at("2026-05-16T01:00:00Z")));
  EXPECT_EQ(text(fri_closed.next_open(hours_at("2026-05-15T12:00:00Z"))), "2026-05-16T10:00:00Z");
  // Two weeks of holidays.
  std::vector<Closure> holiday;
  for (int d = *parse_iso_day("2026-08-01"); d <= *parse_iso_day("2026-08-14"); ++d)
    holiday.push_back({iso_day(d), "summer"});
  OpeningHours away(nights, holiday, zone("UTC"));
  EXPECT_EQ(text(away.next_open(hours_at("2026-07-31T23:00:00Z"))), "2026-07-31T23:00:00Z");
  EXPECT_EQ(text(away.next_open(hours_at("2026-08-01T02:00:00Z"))), "2026-08-15T10:00:00Z");
}

TEST(HoursDomain, NoHoursMeansAlwaysOpenButClosuresStillClose) {
  OpeningHours h({}, {{"2026-03-29", "moving"}}, zone("Europe/Berlin"));
  EXPECT_TRUE(h.always_open());
  EXPECT_TRUE(h.open_at(hours_at("2026-03-28T22:59:59Z")));   // Saturday 23:59:59 CET
  EXPECT_FALSE(h.open_at(hours_at("2026-03-28T23:00:00Z")));  // Sunday 00:00 CET
  // The closed Sunday has only 23 hours (summer time begins): Monday starts at 22:00 UTC.
  EXPECT_EQ(text(h.next_open(hours_at("2026-03-29T12:00:00Z"))), "2026-03-29T22:00:00Z");
}

TEST(HoursDomain, BerlinSpringForward2026) {
  // 2026-03-29: at 02:00 CET the clocks jump to 03:00 CEST (01:00 UTC).
  const auto* berlin = zone("Europe/Berlin");
  // A range across the change lasts an hour less.
  OpeningHours across({range(Weekday::sun, "01:00", "04:00")}, {}, berlin);
  auto iv = across.intervals_of_day(*parse_iso_day("2026-03-29"));
  ASSERT_EQ(iv.size(), 1u);
  EXPECT_EQ(text(iv[0].start), "2026-03-29T00:00:00Z");
  EXPECT_EQ(text(iv[0].end), "2026-03-29T02:00:00Z");
  // An opening time in the skipped hour opens at the change.
  OpeningHours in_gap_open({range(Weekday::sun, "02:30", "05:00")}, {}, berlin);
  EXPECT_EQ(text(in_gap_open.next_open(hours_at("2026-03-28T23:00:00Z"))), "2026-03-29T01:00:00Z");
  EXPECT_FALSE(in_gap_open.open_at(hours_at("2026-03-29T00:59:59Z")));
  EXPECT_TRUE(in_gap_open.open_at(hours_at("2026-03-29T01:00:00Z")));
  // A range wholly inside the skipped hour does not happen that day: the next is a week on.
  OpeningHours in_gap({range(Weekday::sun, "02:10", "02:50")}, {}, berlin);
  EXPECT_TRUE(in_gap.intervals_of_day(*parse_iso_day("2026-03-29")).empty());
  EXPECT_EQ(text(in_gap.next_open(hours_at("2026-03-28T23:00:00Z"))), "2026-04-05T00:10:00Z");
  // The week before, the same range was in winter time.
  EXPECT_EQ(text(in_gap.next_open(hours_at("2026-03-21T23:00:00Z"))), "2026-03-22T01:10:00Z");
}

TEST(HoursDomain, BerlinFallBack2026) {
  // 2026-10-25: at 03:00 CEST the clocks go back to 02:00 CET (01:00 UTC); 02:00–02:59
  // happens twice.
  const auto* berlin = zone("Europe/Berlin");
  // A time the clock shows twice means its first occurrence: the range lasts two hours.
  OpeningHours repeated({range(Weekday::sun, "02:30", "03:30")}, {}, berlin);
  auto iv = repeated.intervals_of_day(*parse_iso_day("2026-10-25"));
  ASSERT_EQ(iv.size(), 1u);
  EXPECT_EQ(text(iv[0].start), "2026-10-25T00:30:00Z");
  EXPECT_EQ(text(iv[0].end), "2026-10-25T02:30:00Z");
  // Saturday night past midnight across the change: 22:00 CEST to 03:00 CET, six hours.
  OpeningHours night({range(Weekday::sat, "22:00", "03:00")}, {}, berlin);
  auto n = night.interval_at(hours_at("2026-10-25T01:30:00Z"));
  ASSERT_TRUE(n);
  EXPECT_EQ(text(n->start), "2026-10-24T20:00:00Z");
  EXPECT_EQ(text(n->end), "2026-10-25T02:00:00Z");
  EXPECT_FALSE(night.open_at(hours_at("2026-10-25T02:00:00Z")));
  // The next Saturday is in winter time.
  EXPECT_EQ(text(night.next_open(hours_at("2026-10-25T02:00:00Z"))), "2026-10-31T21:00:00Z");
  // Touching ranges around the repeated hour stay touching: no gap, no overlap.
  OpeningHours touching(
      {range(Weekday::sun, "00:00", "02:30"), range(Weekday::sun, "02:30", "06:00")}, {}, berlin);
  auto days = touching.intervals_of_day(*parse_iso_day("2026-10-25"));
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].end, days[1].start);
}

TEST(HoursDomain, NewYorkChanges2026) {
  const auto* ny = zone("America/New_York");
  // 2026-03-08: 02:00 EST → 03:00 EDT (07:00 UTC). Saturday night to 02:30 closes at the
  // change, since 02:30 does not exist.
  OpeningHours night({range(Weekday::sat, "20:00", "02:30")}, {}, ny);
  auto n = night.interval_at(hours_at("2026-03-08T06:59:00Z"));
  ASSERT_TRUE(n);
  EXPECT_EQ(text(n->start), "2026-03-08T01:00:00Z");
  EXPECT_EQ(text(n->end), "2026-03-08T07:00:00Z");
  EXPECT_EQ(text(night.next_open(hours_at("2026-03-08T07:00:00Z"))), "2026-03-15T00:00:00Z")
      << "the next Saturday 20:00 is in summer time (UTC-4)";
  // 2026-11-01: 02:00 EDT → 01:00 EST (06:00 UTC). A shop open 07:00–09:00 every day opens
  // at 11:00 UTC on Saturday and at 12:00 UTC from Sunday on.
  std::vector<OpeningRange> mornings;
  for (int d = 0; d < 7; ++d) mornings.push_back(range(static_cast<Weekday>(d), "07:00", "09:00"));
  OpeningHours h(mornings, {}, ny);
  EXPECT_EQ(text(h.next_open(hours_at("2026-10-31T13:00:00Z"))), "2026-11-01T12:00:00Z");
  EXPECT_EQ(text(h.next_open(hours_at("2026-10-31T00:00:00Z"))), "2026-10-31T11:00:00Z");
}

TEST(HoursDomain, ThePauseComesFirst) {
  OpeningHours h({range(Weekday::mon, "08:00", "18:00")}, {}, zone("UTC"));
  const auto monday_noon = hours_at("2026-06-01T12:00:00Z");
  EXPECT_EQ(text(next_online_open(h, {}, monday_noon)), "2026-06-01T12:00:00Z");
  OnlineOrdering forever{true, "broken oven", std::nullopt};
  EXPECT_TRUE(forever.paused_at(monday_noon));
  EXPECT_FALSE(next_online_open(h, forever, monday_noon)) << "until a manager resumes";
  OnlineOrdering hour{true, "rush", hours_at("2026-06-01T13:00:00Z")};
  EXPECT_EQ(text(next_online_open(h, hour, monday_noon)), "2026-06-01T13:00:00Z");
  OnlineOrdering past_close{true, "rush", hours_at("2026-06-01T19:00:00Z")};
  EXPECT_EQ(text(next_online_open(h, past_close, monday_noon)), "2026-06-08T08:00:00Z");
  OnlineOrdering over{true, "rush", hours_at("2026-06-01T11:00:00Z")};
  EXPECT_FALSE(over.paused_at(monday_noon)) << "a pause ends by itself at until";
  EXPECT_EQ(text(next_online_open(h, over, monday_noon)), "2026-06-01T12:00:00Z");
}

TEST(HoursDomain, Slots) {
  const std::int64_t quarter = 15 * kMinute;
  Interval open{hours_at("2026-06-01T08:00:00Z"), hours_at("2026-06-01T08:50:00Z")};
  auto s = slot_holding(open, hours_at("2026-06-01T08:20:00Z"), quarter);
  EXPECT_EQ(text(s.start), "2026-06-01T08:15:00Z");
  EXPECT_EQ(text(s.end), "2026-06-01T08:30:00Z");
  auto last = slot_holding(open, hours_at("2026-06-01T08:49:00Z"), quarter);
  EXPECT_EQ(text(last.start), "2026-06-01T08:45:00Z");
  EXPECT_EQ(text(last.end), "2026-06-01T08:50:00Z") << "cut short by the close";

  OpeningHours h({range(Weekday::sun, "22:00", "01:00"), range(Weekday::mon, "08:00", "08:50")}, {},
                 zone("UTC"));
  auto monday = slots_of_day(h, *parse_iso_day("2026-06-01"), quarter);
  ASSERT_EQ(monday.size(), 8u) << "Sunday night's small hours, then Monday morning";
  EXPECT_EQ(text(monday.front().start), "2026-06-01T00:00:00Z");
  EXPECT_EQ(text(monday[4].start), "2026-06-01T08:00:00Z");
  EXPECT_EQ(text(monday.back().start), "2026-06-01T08:45:00Z");
  EXPECT_EQ(monday.back().end - monday.back().start, 5 * kMinute);

  // Whole days around the clock in Berlin: 92 quarters on the short day, 100 on the long one.
  OpeningHours always({}, {}, zone("Europe/Berlin"));
  EXPECT_EQ(slots_of_day(always, *parse_iso_day("2026-03-29"), quarter).size(), 92u);
  EXPECT_EQ(slots_of_day(always, *parse_iso_day("2026-10-25"), quarter).size(), 100u);
  EXPECT_EQ(slots_of_day(always, *parse_iso_day("2026-06-01"), quarter).size(), 96u);
}

TEST(HoursDomain, ManualClockMovesOnlyWhenTold) {
  util::ManualClock clock(hours_at("2026-03-29T00:30:00Z"));
  EXPECT_EQ(text(clock.now_ms()), "2026-03-29T00:30:00Z");
  clock.advance(std::chrono::hours(2));
  EXPECT_EQ(text(clock.now_ms()), "2026-03-29T02:30:00Z");
  EXPECT_GT(util::system_clock().now_ms(), hours_at("2026-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace crema::domain
