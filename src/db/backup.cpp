#include "db/backup.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "db/pool.hpp"
#include "util/private_file.hpp"

extern char** environ;

namespace crema::db {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

bool is_sqlite_url(std::string_view url) { return url.starts_with("sqlite://"); }
bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string sqlite_path(std::string_view url) {
  std::string path(url.substr(9));
  if (path.empty() || path == ":memory:") fail("an in-memory SQLite database has no backup");
  return path;
}

// ---- SQLite --------------------------------------------------------------------------

struct SqliteCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

SqliteHandle open_sqlite(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteHandle db(raw);
  if (rc != SQLITE_OK)
    fail("cannot open SQLite database " + path + ": " +
         (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

std::int64_t sqlite_scalar(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
    fail(std::string("SQLite: ") + sqlite3_errmsg(db));
  std::int64_t value = 0;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(std::string("SQLite: ") + sqlite3_errmsg(db));
  return value;
}

void sqlite_check_integrity(sqlite3* db, const std::string& what) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &stmt, nullptr) != SQLITE_OK)
    fail(what + " is not a readable SQLite database: " + sqlite3_errmsg(db));
  std::string verdict;
  if (sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = sqlite3_column_text(stmt, 0);
    verdict = text ? reinterpret_cast<const char*>(text) : "";
  } else {
    verdict = sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  if (verdict != "ok") fail(what + " failed SQLite's integrity check: " + verdict);
}

/// Copies the whole of `from` into `to` in one step: one read transaction on the source, so
/// the copy is one instant of it even while other connections write (WAL).
void sqlite_copy(sqlite3* from, sqlite3* to) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (b == nullptr) fail(std::string("SQLite backup: ") + sqlite3_errmsg(to));
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < 200; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(50);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) fail(std::string("SQLite backup: ") + sqlite3_errstr(rc));
}

BackupInfo backup_sqlite(const std::string& path, const std::string& out) {
  if (!fs::exists(path)) fail("no SQLite database at " + path);
  const std::string partial = out + ".partial";
  fs::remove(partial);
  util::create_private_file(partial);  // a backup holds everything: 0600
  {
    auto source = open_sqlite(path, SQLITE_OPEN_READONLY);
    auto copy = open_sqlite(partial, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    sqlite_copy(source.get(), copy.get());
    // A single self-contained file: no WAL beside it.
    sqlite_scalar(copy.get(), "PRAGMA journal_mode=DELETE");
    sqlite_check_integrity(copy.get(), "the copy");
  }
  fs::rename(partial, out);
  return {BackupKind::sqlite, fs::file_size(out)};
}

void restore_sqlite(const std::string& path, const std::string& in, bool force) {
  {
    auto source = open_sqlite(in, SQLITE_OPEN_READONLY);
    sqlite_check_integrity(source.get(), in);
  }
  if (fs::path parent = fs::path(path).parent_path(); !parent.empty())
    fs::create_directories(parent);
  util::create_private_file(path);  // a new database file: 0600
  auto target = open_sqlite(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!force &&
      sqlite_scalar(target.get(), "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") > 0)
    fail(path + " already holds tables; restore with --force to replace them");
  auto source = open_sqlite(in, SQLITE_OPEN_READONLY);
  sqlite_copy(source.get(), target.get());
  sqlite_check_integrity(target.get(), "the restored database");
}

// ---- PostgreSQL ----------------------------------------------------------------------

/// A PostgreSQL tool by name: $PATH first, then the newest /usr/lib/postgresql/N/bin.
std::string find_pg_tool(const std::string& name) {
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const auto dir = rest.substr(0, colon);
      if (!dir.empty()) {
        const fs::path candidate = fs::path(std::string(dir)) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
      }
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::error_code ec;
  std::string best;
  int best_version = -1;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const fs::path candidate = entry.path() / "bin" / name;
    int version = -1;
    try {
      version = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    if (version > best_version && ::access(candidate.c_str(), X_OK) == 0) {
      best_version = version;
      best = candidate.string();
    }
  }
  if (best.empty())
    fail(name + " not found ($PATH, /usr/lib/postgresql/*/bin): install postgresql-client");
  return best;
}

/// The URL without its password, and the password (for PGPASSWORD), so the secret never
/// shows in the process list.
std::pair<std::string, std::string> split_password(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) fail("CREMA_DATABASE_URL is not a valid URL");
  boost::urls::url u = *parsed;
  std::string password;
  if (u.has_password()) {
    password = u.password();
    u.remove_password();
  }
  return {std::string(u.buffer()), password};
}

