#include <gtest/gtest.h>

#include "util/net_address.hpp"
#include "util/outbound_url.hpp"

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

namespace crema::util {
namespace {

AddressClass class_of(const char* text) {
  auto ip = IpAddress::parse(text);
  EXPECT_TRUE(ip) << text;
  return ip ? classify(*ip) : AddressClass::reserved;
}

// SPEC §10's SSRF rule: which addresses an API-supplied URL may reach.
TEST(AddressClass, Ipv4Ranges) {
  EXPECT_EQ(class_of("93.184.216.34"), AddressClass::global);
  EXPECT_EQ(class_of("8.8.8.8"), AddressClass::global);
  EXPECT_EQ(class_of("1.1.1.1"), AddressClass::global);
  EXPECT_EQ(class_of("127.0.0.1"), AddressClass::loopback);
  EXPECT_EQ(class_of("127.255.255.254"), AddressClass::loopback);
  EXPECT_EQ(class_of("10.0.0.1"), AddressClass::private_use);
  EXPECT_EQ(class_of("172.16.0.1"), AddressClass::private_use);
  EXPECT_EQ(class_of("172.31.255.255"), AddressClass::private_use);
  EXPECT_EQ(class_of("172.32.0.1"), AddressClass::global);
  EXPECT_EQ(class_of("172.15.255.255"), AddressClass::global);
  EXPECT_EQ(class_of("192.168.10.10"), AddressClass::private_use);
  EXPECT_EQ(class_of("169.254.169.254"), AddressClass::link_local);
  EXPECT_EQ(class_of("100.64.0.1"), AddressClass::shared);
  EXPECT_EQ(class_of("100.127.255.255"), AddressClass::shared);
  EXPECT_EQ(class_of("100.63.255.255"), AddressClass::global);
  EXPECT_EQ(class_of("100.128.0.0"), AddressClass::global);
  EXPECT_EQ(class_of("0.0.0.0"), AddressClass::unspecified);
  EXPECT_EQ(class_of("0.1.2.3"), AddressClass::unspecified);
  EXPECT_EQ(class_of("224.0.0.1"), AddressClass::multicast);
  EXPECT_EQ(class_of("239.255.255.250"), AddressClass::multicast);
  EXPECT_EQ(class_of("240.0.0.1"), AddressClass::reserved);
  EXPECT_EQ(class_of("255.255.255.255"), AddressClass::reserved);
  EXPECT_EQ(class_of("192.0.2.1"), AddressClass::reserved);
  EXPECT_EQ(class_of("198.51.100.1"), AddressClass::reserved);
  EXPECT_EQ(class_of("203.0.113.1"), AddressClass::reserved);
  EXPECT_EQ(class_of("198.18.0.1"), AddressClass::reserved);
  EXPECT_EQ(class_of("192.0.0.8"), AddressClass::reserved);
}

TEST(AddressClass, Ipv6RangesAndEmbeddedIpv4) {
  EXPECT_EQ(class_of("2606:2800:220:1:248:1893:25c8:1946"), AddressClass::global);
  EXPECT_EQ(class_of("2a00:1450:4001:80b::200e"), AddressClass::global);
  EXPECT_EQ(class_of("::1"), AddressClass::loopback);
  EXPECT_EQ(class_of("::"), AddressClass::unspecified);
  EXPECT_EQ(class_of("fe80::1"), AddressClass::link_local);
  EXPECT_EQ(class_of("febf::1"), AddressClass::link_local);
  EXPECT_EQ(class_of("fc00::1"), AddressClass::private_use);
  EXPECT_EQ(class_of("fd12:3456::1"), AddressClass::private_use);
  EXPECT_EQ(class_of("ff02::1"), AddressClass::multicast);
  EXPECT_EQ(class_of("fec0::1"), AddressClass::reserved);  // site-local, deprecated
  EXPECT_EQ(class_of("2001:db8::1"), AddressClass::reserved);
  EXPECT_EQ(class_of("2001::1"), AddressClass::reserved);  // Teredo
  EXPECT_EQ(class_of("100::1"), AddressClass::reserved);   // discard-only
  EXPECT_EQ(class_of("::2"), AddressClass::reserved);
  EXPECT_EQ(class_of("::10.0.0.1"), AddressClass::reserved);  // IPv4-compatible, deprecated
  // IPv4-mapped addresses are judged by the IPv4 address, however they are written.
  EXPECT_EQ(class_of("::ffff:127.0.0.1"), AddressClass::loopback);
  EXPECT_EQ(class_of("::ffff:7f00:1"), AddressClass::loopback);
  EXPECT_EQ(class_of("::ffff:10.1.1.1"), AddressClass::private_use);
  EXPECT_EQ(class_of("::ffff:169.254.169.254"), AddressClass::link_local);
  EXPECT_EQ(class_of("::ffff:93.184.216.34"), AddressClass::global);
  // NAT64 and 6to4 reach the IPv4 address they carry.
  EXPECT_EQ(class_of("64:ff9b::10.0.0.1"), AddressClass::private_use);
  EXPECT_EQ(class_of("64:ff9b::93.184.216.34"), AddressClass::global);
  EXPECT_EQ(class_of("2002:7f00:1::"), AddressClass::loopback);
  EXPECT_EQ(class_of("2002:5db8:d822::1"), AddressClass::global);
  EXPECT_FALSE(is_public(*IpAddress::parse("::1")));
  EXPECT_TRUE(is_public(*IpAddress::parse("8.8.4.4")));
}

TEST(OutboundUrl, LiteralsNamesAndWhatIsRefused) {
  auto resolver = [](const std::string& host) -> std::vector<IpAddress> {
    if (host == "shop.test") return {*IpAddress::parse("93.184.216.34")};
    if (host == "inside.test") return {*IpAddress::parse("192.168.0.10")};
    if (host == "2130706433") return {*IpAddress::parse("127.0.0.1")};  // as getaddrinfo reads it
    return {};
  };
  auto ok = check_outbound_url("https://shop.test/hooks?x=1", false, resolver);
  ASSERT_TRUE(ok.target) << ok.refusal;
  EXPECT_EQ(ok.target->host, "shop.test");
  EXPECT_EQ(ok.target->port, 443);
  EXPECT_FALSE(ok.target->literal);
  EXPECT_EQ(ok.target->address.to_string(), "93.184.216.34");
  auto literal = check_outbound_url("http://[2606:2800:220:1::1]:8443/h", false, resolver);
  ASSERT_TRUE(literal.target) << literal.refusal;
  EXPECT_TRUE(literal.target->literal);
  EXPECT_EQ(literal.target->port, 8443);
  EXPECT_EQ(literal.target->host, "2606:2800:220:1::1");

  for (const char* url : {"http://inside.test/", "http://2130706433/", "http://127.0.0.1:80/",
                          "http://[::ffff:192.168.1.1]/", "http://[fe80::1%25eth0]/"}) {
    auto c = check_outbound_url(url, false, resolver);
    EXPECT_FALSE(c.target) << url;
    EXPECT_FALSE(c.refusal.empty()) << url;
    EXPECT_EQ(c.refusal.find("192.168"), std::string::npos) << "the address is not told";
  }
  auto unresolved = check_outbound_url("http://nowhere.test/", false, resolver);
  EXPECT_FALSE(unresolved.target);
  EXPECT_TRUE(unresolved.unresolved);
  EXPECT_FALSE(check_outbound_url("ftp://shop.test/", false, resolver).target);
  EXPECT_FALSE(check_outbound_url("not a url", false, resolver).target);
  // CREMA_ALLOW_PRIVATE_WEBHOOKS=1: any address, still the one resolved.
  auto allowed = check_outbound_url("http://inside.test:8080/", true, resolver);
  ASSERT_TRUE(allowed.target);
  EXPECT_EQ(allowed.target->address.to_string(), "192.168.0.10");
}

}  // namespace
}  // namespace crema::util
