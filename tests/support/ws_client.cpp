#include "support/ws_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <boost/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

namespace crema::test {

namespace {

using Clock = std::chrono::steady_clock;

int ws_remaining_ms(Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::string base64(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

std::string accept_for(const std::string& key) {
  const std::string text = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return base64(digest, sizeof digest);
}

std::string_view trim_ws_value(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

struct WsClient::Tls {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  ~Tls() {
    if (ssl) SSL_free(ssl);
    if (ctx) SSL_CTX_free(ctx);
  }
};

WsClient::WsClient(const std::string& host, std::uint16_t port, WsOptions options) {
  const auto deadline = Clock::now() + options.timeout;
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket failed");
  if (options.receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                 sizeof options.receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1)
    throw std::invalid_argument("WsClient: not an IPv4 address: " + host);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + ": " +
                             std::strerror(e));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (options.tls) {
    tls_ = std::make_unique<Tls>();
    tls_->ctx = SSL_CTX_new(TLS_client_method());
    tls_->ssl = tls_->ctx ? SSL_new(tls_->ctx) : nullptr;
    if (!tls_->ssl) throw std::runtime_error("WsClient: cannot set up TLS");
    SSL_set_fd(tls_->ssl, fd_);
    SSL_set_tlsext_host_name(tls_->ssl, host.c_str());
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(options.timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((options.timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (SSL_connect(tls_->ssl) != 1) throw std::runtime_error("WsClient: TLS handshake failed");
  }

  unsigned char nonce[16];
  RAND_bytes(nonce, sizeof nonce);
  const std::string key = base64(nonce, sizeof nonce);
  std::string target = options.path;
  if (options.auth == WsOptions::Auth::query)
    target += (target.find('?') == std::string::npos ? "?token=" : "&token=") +
              percent_encode(options.token);
  std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) + "\r\n";
  if (!options.plain_get) {
    request += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
               "\r\nSec-WebSocket-Version: " + options.version + "\r\n";
  }
  std::string protocols;
  if (options.auth == WsOptions::Auth::subprotocol) protocols = "bearer." + options.token;
  for (const auto& p : options.protocols) protocols += (protocols.empty() ? "" : ", ") + p;
  if (!protocols.empty()) request += "Sec-WebSocket-Protocol: " + protocols + "\r\n";
  for (const auto& h : options.headers) request += h + "\r\n";
  request += "\r\n";
  if (!write_all(request)) throw std::runtime_error("WsClient: the server hung up");
  read_handshake(deadline, key);
}

WsClient::~WsClient() { disconnect(); }

void WsClient::disconnect() {
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  closed_ = true;
}

bool WsClient::write_all(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (!bytes.empty()) {
    long n;
    if (tls_) {
      n = SSL_write(tls_->ssl, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) return false;
    } else {
      n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t WsClient::fill(Clock::time_point deadline) {
  if (fd_ < 0) return 0;
  char chunk[65536];
  for (;;) {
    if (!tls_ || SSL_pending(tls_->ssl) == 0) {
      pollfd p{fd_, POLLIN, 0};
      const int rc = ::poll(&p, 1, ws_remaining_ms(deadline));
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) throw RawTimeout("WsClient: nothing arrived in time");
    }
    long n;
    if (tls_) {
      n = SSL_read(tls_->ssl, chunk, sizeof chunk);
      if (n <= 0) {
        const int err = SSL_get_error(tls_->ssl, static_cast<int>(n));
        if (err == SSL_ERROR_WANT_READ) continue;
        return 0;
      }
    } else {
      n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
  }
}

void WsClient::read_handshake(Clock::time_point deadline, const std::string& key) {
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (fill(deadline) == 0) throw std::runtime_error("WsClient: the server closed the connection");
  }
  std::string_view head(buffer_.data(), end);
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.substr(0, 9) != "HTTP/1.1 " || status_line.size() < 12)
    throw std::runtime_error("WsClient: not an HTTP answer: " + std::string(status_line));
  response_.status = std::stoi(std::string(status_line.substr(9, 3)));
  response_.reason = std::string(trim_ws_value(status_line.substr(12)));
  std::string_view rest = line_end == std::string_view::npos ? "" : head.substr(line_end + 2);
  while (!rest.empty()) {
    auto nl = rest.find("\r\n");
    auto line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    response_.headers.add(std::string(trim_ws_value(line.substr(0, colon))),
                          std::string(trim_ws_value(line.substr(colon + 1))));
  }
  buffer_.erase(0, end + 4);
  if (response_.status == 101) {
    accept_valid_ = response_.header("Sec-WebSocket-Accept") == accept_for(key);
    return;
  }
  // A refusal: its body (Content-Length) and then the server hangs up.
  std::size_t length = 0;
  if (auto cl = response_.headers.get("Content-Length")) length = std::stoul(*cl);
  while (buffer_.size() < length) {
    if (fill(deadline) == 0) break;
  }
  response_.body = buffer_.substr(0, std::min(length, buffer_.size()));
  buffer_.erase(0, response_.body.size());
  attach_json(response_);
}

bool WsClient::send_frame(std::uint8_t opcode, std::string_view payload, bool fin, bool mask) {
  std::string frame;
  frame += static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0f));
  const std::uint8_t mask_bit = mask ? 0x80 : 0x00;
  const std::size_t n = payload.size();
  if (n < 126) {
    frame += static_cast<char>(mask_bit | n);
  } else if (n <= 0xffff) {
    frame += static_cast<char>(mask_bit | 126);
    frame += static_cast<char>((n >> 8) & 0xff);
    frame += static_cast<char>(n & 0xff);
  } else {
    frame += static_cast<char>(mask_bit | 127);
    for (int i = 7; i >= 0; --i)
      frame += static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff);
  }
  unsigned char key[4] = {0, 0, 0, 0};
  if (mask) {
    RAND_bytes(key, sizeof key);
    frame.append(reinterpret_cast<const char*>(key), 4);
  }
  const std::size_t start = frame.size();
  frame.append(payload);
  if (mask)
    for (std::size_t i = 0; i < n; ++i)
      frame[start + i] = static_cast<char>(frame[start + i] ^ key[i % 4]);
  return write_all(frame);
}

bool WsClient::send_text(std::string_view text) { return send_frame(0x1, text); }
bool WsClient::send_json(const boost::json::value& v) {
  return send_text(boost::json::serialize(v));
}
bool WsClient::send_binary(std::string_view data) { return send_frame(0x2, data); }
bool WsClient::send_ping(std::string_view payload) { return send_frame(0x9, payload); }

bool WsClient::send_close(int code, std::string_view reason) {
  std::string payload;
  payload += static_cast<char>((code >> 8) & 0xff);
  payload += static_cast<char>(code & 0xff);
  payload.append(reason);
  return send_frame(0x8, payload);
}

std::optional<WsMessage> WsClient::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    // One complete frame in the buffer?
    if (buffer_.size() >= 2) {
      const auto b0 = static_cast<std::uint8_t>(buffer_[0]);
      const auto b1 = static_cast<std::uint8_t>(buffer_[1]);
      std::size_t header = 2;
      std::uint64_t length = b1 & 0x7f;
      if (length == 126) {
        header = 4;
        if (buffer_.size() >= header)
          length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(buffer_[2])) << 8) |
                   static_cast<std::uint8_t>(buffer_[3]);
      } else if (length == 127) {
        header = 10;
        if (buffer_.size() >= header) {
          length = 0;
          for (int i = 0; i < 8; ++i)
            length = (length << 8) | static_cast<std::uint8_t>(buffer_[2 + i]);
        }
      }
      const bool masked = (b1 & 0x80) != 0;
      if (masked) header += 4;
      if (buffer_.size() >= header && buffer_.size() - header >= length) {
        std::string payload = buffer_.substr(header, static_cast<std::size_t>(length));
        if (masked)
          for (std::size_t i = 0; i < payload.size(); ++i)
            payload[i] = static_cast<char>(payload[i] ^ buffer_[header - 4 + i % 4]);
        buffer_.erase(0, header + static_cast<std::size_t>(length));
        const bool fin = (b0 & 0x80) != 0;
        const std::uint8_t opcode = b0 & 0x0f;
        WsMessage m;
        switch (opcode) {
          case 0x9:
            ++pings_;
            if (auto_pong_) send_frame(0xA, payload);
            m.kind = WsMessage::Kind::ping;
            m.payload = std::move(payload);
            return m;
          case 0xA:
            ++pongs_;
            m.kind = WsMessage::Kind::pong;
            m.payload = std::move(payload);
            return m;
          case 0x8:
            m.kind = WsMessage::Kind::close;
            m.close_code = 1005;
            if (payload.size() >= 2) {
              m.close_code = (static_cast<std::uint8_t>(payload[0]) << 8) |
                             static_cast<std::uint8_t>(payload[1]);
              m.payload = payload.substr(2);
            }
            if (!closed_) {
              send_close(m.close_code == 1005 ? 1000 : m.close_code);
              // Done sending, as a browser is once the closing handshake is over; the
              // server then ends the TCP connection without waiting.
              if (!tls_ && fd_ >= 0) ::shutdown(fd_, SHUT_WR);
            }
            close_code_ = m.close_code;
            closed_ = true;
            return m;
          case 0x0:
          case 0x1:
          case 0x2: {
            if (opcode != 0x0)
              partial_kind_ = opcode == 0x1 ? WsMessage::Kind::text : WsMessage::Kind::binary;
            partial_ += payload;
            bytes_received_ += payload.size();
            if (!fin) continue;
            m.kind = partial_kind_.value_or(WsMessage::Kind::binary);
            m.payload = std::move(partial_);
            partial_.clear();
            partial_kind_.reset();
            return m;
          }
          default:
            throw std::runtime_error("WsClient: unknown opcode " + std::to_string(opcode));
        }
      }
    }
    if (closed_ && fd_ < 0) return std::nullopt;
    if (fill(deadline) == 0) {
      closed_ = true;
      return std::nullopt;
    }
  }
}

