// Self-tests of the harness pieces that the server does not exercise today: chunked bodies,
// read-to-close bodies and several responses in one segment, against a canned local peer.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "support/raw_connection.hpp"

namespace crema::test {
namespace {

/// Accepts one connection on 127.0.0.1, reads the request head, writes `reply`, then closes.
class CannedPeer {
 public:
  explicit CannedPeer(std::string reply) : reply_(std::move(reply)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      std::string got;
      char buf[4096];
      while (got.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
      ::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(fd);
    });
  }
  ~CannedPeer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  std::string reply_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(Harness, RawConnectionDecodesChunkedAndSeveralResponsesInOneSegment) {
  CannedPeer peer(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
      "4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n"
      "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nX-Request-Id: two\r\n\r\nno"
      "HTTP/1.1 204 No Content\r\nX-Request-Id: three\r\n\r\n"
      "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\nto the end");
  RawConnection c("127.0.0.1", peer.port());
  ASSERT_TRUE(c.send(make_request("GET", "/")));
  auto a = c.read_response();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, "{\"a\":1}");
  ASSERT_TRUE(a->json);
  EXPECT_EQ(a->json->at("a").as_int64(), 1);
  auto b = c.read_response();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 404);
  EXPECT_EQ(b->reason, "Not Found");
  EXPECT_EQ(b->body, "no");
  EXPECT_EQ(b->header("x-request-id"), "two");
  auto d = c.read_response();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 204);
  EXPECT_TRUE(d->body.empty());
  auto e = c.read_response();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 500);
  EXPECT_EQ(e->body, "to the end");
  EXPECT_TRUE(e->connection_close());
  EXPECT_FALSE(c.read_response(std::chrono::seconds(1)));
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(1)));
}

TEST(Harness, RawConnectionReportsATruncatedResponseAsClosed) {
  CannedPeer peer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  RawConnection c("127.0.0.1", peer.port());
  ASSERT_TRUE(c.send(make_request("GET", "/")));
  EXPECT_FALSE(c.read_response());
}

TEST(Harness, RawConnectionTimesOutOnSilence) {
  // A listener that never answers: the kernel accepts, nobody writes.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  RawConnection c("127.0.0.1", ntohs(addr.sin_port));
  EXPECT_THROW(c.read_response(std::chrono::milliseconds(200)), RawTimeout);
  EXPECT_FALSE(c.wait_closed(std::chrono::milliseconds(100)));
  ::close(fd);
}

TEST(Harness, RefusedConnectionIsReported) {
  const auto port = free_tcp_port();
  EXPECT_FALSE(RawConnection::try_connect("127.0.0.1", port));
  EXPECT_THROW(RawConnection("127.0.0.1", port), std::runtime_error);
}

}  // namespace
}  // namespace crema::test
