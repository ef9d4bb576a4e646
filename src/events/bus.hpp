#pragma once
/// The in-process event bus (SPEC §7): services publish an event after the transaction that
/// caused it has committed; subscribers (the menu cache, later the WebSocket hub and the
/// notifications) receive it on the publishing thread. With Redis configured, a bridge
/// (events/redis_bridge.hpp) forwards local events to the other instances and publishes
/// theirs here, marked `remote`.

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace crema::events {

/// One event: a type such as "menu_updated" and its data (SPEC §7 says what each carries).
struct Event {
  std::string type;
  boost::json::value data;
  std::int64_t at_ms = 0;  ///< when it happened (epoch ms)
  bool remote = false;     ///< received from another instance (never forwarded again)
};

class Bus {
 public:
  using Handler = std::function<void(const Event&)>;

  /// Adds a subscriber for every event. Handlers must be quick and must not block: they run
  /// on the publisher's thread (a worker, after its commit).
  void subscribe(Handler handler);

  /// Delivers the event to every subscriber in subscription order. A handler that throws is
  /// logged and skipped; the others still run.
  void publish(const Event& event) const;

  /// Shorthand: an event of `type` with `data`, stamped now.
  void publish(std::string type, boost::json::value data) const;

 private:
  mutable std::shared_mutex mutex_;
  std::vector<std::shared_ptr<const Handler>> handlers_;
};

}  // namespace crema::events
