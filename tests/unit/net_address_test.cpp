#include <gtest/gtest.h>

#include "util/net_address.hpp"

namespace crema::util {
namespace {

TEST(IpAddress, ParsesBothFamilies) {
  auto v4 = IpAddress::parse("203.0.113.7");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4);
  EXPECT_EQ(v4->to_string(), "203.0.113.7");
  auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4);
  EXPECT_EQ(v6->to_string(), "2001:db8::1");
  auto mapped = IpAddress::parse("::ffff:10.0.0.1");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->is_v4);
  EXPECT_EQ(*mapped, *IpAddress::parse("10.0.0.1"));
  EXPECT_TRUE(IpAddress::parse("[::1]"));
  EXPECT_FALSE(IpAddress::parse("256.0.0.1"));
  EXPECT_FALSE(IpAddress::parse("example.com"));
  EXPECT_FALSE(IpAddress::parse(""));
}

TEST(Cidr, Contains) {
  auto net = Cidr::parse("10.0.0.0/8");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(*IpAddress::parse("10.255.0.1")));
  EXPECT_FALSE(net->contains(*IpAddress::parse("11.0.0.1")));
  EXPECT_FALSE(net->contains(*IpAddress::parse("::1")));
  auto host = Cidr::parse("127.0.0.1");
  ASSERT_TRUE(host);
  EXPECT_TRUE(host->contains(*IpAddress::parse("127.0.0.1")));
  EXPECT_FALSE(host->contains(*IpAddress::parse("127.0.0.2")));
  auto odd = Cidr::parse("192.168.1.77/20");  // host bits are ignored
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(*IpAddress::parse("192.168.15.1")));
  EXPECT_FALSE(odd->contains(*IpAddress::parse("192.168.16.1")));
  auto v6 = Cidr::parse("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(*IpAddress::parse("fd12::5")));
  EXPECT_FALSE(v6->contains(*IpAddress::parse("fe80::1")));
  auto all = Cidr::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(*IpAddress::parse("8.8.8.8")));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
  EXPECT_FALSE(Cidr::parse("10.0.0.0/x"));
  EXPECT_FALSE(Cidr::parse("::/129"));
}

}  // namespace
}  // namespace crema::util
