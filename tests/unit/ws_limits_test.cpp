// The client message rate limit of the feed (SPEC §15.4: more than 20 messages a second
// closes the client with 1008), as a pure rule.
#include <gtest/gtest.h>

#include "net/ws_limits.hpp"

namespace crema::net {
namespace {

TEST(MessageRate, TwentyInASecondPassAndTheTwentyFirstDoesNot) {
  MessageRate rate(20, 1000);
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(rate.allow(10'000 + i * 10)) << i;
  EXPECT_FALSE(rate.allow(10'000 + 999)) << "21 within one second";
}

TEST(MessageRate, TheWindowSlides) {
  MessageRate rate(20, 1000);
  // 20 at t = 0..190 ms; the first leaves the window at t = 1000.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(rate.allow(i * 10));
  EXPECT_FALSE(rate.allow(999));
  MessageRate again(20, 1000);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(again.allow(i * 10));
  EXPECT_TRUE(again.allow(1000)) << "the first one is a second old";
  EXPECT_FALSE(again.allow(1005)) << "but the second (t=10) is not yet";
  EXPECT_TRUE(again.allow(1010));
}

TEST(MessageRate, NoBurstAcrossASecondBoundary) {
  // 20 at the end of one second and 20 at the start of the next are 40 within 100 ms: a
  // fixed per-second count would let them through, a sliding window does not.
  MessageRate rate(20, 1000);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(rate.allow(950 + i));
  EXPECT_FALSE(rate.allow(1001));
}

TEST(MessageRate, ASteadyTwentyPerSecondGoesOnForever) {
  MessageRate rate(20, 1000);
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(rate.allow(i * 50)) << i;  // one every 50 ms
}

TEST(MessageRate, ZeroTurnsItOff) {
  MessageRate rate(0, 1000);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(rate.allow(0));
}

TEST(WsClose, TheCodesTheSpecNames) {
  EXPECT_EQ(static_cast<int>(WsClose::policy), 1008);
  EXPECT_EQ(static_cast<int>(WsClose::credentials), 4001);
  EXPECT_EQ(static_cast<int>(WsClose::going_away), 1001);
  EXPECT_EQ(static_cast<int>(WsClose::replaced), 4002);
}

}  // namespace
}  // namespace crema::net
