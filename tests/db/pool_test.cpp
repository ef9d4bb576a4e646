// Leases, transactions and concurrency through db::Pool, on the store under test.
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "db_fixture.hpp"

namespace crema::test {
namespace {

using DbError = db::Error;
using Kind = db::Error::Kind;
using namespace std::chrono_literals;

class PoolTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pool_->write()->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  }
};

TEST_F(PoolTest, TransactionRollsBackWhenNotCommitted) {
  {
    db::Transaction tx(pool_->write());
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "gone"});
    EXPECT_EQ(tx.exec("SELECT COUNT(*) FROM t").front().int64(0), 1);
  }
  EXPECT_EQ(count("t"), 0);
  EXPECT_EQ(pool_->in_use(), 0);
}

TEST_F(PoolTest, RollsBackWhenAnExceptionLeavesTheTransaction) {
  EXPECT_THROW(pool_->transact([](db::Transaction& tx) {
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "a"});
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "dup"});
  }),
               DbError);
  EXPECT_EQ(count("t"), 0);
  // The writer is clean for the next transaction.
  pool_->transact([](db::Transaction& tx) {
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "kept"});
  });
  EXPECT_EQ(count("t"), 1);
}

TEST_F(PoolTest, CommittedWritesAreVisibleToReadersAndSnapshotsHold) {
  pool_->write()->exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "one"});
  db::Transaction reader(pool_->read());
  EXPECT_EQ(reader.exec("SELECT COUNT(*) FROM t").front().int64(0), 1);
  {
    db::Transaction tx(pool_->write());
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{2}, "two"});
    tx.commit();
  }
  // A reader's transaction keeps its snapshot on both stores...
  EXPECT_EQ(reader.exec("SELECT COUNT(*) FROM t").front().int64(0), 1);
  reader.commit();
  // ...and a new read sees the commit.
  EXPECT_EQ(count("t"), 2);
  EXPECT_EQ(pool_->read_transact([](db::Transaction& tx) {
    return tx.exec("SELECT v FROM t WHERE id = $1", {std::int64_t{2}}).front().text(0);
  }),
            "two");
}

// PostgreSQL holds BEGIN back and sends it with the transaction's first statement (one
// round trip fewer); these pin down that the transaction is still a transaction.
TEST_F(PoolTest, TheFirstStatementRunsInsideTheTransaction) {
  pool_->write()->exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "first"});
  {
    db::Transaction tx(pool_->write());
    // The transaction's first statement fails: on PostgreSQL the transaction is aborted
    // (so BEGIN did run first), on SQLite it goes on; either way nothing is kept.
    EXPECT_THROW(tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "dup"}),
                 DbError);
    if (is_pg()) {
      try {
        tx.exec("SELECT 1");
        ADD_FAILURE() << "a statement after a failed first statement ran outside a transaction";
      } catch (const DbError& e) {
        EXPECT_EQ(e.sqlstate(), "25P02");  // in_failed_sql_transaction
      }
    }
  }
  {
    db::Transaction tx(pool_->write());
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{2}, "rolled back"});
  }
  EXPECT_EQ(count("t"), 1);
  // A transaction that runs nothing commits (on PostgreSQL without a round trip) and leaves
  // the connection ready for the next one.
  {
    db::Transaction tx(pool_->write());
    tx.commit();
  }
  pool_->transact([](db::Transaction& tx) {
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{3}, "kept"});
  });
  EXPECT_EQ(count("t"), 2);
  EXPECT_EQ(pool_->in_use(), 0);
}

TEST_F(PoolTest, PostgresReadTransactionsGetTheirIsolationWithTheFirstStatement) {
  if (!is_pg()) GTEST_SKIP() << "PostgreSQL only: SQLite readers have one snapshot anyway";
  db::Transaction reader(pool_->read());
  auto r = reader.exec(
      "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')");
  EXPECT_EQ(r.front().text(0), "repeatable read");
  EXPECT_EQ(r.front().text(1), "on");
  // Later statements share the transaction the first one opened.
  auto again = reader.exec("SELECT statement_timestamp() > transaction_timestamp()");
  EXPECT_TRUE(again.front().boolean(0));
  reader.commit();
}

TEST_F(PoolTest, PostgresBeginThatFailsLeavesTheConnectionUsable) {
  if (!is_pg()) GTEST_SKIP() << "PostgreSQL only: the held-back BEGIN";
  auto lease = pool_->write();
  lease->begin("BEGIN ISOLATION LEVEL NO_SUCH_LEVEL");
  EXPECT_THROW(lease->exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "x"}),
               DbError);
  // The statement sent with the failed BEGIN did not run, and the connection is idle.
  EXPECT_TRUE(lease->healthy());
  EXPECT_EQ(lease->exec("SELECT COUNT(*) FROM t").front().int64(0), 0);
  lease->begin("BEGIN");
  lease->exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "y"});
  lease->end("ROLLBACK");
  EXPECT_EQ(lease->exec("SELECT COUNT(*) FROM t").front().int64(0), 0);
}

