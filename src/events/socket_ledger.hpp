#pragma once
/// CREMA_WS_PER_USER across instances (SPEC §15.4: "a user has at most N sockets; one more
/// closes the oldest"). Behind a load balancer a user's sockets land on several instances,
/// so the count lives in Redis: one sorted set per user of its open sockets, scored by when
/// they opened. Opening a socket adds it and, in the same step, takes out the oldest beyond
/// the limit; those are announced on the bus (an internal `socket_evicted` event, on no
/// topic, carried to every instance by the Redis fan-out) and the instance holding each one
/// closes it with 4002.
///
/// The Redis calls block, so they run on this class's own thread, in the order the hub
/// reported opens and closes (a close never overtakes its open). When Redis cannot be
/// reached the hub applies the limit to the sockets of this instance instead, so a user is
/// never left without one.
///
/// A socket whose instance died without closing it stays in its user's set; it is the oldest
/// there, so it is the first to be taken out when the user reaches the limit (no live socket
/// is closed in its place), and the set expires a day after its user's last connection.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "events/event.hpp"

namespace crema::events {

class Bus;
class Hub;
class RedisClient;

/// The bus type of an eviction. Never delivered to a client: it has no topic.
inline constexpr std::string_view kSocketEvictedEvent = "socket_evicted";

/// The event that tells every instance to close socket `socket_id` of `user_id` (4002).
Event socket_evicted_event(std::string_view user_id, std::string_view socket_id);
/// {user_id, socket_id} of such an event; nullopt when it is not a (well-formed) one.
std::optional<std::pair<std::string, std::string>> socket_evicted_of(const Event& event);

/// Where every instance records its users' open sockets.
class SocketLedger {
 public:
  virtual ~SocketLedger() = default;
  /// Records socket `socket_id` of `user_id`, opened at `at_us` (epoch microseconds), and answers
  /// the ids of the user's sockets beyond the `max` newest (oldest first), which it forgets. May
  /// block; throws when the ledger cannot be reached.
  virtual std::vector<std::string> opened(const std::string& user_id, const std::string& socket_id,
                                          std::int64_t at_us, std::size_t max) = 0;
  /// Forgets a closed socket. May block; throws when the ledger cannot be reached.
  virtual void closed(const std::string& user_id, const std::string& socket_id) = 0;
};

/// The ledger in Redis: `crema:<db>:ws:<user id>`, a sorted set of socket ids by open time.
class RedisSocketLedger final : public SocketLedger {
 public:
  RedisSocketLedger(std::shared_ptr<RedisClient> redis, int db);
  std::vector<std::string> opened(const std::string& user_id, const std::string& socket_id,
                                  std::int64_t at_us, std::size_t max) override;
  void closed(const std::string& user_id, const std::string& socket_id) override;

 private:
  std::string key(std::string_view user_id) const;
  std::shared_ptr<RedisClient> redis_;
  std::string prefix_;
};

/// The hub's link to a ledger: takes the hub's reports of opened and closed sockets without
/// blocking, applies them on its own thread, and publishes the evictions on the bus.
class GlobalSocketLimit {
 public:
  /// Installs itself on `hub` (Hub::set_socket_reporter) until stop() or destruction.
  GlobalSocketLimit(std::shared_ptr<SocketLedger> ledger, Hub& hub, const Bus& bus);
  ~GlobalSocketLimit();
  GlobalSocketLimit(const GlobalSocketLimit&) = delete;
  GlobalSocketLimit& operator=(const GlobalSocketLimit&) = delete;

  /// Uninstalls from the hub, finishes what was reported and joins the thread.
  void stop();

 private:
  struct Report {
    bool opened;
    std::string user_id;
    std::string socket_id;
    std::int64_t at_us;
  };
  /// False when the queue is full (the hub then applies the limit on its own).
  bool report(Report r);
  void run();
  void apply(const Report& r);

  /// Reports waiting for the thread; beyond this many the hub falls back to the local limit.
  static constexpr std::size_t kMaxQueued = 10000;

  std::shared_ptr<SocketLedger> ledger_;
  Hub& hub_;
  const Bus& bus_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Report> queue_;
  bool stopping_ = false;
  bool failing_ = false;  ///< the last call failed (logged once until it works again)
  std::thread thread_;
};

}  // namespace crema::events
