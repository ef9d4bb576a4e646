#pragma once
/// A fixed number of connection slots shared by threads: lease with a deadline, drop
/// broken connections on return, reconnect lazily and not too often.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "db/connection.hpp"

namespace crema::db {

class ConnectionSlots {
 public:
  using Clock = std::chrono::steady_clock;
  /// Makes a new connection; throws db::Error on failure.
  using Factory = std::function<std::unique_ptr<Connection>()>;
  /// Says whether an idle connection may be handed out (false: replace it). Called with
  /// the slots' lock held, so it must be quick.
  using IdleCheck = std::function<bool(Connection&)>;

  /// `what` names the slots in error messages ("PostgreSQL", "SQLite reader").
  ConnectionSlots(std::string what, int size, Factory factory, IdleCheck idle_check,
                  std::chrono::milliseconds reconnect_interval);
  ~ConnectionSlots();
  ConnectionSlots(const ConnectionSlots&) = delete;
  ConnectionSlots& operator=(const ConnectionSlots&) = delete;

  /// Opens one connection now, so that a bad URL fails at start. Throws what the factory
  /// throws.
  void prime();
  /// A connection for the caller alone; waits up to `timeout` for a free slot. Throws
  /// db::Error(unavailable) on timeout or when no connection can be made.
  Connection* acquire(std::chrono::milliseconds timeout);
  /// Gives a connection back; an unhealthy one is closed and every connection made before
  /// it is replaced on its next lease (they have probably lost their server too).
  void release(Connection* conn) noexcept;
  /// Slots currently leased.
  int in_use() const noexcept;

 private:
  struct Slot {
    std::unique_ptr<Connection> conn;
    Clock::time_point born{};
    bool leased = false;
  };

  std::string what_;
  Factory factory_;
  IdleCheck idle_check_;
  std::chrono::milliseconds reconnect_interval_;

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<Slot> slots_;
  std::atomic<int> leased_{0};
  /// Connections born before this are suspect and replaced when next leased.
  Clock::time_point failure_seen_{};
  Clock::time_point last_connect_failure_{};
  bool have_connect_failure_ = false;
  std::string last_connect_error_;
};

}  // namespace crema::db
