#include "db/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

namespace crema::db {

namespace {

// Statements come from code, so the cache stays small; this bound only protects against
// code that builds SQL text dynamically.
constexpr std::size_t kMaxCachedStatements = 512;

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n;") == std::string_view::npos;
}

// Runs SQL whose single result value is wanted (PRAGMA journal_mode=WAL answers the mode).
int exec_for_value(sqlite3* db, const char* sql, std::string& value) {
  auto cb = [](void* out, int n, char** values, char**) -> int {
    if (n > 0 && values[0]) *static_cast<std::string*>(out) = values[0];
    return 0;
  };
  return sqlite3_exec(db, sql, cb, &value, nullptr);
}

}  // namespace

Error::Kind sqlite_error_kind(int code) noexcept {
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Error::Kind::unique_violation;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Error::Kind::foreign_key_violation;
    case SQLITE_CONSTRAINT_CHECK:
      return Error::Kind::check_violation;
    case SQLITE_CONSTRAINT_NOTNULL:
      return Error::Kind::not_null_violation;
    default:
      break;
  }
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::Kind::retryable;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Error::Kind::unavailable;
    default:
      return Error::Kind::other;
  }
}

void SqliteConnection::StmtDeleter::operator()(sqlite3_stmt* s) const noexcept {
  sqlite3_finalize(s);
}

