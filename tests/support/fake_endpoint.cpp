#include "support/fake_endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace crema::test {

namespace {

int listen_loopback(std::uint16_t& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen on 127.0.0.1 failed");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// Waits for a connection for up to 100 ms; -1 when none came.
int accept_for_a_while(int listen_fd) {
  pollfd p{listen_fd, POLLIN, 0};
  if (::poll(&p, 1, 100) <= 0) return -1;
  return ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
}

// Reads with a 100 ms wait so a stopping server is not held by a silent client; returns
// bytes read, 0 at EOF, -1 when nothing came (call again), -2 on error.
long read_some(int fd, char* buf, std::size_t n) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 100) <= 0) return -1;
  const auto r = ::read(fd, buf, n);
  return r < 0 ? -2 : r;
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    auto w = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (w <= 0) return;
    s.remove_prefix(static_cast<std::size_t>(w));
  }
}

std::string lower_name(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string base64_decode_std(std::string_view text) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0;
  unsigned acc = 0;
  for (char c : text) {
    if (c == '=' || c == '\r' || c == '\n' || c == ' ') continue;
    int v = val(c);
    if (v < 0) return {};
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// ---- HTTP -------------------------------------------------------------------------------------

FakeHttpEndpoint::FakeHttpEndpoint(Responder respond) : respond_(std::move(respond)) {
  listen_fd_ = listen_loopback(port_);
  thread_ = std::thread([this] { run(); });
}

FakeHttpEndpoint::~FakeHttpEndpoint() { stop(); }

void FakeHttpEndpoint::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

std::string FakeHttpEndpoint::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<RecordedRequest> FakeHttpEndpoint::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool FakeHttpEndpoint::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void FakeHttpEndpoint::run() {
  while (!stopping_) {
    int fd = accept_for_a_while(listen_fd_);
    if (fd < 0) continue;
    std::string in;
    char buf[8192];
    std::size_t header_end = std::string::npos;
    std::size_t length = 0;
    bool complete = false;
    while (!stopping_ && !complete) {
      auto r = read_some(fd, buf, sizeof(buf));
      if (r == -1) continue;
      if (r <= 0) break;
      in.append(buf, static_cast<std::size_t>(r));
      if (header_end == std::string::npos) {
        header_end = in.find("\r\n\r\n");
        if (header_end == std::string::npos) continue;
        auto head = lower_name(in.substr(0, header_end));
        auto cl = head.find("\r\ncontent-length:");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 17));
      }
      complete = in.size() >= header_end + 4 + length;
    }
    if (!complete) {
      ::close(fd);
      continue;
    }
    RecordedRequest req;
    auto line_end = in.find("\r\n");
    auto first = in.substr(0, line_end);
    auto sp1 = first.find(' ');
    auto sp2 = first.find(' ', sp1 + 1);
    req.method = first.substr(0, sp1);
    req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t pos = line_end + 2;
    while (pos < header_end) {
      auto e = in.find("\r\n", pos);
      auto line = in.substr(pos, e - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        req.headers[lower_name(line.substr(0, colon))] = value;
      }
      pos = e + 2;
    }
    req.body = in.substr(header_end + 4, length);
    int number = 0;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
      number = static_cast<int>(requests_.size());
    }
    arrived_.notify_all();
    Answer a = respond_ ? respond_(req, number) : Answer{};
    if (a.hang) {
      while (!stopping_) {
        auto r = read_some(fd, buf, sizeof(buf));
        if (r == 0 || r == -2) break;  // the client went away (killed)
      }
      ::close(fd);
      continue;
    }
    if (a.delay.count() > 0) std::this_thread::sleep_for(a.delay);
    std::string extra;
    for (const auto& [name, value] : a.headers) extra += name + ": " + value + "\r\n";
    write_all(fd, "HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Type: " + a.content_type +
                      "\r\nContent-Length: " + std::to_string(a.body.size()) + "\r\n" + extra +
                      "Connection: close\r\n\r\n" + a.body);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }
}

// ---- SMTP -------------------------------------------------------------------------------------

namespace {

// A line-oriented connection, in clear text or (after STARTTLS) over TLS.
class SmtpConn {
 public:
  explicit SmtpConn(int fd) : fd_(fd) {}
  ~SmtpConn() {
    if (ssl_) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
  }
  bool start_tls(SSL_CTX* ctx) {
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    buffer_.clear();
    return SSL_accept(ssl_) == 1;
  }
  bool tls() const { return ssl_ != nullptr; }
  void send(std::string_view s) {
    if (ssl_) {
      SSL_write(ssl_, s.data(), static_cast<int>(s.size()));
    } else {
      write_all(fd_, s);
    }
  }
  // One line without CRLF; nothing at EOF, error or stop.
  std::optional<std::string> line(const std::atomic<bool>& stopping) {
    for (;;) {
      auto e = buffer_.find("\r\n");
      if (e != std::string::npos) {
        auto l = buffer_.substr(0, e);
        buffer_.erase(0, e + 2);
        return l;
      }
      if (stopping) return std::nullopt;
      char buf[4096];
      long r = 0;
      if (ssl_) {
        if (SSL_pending(ssl_) == 0) {
          pollfd p{fd_, POLLIN, 0};
          if (::poll(&p, 1, 100) <= 0) continue;
        }
        r = SSL_read(ssl_, buf, sizeof(buf));
        if (r <= 0) return std::nullopt;
      } else {
        r = read_some(fd_, buf, sizeof(buf));
        if (r == -1) continue;
        if (r <= 0) return std::nullopt;
      }
      buffer_.append(buf, static_cast<std::size_t>(r));
    }
  }

