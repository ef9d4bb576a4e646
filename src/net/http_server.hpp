#pragma once
/// The HTTP/1.1 server: one io_context and one SO_REUSEPORT acceptor per I/O thread, one
/// coroutine per connection, optional native TLS, WebSocket upgrades, graceful shutdown.
/// With net/ws_session.cpp the only code that knows Beast; everything it serves goes
/// through the Dispatcher (and, for WebSockets, the events::Hub).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/net_address.hpp"

namespace boost::asio {
class thread_pool;
}

namespace crema::obs {
class Metrics;
}

namespace crema::http {
class Dispatcher;
}

namespace crema::events {
class Hub;
}

namespace crema::net {

/// The WebSocket feed's limits (SPEC §7).
struct WebSocketOptions {
  /// The server pings this often; a client that leaves `missed_pongs` pings unanswered is
  /// dropped.
  std::chrono::milliseconds ping_interval{30000};
  int missed_pongs = 2;
  /// A client's send queue: beyond either bound the client is closed with 1008.
  std::size_t queue_frames = 1024;
  std::size_t queue_bytes = 4 * 1024 * 1024;
  /// How long a closing handshake (1001, 1008) may take before the connection is cut.
  std::chrono::milliseconds close_timeout{3000};
  /// The largest message a client may send (subscribe commands are tiny); one byte more
  /// closes the client with 1008 (SPEC §15.4).
  std::size_t max_message = 4096;
  /// More than this many messages (pings included) within `message_window` close the client
  /// with 1008; 0: no limit.
  std::size_t max_messages = 20;
  std::chrono::milliseconds message_window{1000};
  /// Channels one client may listen on at once.
  std::size_t max_channels = 64;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0: any free port (see HttpServer::port())
  int threads = 1;
  std::string tls_cert;  ///< PEM files; both set → HTTPS only
  std::string tls_key;
  std::vector<util::Cidr> trusted_proxies;
  /// Deadline for a request's headers (and idle keep-alive), each body read and each write.
  std::chrono::seconds request_timeout{10};
  std::size_t header_limit = 16 * 1024;
  /// Streamed answers (Response::stream, the CSV exports) sent at once; each holds a worker
  /// thread while its client reads, so beyond this one more is answered 503 with
  /// Retry-After, and the worker pool keeps threads for everything else.
  int max_streams = 4;
  WebSocketOptions websocket;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, http::Dispatcher& dispatcher, boost::asio::thread_pool& workers,
             obs::Metrics* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Serves WebSocket routes (Route::websocket) with this hub; set before start(). Without
  /// one, upgrade requests are answered 503.
  void set_websocket_hub(events::Hub* hub) noexcept;

  /// Binds and starts the I/O threads. Throws std::runtime_error when it cannot listen or
  /// the TLS files are unusable.
  void start();

  /// The bound port (the real one when options.port was 0).
  std::uint16_t port() const noexcept;
  /// "host:port" as bound.
  std::string address() const;

  /// Stops accepting, closes idle connections, closes WebSocket sessions with 1001, lets
  /// requests in flight finish (they are answered with `Connection: close`) for up to
  /// `grace`, then closes what is left and stops the I/O threads. Returns true when nothing
  /// had to be cut off.
  bool shutdown(std::chrono::milliseconds grace);

  /// Open connections now (WebSocket sessions included).
  int connections() const noexcept;

  struct Impl;  ///< defined in http_server.cpp, where Beast is

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace crema::net
