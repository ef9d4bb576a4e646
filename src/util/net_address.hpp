#pragma once
/// IP addresses and CIDR ranges (for CREMA_TRUSTED_PROXY), IPv4 and IPv6.

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

}  // namespace crema::util