/// Runs a tool to completion; its stdout and stderr are collected for the error message.
void run_tool(const std::vector<std::string>& argv, const std::string& password) {
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "PGPASSWORD=", 11) != 0) env_strings.emplace_back(*e);
  }
  if (!password.empty()) env_strings.push_back("PGPASSWORD=" + password);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& s : args) cargv.push_back(s.data());
  cargv.push_back(nullptr);

  std::array<int, 2> pipe_fds{};
  if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) fail("pipe: " + std::string(std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, cargv[0], &actions, nullptr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (rc != 0) {
    ::close(pipe_fds[0]);
    fail("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  std::string output;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buf.data(), buf.size());
    if (n > 0) {
      if (output.size() < 64 * 1024) output.append(buf.data(), static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
    const std::string tool = fs::path(argv[0]).filename().string();
    fail(tool + " failed" +
         (WIFEXITED(status) ? " (exit " + std::to_string(WEXITSTATUS(status)) + ")"
                            : " (killed by a signal)") +
         (output.empty() ? std::string() : ": " + output));
  }
}

BackupInfo backup_postgres(const std::string& url, const std::string& out) {
  const auto [bare_url, password] = split_password(url);
  const std::string partial = out + ".partial";
  fs::remove(partial);
  util::create_private_file(partial);  // 0600; pg_dump keeps the mode of the file it opens
  // --no-owner / --no-privileges: the restore may run as another role.
  run_tool({find_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
            "--file=" + partial, "--dbname=" + bare_url},
           password);
  if (backup_kind(partial) != BackupKind::postgres_custom)
    fail("pg_dump wrote no custom-format dump");
  fs::rename(partial, out);
  return {BackupKind::postgres_custom, fs::file_size(out)};
}

void restore_postgres(const std::string& url, const std::string& in, bool force) {
  {
    PoolOptions options;
    options.size = 1;
    auto pool = Pool::open(url, options);
    const auto tables =
        pool->read()
            ->exec("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()")
            .front()
            .int64(0);
    if (tables > 0 && !force)
      fail("the target database already holds tables; restore with --force to replace them");
  }
  const auto [bare_url, password] = split_password(url);
  run_tool({find_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", "--dbname=" + bare_url, in},
           password);
}

}  // namespace

BackupKind backup_kind(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::array<char, 16> head{};
  if (!f.read(head.data(), head.size())) return BackupKind::unknown;
  const std::string_view h(head.data(), head.size());
  if (h == std::string_view("SQLite format 3\0", 16)) return BackupKind::sqlite;
  if (h.starts_with("PGDMP")) return BackupKind::postgres_custom;
  return BackupKind::unknown;
}

BackupInfo backup_store(const std::string& url, const std::string& out) {
  if (out.empty()) fail("no output file given");
  if (fs::path parent = fs::path(out).parent_path(); !parent.empty() && !fs::is_directory(parent))
    fail("the directory of " + out + " does not exist");
  try {
    if (is_sqlite_url(url)) return backup_sqlite(sqlite_path(url), out);
    if (is_postgres_url(url)) return backup_postgres(url, out);
  } catch (const fs::filesystem_error& e) {
    std::error_code ignored;
    fs::remove(out + ".partial", ignored);
    fail(std::string("backup: ") + e.what());
  } catch (...) {
    std::error_code ignored;
    fs::remove(out + ".partial", ignored);
    throw;
  }
  fail("CREMA_DATABASE_URL must start with sqlite://, postgresql:// or postgres://");
}

void restore_store(const std::string& url, const std::string& in, bool force) {
  if (!fs::is_regular_file(in)) fail("no backup file at " + in);
  const BackupKind kind = backup_kind(in);
  if (kind == BackupKind::unknown)
    fail(in + " is not a Crema backup (neither an SQLite database nor a pg_dump custom file)");
  try {
    if (is_sqlite_url(url)) {
      if (kind != BackupKind::sqlite)
        fail(in + " is a PostgreSQL dump; it restores only into a postgresql:// database");
      return restore_sqlite(sqlite_path(url), in, force);
    }
    if (is_postgres_url(url)) {
      if (kind != BackupKind::postgres_custom)
        fail(in + " is an SQLite backup; it restores only into a sqlite:// database");
      return restore_postgres(url, in, force);
    }
  } catch (const fs::filesystem_error& e) {
    fail(std::string("restore: ") + e.what());
  }
  fail("CREMA_DATABASE_URL must start with sqlite://, postgresql:// or postgres://");
}

}  // namespace crema::db
