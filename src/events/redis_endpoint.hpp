#pragma once
/// Where Redis is (CREMA_REDIS_URL) and a one-shot reachability check for /ready.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace crema::events {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;
  std::string password;
  int db = 0;

  /// redis://[[user]:password@]host[:port][/db]
  static std::optional<RedisEndpoint> parse(std::string_view url);
};

/// Connects, authenticates, selects the db and sends PING within `timeout`. Returns "ok" or
/// what failed (never the password).
std::string redis_ping(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout);

}  // namespace crema::events
