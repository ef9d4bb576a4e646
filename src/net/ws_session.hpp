#pragma once
/// WebSocket sessions (SPEC §7), run by the HTTP server once it has authenticated an upgrade
/// request: the handshake answer, the hello frame, the role's channels, the client's
/// subscribe/unsubscribe messages, one writer per socket with a bounded queue of shared
/// frames, and pings. Internal to src/net: only http_server.cpp and ws_session.cpp include
/// it (Beast stays in those two translation units).

#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "auth/roles.hpp"
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

/// The outcome of the checks before the upgrade.
struct WsUpgrade {
  auth::Principal principal;
  std::string protocol;  ///< the Sec-WebSocket-Protocol to echo ("" when none was offered)
  /// Headers for the 101 answer (request id, security headers), from the middleware chain.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// What sessions share.
struct WsEnvironment {
  events::Hub& hub;
  boost::asio::thread_pool& workers;  ///< channel checks that need the database run here
  const WebSocketOptions& options;
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
