#pragma once
/// One database connection, whatever the store. SQL is written once with `$1…$n`
/// placeholders; the SQLite driver binds them as `?NNN`.

#include <functional>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "db/types.hpp"

namespace crema::db {

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const noexcept = 0;

  /// Runs one statement with parameters and returns its rows. Statements are prepared
  /// once per connection and cached by their text.
  virtual Result exec(std::string_view sql, std::span<const Param> params) = 0;
  Result exec(std::string_view sql, std::initializer_list<Param> params = {}) {
    return exec(sql, std::span<const Param>(params.begin(), params.size()));
  }

  /// Runs independent statements in order and returns each one's rows; the first failure
  /// throws, as from exec(). PostgreSQL sends them all in one round trip (outside a
  /// transaction they form one implicit transaction); SQLite runs them one by one. Meant for
  /// reads a use case needs together, whose parameters do not depend on each other's rows.
  struct Statement {
    std::string_view sql;
    std::span<const Param> params;
  };
  virtual std::vector<Result> exec_all(std::span<const Statement> statements) {
    std::vector<Result> out;
    out.reserve(statements.size());
    for (const auto& st : statements) out.push_back(exec(st.sql, st.params));
    return out;
  }

  /// A read whose parameters are known now and whose rows are wanted later in the same
  /// unit of work: the driver may send it in front of the next statement, in the same round
  /// trip (PostgreSQL does; SQLite runs it at once). `done` gets its rows when they come; it
  /// must only keep them (no statements). flush_soon() makes pending reads come now (one
  /// round trip of their own). Reads still pending when the transaction ends are dropped.
  virtual void exec_soon(std::string_view sql, std::span<const Param> params,
                         std::function<void(Result&&)> done) {
    done(exec(sql, params));
  }
  virtual void flush_soon() {}
  /// A write inside a transaction whose outcome nothing reads before the next statement:
  /// the driver may send it in front of that statement, or with COMMIT (PostgreSQL does;
  /// SQLite runs it at once). Its failure is thrown by the exec or commit it travels with and
  /// aborts the transaction, as any failed statement does; a rollback drops it.
  virtual void exec_later(std::string_view sql, std::span<const Param> params) {
    exec(sql, params);
  }

  /// Runs several statements without parameters (migrations, set-up).
  virtual void exec_script(std::string_view sql) = 0;

  /// True when the connection is usable; false once it has seen a connection failure.
  virtual bool healthy() const noexcept = 0;

  /// Opens a transaction with `begin_sql` (BEGIN …). A driver may hold it back and send it
  /// with the transaction's first statement, in one round trip (PostgreSQL does); the
  /// default runs it at once (SQLite's BEGIN IMMEDIATE takes the write lock here).
  virtual void begin(std::string_view begin_sql) { exec(begin_sql, {}); }
  /// Ends the transaction begin() opened with COMMIT or ROLLBACK (`end_sql`). A transaction
  /// whose BEGIN was never sent (no statement ran) ends without a round trip.
  virtual void end(std::string_view end_sql) { exec(end_sql, {}); }
};

/// Rewrites `$n` placeholders to SQLite's `?n`, leaving string literals, quoted
/// identifiers and comments untouched.
std::string rewrite_placeholders_for_sqlite(std::string_view sql);

}  // namespace crema::db
