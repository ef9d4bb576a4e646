#pragma once
/// Connections for the services: a pool per store, leases, and transactions.

#include <any>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "db/connection.hpp"
#include "obs/trace.hpp"

namespace crema::db {

struct PoolOptions {
  /// Reader connections for SQLite, or all connections for PostgreSQL.
  int size = 8;
  /// How long a caller waits for a free connection before db::Error(unavailable).
  std::chrono::milliseconds acquire_timeout{5000};
  /// SQLite: synchronous=FULL instead of NORMAL (CREMA_DURABILITY=full).
  bool sqlite_full_durability = false;
  /// SQLite busy_timeout.
  std::chrono::milliseconds busy_timeout{5000};
};

class Pool;

/// A connection borrowed from the pool; given back when destroyed.
class Lease {
 public:
  Lease(Pool* pool, Connection* conn, bool writer) : pool_(pool), conn_(conn), writer_(writer) {}
  Lease(Lease&& o) noexcept;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  ~Lease();
  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_; }
  /// True for SQLite's writer connection (and every PostgreSQL write() lease).
  bool writer() const noexcept { return writer_; }

 private:
  Pool* pool_;
  Connection* conn_;
  bool writer_;
};

/// A transaction on a leased connection. Begins on construction (SQLite writer: BEGIN
/// IMMEDIATE; SQLite reader: BEGIN; PostgreSQL write lease: BEGIN (read committed);
/// PostgreSQL read lease: BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY, so a reader
/// sees one snapshot on both stores), rolls back on destruction unless commit() was called.
/// Each is a span of the thread's trace (obs/trace.hpp), from BEGIN to COMMIT or ROLLBACK.
class Transaction {
 public:
  explicit Transaction(Lease lease);
  Transaction(const Transaction&) = delete;
  ~Transaction();
  Result exec(std::string_view sql, std::span<const Param> params) {
    return lease_->exec(sql, params);
  }
  Result exec(std::string_view sql, std::initializer_list<Param> params = {}) {
    return lease_->exec(sql, params);
  }
  Connection& connection() const { return *lease_; }
  Dialect dialect() const noexcept { return lease_->dialect(); }
  void commit();

  /// A read a use case would otherwise repeat within this transaction (e.g. the partner
  /// webhook subscriptions, looked up once per event type), kept under `key` until the
  /// transaction ends. Empty until set; whoever writes the underlying rows in the same
  /// transaction must reset it.
  std::any& memo(const std::string& key) { return memo_[key]; }

 private:
  Lease lease_;
  obs::ScopedSpan span_;
  bool done_ = false;
  std::map<std::string, std::any, std::less<>> memo_;
};

/// Opens connections for a CREMA_DATABASE_URL and hands them out. Thread-safe.
/// Connections that failed are replaced on the next acquire, so the pool recovers by itself
/// when the database comes back.
class Pool {
 public:
  /// `sqlite://PATH` (relative or absolute; the parent directory is created) or
  /// `postgresql://…` / `postgres://…` (handed to libpq as is). `sqlite://:memory:` gives
  /// one private in-memory connection that read() and write() both lease exclusively.
  /// Throws db::Error(unavailable) when the first connection cannot be made, and
  /// db::Error(other) for a URL of another scheme.
  static std::unique_ptr<Pool> open(const std::string& url, const PoolOptions& options);

  virtual ~Pool() = default;
  virtual Dialect dialect() const noexcept = 0;

  /// A connection for reads (SQLite: one of the readers).
  virtual Lease read() = 0;
  /// The connection for writes (SQLite: the single writer, held exclusively).
  virtual Lease write() = 0;
  /// Connections currently leased (the db_pool_in_use gauge).
  virtual int in_use() const noexcept = 0;

  /// Runs fn in a write transaction and commits it; retries a few times on
  /// Error::Kind::retryable. fn must be safe to run again.
  template <class Fn>
  auto transact(Fn&& fn) -> decltype(fn(std::declval<Transaction&>()));
  /// Same on a reader, for consistent multi-statement reads.
  template <class Fn>
  auto read_transact(Fn&& fn) -> decltype(fn(std::declval<Transaction&>()));

 protected:
  friend class Lease;
  virtual void release(Connection* conn, bool writer) noexcept = 0;
};

template <class Fn>
auto Pool::transact(Fn&& fn) -> decltype(fn(std::declval<Transaction&>())) {
  for (int attempt = 0;; ++attempt) {
    try {
      Transaction tx(write());
      if constexpr (std::is_void_v<decltype(fn(tx))>) {
        fn(tx);
        tx.commit();
        return;
      } else {
        auto out = fn(tx);
        tx.commit();
        return out;
      }
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::retryable || attempt >= 4) throw;
    }
  }
}

template <class Fn>
auto Pool::read_transact(Fn&& fn) -> decltype(fn(std::declval<Transaction&>())) {
  Transaction tx(read());
  if constexpr (std::is_void_v<decltype(fn(tx))>) {
    fn(tx);
    tx.commit();
  } else {
    auto out = fn(tx);
    tx.commit();
    return out;
  }
}

}  // namespace crema::db
