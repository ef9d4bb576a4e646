#pragma once
/// WebSocket sessions (SPEC §7, §15.4), run by the HTTP server once it has authenticated an
/// upgrade request: the handshake answer, the hello frame, the role's channels, the client's
/// subscribe/unsubscribe/reauth messages and their limits, one writer per socket with a
/// bounded queue of shared frames, pings, and the life of the credentials (closed with 4001
/// when the access token expires or is revoked). Internal to src/net: only http_server.cpp
/// and ws_session.cpp include it (Beast stays in those two translation units).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "auth/roles.hpp"
#include "net/dispatcher.hpp"
#include "net/http_server.hpp"

namespace crema::events {
class Hub;
}

namespace crema::net {

/// What the server's shutdown may ask of an open session, on the session's I/O thread.
class WsControl {
 public:
  /// Sends what is queued, then closes with 1001 (going away), within the close timeout.
  virtual void going_away() = 0;

 protected:
  ~WsControl() = default;
};

/// Where a session's credentials are checked: its route and client, as the upgrade request
/// presented them. A `reauth` token is checked exactly as the upgrade's was.
struct WsAdmission {
  const http::Route* route = nullptr;
  std::string path;
  std::string client_ip;
  bool secure = false;
  /// The token is a guest's order token (`?order_token=`, SPEC §15.1), presented as
  /// `X-Order-Token`; such a session never reauths.
  bool order_token = false;
};

/// Checks an access token as a request to `admission.route` carrying it as
/// `Authorization: Bearer` (or an order token as `X-Order-Token`) would be: the installed
/// Authenticator, the rate-limit guard, the
/// route's access rule. Returns the refusal (401, 403, 429, 503…), or nothing and sets
/// `principal`. May block (database, Redis): call it on the worker pool. Never throws.
std::optional<http::Response> admit_token(http::Dispatcher& dispatcher,
                                          const WsAdmission& admission, std::string_view token,
                                          std::string request_id,
                                          std::optional<auth::Principal>& principal);

/// The outcome of the checks before the upgrade.
struct WsUpgrade {
  auth::Principal principal;
  WsAdmission admission;
  std::string token;     ///< the access token, checked again after a Redis outage
  std::string protocol;  ///< the Sec-WebSocket-Protocol to echo ("" when none was offered)
  /// Headers for the 101 answer (request id, security headers), from the middleware chain.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// What sessions share.
struct WsEnvironment {
  events::Hub& hub;
  boost::asio::thread_pool& workers;  ///< channel checks and reauths (the database) run here
  const WebSocketOptions& options;
  http::Dispatcher& dispatcher;  ///< checks the token of a reauth
};

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

/// An accepted upgrade request, handed from the HTTP loop to run_websocket().
struct WsStart {
  UpgradeRequest request;
  WsUpgrade upgrade;
};

/// Answers the upgrade (101) and runs the session until it closes. `control` points at the
/// session while it runs (for shutdown) and is reset before returning. The stream stays the
/// caller's; it is closed or torn down when this returns.
template <class Stream>
boost::asio::awaitable<void> run_websocket(Stream& stream, UpgradeRequest request,
                                           WsUpgrade upgrade, WsEnvironment env,
                                           WsControl*& control);

extern template boost::asio::awaitable<void> run_websocket<boost::beast::tcp_stream>(
    boost::beast::tcp_stream&, UpgradeRequest, WsUpgrade, WsEnvironment, WsControl*&);
extern template boost::asio::awaitable<void>
run_websocket<boost::beast::ssl_stream<boost::beast::tcp_stream>>(
    boost::beast::ssl_stream<boost::beast::tcp_stream>&, UpgradeRequest, WsUpgrade, WsEnvironment,
    WsControl*&);

}  // namespace crema::net
