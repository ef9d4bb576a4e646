#pragma once
/// A SQLite connection: pragmas set at open, a prepared-statement cache keyed by SQL text,
/// `$n` placeholders rewritten to `?n`, result codes mapped to db::Error kinds.

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "db/connection.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace crema::db {

class SqliteConnection final : public Connection {
 public:
  enum class Role { writer, reader };

  /// Opens `path` (":memory:" for a private in-memory database). The writer turns WAL on
  /// and sets synchronous; a reader is query_only. Throws db::Error(unavailable).
  SqliteConnection(const std::string& path, Role role, bool full_durability,
                   std::chrono::milliseconds busy_timeout);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const noexcept override { return Dialect::sqlite; }
  Result exec(std::string_view sql, std::span<const Param> params) override;
  void exec_script(std::string_view sql) override;
  bool healthy() const noexcept override { return healthy_; }

  /// Called when a lease ends: rolls back a transaction left open, so the next holder
  /// starts clean; marks the connection unhealthy when even that fails.
  void end_lease() noexcept;

 private:
  sqlite3_stmt* statement(std::string_view sql);
  [[noreturn]] void fail(int code, std::string_view context);

  sqlite3* db_ = nullptr;
  bool healthy_ = true;
  struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const noexcept;
  };
  std::unordered_map<std::string, std::unique_ptr<sqlite3_stmt, StmtDeleter>> cache_;
};

/// The db::Error kind for a SQLite extended result code.
Error::Kind sqlite_error_kind(int extended_code) noexcept;

}  // namespace crema::db
