#pragma once
/// IP addresses and CIDR ranges (for CREMA_TRUSTED_PROXY), IPv4 and IPv6, and which of them
/// are public (the SSRF rule of SPEC §10).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crema::util {

/// An IPv4 address is stored as an IPv4-mapped IPv6 address (::ffff:a.b.c.d).
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool is_v4 = false;

  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const IpAddress&) const = default;
};

struct Cidr {
  IpAddress network;
  int prefix = 0;  ///< in bits of the 128-bit form (v4 /24 is stored as 96 + 24)

  /// "10.0.0.0/8", "127.0.0.1" (a single host), "::1/128".
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const IpAddress& ip) const noexcept;
};

/// What kind of address an IP is, for outbound calls to URLs that came through the API:
/// only `global` may be called (SPEC §10).
enum class AddressClass {
  global,       ///< public unicast
  loopback,     ///< 127.0.0.0/8, ::1
  private_use,  ///< RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 4193 (fc00::/7)
  link_local,   ///< 169.254.0.0/16, fe80::/10
  shared,       ///< carrier-grade NAT, 100.64.0.0/10
  unspecified,  ///< 0.0.0.0/8, ::
  multicast,    ///< 224.0.0.0/4, ff00::/8
  reserved,     ///< documentation, benchmarking, 240/4, broadcast, IETF, site-local, … and
                ///< IPv6 outside 2000::/3
};

/// The class of an address. IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4
/// (2002::/16) addresses are judged by the IPv4 address they carry.
AddressClass classify(const IpAddress& ip) noexcept;
/// A few words for messages: "a loopback address", "a private address", …
std::string_view describe(AddressClass c) noexcept;
inline bool is_public(const IpAddress& ip) noexcept { return classify(ip) == AddressClass::global; }

}  // namespace crema::util