std::optional<std::string> WsClient::read_text(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto m = read_frame(std::chrono::milliseconds(ws_remaining_ms(deadline)));
    if (!m || m->kind == WsMessage::Kind::close) return std::nullopt;
    if (m->kind == WsMessage::Kind::text) return std::move(m->payload);
  }
}

std::optional<boost::json::object> WsClient::read_json(std::chrono::milliseconds timeout) {
  auto text = read_text(timeout);
  if (!text) return std::nullopt;
  auto v = parse_json(*text);
  if (!v || !v->is_object()) throw std::runtime_error("WsClient: not a JSON object: " + *text);
  return std::move(v->as_object());
}

std::optional<boost::json::object> WsClient::read_type(std::string_view type,
                                                       std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto o = read_json(std::chrono::milliseconds(ws_remaining_ms(deadline)));
    if (!o) return std::nullopt;
    if (auto* t = o->if_contains("type"); t && t->is_string() && t->as_string() == type) return o;
    skipped_.push_back(std::move(*o));
  }
}

bool WsClient::quiet_for(std::chrono::milliseconds window) {
  try {
    auto o = read_json(window);
    if (o) skipped_.push_back(std::move(*o));
    return false;
  } catch (const RawTimeout&) {
    return true;
  }
}

std::optional<int> WsClient::wait_close(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  try {
    for (;;) {
      auto m = read_frame(std::chrono::milliseconds(ws_remaining_ms(deadline)));
      if (!m) return close_code_ != 0 ? close_code_ : -1;
      if (m->kind == WsMessage::Kind::close) return m->close_code;
    }
  } catch (const RawTimeout&) {
    return std::nullopt;
  }
}

}  // namespace crema::test
