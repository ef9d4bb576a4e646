#include <set>

#include <gtest/gtest.h>

#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::util {
namespace {

TEST(UuidV7, HasTheCanonicalFormVersionAndVariant) {
  const std::string id = new_uuid_v7();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_TRUE(is_uuid(id));
  EXPECT_TRUE(is_uuid_v7(id));
  EXPECT_EQ(id[14], '7');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  for (char c : id) EXPECT_TRUE(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
}

TEST(UuidV7, CarriesTheCurrentTime) {
  const std::int64_t before = now_ms();
  const std::string id = new_uuid_v7();
  const std::int64_t after = now_ms();
  EXPECT_GE(uuid_v7_unix_ms(id), before);
  EXPECT_LE(uuid_v7_unix_ms(id), after + 1);  // may borrow a millisecond when counting on
}

TEST(UuidV7, IsUniqueAndStrictlyIncreasingWithinAProcess) {
  std::string previous = new_uuid_v7();
  std::set<std::string> seen{previous};
  for (int i = 0; i < 20000; ++i) {
    std::string next = new_uuid_v7();
    ASSERT_LT(previous, next) << i;
    seen.insert(next);
    previous = std::move(next);
  }
  EXPECT_EQ(seen.size(), 20001u);
}

TEST(UuidValidation, AcceptsUuidsOnly) {
  EXPECT_TRUE(is_uuid("01890a5d-ac96-774b-bcce-b302099a8057"));
  EXPECT_TRUE(is_uuid("01890A5D-AC96-774B-BCCE-B302099A8057"));
  EXPECT_TRUE(is_uuid_v7("01890a5d-ac96-774b-bcce-b302099a8057"));
  EXPECT_TRUE(is_uuid("550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_FALSE(is_uuid_v7("550e8400-e29b-41d4-a716-446655440000"));  // version 4
  EXPECT_FALSE(is_uuid_v7("01890a5d-ac96-774b-7cce-b302099a8057"));  // wrong variant
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("01890a5d-ac96-774b-bcce-b302099a805"));    // short
  EXPECT_FALSE(is_uuid("01890a5d-ac96-774b-bcce-b302099a80577"));  // long
  EXPECT_FALSE(is_uuid("01890a5dac96-774b-bcce-b302099a8057-"));   // hyphens moved
  EXPECT_FALSE(is_uuid("01890a5d-ac96-774b-bcce-b302099a805g"));   // not hex
  EXPECT_FALSE(is_uuid("{1890a5d-ac96-774b-bcce-b302099a8057}"));
  EXPECT_EQ(uuid_v7_unix_ms("01890a5d-ac96-774b-bcce-b302099a8057"), 0x01890a5dac96);
}

TEST(Rfc3339, FormatsUtcAtSecondsOrMilliseconds) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1'795'338'900'123), "2026-11-22T09:15:00Z");
  EXPECT_EQ(format_rfc3339_ms(1'795'338'900'123), "2026-11-22T09:15:00.123Z");
  EXPECT_EQ(format_rfc3339_ms(1'795'338'900'000), "2026-11-22T09:15:00.000Z");
  EXPECT_EQ(format_rfc3339(1'709'251'199'000), "2024-02-29T23:59:59Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(-14'182'940'000), "1969-07-20T20:17:40Z");
}

TEST(Rfc3339, ParsesZuluAndOffsets) {
  EXPECT_EQ(parse_rfc3339("2026-11-22T09:15:00Z"), 1'795'338'900'000);
  EXPECT_EQ(parse_rfc3339("2026-11-22T09:15:00.123Z"), 1'795'338'900'123);
  EXPECT_EQ(parse_rfc3339("2026-11-22t09:15:00.123z"), 1'795'338'900'123);
  EXPECT_EQ(parse_rfc3339("2026-11-22T09:15:00.1Z"), 1'795'338'900'100);
  EXPECT_EQ(parse_rfc3339("2026-11-22T09:15:00.123999Z"), 1'795'338'900'123);
  EXPECT_EQ(parse_rfc3339("2026-11-22T10:15:00+01:00"), 1'795'338'900'000);
  EXPECT_EQ(parse_rfc3339("2026-11-22T03:45:00-05:30"), 1'795'338'900'000);
  EXPECT_EQ(parse_rfc3339("2026-11-22T09:15:00+00:00"), 1'795'338'900'000);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(parse_rfc3339("2024-02-29T23:59:59Z"), 1'709'251'199'000);
}

TEST(Rfc3339, RoundTrips) {
  for (std::int64_t ms : {std::int64_t{0}, std::int64_t{1'795'338'900'123}, std::int64_t{-1},
                          std::int64_t{253'402'300'799'999}}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339_ms(ms)), ms) << ms;
  }
}

TEST(Rfc3339, RejectsMalformedOrImpossibleTimes) {
  for (const char* bad : {"",
                          "2026-11-22",
                          "2026-11-22T09:15:00",
                          "2026-11-22 09:15:00Z",
                          "2026-11-22T09:15Z",
                          "2026-02-29T00:00:00Z",
                          "2026-13-01T00:00:00Z",
                          "2026-00-01T00:00:00Z",
                          "2026-11-31T00:00:00Z",
                          "2026-11-22T24:00:00Z",
                          "2026-11-22T09:60:00Z",
                          "2026-11-22T09:15:60Z",
                          "2026-11-22T09:15:00.Z",
                          "2026-11-22T09:15:00+0100",
                          "2026-11-22T09:15:00+24:00",
                          "2026-11-22T09:15:00Zjunk",
                          "2026-11-22T09:15:00+01:00 ",
                          "2026/11/22T09:15:00Z",
                          "x026-11-22T09:15:00Z",
                          "2026-11-22T09:15:00+01:6"}) {
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << bad;
  }
}

TEST(Clock, NowIsEpochMilliseconds) {
  const std::int64_t now = now_ms();
  EXPECT_GT(now, 1'700'000'000'000);  // after 2023
  EXPECT_LT(now, 4'102'444'800'000);  // before 2100
}

}  // namespace
}  // namespace crema::util
