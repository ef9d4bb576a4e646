#include "db/connection_slots.hpp"

namespace crema::db {

ConnectionSlots::ConnectionSlots(std::string what, int size, Factory factory, IdleCheck idle_check,
                                 std::chrono::milliseconds reconnect_interval)
    : what_(std::move(what)),
      factory_(std::move(factory)),
      idle_check_(std::move(idle_check)),
      reconnect_interval_(reconnect_interval),
      slots_(static_cast<std::size_t>(size < 1 ? 1 : size)) {}

ConnectionSlots::~ConnectionSlots() = default;

void ConnectionSlots::prime() {
  auto conn = factory_();
  std::lock_guard lock(mutex_);
  for (Slot& s : slots_) {
    if (!s.conn && !s.leased) {
      s.conn = std::move(conn);
      s.born = Clock::now();
      return;
    }
  }
}

Connection* ConnectionSlots::acquire(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  // Declared before the lock so that a connection being thrown away is closed after the
  // lock is released (closing a PostgreSQL connection talks to the network).
  std::unique_ptr<Connection> discarded;
  std::unique_lock lock(mutex_);

  auto pick = [this]() -> Slot* {
    Slot* empty = nullptr;
    for (Slot& s : slots_) {
      if (s.leased) continue;
      if (s.conn) return &s;  // a live connection beats making a new one
      if (!empty) empty = &s;
    }
    return empty;
  };
  Slot* slot = pick();
  while (!slot) {
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      slot = pick();
      if (slot) break;
      throw Error(Error::Kind::unavailable, "no free " + what_ + " connection within " +
                                                std::to_string(timeout.count()) + " ms");
    }
    slot = pick();
  }
  slot->leased = true;
  ++leased_;

  auto give_back = [&] {
    slot->leased = false;
    --leased_;
    freed_.notify_one();
  };

  if (slot->conn && (slot->born < failure_seen_ || !idle_check_(*slot->conn)))
    discarded = std::move(slot->conn);
  if (slot->conn) return slot->conn.get();

  // A new connection is needed. While the server is down, fail at once rather than make
  // every caller wait for its own connect attempt.
  if (have_connect_failure_ && Clock::now() - last_connect_failure_ < reconnect_interval_) {
    std::string message = last_connect_error_;
    give_back();
    throw Error(Error::Kind::unavailable, std::move(message));
  }
  lock.unlock();
  discarded.reset();
  std::unique_ptr<Connection> fresh;
  try {
    fresh = factory_();
  } catch (const Error& e) {
    lock.lock();
    have_connect_failure_ = true;
    last_connect_failure_ = Clock::now();
    last_connect_error_ = e.what();
    give_back();
    throw Error(Error::Kind::unavailable, e.what(), e.sqlstate());
  } catch (...) {
    lock.lock();
    give_back();
    throw;
  }
  lock.lock();
  have_connect_failure_ = false;
  slot->conn = std::move(fresh);
  slot->born = Clock::now();
  return slot->conn.get();
}

void ConnectionSlots::release(Connection* conn) noexcept {
  std::unique_ptr<Connection> discarded;
  std::lock_guard lock(mutex_);
  for (Slot& s : slots_) {
    if (s.conn.get() != conn) continue;
    if (!conn->healthy()) {
      failure_seen_ = Clock::now();
      discarded = std::move(s.conn);
    }
    s.leased = false;
    --leased_;
    freed_.notify_one();
    break;
  }
  // `discarded` is declared before `lock`, so it is closed after the unlock.
}

int ConnectionSlots::in_use() const noexcept { return leased_.load(); }

}  // namespace crema::db
