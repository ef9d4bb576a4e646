#pragma once
/// A plain TCP connection for what a normal HTTP client can't do: arbitrary bytes, pipelined
/// requests in one write, partial bodies, slow bytes, and noticing that the server hung up.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/http_message.hpp"

namespace crema::test {

/// Thrown when a read or connect does not complete within its timeout.
class RawTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One client socket (blocking calls, each bounded by a timeout).
class RawConnection {
 public:
  /// Connects to host:port (IPv4 literal); throws std::runtime_error when refused.
  RawConnection(const std::string& host, std::uint16_t port,
                std::chrono::milliseconds timeout = std::chrono::seconds(5));
  ~RawConnection();
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&&) = delete;
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Tries to connect; nullopt when the connection is refused or times out.
  static std::optional<RawConnection> try_connect(
      const std::string& host, std::uint16_t port,
      std::chrono::milliseconds timeout = std::chrono::seconds(2));

  /// Writes all bytes in one send call where the kernel allows it. Returns false when the
  /// peer has closed or reset the connection.
  bool send(std::string_view bytes);
  /// Writes the bytes one at a time with `gap` between them; false when the peer closed.
  bool send_slowly(std::string_view bytes, std::chrono::milliseconds gap);

  /// Reads exactly one HTTP/1.1 response (status line, headers, then a Content-Length,
  /// chunked or read-to-close body). Set `head` for the response to a HEAD request, which has
  /// no body. nullopt when the server closed the connection before a complete response;
  /// throws RawTimeout when nothing complete arrives within `timeout`, and
  /// std::runtime_error when the bytes are not HTTP.
  std::optional<HttpResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::seconds(5), bool head = false);

  /// Waits until the server closes (EOF or reset), discarding whatever arrives. True when it
  /// closed within `timeout`.
  bool wait_closed(std::chrono::milliseconds timeout);
  /// Whether the server has closed already (checks without waiting, beyond a short 50 ms).
  bool closed_by_peer() { return wait_closed(std::chrono::milliseconds(50)); }
  /// Bytes received but not yet consumed by read_response (e.g. the start of garbage).
  const std::string& pending() const noexcept { return buffer_; }
  /// Half-closes our side (no more bytes from us).
  void shutdown_write();
  /// The socket.
  int fd() const noexcept { return fd_; }

 private:
  RawConnection() = default;
  // Reads more bytes into buffer_ before the deadline: >0 bytes read, 0 on EOF/reset.
  // Throws RawTimeout at the deadline.
  std::size_t fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
};

/// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
std::uint16_t free_tcp_port();

/// A complete request in wire format: `METHOD target HTTP/1.1`, Host, the extra header lines
/// (each "Name: value"), Content-Length when a body is given, then the body.
std::string make_request(std::string_view method, std::string_view target,
                         std::initializer_list<std::string_view> header_lines = {},
                         std::string_view body = {});

}  // namespace crema::test