SqliteConnection::SqliteConnection(const std::string& path, Role role, bool full_durability,
                                   std::chrono::milliseconds busy_timeout) {
  // Each connection is used by one thread at a time (the pool leases it), so SQLite's
  // per-connection mutex is not needed.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(Error::Kind::unavailable, "cannot open SQLite database " + path + ": " + msg,
                std::to_string(rc));
  }
  try {
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
    if (role == Role::writer) {
      std::string mode;
      rc = exec_for_value(db_, "PRAGMA journal_mode=WAL", mode);
      if (rc != SQLITE_OK) fail(rc, "PRAGMA journal_mode=WAL");
      if (mode != "wal" && !(path == ":memory:" && mode == "memory"))
        throw Error(Error::Kind::unavailable,
                    "SQLite database " + path + " cannot use WAL (journal mode " + mode + ")");
      exec_script(full_durability ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
      exec_script("PRAGMA foreign_keys=ON");
    } else {
      // A reader must never write: catching that here keeps services honest on both stores.
      exec_script("PRAGMA foreign_keys=ON; PRAGMA query_only=ON");
    }
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteConnection::~SqliteConnection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close_v2(db_);
}

void SqliteConnection::fail(int code, std::string_view context) {
  const Error::Kind kind = sqlite_error_kind(code);
  if (kind == Error::Kind::unavailable && (code & 0xff) != SQLITE_FULL) healthy_ = false;
  std::string msg = "SQLite: ";
  msg += sqlite3_errmsg(db_);
  if (!context.empty()) {
    msg += " (in: ";
    msg += context.substr(0, 200);
    msg += ")";
  }
  throw Error(kind, std::move(msg), std::to_string(code));
}

sqlite3_stmt* SqliteConnection::statement(std::string_view sql) {
  if (auto it = cache_.find(std::string(sql)); it != cache_.end()) return it->second.get();
  if (cache_.size() >= kMaxCachedStatements) cache_.clear();

  const std::string rewritten = rewrite_placeholders_for_sqlite(sql);
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v3(db_, rewritten.data(), static_cast<int>(rewritten.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, &tail);
  if (rc != SQLITE_OK) fail(rc, sql);
  std::unique_ptr<sqlite3_stmt, StmtDeleter> stmt(raw);
  if (!stmt) throw Error(Error::Kind::other, "SQLite: empty statement");
  std::string_view rest(tail, static_cast<std::size_t>(rewritten.data() + rewritten.size() - tail));
  if (!is_blank(rest)) {
    // Only comments may follow; a second statement would be silently ignored otherwise.
    sqlite3_stmt* extra = nullptr;
    rc = sqlite3_prepare_v2(db_, rest.data(), static_cast<int>(rest.size()), &extra, nullptr);
    sqlite3_finalize(extra);
    if (rc != SQLITE_OK || extra)
      throw Error(Error::Kind::other,
                  "SQLite: exec() runs one statement; use exec_script() for several");
  }
  auto [it, inserted] = cache_.emplace(std::string(sql), std::move(stmt));
  (void)inserted;
  return it->second.get();
}

Result SqliteConnection::exec(std::string_view sql, std::span<const Param> params) {
  sqlite3_stmt* stmt = statement(sql);
  // However this ends, the cached statement goes back ready for its next use, holding no
  // pointers into this call's parameters.
  struct ResetOnExit {
    sqlite3_stmt* s;
    ~ResetOnExit() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  } reset{stmt};

  const int expected = sqlite3_bind_parameter_count(stmt);
  if (expected != static_cast<int>(params.size()))
    throw Error(Error::Kind::other, "SQLite: statement takes " + std::to_string(expected) +
                                        " parameters but " + std::to_string(params.size()) +
                                        " were given (in: " + std::string(sql.substr(0, 200)) +
                                        ")");
  for (int i = 0; i < expected; ++i) {
    const Param& p = params[static_cast<std::size_t>(i)];
    const int idx = i + 1;
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::nullptr_t>(p)) {
      rc = sqlite3_bind_null(stmt, idx);
    } else if (const auto* v = std::get_if<std::int64_t>(&p)) {
      rc = sqlite3_bind_int64(stmt, idx, *v);
    } else if (const auto* d = std::get_if<double>(&p)) {
      rc = sqlite3_bind_double(stmt, idx, *d);
    } else if (const auto* b = std::get_if<bool>(&p)) {
      rc = sqlite3_bind_int(stmt, idx, *b ? 1 : 0);
    } else {
      const auto& s = std::get<std::string_view>(p);
      // STATIC is safe: the text outlives this call and the bindings are cleared before
      // it returns. A default string_view has no data pointer, which SQLite would bind as
      // NULL, so an empty text gets a real (empty) pointer.
      rc = sqlite3_bind_text64(stmt, idx, s.data() ? s.data() : "", s.size(), SQLITE_STATIC,
                               SQLITE_UTF8);
    }
    if (rc != SQLITE_OK) fail(rc, sql);
  }

  int ncol = 0;
  std::vector<std::string> columns;
  std::vector<Cell> cells;
  std::int64_t rows = 0;
  const sqlite3_int64 changes_before = sqlite3_total_changes64(db_);
  for (bool first = true;; first = false) {
    const int rc = sqlite3_step(stmt);
    if (first) {
      // Only now: the first step re-prepares the statement if the schema changed since it
      // was cached, and `SELECT *` may then have other columns.
      ncol = sqlite3_column_count(stmt);
      columns.reserve(static_cast<std::size_t>(ncol));
      for (int c = 0; c < ncol; ++c) columns.emplace_back(sqlite3_column_name(stmt, c));
    }
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail(rc, sql);
    ++rows;
    for (int c = 0; c < ncol; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          cells.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_FLOAT:
          cells.emplace_back(sqlite3_column_double(stmt, c));
          break;
        case SQLITE_NULL:
          cells.emplace_back(nullptr);
          break;
        case SQLITE_TEXT: {
          const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          if (!p) fail(sqlite3_errcode(db_), sql);  // out of memory
          cells.emplace_back(
              std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
          break;
        }
        default: {  // BLOB
          const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
          const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt, c));
          cells.emplace_back(n ? std::string(p, n) : std::string());
          break;
        }
      }
    }
  }
  // Statements returning rows report how many; otherwise the rows the statement changed.
  // sqlite3_changes() keeps the previous DML's count across DDL and BEGIN/COMMIT, so it is
  // only trusted when this statement changed something.
  std::int64_t affected = rows;
  if (ncol == 0)
    affected = sqlite3_total_changes64(db_) != changes_before ? sqlite3_changes64(db_) : 0;
  return Result(std::move(columns), std::move(cells), affected);
}

void SqliteConnection::exec_script(std::string_view sql) {
  const std::string text(sql);
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // sqlite3_errmsg() still has the message
  if (rc != SQLITE_OK) fail(sqlite3_extended_errcode(db_), {});
}

void SqliteConnection::end_lease() noexcept {
  if (sqlite3_get_autocommit(db_)) return;
  const int rc = sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK || !sqlite3_get_autocommit(db_)) healthy_ = false;
}

}  // namespace crema::db
