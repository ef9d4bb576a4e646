#pragma once
/// The in-process event bus (SPEC §7). Services publish after their transaction commits
/// (their unit of work collects the events while the transaction runs and publishes them
/// after the COMMIT, see service/write_tx.hpp);
/// subscribers — the WebSocket hub, the menu cache, later notifications — receive each event
/// on the publishing thread, together with its frame, serialised once. With Redis configured
/// a Forwarder (events/redis_fanout.hpp) carries what this instance publishes to the others,
/// and delivers theirs here through deliver_remote().

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "events/pending_events.hpp"

namespace crema::events {

class Bus {
 public:
  /// Sees every event. Runs on the publisher's thread (a worker, after its commit; or the
  /// Redis subscriber thread for remote events): it must be quick and must never block.
  using Handler = std::function<void(const Event&)>;
  /// Same, with the event's shared wire frame.
  using FrameHandler = std::function<void(const Event&, const Frame&)>;

  /// Carries local events to the other instances. forward() must never block.
  class Forwarder {
   public:
    virtual ~Forwarder() = default;
    virtual void forward(const Event& event, const Frame& frame) = 0;
  };

  Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  /// Adds a subscriber for every event (local and remote), in subscription order.
  void subscribe(Handler handler);
  /// Adds a subscriber that also receives the pre-serialised frame.
  void subscribe_frames(FrameHandler handler);
  /// Installs (or with nullptr removes) the cross-instance forwarder.
  void set_forwarder(Forwarder* forwarder) noexcept;

  /// Publishes one event: stamps it (when at_ms is 0), fills default topics, serialises its
  /// frame once, delivers it to every subscriber here and hands it to the forwarder. Call
  /// only after the transaction that made the change has committed. A subscriber that
  /// throws is logged and skipped.
  void publish(Event event) const;
  /// Shorthand: `type` with `data` on its default topics, stamped now.
  void publish(std::string type, boost::json::value data) const;
  /// Shorthand: `type` with `data` on `topics`, stamped now.
  void publish(std::string type, boost::json::value data, std::vector<std::string> topics) const;
  /// Publishes what a use case collected, in order (after its commit).
  void publish(PendingEvents&& events) const;

  /// An event another instance published (its frame as that instance serialised it):
  /// delivered to the subscribers here, never forwarded again.
  void deliver_remote(Event event, const Frame& frame) const;

  /// The topics of events published without any: `menu_updated` → menu, `inventory_low` →
  /// inventory; nothing for other types (they must name their topics).
  static std::vector<std::string> default_topics(std::string_view type);

 private:
  struct Subscriber {
    Handler plain;
    FrameHandler framed;
  };
  using List = std::vector<Subscriber>;
  void deliver(const Event& event, const Frame& frame) const;

  mutable std::mutex mutex_;
  std::shared_ptr<const List> subscribers_;  ///< copied on write: publish never waits
  std::atomic<Forwarder*> forwarder_{nullptr};
};

}  // namespace crema::events
