// CSV text for ?format=csv answers, and business dates in the shop's time zone.
#include <gtest/gtest.h>

#include "util/csv.hpp"
#include "util/time.hpp"
#include "util/zoned_date.hpp"

namespace crema::util {
namespace {

TEST(Csv, QuotesOnlyWhatNeedsIt) {
  CsvWriter w;
  w.row({"id", "summary"});
  w.row({"1", "plain"});
  w.row({"2", "a, b"});
  w.row({"3", "say \"hi\""});
  w.row({"4", "two\nlines"});
  w.row({"5", ""});
  EXPECT_EQ(
      w.text(),
      "id,summary\r\n1,plain\r\n2,\"a, b\"\r\n3,\"say \"\"hi\"\"\"\r\n4,\"two\nlines\"\r\n5,\r\n");
}

TEST(Csv, FormulasAreDefused) {
  EXPECT_EQ(CsvWriter::field("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(CsvWriter::field("+1"), "'+1");
  EXPECT_EQ(CsvWriter::field("-2"), "'-2");
  EXPECT_EQ(CsvWriter::field("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvWriter::field("a=b"), "a=b");
  EXPECT_EQ(CsvWriter::field("2026-11-22T09:15:00Z"), "2026-11-22T09:15:00Z");
}

// A spreadsheet may start a cell inside one field: after `;` (its locale's separator), a
// tab, a line break, or a comma; leading spaces do not hide a formula either.
TEST(Csv, FormulasAreDefusedWhereverACellMayStart) {
  EXPECT_EQ(CsvWriter::field("ok;=cmd|' /C calc'!A0"), "ok;'=cmd|' /C calc'!A0");
  EXPECT_EQ(CsvWriter::field("a\t+1"), "a\t'+1");
  EXPECT_EQ(CsvWriter::field("line\n@SUM(A1)"), "\"line\n'@SUM(A1)\"");
  EXPECT_EQ(CsvWriter::field("one\r\n-2+3"), "\"one\r\n'-2+3\"");
  EXPECT_EQ(CsvWriter::field("x, =1+1"), "\"x, '=1+1\"");
  EXPECT_EQ(CsvWriter::field("  =1+1"), "  '=1+1");
  EXPECT_EQ(CsvWriter::field("a;; =2"), "a;; '=2");
  EXPECT_EQ(CsvWriter::field("\t=1"), "'\t'=1");
  EXPECT_EQ(CsvWriter::field("\xef\xbc\x9dSUM(1)"), "'\xef\xbc\x9dSUM(1)");
  // Nothing else changes.
  EXPECT_EQ(CsvWriter::field("a;b\tc"), "a;b\tc");
  EXPECT_EQ(CsvWriter::field("2 + 2 = 4"), "2 + 2 = 4");
  EXPECT_EQ(CsvWriter::field("mail@example.com"), "mail@example.com");
  EXPECT_EQ(CsvWriter::field(""), "");
}

TEST(ZonedDate, StartOfABusinessDay) {
  EXPECT_EQ(day_start_ms("2026-11-22", "UTC"), parse_rfc3339("2026-11-22T00:00:00Z"));
  EXPECT_EQ(day_start_ms("2026-11-22", "UTC", 1), parse_rfc3339("2026-11-23T00:00:00Z"));
  EXPECT_EQ(day_start_ms("2026-11-22", "Europe/Paris"), parse_rfc3339("2026-11-21T23:00:00Z"));
  EXPECT_EQ(day_start_ms("2026-07-01", "Europe/Paris"), parse_rfc3339("2026-06-30T22:00:00Z"));
  EXPECT_EQ(day_start_ms("2026-12-31", "America/New_York", 1),
            parse_rfc3339("2027-01-01T05:00:00Z"));
  // A day that starts in a DST gap (Havana springs forward at midnight): its first instant.
  EXPECT_EQ(day_start_ms("2026-03-08", "America/Havana"), parse_rfc3339("2026-03-08T05:00:00Z"));
  EXPECT_FALSE(day_start_ms("2026-02-30", "UTC"));
  EXPECT_FALSE(day_start_ms("2026-11-22", "Mars/Olympus"));
  EXPECT_FALSE(day_start_ms("22/11/2026", "UTC"));
}

TEST(ZonedDate, LocalTimeTextForPeople) {
  const std::int64_t t = util::parse_rfc3339("2030-01-08T09:00:00Z").value();
  EXPECT_EQ(util::local_time_text(t, "UTC"), "Tue 8 Jan 2030, 09:00");
  EXPECT_EQ(util::local_time_text(t, "Europe/Berlin"), "Tue 8 Jan 2030, 10:00");
  EXPECT_EQ(util::local_time_text(t, "America/New_York"), "Tue 8 Jan 2030, 04:00");
  // Summer time, and a day that changes in the zone.
  const std::int64_t summer = util::parse_rfc3339("2026-06-30T22:30:00Z").value();
  EXPECT_EQ(util::local_time_text(summer, "Europe/Berlin"), "Wed 1 Jul 2026, 00:30");
  EXPECT_EQ(util::local_time_text(t, "Nowhere/Atlantis"), "2030-01-08T09:00:00Z");
}

}  // namespace
}  // namespace crema::util
