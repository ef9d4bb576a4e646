#pragma once
/// The WebSocket hub (SPEC §7): which client sessions listen on which topics, who may
/// listen where, and the fan-out of each event's shared frame to its listeners. No Beast
/// here: a session is anything implementing Subscriber (net/ws_session.cpp).
///
/// Channels are topics: "orders", "inventory", "menu", "order:<id>", "user:<id>",
/// "driver:<user id>". Every session starts on its role's default channels
/// (default_channels()); a client may add or drop channels within what its role may see:
///   * its own default channels, always;
///   * a channel with a registered rule (register_channel(), by prefix): as the rule says.
///     Features register the rules that need their data — orders registers "order:" to
///     check that a customer owns the order — and such a rule may query the database: it
///     is then run on the worker pool, never on an I/O thread;
///   * any other channel: staff, managers and admins yes, customers and drivers no;
///   * a guest (an X-Order-Token, SPEC §15.1): its order's channel only, whatever the rules.
///
/// The hub also knows each user's sessions, in the order they opened (SPEC §15.4): a user
/// holds at most max_per_user() of them (one more evicts the oldest) — counted on this
/// instance, or on all of them when a socket reporter (events/socket_ledger.hpp) is
/// installed — and a revocation (events/revocation.hpp) — published on the bus, so from any
/// instance — reaches every session of its user here.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/roles.hpp"
#include "events/event.hpp"
#include "events/revocation.hpp"

namespace crema::events {

class Bus;

/// One listener (a WebSocket session), seen by the hub.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  /// Queues a frame for the client. Called from any thread; must never block.
  virtual void deliver(const Frame& frame) = 0;
  /// Its user's credentials changed: the session closes (4001) when `r` concerns the
  /// session it is authenticated for now. Called from any thread; must never block.
  virtual void revoke(const Revocation& r) = 0;
  /// Its user opened more sessions than allowed and this is the oldest: it closes. Called
  /// from any thread; must never block.
  virtual void evict() = 0;
  /// Revocations may have been missed (the Redis link was down): the session checks its
  /// credentials again and closes (4001) when they are no longer valid. Called from any
  /// thread; must never block.
  virtual void recheck() = 0;
};

class Hub {
 public:
  /// Whether `principal` may listen on `channel`. A rule registered as blocking may query the
  /// database (it runs on the worker pool); it may throw (the client gets an error frame).
  using ChannelCheck =
      std::function<bool(const auth::Principal& principal, std::string_view channel)>;

  /// The answer to "may this principal subscribe to this channel".
  struct Decision {
    enum class Kind { allowed, forbidden, check } kind = Kind::forbidden;
    /// For Kind::check: run this on the worker pool.
    std::shared_ptr<const ChannelCheck> check;
  };

  /// The longest channel name accepted.
  static constexpr std::size_t kMaxChannelLength = 128;

  Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  /// Delivers every event of `bus` to the sessions on any of its topics (once per session,
  /// however many of its topics a session listens on), and every revocation to the sessions
  /// of its user.
  void attach(Bus& bus);

  /// The rule for channels starting with `prefix` when it ends in ':' ("order:"), or for
  /// exactly the channel `prefix` otherwise ("menu"). The longest matching prefix wins.
  /// `blocking`: the check may block (database), so it runs on the worker pool.
  void register_channel(std::string prefix, ChannelCheck check, bool blocking = true);

  /// The channels a session starts on: staff, manager, admin → orders, inventory, menu;
  /// customer → user:<id>; driver → driver:<id> (the driver's user id); a guest (an order
  /// token) → order:<its order id>, and nothing else by default.
  static std::vector<std::string> default_channels(const auth::Principal& principal);

  /// A plausible channel name: 1 to kMaxChannelLength characters of [A-Za-z0-9:_.-].
  static bool valid_channel(std::string_view channel) noexcept;

  /// Whether `principal` may subscribe to `channel` (a valid channel name). Never blocks:
  /// a blocking rule comes back as Kind::check for the caller to run on the worker pool.
  Decision decide(const auth::Principal& principal, std::string_view channel) const;

  /// Adds a session to a topic (weakly: a session that goes away simply stops receiving).
  void subscribe(const std::string& topic, const std::shared_ptr<Subscriber>& subscriber);
  /// Removes a session from a topic (no-op when it was not there).
  void unsubscribe(const std::string& topic, const Subscriber* subscriber);

