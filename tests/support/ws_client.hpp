#pragma once
/// A small blocking WebSocket client (RFC 6455) for tests: the upgrade request with either
/// way of authenticating, masked client frames, text frames read with a timeout, pings and
/// pongs, close codes, optional TLS, and a "slow reader" that simply stops reading (with a
/// small receive buffer, so the server's send queue fills quickly).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "support/http_message.hpp"
#include "support/raw_connection.hpp"

namespace crema::test {

/// How to connect.
struct WsOptions {
  /// How the access token travels.
  enum class Auth {
    query,        ///< GET /ws?token=<token>
    subprotocol,  ///< Sec-WebSocket-Protocol: bearer.<token>
    none,         ///< no token at all
  };
  std::string path = "/ws";
  std::string token;
  Auth auth = Auth::query;
  /// Further subprotocols offered (after bearer.<token> when that is used).
  std::vector<std::string> protocols;
  /// Extra request header lines ("Name: value"); replaces none of the handshake's own.
  std::vector<std::string> headers;
  /// Leave out Upgrade/Connection (a plain GET), or send a wrong version: protocol tests.
  bool plain_get = false;
  std::string version = "13";
  /// SO_RCVBUF set before connecting (0: the kernel's default). A small one makes a slow
  /// reader back up the server quickly.
  int receive_buffer = 0;
  bool tls = false;                         ///< speak TLS first (no certificate verification)
  std::chrono::milliseconds timeout{5000};  ///< connect and handshake
};

/// One message or control frame as received.
struct WsMessage {
  enum class Kind { text, binary, close, ping, pong };
  Kind kind = Kind::text;
  std::string payload;  ///< text/binary data, or the close reason
  int close_code = 0;   ///< for close: the code, 1005 when the frame carried none
};

class WsClient {
 public:
  /// Connects and sends the upgrade request, then reads the answer. Throws
  /// std::runtime_error when the TCP/TLS connection or the answer fails; a refusal (401…) is
  /// a normal return: check upgraded() and response().
  WsClient(const std::string& host, std::uint16_t port, WsOptions options);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  /// The answer to the upgrade request (status 101 when upgraded; the error body otherwise).
  const HttpResponse& response() const noexcept { return response_; }
  bool upgraded() const noexcept { return response_.status == 101; }
  /// Whether Sec-WebSocket-Accept matched the key sent (RFC 6455 §4.2.2).
  bool accept_valid() const noexcept { return accept_valid_; }

  /// Sends one masked frame; false when the connection is gone.
  bool send_text(std::string_view text);
  bool send_json(const boost::json::value& v);
  bool send_binary(std::string_view data);
  bool send_ping(std::string_view payload = {});
  bool send_close(int code = 1000, std::string_view reason = {});
  /// A raw frame (opcode, fin, masked or not) for protocol tests.
  bool send_frame(std::uint8_t opcode, std::string_view payload, bool fin = true, bool mask = true);

  /// The next frame of any kind. Pings are answered with a pong first unless auto_pong is
  /// off. nullopt when the connection ended without a close frame; throws RawTimeout when
  /// nothing arrives within `timeout`.
  std::optional<WsMessage> read_frame(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The next text message (control frames and binary ones are handled or skipped; a close
  /// frame ends it: nullopt, see close_code()).
  std::optional<std::string> read_text(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The next text message as a JSON object (nullopt on close; throws when it is not JSON).
  std::optional<boost::json::object> read_json(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Reads messages until one has "type" == type; returns it (nullopt on close). The ones
  /// read on the way are kept in skipped().
  std::optional<boost::json::object> read_type(
      std::string_view type, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Whether nothing (no data message) arrives within `window`.
  bool quiet_for(std::chrono::milliseconds window);
  const std::vector<boost::json::object>& skipped() const noexcept { return skipped_; }

  /// Reads and drops data until the server closes. The close code (1005: a close frame
  /// without one; -1: the TCP connection ended with no close frame); nullopt on timeout.
  std::optional<int> wait_close(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// The close code the server sent (0 until a close frame arrived).
  int close_code() const noexcept { return close_code_; }
  /// Whether the server has ended the connection (close frame or EOF).
  bool closed() const noexcept { return closed_; }

  /// Answer pings automatically (default on). Off: a client that has gone deaf.
  void set_auto_pong(bool on) noexcept { auto_pong_ = on; }
  int pings_received() const noexcept { return pings_; }
  int pongs_received() const noexcept { return pongs_; }
  /// Data bytes received so far (text and binary payloads).
  std::size_t bytes_received() const noexcept { return bytes_received_; }

  /// Closes the TCP connection abruptly.
  void disconnect();

 private:
  bool write_all(std::string_view bytes);
  std::size_t fill(std::chrono::steady_clock::time_point deadline);
  void read_handshake(std::chrono::steady_clock::time_point deadline, const std::string& key);

  int fd_ = -1;
  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::string buffer_;
  HttpResponse response_;
  bool accept_valid_ = false;
  bool auto_pong_ = true;
  bool closed_ = false;
  int close_code_ = 0;
  int pings_ = 0;
  int pongs_ = 0;
  std::size_t bytes_received_ = 0;
  std::string partial_;  ///< a fragmented message being assembled
  std::optional<WsMessage::Kind> partial_kind_;
  std::vector<boost::json::object> skipped_;
};

}  // namespace crema::test
