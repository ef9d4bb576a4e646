#pragma once
/// Redis for tests: the shared one scripts/test.sh starts (CREMA_TEST_REDIS_URL), or a
/// private `redis-server` child on a free loopback port that a test may stop and restart.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "support/child_process.hpp"
#include "support/scratch_dir.hpp"
#include "support/test_db.hpp"

namespace crema::test {

/// CREMA_TEST_REDIS_URL, when set and not empty.
std::optional<std::string> shared_redis_url();

/// Why no Redis can be had here ("" when redis-server is installed).
std::string redis_unavailable_reason();

/// One private redis-server (no persistence), killed on destruction.
class RedisProcess {
 public:
  /// Starts it on a free port and waits until it answers PING; throws std::runtime_error.
  RedisProcess();
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  /// redis://127.0.0.1:PORT/<db>
  std::string url(int db = 0) const;
  std::uint16_t port() const noexcept { return port_; }
  /// Kills it (SIGKILL: connections drop at once).
  void stop();
  /// Starts it again on the same port.
  void start();
  bool running() const noexcept { return child_ != nullptr; }

 private:
  ScratchDir dir_{"crema-redis-"};
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

/// Whether something on 127.0.0.1:port answers a Redis PING within `timeout`.
bool redis_answers(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace crema::test

/// In a test: skips (or fails under CREMA_TEST_REQUIRE_PG=1, which CI sets: there every
/// outside service must be present) when redis-server is not installed.
#define CREMA_REQUIRE_REDIS()                                 \
  do {                                                        \
    auto why_ = ::crema::test::redis_unavailable_reason();    \
    if (!why_.empty()) {                                      \
      if (::crema::test::postgres_required()) FAIL() << why_; \
      GTEST_SKIP() << why_;                                   \
    }                                                         \
  } while (0)
