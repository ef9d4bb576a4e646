#pragma once
/// A fresh, empty database for one test (or one server under test), on the store named by
/// CREMA_TEST_STORE: "sqlite" (default) or "postgres" (needs CREMA_TEST_PG_URL, an admin
/// URL such as postgresql://postgres@127.0.0.1:55432/postgres).

#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace crema::test {

/// "sqlite" or "postgres", from CREMA_TEST_STORE (default "sqlite").
std::string_view current_store();

/// Why the current store cannot be used here (PostgreSQL wanted, CREMA_TEST_PG_URL unset),
/// or nothing when it can.
std::optional<std::string> store_unavailable_reason();

/// True when CREMA_TEST_REQUIRE_PG=1: a missing PostgreSQL is a failure, not a skip.
bool postgres_required();

/// Owns one throwaway database: SQLite, a file in a new temporary directory; PostgreSQL,
/// `CREATE DATABASE crema_t_<random>` on the admin URL. Destroying it removes the
/// directory or drops the database (WITH (FORCE), so open connections do not block it).
class TestDb {
 public:
  /// Makes the database. Throws std::runtime_error when the store is unusable (check
  /// store_unavailable_reason() or use CREMA_REQUIRE_TEST_STORE() first).
  TestDb();
  ~TestDb();
  TestDb(TestDb&& other) noexcept;
  TestDb& operator=(TestDb&&) = delete;
  TestDb(const TestDb&) = delete;

  /// The URL to give Pool::open or CREMA_DATABASE_URL.
  const std::string& url() const noexcept { return url_; }
  /// "sqlite" or "postgres".
  std::string_view store() const noexcept { return store_; }
  /// PostgreSQL: the database name; SQLite: the file path.
  const std::string& name() const noexcept { return name_; }

  /// PostgreSQL only: runs one statement on the admin connection (to terminate backends,
  /// drop or recreate this database in recovery tests) and returns the first value it
  /// answered ("" when none). Throws std::runtime_error.
  static std::string admin_exec(const std::string& sql);

 private:
  std::string store_;
  std::string url_;
  std::string name_;
  std::string temp_dir_;  // SQLite
  bool owned_ = false;
};

}  // namespace crema::test

/// In a test body or SetUp: skips the test when its store is not configured, or fails it
/// when CREMA_TEST_REQUIRE_PG=1.
#define CREMA_REQUIRE_TEST_STORE()                                        \
  do {                                                                    \
    if (auto crema_reason_ = ::crema::test::store_unavailable_reason()) { \
      if (::crema::test::postgres_required()) FAIL() << *crema_reason_;   \
      GTEST_SKIP() << *crema_reason_;                                     \
    }                                                                     \
  } while (0)
