#pragma once
/// The real-time feed as the server wires it: the event bus services publish to, the
/// WebSocket hub listening on it, and — with CREMA_REDIS_URL — the Redis fan-out that
/// carries events between instances and the ledger that counts each user's sockets on all
/// of them (CREMA_WS_PER_USER).

#include <functional>
#include <memory>

#include "app/config.hpp"
#include "events/bus.hpp"
#include "events/hub.hpp"
#include "events/redis_fanout.hpp"
#include "events/socket_ledger.hpp"

namespace crema::obs {
class Metrics;
}

namespace crema::app {

class RealtimeModule {
 public:
  /// `redis`: the parsed CREMA_REDIS_URL, when set. `ws_per_user`: CREMA_WS_PER_USER.
  /// Registers websocket_connections.
  RealtimeModule(const std::optional<events::RedisEndpoint>& redis, obs::Metrics& metrics,
                 std::size_t ws_per_user);
  ~RealtimeModule();
  RealtimeModule(const RealtimeModule&) = delete;
  RealtimeModule& operator=(const RealtimeModule&) = delete;

  events::Bus& bus() noexcept { return bus_; }
  events::Hub& hub() noexcept { return hub_; }
  /// The Redis fan-out, when configured (nullptr otherwise).
  events::RedisFanout* fanout() noexcept { return fanout_.get(); }
  /// Called with the fan-out's link state (true: subscribed) on its subscriber thread; set
  /// before start(). Whenever the link comes up, the hub also has every WebSocket check its
  /// credentials again (revocations published while it was down never arrive).
  void on_link_change(std::function<void(bool up)> listener);

  /// Starts the Redis fan-out (when configured).
  void start();
  /// Stops it, after the server has stopped.
  void stop();

 private:
  events::Bus bus_;
  events::Hub hub_;
  std::unique_ptr<events::RedisFanout> fanout_;
  std::unique_ptr<events::GlobalSocketLimit> socket_limit_;
  std::function<void(bool)> link_listener_;
};

}  // namespace crema::app
