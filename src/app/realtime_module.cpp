#include "app/realtime_module.hpp"

#include "events/redis_client.hpp"
#include "obs/metrics.hpp"

namespace crema::app {

RealtimeModule::RealtimeModule(const std::optional<events::RedisEndpoint>& redis,
                               obs::Metrics& metrics, std::size_t ws_per_user) {
  hub_.attach(bus_);
  hub_.set_max_per_user(ws_per_user);
  // The menu is public (GET /menu needs no account), so anyone signed in may follow its
  // changes; every other channel follows the hub's rules.
  hub_.register_channel(
      "menu", [](const auth::Principal&, std::string_view) { return true; }, false);
  metrics.add_sampled_gauge("websocket_connections", "WebSocket clients connected now",
                            [this] { return static_cast<double>(hub_.connections()); });
  if (redis) {
    events::RedisFanoutOptions options;
    options.endpoint = *redis;
    fanout_ = std::make_unique<events::RedisFanout>(bus_, std::move(options));
    fanout_->on_link_change([this](bool up) {
      if (link_listener_) link_listener_(up);
      if (up) hub_.recheck_all();
    });
    if (ws_per_user > 0) {
      auto ledger = std::make_shared<events::RedisSocketLedger>(
          std::make_shared<events::RedisClient>(*redis), redis->db);
      socket_limit_ = std::make_unique<events::GlobalSocketLimit>(std::move(ledger), hub_, bus_);
    }
  }
}

void RealtimeModule::on_link_change(std::function<void(bool up)> listener) {
  link_listener_ = std::move(listener);
}

RealtimeModule::~RealtimeModule() { stop(); }

void RealtimeModule::start() {
  if (fanout_) fanout_->start();
}

void RealtimeModule::stop() {
  if (socket_limit_) socket_limit_->stop();  // its last evictions still go out
  if (fanout_) fanout_->stop();
}

}  // namespace crema::app
