#pragma once
/// A TCP relay on 127.0.0.1 for tests that need one link to fail while others stay up: every
/// connection made to port() is forwarded to `target_port`; cut() drops every relayed
/// connection at once and refuses new ones (accepted and closed) until restore().

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace crema::test {

class TcpRelay {
 public:
  /// Listens on a free loopback port; throws std::runtime_error when it cannot.
  explicit TcpRelay(std::uint16_t target_port);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  /// Drops every relayed connection and refuses new ones.
  void cut();
  /// Relays again.
  void restore();

 private:
  void run();
  std::uint16_t target_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::atomic<bool> drop_{false};  ///< cut() asked the relay thread to drop what it relays
  std::thread thread_;
};

}  // namespace crema::test