 private:
  int fd_;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

std::string upper_word(const std::string& line) {
  std::string w = line.substr(0, line.find(' '));
  for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return w;
}

std::string angle(const std::string& s) {
  auto a = s.find('<');
  auto b = s.find('>', a);
  if (a == std::string::npos || b == std::string::npos) return s;
  return s.substr(a + 1, b - a - 1);
}

}  // namespace

SmtpSink::SmtpSink(std::string cert_file, std::string key_file, int reject_first)
    : cert_(std::move(cert_file)), key_(std::move(key_file)), reject_first_(reject_first) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert_.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key_.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ctx) SSL_CTX_free(ctx);
    throw std::runtime_error("the SMTP sink cannot load its certificate");
  }
  ssl_ctx_ = ctx;
  listen_fd_ = listen_loopback(port_);
  thread_ = std::thread([this] { run(); });
}

SmtpSink::~SmtpSink() {
  stop();
  if (ssl_ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
}

void SmtpSink::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
}

std::vector<SmtpMessage> SmtpSink::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

bool SmtpSink::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
}

void SmtpSink::run() {
  while (!stopping_) {
    int fd = accept_for_a_while(listen_fd_);
    if (fd < 0) continue;
    session(fd);
    ::close(fd);
  }
}

void SmtpSink::session(int fd) {
  SmtpConn c(fd);
  c.send("220 sink.test ESMTP crema-test\r\n");
  SmtpMessage m;
  std::string user, password;
  while (auto line = c.line(stopping_)) {
    const auto verb = upper_word(*line);
    const std::string arg = line->size() > verb.size() ? line->substr(verb.size() + 1) : "";
    if (verb == "EHLO" || verb == "HELO") {
      c.send(std::string("250-sink.test\r\n250-AUTH PLAIN LOGIN\r\n") +
             (c.tls() ? "" : "250-STARTTLS\r\n") + "250 8BITMIME\r\n");
    } else if (verb == "STARTTLS") {
      c.send("220 ready to start TLS\r\n");
      if (!c.start_tls(static_cast<SSL_CTX*>(ssl_ctx_))) return;
    } else if (verb == "AUTH") {
      const auto mech = upper_word(arg);
      std::string rest = arg.size() > mech.size() ? arg.substr(mech.size() + 1) : "";
      if (mech == "PLAIN") {
        if (rest.empty()) {
          c.send("334 \r\n");
          auto l = c.line(stopping_);
          if (!l) return;
          rest = *l;
        }
        auto plain = base64_decode_std(rest);
        auto z1 = plain.find('\0');
        auto z2 = plain.find('\0', z1 + 1);
        if (z1 == std::string::npos || z2 == std::string::npos) {
          c.send("501 bad AUTH PLAIN\r\n");
          continue;
        }
        user = plain.substr(z1 + 1, z2 - z1 - 1);
        password = plain.substr(z2 + 1);
      } else if (mech == "LOGIN") {
        c.send("334 VXNlcm5hbWU6\r\n");
        auto u = c.line(stopping_);
        if (!u) return;
        c.send("334 UGFzc3dvcmQ6\r\n");
        auto p = c.line(stopping_);
        if (!p) return;
        user = base64_decode_std(*u);
        password = base64_decode_std(*p);
      } else {
        c.send("504 mechanism not supported\r\n");
        continue;
      }
      c.send("235 2.7.0 authenticated\r\n");
    } else if (verb == "MAIL") {
      m = SmtpMessage{};
      m.mail_from = angle(arg);
      c.send("250 OK\r\n");
    } else if (verb == "RCPT") {
      m.rcpt_to.push_back(angle(arg));
      c.send("250 OK\r\n");
    } else if (verb == "DATA") {
      c.send("354 end with <CRLF>.<CRLF>\r\n");
      std::string data;
      for (;;) {
        auto l = c.line(stopping_);
        if (!l) return;
        if (*l == ".") break;
        if (!l->empty() && (*l)[0] == '.') l->erase(0, 1);
        data += *l + "\r\n";
      }
      m.data = std::move(data);
      m.auth_user = user;
      m.auth_password = password;
      m.tls = c.tls();
      bool reject = false;
      {
        std::lock_guard lock(mutex_);
        reject = data_count_++ < reject_first_;
        if (!reject) messages_.push_back(m);
      }
      if (reject) {
        ++rejected_;
        c.send("451 4.3.0 try again later\r\n");
      } else {
        arrived_.notify_all();
        c.send("250 2.0.0 queued\r\n");
      }
    } else if (verb == "RSET" || verb == "NOOP") {
      c.send("250 OK\r\n");
    } else if (verb == "QUIT") {
      c.send("221 bye\r\n");
      return;
    } else {
      c.send("502 command not implemented\r\n");
    }
  }
}

}  // namespace crema::test
