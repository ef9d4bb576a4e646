#pragma once
/// A small blocking Redis client over hiredis for shared state (rate limits, the token
/// denylist): a pool of connections with connect and command timeouts, Lua scripts by
/// EVALSHA (loaded on first use), and a short back-off after a failure so an unreachable
/// Redis costs one fast error per call instead of a timeout each. Never call it on an I/O
/// thread.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "events/redis_endpoint.hpp"

struct redisContext;

namespace crema::events {

struct RedisReply {
  enum class Type { nil, integer, string, status, array, error };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string str;  ///< string, status and error replies
  std::vector<RedisReply> elements;

  bool is_error() const noexcept { return type == Type::error; }
};

/// A Lua script and its SHA-1 (computed once).
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const noexcept { return source_; }
  const std::string& sha1() const noexcept { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

class RedisClient {
 public:
  explicit RedisClient(RedisEndpoint endpoint,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(500),
                       std::size_t max_idle = 16);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Runs one command (binary-safe arguments). Error replies are returned as such;
  /// connection failures and timeouts throw db::Error(unavailable) ("redis: …").
  RedisReply command(std::span<const std::string_view> argv);
  RedisReply command(std::initializer_list<std::string_view> argv) {
    return command(std::span<const std::string_view>(argv.begin(), argv.size()));
  }

  /// EVALSHA, falling back to EVAL when Redis does not have the script yet. An error reply
  /// from the script throws db::Error(other).
  RedisReply eval(const RedisScript& script, std::span<const std::string_view> keys,
                  std::span<const std::string_view> args);

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const noexcept;
  };
  using Context = std::unique_ptr<redisContext, ContextDeleter>;
  /// An idle connection (`reused` set) or a new one.
  Context acquire(bool& reused);
  void release(Context c);
  Context connect();
  [[noreturn]] void fail(const std::string& what);

  RedisEndpoint endpoint_;
  std::chrono::milliseconds timeout_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<Context> idle_;
  std::chrono::steady_clock::time_point retry_after_{};  ///< no new connection before this
};

}  // namespace crema::events
