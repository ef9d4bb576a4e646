#pragma once
/// A PostgreSQL connection over libpq: statements prepared once per connection, parameters
/// sent as text, result cells converted by column type, SQLSTATEs mapped to db::Error kinds.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "db/connection.hpp"

struct pg_conn;
struct pg_result;

namespace crema::db {

class PgConnection final : public Connection {
 public:
  /// A libpq result, cleared when dropped.
  struct ResultFree {
    void operator()(pg_result* r) const noexcept;
  };
  using ResultHandle = std::unique_ptr<pg_result, ResultFree>;

  /// Connects to a `postgresql://` URL, adding connect_timeout=3, TCP keepalives (idle
  /// 30 s, interval 10 s, count 3), tcp_user_timeout=10000 ms, client_encoding=UTF8 and
  /// application_name=crema unless the URL sets them. Throws db::Error(unavailable).
  explicit PgConnection(const std::string& url);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Dialect dialect() const noexcept override { return Dialect::postgres; }
  Result exec(std::string_view sql, std::span<const Param> params) override;
  /// The statements in one round trip (a libpq pipeline).
  std::vector<Result> exec_all(std::span<const Statement> statements) override;
  /// Kept until the next statement, then sent in front of it in its pipeline.
  void exec_soon(std::string_view sql, std::span<const Param> params,
                 std::function<void(Result&&)> done) override;
  void flush_soon() override;
  void exec_later(std::string_view sql, std::span<const Param> params) override;
  void exec_script(std::string_view sql) override;
  bool healthy() const noexcept override;
  /// Holds BEGIN back and sends it pipelined with the first statement: one round trip
  /// fewer per transaction, and none at all for a transaction that runs no statement.
  void begin(std::string_view begin_sql) override;
  void end(std::string_view end_sql) override;

  /// For an idle connection: reads whatever the server sent since the last query, and
  /// says false when that was the server closing the connection (backend terminated,
  /// server shut down). Never blocks.
  bool idle_alive() noexcept;
  /// Called when a lease ends: rolls back a transaction left open and drops statements
  /// that went stale; marks the connection unhealthy when it cannot get back to idle.
  void end_lease() noexcept;

 private:
  struct Prepared {
    std::string name;
    int params = 0;  ///< as the server counted them
  };
  const Prepared& prepare(const std::string& key, std::string_view sql,
                          const std::vector<unsigned>& types);
  [[noreturn]] void fail(pg_result* res, std::string_view context);
  /// Sends the held-back BEGIN on its own (before a statement that cannot be pipelined).
  void flush_begin();

  /// A statement with its parameters as libpq takes them (text, with type OIDs).
  struct Bound {
    std::string key;  ///< the prepared-statement cache key: the SQL, then parameter kinds
    std::size_t sql_size = 0;
    std::string_view sql() const { return std::string_view(key).substr(0, sql_size); }
    std::vector<std::string> storage;
    std::vector<const char*> values;
    std::vector<unsigned> types;
  };
  static Bound bind(std::string_view sql, std::span<const Param> params);
  /// Prepares (once per connection) and runs the statements: one alone with no BEGIN held
  /// back in one exchange, otherwise all of them in one pipeline. Throws on the first
  /// failure; a statement gone stale outside a transaction is prepared and run again.
  std::vector<Result> run(std::span<Bound> statements);
  std::vector<Result> run_now(std::span<Bound> statements);
  /// run_now with the pending exec_soon reads in front, whose answers go to their callbacks.
  std::vector<Result> run_with_soon(std::span<Bound> statements);
  /// The held-back BEGIN (if any) and the prepared statements `names` in one pipeline: each
  /// statement's answer (the first slot holds BEGIN's error when BEGIN failed).
  std::vector<ResultHandle> pipeline(std::span<const Bound> statements,
                                     const std::vector<std::string>& names);

  pg_conn* conn_ = nullptr;
  bool healthy_ = true;
  std::uint64_t next_statement_ = 0;
  /// Prepared statements by SQL text plus parameter type signature.
  std::unordered_map<std::string, Prepared> prepared_;
  /// Prepared statements to DEALLOCATE once the connection is out of its transaction.
  std::vector<std::string> stale_;
  /// The BEGIN statement begin() held back; empty once sent (or when none is pending).
  std::string pending_begin_;
  /// exec_soon reads and exec_later writes (no `done`) waiting for the next statement.
  struct Soon {
    Bound bound;
    std::function<void(Result&&)> done;
  };
  std::vector<Soon> soon_;
};

/// The db::Error kind for a SQLSTATE; `connection_bad` when libpq lost the connection.
Error::Kind pg_error_kind(std::string_view sqlstate, bool connection_bad) noexcept;

}  // namespace crema::db
