#pragma once
/// Cross-instance events through Redis pub/sub (CREMA_REDIS_URL): what this instance
/// publishes goes to one Redis channel, and what the other instances publish there is
/// delivered to this instance's bus. Two threads of its own, one connection each, so no I/O
/// thread and no worker ever waits for Redis:
///   * the publisher takes messages from a bounded in-memory queue and PUBLISHes them in
///     pipelined batches; while Redis is away the queue keeps the newest messages and the
///     connection is retried with backoff;
///   * the subscriber SUBSCRIBEs, checks the link with PINGs, and reconnects with backoff.
/// Each message carries this instance's origin id; an instance skips its own messages (it
/// delivered them locally when they were published). Delivery across instances is at most
/// once while the subscriber is connected: events published while an instance's link is
/// down are not replayed to it (the link state is reported so caches can shorten their
/// lifetime meanwhile).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "events/bus.hpp"
#include "events/redis_endpoint.hpp"

namespace crema::events {

struct RedisFanoutOptions {
  RedisEndpoint endpoint;
  /// This instance's id (a fresh UUID per process when empty).
  std::string origin;
  /// Messages kept while Redis cannot be reached; the oldest are dropped beyond it.
  std::size_t max_backlog = 10000;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  /// The subscriber PINGs after this much silence and drops a link that stays silent as long.
  std::chrono::milliseconds keepalive{15000};
};

/// A message on the wire: "crema1\n<origin>\n<topics JSON array>\n<frame>".
struct FanoutMessage {
  std::string origin;
  std::vector<std::string> topics;
  std::string frame;
};
std::string encode_fanout_message(std::string_view origin, const std::vector<std::string>& topics,
                                  std::string_view frame);
std::optional<FanoutMessage> decode_fanout_message(std::string_view text);
/// The event a frame describes (type, data, at), with `topics`; nullopt for a bad frame.
std::optional<Event> event_from_frame(std::string_view frame, std::vector<std::string> topics);

class RedisFanout final : public Bus::Forwarder {
 public:
  RedisFanout(Bus& bus, RedisFanoutOptions options);
  ~RedisFanout() override;
  RedisFanout(const RedisFanout&) = delete;
  RedisFanout& operator=(const RedisFanout&) = delete;

  /// Called with true when the subscription is (re)established and false when it is lost;
  /// on the subscriber thread. Set before start().
  void on_link_change(std::function<void(bool up)> callback);

  /// Starts both threads and installs itself as the bus's forwarder.
  void start();
  /// Uninstalls itself, tries for a moment to send what is queued, and joins the threads.
  void stop();

  /// Queues the event for the other instances (never blocks).
  void forward(const Event& event, const Frame& frame) override;

  /// The Redis channel used: "crema:<db>:events" (pub/sub ignores the database number, so
  /// it is part of the name: instances on different databases of one Redis stay apart).
  const std::string& channel() const noexcept { return channel_; }
  const std::string& origin() const noexcept { return options_.origin; }
  /// Whether the subscriber is connected and subscribed now.
  bool subscribed() const noexcept { return subscribed_.load(); }
  /// Messages published to Redis / received from other instances / dropped from a full queue.
  std::uint64_t published() const noexcept { return published_.load(); }
  std::uint64_t received() const noexcept { return received_.load(); }
  std::uint64_t dropped() const noexcept { return dropped_.load(); }

 private:
  void publisher_loop();
  void subscriber_loop();
  /// Sleeps up to `d`; false when stop() was called meanwhile.
  bool pause(std::chrono::milliseconds d);
  void handle_message(std::string_view payload);
  void set_link(bool up);

  Bus& bus_;
  RedisFanoutOptions options_;
  std::string channel_;
  std::function<void(bool)> on_link_;

  std::mutex mutex_;  ///< guards queue_, stopping_
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  bool warned_full_ = false;

  int wake_fd_ = -1;  ///< eventfd: wakes the subscriber's poll() on stop()
  std::thread publisher_;
  std::thread subscriber_;
  std::atomic<bool> subscribed_{false};
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> dropped_{0};
  bool started_ = false;
};

}  // namespace crema::events
