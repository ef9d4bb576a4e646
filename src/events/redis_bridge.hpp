#pragma once
/// Carries the event bus across instances through Redis pub/sub (CREMA_REDIS_URL): every
/// local event is published on one channel; every event another instance published there
/// is delivered to the local bus marked `remote` (and never forwarded again). SPEC §4 and
/// §7: a change made on instance A is seen by clients of instance B.
///
/// Two threads, so no request ever waits on Redis: a publisher draining a bounded queue
/// (the oldest events are dropped when Redis is away for long), and a subscriber. Both
/// reconnect by themselves; the state callback says when the subscription is up, so
/// caches can shorten their lifetime while messages could be missed.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "events/bus.hpp"
#include "events/redis_endpoint.hpp"

namespace crema::events {

class RedisBridge {
 public:
  /// `channel` defaults to "crema:events:<db>" (pub/sub ignores the database number, so it
  /// is part of the name: deployments on different databases stay apart).
  RedisBridge(RedisEndpoint endpoint, Bus& bus, std::string channel = {});
  ~RedisBridge();
  RedisBridge(const RedisBridge&) = delete;
  RedisBridge& operator=(const RedisBridge&) = delete;

  /// Called from the subscriber thread with true once subscribed, false when the
  /// subscription is lost. Set before start().
  void on_state(std::function<void(bool subscribed)> fn) { on_state_ = std::move(fn); }

  /// Subscribes to the local bus and starts both threads.
  void start();
  /// Stops both threads (also done by the destructor); events still queued are dropped.
  void stop();

  bool subscribed() const noexcept { return subscribed_.load(); }
  /// This instance's id in the messages.
  const std::string& origin() const noexcept { return origin_; }
  /// Events dropped because the queue was full (Redis away for long).
  std::size_t dropped() const noexcept { return dropped_.load(); }

  static constexpr std::size_t kQueueLimit = 10'000;

 private:
  void enqueue(const Event& e);
  void publisher_loop();
  void subscriber_loop();
  void deliver(std::string_view message);
  void set_state(bool up);

  RedisEndpoint endpoint_;
  Bus& bus_;
  std::string channel_;
  std::string origin_;
  std::function<void(bool)> on_state_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::atomic<std::size_t> dropped_{0};
  bool started_ = false;
  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace crema::events
