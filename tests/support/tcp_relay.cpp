#include "support/tcp_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace crema::test {

namespace {

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TcpRelay::TcpRelay(std::uint16_t target_port) : target_(target_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listener_ < 0) throw std::runtime_error("relay: socket failed");
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener_, 64) != 0)
    throw std::runtime_error("relay: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe2(wake_, O_CLOEXEC) != 0) throw std::runtime_error("relay: pipe failed");
  thread_ = std::thread([this] { run(); });
}

TcpRelay::~TcpRelay() {
  stop_ = true;
  [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void TcpRelay::cut() {
  cut_ = true;
  drop_ = true;
  [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
  while (drop_) ::usleep(1000);  // the relay thread has closed every pair
}

void TcpRelay::restore() { cut_ = false; }

void TcpRelay::run() {
  std::vector<std::pair<int, int>> pairs;  // client side, server side
  char buffer[16384];
  auto close_pair = [](std::pair<int, int>& p) {
    ::close(p.first);
    ::close(p.second);
    p = {-1, -1};
  };
  while (!stop_) {
    if (drop_) {
      for (auto& p : pairs) close_pair(p);
      pairs.clear();
      drop_ = false;
    }
    const std::size_t polled = pairs.size();
    std::vector<pollfd> fds{{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    for (const auto& [a, b] : pairs) {
      fds.push_back({a, POLLIN, 0});
      fds.push_back({b, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 200) < 0 && errno != EINTR) break;
    if (fds[1].revents != 0) {
      [[maybe_unused]] auto n = ::read(wake_[0], buffer, sizeof buffer);
    }
    if (fds[0].revents != 0) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        const int server = cut_ ? -1 : connect_loopback(target_);
        if (server < 0) {
          ::close(client);
        } else {
          pairs.emplace_back(client, server);
        }
      }
    }
    // Copy what arrived; a side that ends ends its pair. (Writes to loopback sockets with
    // small payloads do not block in practice; this is a test relay.)
    for (std::size_t k = 0; k < polled; ++k) {
      auto& p = pairs[k];
      for (std::size_t side = 0; side < 2 && p.first >= 0; ++side) {
        if (fds[2 + 2 * k + side].revents == 0) continue;
        const int from = side == 0 ? p.first : p.second;
        const int to = side == 0 ? p.second : p.first;
        const ssize_t got = ::read(from, buffer, sizeof buffer);
        if (got <= 0 || ::send(to, buffer, static_cast<std::size_t>(got), MSG_NOSIGNAL) != got)
          close_pair(p);
      }
    }
    std::erase_if(pairs, [](const auto& p) { return p.first < 0; });
  }
  for (auto& p : pairs) close_pair(p);
}

}  // namespace crema::test
