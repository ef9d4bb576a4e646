#include "util/outbound_url.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include <boost/url/parse.hpp>

namespace crema::util {

std::vector<IpAddress> resolve_host(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::vector<IpAddress> out;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found) return out;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    IpAddress ip;
    if (a->ai_family == AF_INET && a->ai_addrlen >= sizeof(sockaddr_in)) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
      ip.is_v4 = true;
      ip.bytes[10] = 0xff;
      ip.bytes[11] = 0xff;
      std::memcpy(ip.bytes.data() + 12, &in->sin_addr, 4);
    } else if (a->ai_family == AF_INET6 && a->ai_addrlen >= sizeof(sockaddr_in6)) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      std::memcpy(ip.bytes.data(), &in6->sin6_addr, 16);
      static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      ip.is_v4 = std::memcmp(ip.bytes.data(), kMapped, 12) == 0;
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  ::freeaddrinfo(found);
  return out;
}

OutboundCheck check_outbound_url(std::string_view url, bool allow_private,
                                 const HostResolver& resolve) {
  OutboundCheck out;
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    out.refusal = "it is not an absolute URL";
    return out;
  }
  const auto scheme = parsed->scheme();
  if (scheme != "http" && scheme != "https") {
    out.refusal = "only http and https URLs are called";
    return out;
  }
  OutboundTarget t;
  std::uint16_t port = scheme == "https" ? 443 : 80;
  if (parsed->has_port()) {
    if (parsed->port().empty() || parsed->port_number() == 0) {
      out.refusal = "its port is not valid";
      return out;
    }
    port = parsed->port_number();
  }
  t.port = port;
  std::vector<IpAddress> addresses;
  switch (parsed->host_type()) {
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::ipv6: {
      std::string text(parsed->encoded_host());
      auto ip = IpAddress::parse(text);
      if (!ip) {
        out.refusal = "its host is not a usable address";
        return out;
      }
      t.literal = true;
      t.host = ip->to_string();
      addresses.push_back(*ip);
      break;
    }
    case boost::urls::host_type::name: {
      t.host = parsed->host();
      if (t.host.empty()) {
        out.refusal = "it has no host";
        return out;
      }
      // A name that is an address in disguise (2130706433, 0x7f.1, 127.1) is still just
      // resolved: the resolver reads it as the address it is, and that is what is judged.
      addresses = resolve ? resolve(t.host) : std::vector<IpAddress>{};
      if (addresses.empty()) {
        out.unresolved = true;
        out.refusal = "its host name does not resolve";
        return out;
      }
      break;
    }
    default:
      out.refusal = "its host is not a name or an IP address";
      return out;
  }
  if (!allow_private) {
    for (const auto& ip : addresses) {
      const AddressClass c = classify(ip);
      if (c != AddressClass::global) {
        out.refusal = std::string(t.literal ? "it is " : "its host resolves to ") +
                      std::string(describe(c)) + ", and only public addresses are called";
        return out;
      }
    }
  }
  t.address = addresses.front();
  out.target = std::move(t);
  return out;
}

}  // namespace crema::util
