#include "support/fake_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace crema::test {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    default:
      return "Status";
  }
}

/// Parses one request from `data` (headers complete); nothing when malformed.
std::optional<FakeRequest> parse(const std::string& head, std::string body) {
  FakeRequest r;
  const auto line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp1 == std::string::npos || sp2 == std::string::npos) return std::nullopt;
  r.method = line.substr(0, sp1);
  r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string h = head.substr(pos, end - pos);
    const auto colon = h.find(':');
    if (colon != std::string::npos) {
      std::string value = h.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      r.headers[lower(h.substr(0, colon))] = value;
    }
    pos = end + 2;
  }
  r.body = std::move(body);
  return r;
}

}  // namespace

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd_, 64) != 0)
    throw std::runtime_error("fake HTTP server: cannot listen on 127.0.0.1");
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeHttpServer::~FakeHttpServer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
  thread_.join();
}

std::string FakeHttpServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<FakeRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

bool FakeHttpServer::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void FakeHttpServer::serve() {
  for (;;) {
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;  // closed by the destructor
    timeval tv{5, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string data;
    char buf[16384];
    std::size_t head_end = std::string::npos;
    std::size_t need = std::string::npos;
    while (need == std::string::npos || data.size() < need) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
      if (head_end == std::string::npos &&
          (head_end = data.find("\r\n\r\n")) != std::string::npos) {
        const std::string head = lower(data.substr(0, head_end));
        std::size_t length = 0;
        const auto at = head.find("\r\ncontent-length:");
        if (at != std::string::npos) length = std::stoul(head.substr(at + 17));
        need = head_end + 4 + length;
      }
    }
    std::optional<FakeRequest> req;
    if (head_end != std::string::npos && data.size() >= need)
      req = parse(data.substr(0, head_end), data.substr(head_end + 4, need - head_end - 4));
    FakeResponse res;
    if (!req) {
      res = {400, "text/plain", "bad request"};
    } else if (handler_) {
      res = handler_(*req);
    }
    std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + reason(res.status) +
                      "\r\nContent-Type: " + res.content_type +
                      "\r\nContent-Length: " + std::to_string(res.body.size()) +
                      "\r\nConnection: close\r\n\r\n";
    if (req && req->method != "HEAD") out += res.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      const ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::close(c);
    if (req) {
      std::lock_guard lock(mutex_);
      requests_.push_back(std::move(*req));
      cv_.notify_all();
    }
  }
}

}  // namespace crema::test