  /// Delivers a frame to every live session on any of `topics`, each session once.
  void fan_out(const std::vector<std::string>& topics, const Frame& frame) const;

  /// Live sessions on a topic (for tests and diagnostics).
  std::size_t listeners(std::string_view topic) const;

  /// The most sessions one user may hold at once (CREMA_WS_PER_USER); 0: no limit.
  void set_max_per_user(std::size_t n) noexcept { max_per_user_.store(n); }
  std::size_t max_per_user() const noexcept { return max_per_user_.load(); }
  /// Registers a new session of `user_id` (weakly) and answers its socket id (unique across
  /// instances). With a socket reporter installed the report decides which of the user's
  /// sessions go; without one (or when it cannot take the report), when the user then holds
  /// more than max_per_user() live sessions here, the oldest are evicted
  /// (Subscriber::evict) and forgotten.
  std::string add_user_session(const std::string& user_id,
                               const std::shared_ptr<Subscriber>& session);
  /// Forgets a session of `user_id` (no-op when it is not there, e.g. evicted).
  void remove_user_session(const std::string& user_id, const Subscriber* session);

  /// Told of every session opened (`opened` true) and closed
  /// by add/remove_user_session (with its open time in epoch microseconds), on their thread: it
  /// must never block. Answers false when it cannot take the report (the hub then limits the user's
  /// sessions on this instance).
  using SocketReporter = std::function<bool(bool opened, const std::string& user_id,
                                            const std::string& socket_id, std::int64_t at_us)>;
  /// Installs (or with nullptr removes) the reporter of a cross-instance limit.
  void set_socket_reporter(std::shared_ptr<const SocketReporter> reporter);
  /// Evicts the session `socket_id` of `user_id` when it is on this instance (a cross-instance
  /// limit decided so; no-op otherwise).
  void evict_socket(const std::string& user_id, std::string_view socket_id);
  /// Applies max_per_user() to the user's sessions on this instance alone (what the hub does
  /// without a reporter; a reporter that could not reach its ledger falls back on it).
  void enforce_local_limit(const std::string& user_id);
  /// Hands `r` to every live session of its user on this instance (each decides whether it
  /// is concerned). Publish revocation_event(r) on the bus to reach every instance.
  void revoke(const Revocation& r) const;
  /// Asks every session on this instance to check its credentials again: the Redis fan-out
  /// delivers at most once while linked, so after its link was down, revocations published
  /// meanwhile on other instances never arrive here.
  void recheck_all() const;
  /// Live sessions of a user on this instance (for tests and diagnostics).
  std::size_t user_sessions(std::string_view user_id) const;

  /// The websocket_connections gauge: sessions open now.
  void session_opened() noexcept { connections_.fetch_add(1); }
  void session_closed() noexcept { connections_.fetch_sub(1); }
  std::int64_t connections() const noexcept { return connections_.load(); }

 private:
  struct Rule {
    std::string prefix;
    std::shared_ptr<const ChannelCheck> check;
    bool blocking;
  };
  using Listeners = std::unordered_map<const Subscriber*, std::weak_ptr<Subscriber>>;

  mutable std::shared_mutex mutex_;  ///< guards topics_
  std::unordered_map<std::string, Listeners> topics_;
  mutable std::shared_mutex rules_mutex_;
  std::vector<Rule> rules_;
  std::atomic<std::int64_t> connections_{0};
  /// Each user's sessions, oldest first (a handful each: CREMA_WS_PER_USER).
  struct UserSession {
    const Subscriber* key;
    std::weak_ptr<Subscriber> session;
    std::string socket_id;
  };
  using UserSessions = std::vector<UserSession>;
  mutable std::mutex users_mutex_;  ///< guards users_, next_socket_, reporter_; never with mutex_
  std::unordered_map<std::string, UserSessions> users_;
  std::atomic<std::size_t> max_per_user_{0};
  /// Socket ids: this hub's random prefix and a zero-padded count, so that the ids of one
  /// instance sort in the order their sockets opened.
  std::string instance_;
  std::uint64_t next_socket_ = 0;
  std::shared_ptr<const SocketReporter> reporter_;
};

}  // namespace crema::events
