#pragma once
/// The HTTP/1.1 server: one io_context and one SO_REUSEPORT acceptor per I/O thread, one
/// coroutine per connection, optional native TLS, graceful shutdown. The only code that
/// knows Beast; everything it serves goes through the Dispatcher.

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

namespace crema::net {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0: any free port (see HttpServer::port())
  int threads = 1;
  std::string tls_cert;       ///< PEM files; both set → HTTPS only
  std::string tls_key;
  std::vector<util::Cidr> trusted_proxies;
  /// Deadline for a request's headers (and idle keep-alive), each body read and each write.
  std::chrono::seconds request_timeout{10};
  std::size_t header_limit = 16 * 1024;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, http::Dispatcher& dispatcher, boost::asio::thread_pool& workers,
             obs::Metrics* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts the I/O threads. Throws std::runtime_error when it cannot listen or
  /// the TLS files are unusable.
  void start();

  /// The bound port (the real one when options.port was 0).
  std::uint16_t port() const noexcept;
  /// "host:port" as bound.
  std::string address() const;

  /// Stops accepting, closes idle connections, lets requests in flight finish (they are
  /// answered with `Connection: close`) for up to `grace`, then closes what is left and
  /// stops the I/O threads. Returns true when nothing had to be cut off.
  bool shutdown(std::chrono::milliseconds grace);

  /// Open connections now.
  int connections() const noexcept;

  struct Impl;  ///< defined in http_server.cpp, where Beast is

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace crema::net