TEST_F(PoolTest, ReadTransactionsCannotWrite) {
  EXPECT_THROW(pool_->read_transact([](db::Transaction& tx) {
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "x"});
  }),
               DbError);
  EXPECT_EQ(count("t"), 0);
}

TEST_F(PoolTest, TransactRetriesRetryableErrorsOnly) {
  int calls = 0;
  const int out = pool_->transact([&](db::Transaction& tx) {
    ++calls;
    tx.exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{calls}, "attempt"});
    if (calls < 3) throw DbError(Kind::retryable, "simulated serialization failure");
    return 42;
  });
  EXPECT_EQ(out, 42);
  EXPECT_EQ(calls, 3);
  // Only the last attempt's row was committed.
  db::Result r = pool_->read()->exec("SELECT id FROM t");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().int64(0), 3);

  calls = 0;
  EXPECT_THROW(pool_->transact([&](db::Transaction&) {
    ++calls;
    throw DbError(Kind::unique_violation, "not worth retrying");
  }),
               DbError);
  EXPECT_EQ(calls, 1);

  calls = 0;
  try {
    pool_->transact([&](db::Transaction&) {
      ++calls;
      throw DbError(Kind::retryable, "always");
    });
    FAIL() << "expected the retryable error after the last attempt";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), Kind::retryable);
  }
  EXPECT_EQ(calls, 5);
  EXPECT_EQ(pool_->in_use(), 0);
}

// The reservation pattern orders rely on: a conditional update checked by its row count
// never oversells, however many writers race.
TEST_F(PoolTest, ConditionalUpdateNeverOversells) {
  pool_->write()->exec_script(
      "CREATE TABLE stock (id INTEGER PRIMARY KEY, on_hand BIGINT NOT NULL, reserved BIGINT NOT "
      "NULL);"
      "INSERT INTO stock (id, on_hand, reserved) VALUES (1, 20, 0)");
  constexpr int kThreads = 8;
  constexpr int kAttempts = 6;
  std::atomic<int> succeeded{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int a = 0; a < kAttempts; ++a) {
        try {
          const bool ok = pool_->transact([](db::Transaction& tx) {
            return tx.exec(
                         "UPDATE stock SET reserved = reserved + 1 "
                         "WHERE id = $1 AND on_hand - reserved >= 1",
                         {std::int64_t{1}})
                       .affected() == 1;
          });
          if (ok) ++succeeded;
        } catch (const DbError&) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(succeeded.load(), 20);
  db::Result r = pool_->read()->exec("SELECT on_hand, reserved FROM stock WHERE id = 1");
  EXPECT_EQ(r.front().int64(0), 20);
  EXPECT_EQ(r.front().int64(1), 20);
  EXPECT_EQ(pool_->in_use(), 0);
}

TEST_F(PoolTest, InUseCountsLeasesAndLeasesMove) {
  EXPECT_EQ(pool_->in_use(), 0);
  {
    db::Lease a = pool_->read();
    db::Lease b = pool_->write();
    EXPECT_EQ(pool_->in_use(), 2);
    db::Lease moved(std::move(a));
    EXPECT_EQ(pool_->in_use(), 2);
    EXPECT_EQ(moved->exec("SELECT 1").front().int64(0), 1);
    EXPECT_TRUE(b.writer());
    EXPECT_FALSE(moved.writer());
  }
  EXPECT_EQ(pool_->in_use(), 0);
}

TEST_F(PoolTest, AcquireWaitsForAFreeConnectionThenGivesUp) {
  db::PoolOptions o = options();
  o.size = 1;
  o.acquire_timeout = 150ms;
  auto small = open_pool(o);
  // SQLite has one writer; a one-connection PostgreSQL pool has one connection.
  db::Lease held = small->write();
  const auto start = std::chrono::steady_clock::now();
  try {
    db::Lease second = small->write();
    FAIL() << "a second writer lease was handed out";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), Kind::unavailable);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, 140ms);

  // A waiter gets the connection as soon as it is returned.
  std::thread giver([&held] {
    std::this_thread::sleep_for(50ms);
    db::Lease gone(std::move(held));
  });
  db::Lease next = small->write();  // within the pool's 150 ms
  giver.join();
  EXPECT_EQ(next->exec("SELECT 5").front().int64(0), 5);
}

TEST_F(PoolTest, SqliteWriterIsExclusiveWhileReadersRead) {
  if (is_pg()) GTEST_SKIP() << "SQLite's single writer";
  std::optional<db::Transaction> writing;
  writing.emplace(pool_->write());
  writing->exec("INSERT INTO t (id, v) VALUES ($1, $2)", {std::int64_t{1}, "pending"});
  // WAL: readers go on reading the last committed state while the writer works.
  EXPECT_EQ(count("t"), 0);
  std::atomic<bool> got{false};
  std::thread other([&] {
    db::Lease w = pool_->write();  // waits for the transaction above
    got = true;
    EXPECT_EQ(w->exec("SELECT COUNT(*) FROM t").front().int64(0), 1);
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(got.load());
  writing->commit();
  writing.reset();  // gives the writer back
  other.join();
  EXPECT_TRUE(got.load());
}

}  // namespace
}  // namespace crema::test
