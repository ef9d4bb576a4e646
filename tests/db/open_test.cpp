// Pool::open: URLs, files and what happens when the database cannot be reached.
#include <filesystem>

#include "db_fixture.hpp"

namespace crema::test {
namespace {

using DbError = db::Error;
using Kind = db::Error::Kind;
using namespace std::chrono_literals;

Kind open_error_kind(const std::string& url, db::PoolOptions o = {}) {
  try {
    db::Pool::open(url, o);
  } catch (const DbError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "Pool::open accepted " << url;
  return Kind::other;
}

TEST(PoolOpen, RefusesOtherSchemes) {
  EXPECT_EQ(open_error_kind("mysql://root@localhost/db"), Kind::other);
  EXPECT_EQ(open_error_kind("sqlite:"), Kind::other);
  EXPECT_EQ(open_error_kind("sqlite://"), Kind::other);
  EXPECT_EQ(open_error_kind(""), Kind::other);
}

TEST(PoolOpen, SchemeErrorDoesNotEchoTheUrl) {
  try {
    db::Pool::open("mysql://user:s3cret@host/db", {});
    FAIL();
  } catch (const DbError& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
}

TEST(PoolOpen, UnreachablePostgresFailsFastAsUnavailable) {
  const auto start = std::chrono::steady_clock::now();
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  EXPECT_EQ(open_error_kind("postgresql://postgres:pw@127.0.0.1:1/crema"), Kind::unavailable);
  EXPECT_EQ(open_error_kind("postgres://127.0.0.1:1/crema?connect_timeout=1"), Kind::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

class SqliteOpenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "crema-open-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(SqliteOpenTest, CreatesParentDirectoriesAndUsesWal) {
  const auto file = dir_ / "a" / "b" / "crema.db";
  auto pool = db::Pool::open("sqlite://" + file.string(), {});
  EXPECT_EQ(pool->dialect(), db::Dialect::sqlite);
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(pool->write()->exec("PRAGMA journal_mode").front().text(0), "wal");
  EXPECT_EQ(pool->write()->exec("PRAGMA foreign_keys").front().int64(0), 1);
  EXPECT_EQ(pool->write()->exec("PRAGMA synchronous").front().int64(0), 1);  // NORMAL
  EXPECT_EQ(pool->read()->exec("PRAGMA query_only").front().int64(0), 1);
}

TEST_F(SqliteOpenTest, FullDurabilityAndBusyTimeoutAreApplied) {
  db::PoolOptions o;
  o.sqlite_full_durability = true;
  o.busy_timeout = 1234ms;
  auto pool = db::Pool::open("sqlite://" + (dir_ / "x.db").string(), o);
  EXPECT_EQ(pool->write()->exec("PRAGMA synchronous").front().int64(0), 2);  // FULL
  EXPECT_EQ(pool->write()->exec("PRAGMA busy_timeout").front().int64(0), 1234);
  EXPECT_EQ(pool->read()->exec("PRAGMA busy_timeout").front().int64(0), 1234);
}

TEST_F(SqliteOpenTest, RelativePathsAreRelativeToTheWorkingDirectory) {
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  {
    auto pool = db::Pool::open("sqlite://./var/rel.db", {});
    pool->write()->exec_script("CREATE TABLE x (id INTEGER)");
  }
  std::filesystem::current_path(old);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "var" / "rel.db"));
}

TEST_F(SqliteOpenTest, DataPersistsAcrossPools) {
  const std::string url = "sqlite://" + (dir_ / "p.db").string();
  {
    auto pool = db::Pool::open(url, {});
    pool->write()->exec_script("CREATE TABLE x (id INTEGER); INSERT INTO x VALUES (7)");
  }
  auto pool = db::Pool::open(url, {});
  EXPECT_EQ(pool->read()->exec("SELECT id FROM x").front().int64(0), 7);
}

TEST_F(SqliteOpenTest, UnopenablePathIsUnavailable) {
  // A directory where the file should be.
  std::filesystem::create_directories(dir_ / "isdir.db");
  EXPECT_EQ(open_error_kind("sqlite://" + (dir_ / "isdir.db").string()), Kind::unavailable);
}

TEST(SqliteMemory, OneConnectionServesReadsAndWrites) {
  db::PoolOptions o;
  o.acquire_timeout = 100ms;
  auto pool = db::Pool::open("sqlite://:memory:", o);
  pool->write()->exec_script("CREATE TABLE x (id INTEGER); INSERT INTO x VALUES (1)");
  EXPECT_EQ(pool->read()->exec("SELECT COUNT(*) FROM x").front().int64(0), 1);
  db::Lease held = pool->read();
  EXPECT_EQ(pool->in_use(), 1);
  EXPECT_THROW(pool->write(), DbError);  // the one connection is leased
  // Another :memory: pool is a different database.
  auto other = db::Pool::open("sqlite://:memory:", o);
  EXPECT_THROW(other->read()->exec("SELECT COUNT(*) FROM x"), DbError);
}

}  // namespace
}  // namespace crema::test
