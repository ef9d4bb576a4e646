#pragma once
/// The real-time feed as the server wires it: the event bus services publish to, the
/// WebSocket hub listening on it, and — with CREMA_REDIS_URL — the Redis fan-out that
/// carries events between instances.

#include <memory>

#include "app/config.hpp"
#include "events/bus.hpp"
#include "events/hub.hpp"
#include "events/redis_fanout.hpp"

namespace crema::obs {
class Metrics;
}

namespace crema::app {

class RealtimeModule {
 public:
  /// `redis`: the parsed CREMA_REDIS_URL, when set. Registers websocket_connections.
  RealtimeModule(const std::optional<events::RedisEndpoint>& redis, obs::Metrics& metrics);
  ~RealtimeModule();
  RealtimeModule(const RealtimeModule&) = delete;
  RealtimeModule& operator=(const RealtimeModule&) = delete;

  events::Bus& bus() noexcept { return bus_; }
  events::Hub& hub() noexcept { return hub_; }
  /// The Redis fan-out, when configured (nullptr otherwise).
  events::RedisFanout* fanout() noexcept { return fanout_.get(); }

  /// Starts the Redis fan-out (when configured).
  void start();
  /// Stops it, after the server has stopped.
  void stop();

 private:
  events::Bus bus_;
  events::Hub hub_;
  std::unique_ptr<events::RedisFanout> fanout_;
};

}  // namespace crema::app
