#pragma once
/// The SSRF rule of SPEC §10 for URLs that arrive through the API and that the server then
/// calls (partner webhook endpoints): the host must resolve only to public addresses, both
/// when the URL is registered and again when it is called, and the call connects to the
/// address that was checked (no second lookup; see notify::http_post's pin).
/// CREMA_ALLOW_PRIVATE_WEBHOOKS=1 lifts the rule (tests, private networks).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/net_address.hpp"

namespace crema::util {

/// Turns a host name into its addresses; empty when it does not resolve. The default is
/// the system's resolver (getaddrinfo); tests and the fuzz target give their own.
using HostResolver = std::function<std::vector<IpAddress>(const std::string& host)>;
std::vector<IpAddress> resolve_host(const std::string& host);

/// Where a checked call goes.
struct OutboundTarget {
  std::string host;        ///< as in the URL (an IPv6 literal without brackets)
  std::uint16_t port = 0;  ///< the URL's, or 80/443
  bool literal = false;    ///< the host is an IP address (nothing to resolve)
  IpAddress address;       ///< the checked address to connect to
};

struct OutboundCheck {
  std::optional<OutboundTarget> target;  ///< set when the call may go there
  std::string refusal;                   ///< otherwise why not (never the address itself)
  bool unresolved = false;               ///< the name does not resolve (now)
};

/// Checks an absolute http(s) URL: an IP-literal host must be public; a name must resolve,
/// and every address it resolves to must be public (one private answer among public ones is
/// refused: it is how DNS rebinding hides). With `allow_private` any address is accepted.
OutboundCheck check_outbound_url(std::string_view url, bool allow_private,
                                 const HostResolver& resolve);

}  // namespace crema::util
