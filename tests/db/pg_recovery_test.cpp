// PostgreSQL going away and coming back: the pool replaces broken connections by itself.
#include <thread>

#include "db_fixture.hpp"

namespace crema::test {
namespace {

using DbError = db::Error;
using Kind = db::Error::Kind;
using namespace std::chrono_literals;

class PgRecoveryTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!is_pg()) GTEST_SKIP() << "PostgreSQL only";
  }
  std::string backends() const {
    return TestDb::admin_exec("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '" +
                              db_->name() + "'");
  }
  void terminate_backends() const {
    TestDb::admin_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                       db_->name() + "'");
    // pg_terminate_backend only signals; wait until the backends are gone.
    for (int i = 0; i < 100 && backends() != "0"; ++i) std::this_thread::sleep_for(20ms);
    ASSERT_EQ(backends(), "0");
  }
};

TEST_F(PgRecoveryTest, ALeasedConnectionThatDiesIsReplaced) {
  {
    db::Lease lease = pool_->write();
    EXPECT_EQ(lease->exec("SELECT 1").front().int64(0), 1);
    terminate_backends();
    try {
      lease->exec("SELECT 2");
      FAIL() << "a terminated connection answered";
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), Kind::unavailable) << e.what();
    }
    EXPECT_FALSE(lease->healthy());
  }
  EXPECT_EQ(pool_->in_use(), 0);
  // The very next request works, on a new connection.
  EXPECT_EQ(pool_->read()->exec("SELECT 3").front().int64(0), 3);
  EXPECT_EQ(
      pool_->transact([](db::Transaction& tx) { return tx.exec("SELECT 4").front().int64(0); }), 4);
}

TEST_F(PgRecoveryTest, IdleConnectionsKilledByTheServerAreNoticedBeforeUse) {
  {
    // Open all four connections.
    db::Lease a = pool_->read(), b = pool_->read(), c = pool_->read(), d = pool_->read();
    for (db::Lease* l : {&a, &b, &c, &d}) (*l)->exec("SELECT 1");
  }
  terminate_backends();
  // No request fails: each idle connection is checked when leased.
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(pool_->read()->exec("SELECT $1", {std::int64_t{i}}).front().int64(0), i);
  }
}

TEST_F(PgRecoveryTest, FailsFastWhileTheDatabaseIsGoneAndRecoversWhenItReturns) {
  pool_->write()->exec_script("CREATE TABLE t (id INTEGER)");
  TestDb::admin_exec("DROP DATABASE " + db_->name() + " WITH (FORCE)");

  const auto start = std::chrono::steady_clock::now();
  int failures = 0;
  for (int i = 0; i < 20; ++i) {
    try {
      pool_->read()->exec("SELECT 1");
    } catch (const DbError& e) {
      EXPECT_EQ(e.kind(), Kind::unavailable) << e.what();
      ++failures;
    }
  }
  EXPECT_EQ(failures, 20);
  // Twenty failures without twenty connection attempts or any waiting.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(pool_->in_use(), 0);

  TestDb::admin_exec("CREATE DATABASE " + db_->name() + " TEMPLATE template0");
  // Within the reconnect interval (250 ms) the pool tries again and succeeds.
  bool recovered = false;
  for (int i = 0; i < 50 && !recovered; ++i) {
    try {
      recovered = pool_->read()->exec("SELECT 7").front().int64(0) == 7;
    } catch (const DbError&) {
      std::this_thread::sleep_for(50ms);
    }
  }
  EXPECT_TRUE(recovered);
  // Every connection works again, including ones made before the outage.
  for (int i = 0; i < 8; ++i) EXPECT_NO_THROW(pool_->write()->exec("SELECT 1"));
}

}  // namespace
}  // namespace crema::test
