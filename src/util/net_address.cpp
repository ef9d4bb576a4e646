#include "util/net_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace crema::util {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  // Accept bracketed IPv6 ("[::1]") as it appears in Host headers and listen addresses.
  if (text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  in_addr v4{};
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    ip.is_v4 = true;
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &v4, 4);
    return ip;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    std::memcpy(ip.bytes.data(), &v6, 16);
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    ip.is_v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
    return ip;
  }
  return std::nullopt;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  auto slash = text.find('/');
  auto ip = IpAddress::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const int max_bits = ip->is_v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || p != digits.data() + digits.size() || bits < 0 || bits > max_bits)
      return std::nullopt;
  }
  Cidr c{*ip, ip->is_v4 ? 96 + bits : bits};
  // Normalise the network: clear host bits.
  for (int i = 0; i < 16; ++i) {
    int keep = c.prefix - i * 8;
    if (keep >= 8) continue;
    c.network.bytes[i] &= keep <= 0 ? 0 : static_cast<std::uint8_t>(0xff << (8 - keep));
  }
  return c;
}

bool Cidr::contains(const IpAddress& ip) const noexcept {
  int bits = prefix;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((ip.bytes[i] & mask) != (network.bytes[i] & mask)) return false;
  }
  return true;
}

namespace {

AddressClass classify_v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept {
  if (a == 0) return AddressClass::unspecified;  // 0.0.0.0/8, "this network"
  if (a == 127) return AddressClass::loopback;
  if (a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168))
    return AddressClass::private_use;
  if (a == 169 && b == 254) return AddressClass::link_local;
  if (a == 100 && (b & 0xc0) == 64) return AddressClass::shared;
  if (a >= 224 && a <= 239) return AddressClass::multicast;
  if (a >= 240) return AddressClass::reserved;  // 240/4 and 255.255.255.255
  if (a == 192 && b == 0 && (c == 0 || c == 2)) return AddressClass::reserved;  // IETF, TEST-NET-1
  if (a == 192 && b == 88 && c == 99) return AddressClass::reserved;    // 6to4 relay anycast
  if (a == 198 && (b == 18 || b == 19)) return AddressClass::reserved;  // benchmarking
  if (a == 198 && b == 51 && c == 100) return AddressClass::reserved;   // TEST-NET-2
  if (a == 203 && b == 0 && c == 113) return AddressClass::reserved;    // TEST-NET-3
  (void)d;
  return AddressClass::global;
}

}  // namespace

AddressClass classify(const IpAddress& ip) noexcept {
  const auto& x = ip.bytes;
  auto zero = [&](int from, int to) {
    for (int i = from; i < to; ++i)
      if (x[static_cast<std::size_t>(i)] != 0) return false;
    return true;
  };
  // IPv4, and IPv4-mapped IPv6 (::ffff:a.b.c.d) however it was written.
  if (ip.is_v4 || (zero(0, 10) && x[10] == 0xff && x[11] == 0xff))
    return classify_v4(x[12], x[13], x[14], x[15]);
  if (zero(0, 15))
    return x[15] == 0   ? AddressClass::unspecified
           : x[15] == 1 ? AddressClass::loopback
                        : AddressClass::reserved;  // ::/96 IPv4-compatible
  if (zero(0, 12)) return AddressClass::reserved;  // the rest of ::/96 (deprecated)
  // NAT64's well-known prefix 64:ff9b::/96 reaches the IPv4 address it carries.
  if (x[0] == 0x00 && x[1] == 0x64 && x[2] == 0xff && x[3] == 0x9b && zero(4, 12))
    return classify_v4(x[12], x[13], x[14], x[15]);
  // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits.
  if (x[0] == 0x20 && x[1] == 0x02) return classify_v4(x[2], x[3], x[4], x[5]);
  if (x[0] == 0xff) return AddressClass::multicast;
  if ((x[0] & 0xfe) == 0xfc) return AddressClass::private_use;                 // fc00::/7, RFC 4193
  if (x[0] == 0xfe && (x[1] & 0xc0) == 0x80) return AddressClass::link_local;  // fe80::/10
  if ((x[0] & 0xe0) != 0x20) return AddressClass::reserved;                    // outside 2000::/3
  // Inside 2000::/3: 2001::/23 (IETF protocol assignments: Teredo, ORCHID, …) and
  // 2001:db8::/32 (documentation) are not places a partner's endpoint lives.
  if (x[0] == 0x20 && x[1] == 0x01 && x[2] < 0x02) return AddressClass::reserved;
  if (x[0] == 0x20 && x[1] == 0x01 && x[2] == 0x0d && x[3] == 0xb8) return AddressClass::reserved;
  return AddressClass::global;
}

std::string_view describe(AddressClass c) noexcept {
  switch (c) {
    case AddressClass::global:
      return "a public address";
    case AddressClass::loopback:
      return "a loopback address";
    case AddressClass::private_use:
      return "a private address";
    case AddressClass::link_local:
      return "a link-local address";
    case AddressClass::shared:
      return "a carrier-grade NAT address";
    case AddressClass::unspecified:
      return "an unspecified address";
    case AddressClass::multicast:
      return "a multicast address";
    case AddressClass::reserved:
      return "a reserved, non-public address";
  }
  return "a non-public address";
}

}  // namespace crema::util
