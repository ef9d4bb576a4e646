#include "support/raw_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace crema::test {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

sockaddr_in make_addr(const std::string& host, std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    throw std::invalid_argument("RawConnection: not an IPv4 address: " + host);
  }
  return addr;
}

// Connects with a timeout: -1 on refusal/timeout (errno set), else the blocking socket.
int connect_with_timeout(const sockaddr_in& addr, std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    } else {
      errno = rc == 0 ? ETIMEDOUT : errno;
      rc = -1;
    }
  }
  if (rc != 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

RawConnection::RawConnection(const std::string& host, std::uint16_t port,
                             std::chrono::milliseconds timeout) {
  fd_ = connect_with_timeout(make_addr(host, port), timeout);
  if (fd_ < 0) {
    throw std::runtime_error("connect to " + host + ":" + std::to_string(port) + ": " +
                             std::strerror(errno));
  }
}

std::optional<RawConnection> RawConnection::try_connect(const std::string& host, std::uint16_t port,
                                                        std::chrono::milliseconds timeout) {
  int fd = connect_with_timeout(make_addr(host, port), timeout);
  if (fd < 0) return std::nullopt;
  RawConnection c;
  c.fd_ = fd;
  return c;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(other.fd_), eof_(other.eof_), buffer_(std::move(other.buffer_)) {
  other.fd_ = -1;
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;  // EPIPE, ECONNRESET: the server is gone
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawConnection::send_slowly(std::string_view bytes, std::chrono::milliseconds gap) {
  for (char c : bytes) {
    if (!send(std::string_view(&c, 1))) return false;
    std::this_thread::sleep_for(gap);
  }
  return true;
}

std::size_t RawConnection::fill(Clock::time_point deadline) {
  if (eof_) return 0;
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
    }
    if (rc == 0) throw RawTimeout("no data from the server within the timeout");
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      eof_ = true;  // ECONNRESET and friends: the server is gone
      return 0;
    }
    if (n == 0) {
      eof_ = true;
      return 0;
    }
    buffer_.append(buf, static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
  }
}

std::optional<HttpResponse> RawConnection::read_response(std::chrono::milliseconds timeout,
                                                         bool head) {
  const auto deadline = Clock::now() + timeout;
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (fill(deadline) == 0) return std::nullopt;
  }
  HttpResponse r;
  std::string_view head_block(buffer_.data(), header_end);
  auto line_end = head_block.find("\r\n");
  std::string_view status_line = head_block.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    throw std::runtime_error("not an HTTP response: " + std::string(status_line));
  }
  r.status = std::stoi(std::string(status_line.substr(9, 3)));
  r.reason = status_line.size() > 13 ? std::string(status_line.substr(13)) : std::string{};
  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view{} : head_block.substr(line_end + 2);
  while (!rest.empty()) {
    auto e = rest.find("\r\n");
    std::string_view line = rest.substr(0, e);
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      r.headers.add(std::string(trim_space(line.substr(0, colon))),
                    std::string(trim_space(line.substr(colon + 1))));
    }
    if (e == std::string_view::npos) break;
    rest.remove_prefix(e + 2);
  }
  buffer_.erase(0, header_end + 4);

  const bool no_body = head || r.status / 100 == 1 || r.status == 204 || r.status == 304;
  bool chunked = false;
  for (const auto& v : r.headers.all("Transfer-Encoding")) {
    for (const auto& t : header_tokens(v)) chunked = chunked || iequals(t, "chunked");
  }
  if (no_body) {
    // nothing
  } else if (chunked) {
    while (true) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (fill(deadline) == 0) return std::nullopt;
      }
      std::size_t size = std::stoul(buffer_.substr(0, eol), nullptr, 16);
      buffer_.erase(0, eol + 2);
      if (size == 0) {
        // Trailers, then an empty line.
        std::size_t end;
        while ((end = buffer_.find("\r\n")) == std::string::npos) {
          if (fill(deadline) == 0) return std::nullopt;
        }
        while (end != 0) {
          buffer_.erase(0, end + 2);
          while ((end = buffer_.find("\r\n")) == std::string::npos) {
            if (fill(deadline) == 0) return std::nullopt;
          }
        }
        buffer_.erase(0, 2);
        break;
      }
      while (buffer_.size() < size + 2) {
        if (fill(deadline) == 0) return std::nullopt;
      }
      r.body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
    }
  } else if (auto cl = r.headers.get("Content-Length")) {
    std::size_t len = std::stoul(*cl);
    while (buffer_.size() < len) {
      if (fill(deadline) == 0) return std::nullopt;
    }
    r.body = buffer_.substr(0, len);
    buffer_.erase(0, len);
  } else {
    while (fill(deadline) != 0) {}
    r.body = std::move(buffer_);
    buffer_.clear();
  }
  attach_json(r);
  return r;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  try {
    while (fill(deadline) != 0) {}
    return true;
  } catch (const RawTimeout&) {
    return false;
  }
}

void RawConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

std::uint16_t free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr = make_addr("127.0.0.1", 0);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string make_request(std::string_view method, std::string_view target,
                         std::initializer_list<std::string_view> header_lines,
                         std::string_view body) {
  std::string r;
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (auto h : header_lines) r.append(h).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    r.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  r.append("\r\n").append(body);
  return r;
}

}  // namespace crema::test
