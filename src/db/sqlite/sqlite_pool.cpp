#include "db/sqlite/sqlite_pool.hpp"

#include <filesystem>
#include <system_error>

#include "db/connection_slots.hpp"
#include "db/sqlite/sqlite_connection.hpp"
#include "util/private_file.hpp"

namespace crema::db {

namespace {

ConnectionSlots::Factory opener(const std::string& path, SqliteConnection::Role role,
                                const PoolOptions& o) {
  return [path, role, o] {
    return std::make_unique<SqliteConnection>(path, role, o.sqlite_full_durability, o.busy_timeout);
  };
}

// A local file does not go away under an idle connection; errors are seen on use.
bool always_usable(Connection&) { return true; }

class SqlitePool final : public Pool {
 public:
  SqlitePool(const std::string& path, const PoolOptions& options)
      : options_(options),
        memory_(path == ":memory:"),
        writer_("SQLite writer", 1, opener(path, SqliteConnection::Role::writer, options),
                always_usable, kReopenInterval) {
    // The writer first: it switches the file to WAL before any reader opens it.
    writer_.prime();
    if (!memory_) {
      readers_ = std::make_unique<ConnectionSlots>(
          "SQLite reader", options.size, opener(path, SqliteConnection::Role::reader, options),
          always_usable, kReopenInterval);
      readers_->prime();
    }
  }

  Dialect dialect() const noexcept override { return Dialect::sqlite; }

  Lease read() override {
    // An in-memory database lives in its one connection, so reads share the writer.
    if (memory_) return Lease(this, writer_.acquire(options_.acquire_timeout), false);
    return Lease(this, readers_->acquire(options_.acquire_timeout), false);
  }

  Lease write() override { return Lease(this, writer_.acquire(options_.acquire_timeout), true); }

  int in_use() const noexcept override {
    return writer_.in_use() + (readers_ ? readers_->in_use() : 0);
  }

 protected:
  void release(Connection* conn, bool writer) noexcept override {
    static_cast<SqliteConnection*>(conn)->end_lease();
    if (writer || memory_) writer_.release(conn);
    else readers_->release(conn);
  }

 private:
  static constexpr std::chrono::milliseconds kReopenInterval{250};

  PoolOptions options_;
  bool memory_;
  ConnectionSlots writer_;
  std::unique_ptr<ConnectionSlots> readers_;
};

}  // namespace

std::unique_ptr<Pool> open_sqlite_pool(std::string_view path_text, const PoolOptions& options) {
  const std::string path(path_text);
  if (path.empty()) throw Error(Error::Kind::other, "sqlite:// URL has no file path");
  if (path != ":memory:") {
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec)
        throw Error(Error::Kind::unavailable,
                    "cannot create directory " + parent.string() + ": " + ec.message());
    }
    // A new database is created 0600; SQLite gives its -wal and -shm files the database
    // file's mode.
    if (path.rfind("file:", 0) != 0) {
      try {
        util::create_private_file(path);
      } catch (const std::exception& e) {
        throw Error(Error::Kind::unavailable, e.what());
      }
    }
  }
  return std::make_unique<SqlitePool>(path, options);
}

}  // namespace crema::db
