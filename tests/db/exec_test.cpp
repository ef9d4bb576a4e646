// Statements, values and errors through the Connection interface, on the store under test.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "db_fixture.hpp"

namespace crema::test {
namespace {

using DbError = db::Error;
using Kind = db::Error::Kind;

// The kind of the db::Error that fn throws; fails the test when it throws none.
template <class Fn>
Kind error_kind(Fn&& fn) {
  try {
    fn();
  } catch (const DbError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "expected a db::Error";
  return Kind::other;
}

class ExecTest : public DbTest {};

TEST_F(ExecTest, ValuesRoundTripThroughATable) {
  auto w = pool_->write();
  w->exec_script(
      "CREATE TABLE vals (id INTEGER PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT, b "
      "BOOLEAN)");
  struct Case {
    std::int64_t i;
    double d;
    std::string s;
    bool b;
  };
  const Case cases[] = {
      {std::numeric_limits<std::int64_t>::min(), -2.5,
       "O'Brien said \"hi\" -- not a comment /* nor this */", true},
      {std::numeric_limits<std::int64_t>::max(), 0.1, "café ☕ 日本語 🍰 Ω", false},
      {0, 1e300, "$1 and ?1 and $2 and :x", true},
      {-1, 123456.789, "", false},
      {42, 1.7976931348623157e308, "line\nbreak\ttab\\backslash", true},
  };
  std::int64_t id = 0;
  for (const Case& c : cases) {
    db::Result r = w->exec("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
                           {++id, c.i, c.d, std::string_view(c.s), c.b});
    EXPECT_EQ(r.affected(), 1);
  }
  w->exec("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
          {++id, nullptr, nullptr, nullptr, nullptr});

  db::Result r = pool_->read()->exec("SELECT id, i, d, s, b FROM vals ORDER BY id");
  ASSERT_EQ(r.size(), std::size(cases) + 1);
  for (std::size_t k = 0; k < std::size(cases); ++k) {
    db::Row row = r[k];
    EXPECT_EQ(row.int64(1), cases[k].i) << k;
    EXPECT_EQ(row.real(2), cases[k].d) << k;  // exact: doubles travel in round-trip form
    EXPECT_EQ(row.text(3), cases[k].s) << k;
    EXPECT_EQ(row.text_view(3), cases[k].s) << k;
    EXPECT_EQ(row.boolean(4), cases[k].b) << k;
    EXPECT_FALSE(row.is_null(1));
  }
  db::Row nulls = r[std::size(cases)];
  for (std::size_t col = 1; col <= 4; ++col) EXPECT_TRUE(nulls.is_null(col)) << col;
  EXPECT_EQ(nulls.opt_int64(1), std::nullopt);
  EXPECT_EQ(nulls.opt_text(3), std::nullopt);
  EXPECT_EQ(error_kind([&] { (void)nulls.int64(1); }), Kind::other);
  EXPECT_EQ(error_kind([&] { (void)nulls.text(3); }), Kind::other);
  EXPECT_EQ(error_kind([&] { (void)nulls.boolean(4); }), Kind::other);
  EXPECT_EQ(r[0].opt_int64(1), std::numeric_limits<std::int64_t>::min());
}

TEST_F(ExecTest, ParametersWorkInExpressions) {
  auto c = pool_->read();
  const std::int64_t near_max = std::numeric_limits<std::int64_t>::max() - 1;
  db::Result r = c->exec("SELECT $1 + 1 AS n, $2 AS t, $3 AS b", {near_max, "x", true});
  EXPECT_EQ(r.front().int64(0), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r.front().text(1), "x");
  EXPECT_TRUE(r.front().boolean(2));
  // The same text with other parameter kinds is a different prepared statement on
  // PostgreSQL; both must work on one connection.
  r = c->exec("SELECT $1 + 1 AS n, $2 AS t, $3 AS b", {std::int64_t{-5}, "y", false});
  EXPECT_EQ(r.front().int64(0), -4);
  EXPECT_FALSE(r.front().boolean(2));
}

TEST_F(ExecTest, PlaceholdersInsideLiteralsIdentifiersAndCommentsAreText) {
  db::Result r = pool_->read()->exec(
      "SELECT '$1''$2' AS lit, $1 AS p, 7 AS \"$3\" /* $4 */ -- $5\n", {"value"});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.front().text(0), "$1'$2");
  EXPECT_EQ(r.front().text(1), "value");
  EXPECT_EQ(r.columns().at(2), "$3");
  EXPECT_EQ(r.front().int64(r.column("$3")), 7);
}

TEST_F(ExecTest, GettersConvertOrRefuse) {
  db::Result r = pool_->read()->exec("SELECT 1 AS a, 'x' AS b, NULL AS c, 2.5 AS d, 't' AS e");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.columns().size(), 5u);
  EXPECT_EQ(r.column("b"), 1u);
  EXPECT_EQ(error_kind([&] { (void)r.column("missing"); }), Kind::other);
  db::Row row = r.front();
  EXPECT_EQ(row.size(), 5u);
  EXPECT_EQ(row.int64(0), 1);
  EXPECT_EQ(row.real(0), 1.0);
  EXPECT_EQ(row.text(0), "1");
  EXPECT_TRUE(row.boolean(0));
  EXPECT_EQ(row.real(3), 2.5);
  EXPECT_EQ(row.text(3), "2.5");
  EXPECT_TRUE(row.boolean(4));
  EXPECT_EQ(error_kind([&] { (void)row.int64(1); }), Kind::other);  // text
  EXPECT_EQ(error_kind([&] { (void)row.int64(3); }), Kind::other);  // 2.5
  EXPECT_EQ(error_kind([&] { (void)row.boolean(1); }), Kind::other);
  EXPECT_EQ(error_kind([&] { (void)row.real(1); }), Kind::other);
  EXPECT_EQ(error_kind([&] { (void)row.text_view(0); }), Kind::other);  // not a text cell
  EXPECT_EQ(error_kind([&] { (void)row.int64(2); }), Kind::other);      // NULL
  EXPECT_EQ(error_kind([&] { (void)row.cell(5); }), Kind::other);
  EXPECT_EQ(error_kind([&] { (void)r[1]; }), Kind::other);
  int rows = 0;
  for (db::Row each : r) {
    EXPECT_EQ(each.text(1), "x");
    ++rows;
  }
  EXPECT_EQ(rows, 1);
}

TEST_F(ExecTest, EmptyResultAndWrongParameterCount) {
  auto c = pool_->write();
  c->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
  db::Result r = c->exec("SELECT id FROM t");
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.size(), 0u);
  EXPECT_EQ(r.columns().size(), 1u);
  EXPECT_EQ(error_kind([&] { c->exec("SELECT id FROM t WHERE id = $1"); }), Kind::other);
  EXPECT_EQ(
      error_kind([&] { c->exec("SELECT id FROM t WHERE id = $1 AND id = $2", {std::int64_t{1}}); }),
      Kind::other);
  EXPECT_EQ(error_kind([&] { c->exec("SELECT 1; SELECT 2"); }), Kind::other);
  EXPECT_EQ(error_kind([&] { c->exec("SELEKT nonsense"); }), Kind::other);
  // The connection stays usable after errors.
  EXPECT_TRUE(c->healthy());
  EXPECT_EQ(c->exec("SELECT 3").front().int64(0), 3);
}

TEST_F(ExecTest, ConstraintViolationsHaveTheirKinds) {
  auto c = pool_->write();
  c->exec_script(
      "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
      "CREATE TABLE child (id INTEGER PRIMARY KEY,"
      " parent_id INTEGER NOT NULL REFERENCES parent (id),"
      " qty INTEGER NOT NULL CHECK (qty > 0), code TEXT UNIQUE);");
  c->exec("INSERT INTO parent (id) VALUES ($1)", {std::int64_t{1}});
  const std::string_view insert =
      "INSERT INTO child (id, parent_id, qty, code) VALUES ($1, $2, $3, $4)";
  c->exec(insert, {std::int64_t{1}, std::int64_t{1}, std::int64_t{1}, "a"});
  EXPECT_EQ(error_kind([&] {
              c->exec(insert, {std::int64_t{2}, std::int64_t{1}, std::int64_t{1}, "a"});
            }),
            Kind::unique_violation);
  EXPECT_EQ(error_kind([&] {
              c->exec(insert, {std::int64_t{1}, std::int64_t{1}, std::int64_t{1}, "b"});
            }),
            Kind::unique_violation);
  EXPECT_EQ(error_kind([&] {
              c->exec(insert, {std::int64_t{3}, std::int64_t{99}, std::int64_t{1}, "c"});
            }),
            Kind::foreign_key_violation);
  EXPECT_EQ(error_kind([&] {
              c->exec(insert, {std::int64_t{4}, std::int64_t{1}, std::int64_t{0}, "d"});
            }),
            Kind::check_violation);
  EXPECT_EQ(error_kind([&] {
              c->exec(insert, {std::int64_t{5}, std::int64_t{1}, nullptr, "e"});
            }),
            Kind::not_null_violation);
  try {
    c->exec(insert, {std::int64_t{6}, std::int64_t{1}, std::int64_t{1}, "a"});
    FAIL() << "duplicate code accepted";
  } catch (const DbError& e) {
    EXPECT_FALSE(e.sqlstate().empty());
    EXPECT_EQ(e.sqlstate(), is_pg() ? "23505" : "2067");
  }
  EXPECT_EQ(count("child"), 1);
}

TEST_F(ExecTest, AffectedCountsChangedOrReturnedRows) {
  auto c = pool_->write();
  c->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)");
  for (std::int64_t i = 1; i <= 5; ++i)
    EXPECT_EQ(c->exec("INSERT INTO t (id, v) VALUES ($1, 0)", {i}).affected(), 1);
  EXPECT_EQ(c->exec("UPDATE t SET v = v + 1 WHERE id <= $1", {std::int64_t{3}}).affected(), 3);
  EXPECT_EQ(c->exec("UPDATE t SET v = v + 1 WHERE id > $1", {std::int64_t{100}}).affected(), 0);
  EXPECT_EQ(c->exec("DELETE FROM t WHERE id = $1", {std::int64_t{5}}).affected(), 1);
  EXPECT_EQ(c->exec("DELETE FROM t WHERE id = $1", {std::int64_t{5}}).affected(), 0);

  db::Result ins = c->exec("INSERT INTO t (id, v) VALUES ($1, $2) RETURNING id, v",
                           {std::int64_t{9}, std::int64_t{7}});
  EXPECT_EQ(ins.affected(), 1);
  ASSERT_EQ(ins.size(), 1u);
  EXPECT_EQ(ins.front().int64(1), 7);
  db::Result upd = c->exec("UPDATE t SET v = v * 10 WHERE v >= $1 RETURNING id", {std::int64_t{1}});
  EXPECT_EQ(upd.affected(), 4);  // ids 1, 2, 3 and 9
  EXPECT_EQ(upd.size(), 4u);
  EXPECT_EQ(c->exec("SELECT id FROM t").affected(), 5);
  // DDL after DML changes no rows (SQLite would otherwise repeat the previous count).
  EXPECT_EQ(c->exec("CREATE TABLE u (id INTEGER)").affected(), 0);
}

TEST_F(ExecTest, CachedStatementsSurviveSchemaChanges) {
  db::PoolOptions o = options();
  o.size = 1;  // one connection, so its cached statements are the ones that go stale
  pool_.reset();
  pool_ = open_pool(o);
  pool_->write()->exec_script("CREATE TABLE t (a INTEGER); INSERT INTO t (a) VALUES (1)");
  EXPECT_EQ(pool_->read()->exec("SELECT * FROM t").columns().size(), 1u);
  pool_->write()->exec_script("ALTER TABLE t ADD COLUMN b INTEGER");
  // Outside a transaction the statement is simply prepared again.
  EXPECT_EQ(pool_->read()->exec("SELECT * FROM t").columns().size(), 2u);

  pool_->write()->exec_script("ALTER TABLE t ADD COLUMN c INTEGER");
  int calls = 0;
  // Inside one, PostgreSQL has aborted the transaction: transact runs it again.
  const std::size_t width = pool_->transact([&](db::Transaction& tx) {
    ++calls;
    return tx.exec("SELECT * FROM t").columns().size();
  });
  EXPECT_EQ(width, 3u);
  EXPECT_LE(calls, 2);
  EXPECT_EQ(pool_->read()->exec("SELECT * FROM t").columns().size(), 3u);
}

// exec_all: on PostgreSQL one pipeline (with a transaction's held-back BEGIN in front).
TEST_F(ExecTest, ExecAllRunsStatementsInOrderAndFailsLikeExec) {
  pool_->write()->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const std::string_view insert = "INSERT INTO t (id, v) VALUES ($1, $2)";
  const db::Param one[] = {std::int64_t{1}, "one"};
  const db::Param two[] = {std::int64_t{2}, "two"};
  const db::Param three[] = {std::int64_t{3}, "three"};
  const db::Param id2[] = {std::int64_t{2}};
  {
    db::Transaction tx(pool_->write());
    const db::Connection::Statement statements[] = {
        {insert, one},
        {"INSERT INTO t (id, v) VALUES ($1, $2) RETURNING v", two},
        {"SELECT v FROM t WHERE id = $1", id2},
        {"SELECT COUNT(*) FROM t", {}}};
    auto r = tx.connection().exec_all(statements);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_TRUE(r[0].empty());
    EXPECT_EQ(r[1].front().text(0), "two");
    EXPECT_EQ(r[2].front().text(0), "two");  // each statement sees the ones before it
    EXPECT_EQ(r[3].front().int64(0), 2);
    tx.commit();
  }
  EXPECT_EQ(count("t"), 2);
  {
    // The second statement breaks a key: that error, and the transaction keeps nothing.
    db::Transaction tx(pool_->write());
    const db::Connection::Statement statements[] = {
        {insert, three}, {insert, one}, {"SELECT COUNT(*) FROM t", {}}};
    EXPECT_EQ(error_kind([&] { tx.connection().exec_all(statements); }), Kind::unique_violation);
  }
  EXPECT_EQ(count("t"), 2);
  // Outside a transaction PostgreSQL runs a pipeline as one implicit transaction.
  const db::Connection::Statement statements[] = {{insert, three}, {insert, one}};
  EXPECT_EQ(error_kind([&] { pool_->write()->exec_all(statements); }), Kind::unique_violation);
  EXPECT_EQ(count("t"), is_pg() ? 2 : 3);
  // The connection is idle and usable afterwards.
  const db::Connection::Statement reads[] = {{"SELECT COUNT(*) FROM t", {}},
                                             {"SELECT v FROM t WHERE id = $1", id2}};
  auto r = pool_->write()->exec_all(reads);
  EXPECT_EQ(r[1].front().text(0), "two");
}

// exec_soon / exec_later: on PostgreSQL held back and sent in front of the next statement
// (or, for writes, with COMMIT); on SQLite run at once. The outcome is the same.
TEST_F(ExecTest, SoonReadsAndLaterWritesKeepTheirOrderAndOutcome) {
  pool_->write()->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  const std::string_view insert = "INSERT INTO t (id, v) VALUES ($1, $2)";
  const db::Param one[] = {std::int64_t{1}, "one"};
  const db::Param two[] = {std::int64_t{2}, "two"};
  {
    db::Transaction tx(pool_->write());
    std::optional<std::int64_t> before;
    tx.connection().exec_soon("SELECT COUNT(*) FROM t", {},
                              [&](db::Result&& r) { before = r.front().int64(0); });
    tx.connection().exec_later(insert, one);
    std::optional<std::int64_t> after;
    tx.connection().exec_soon("SELECT COUNT(*) FROM t", {},
                              [&](db::Result&& r) { after = r.front().int64(0); });
    // The next statement delivers both reads, each seeing what came before it.
    EXPECT_EQ(tx.exec("SELECT v FROM t WHERE id = 1").front().text(0), "one");
    EXPECT_EQ(before, 0);
    EXPECT_EQ(after, 1);
    // A write with nothing after it goes with COMMIT.
    tx.connection().exec_later(insert, two);
    tx.commit();
  }
  EXPECT_EQ(count("t"), 2);
  {
    // A rollback drops a pending write; a pending read is dropped without its callback.
    db::Transaction tx(pool_->write());
    tx.exec("DELETE FROM t WHERE id = 2");
    const db::Param three[] = {std::int64_t{3}, "three"};
    tx.connection().exec_later(insert, three);
    bool called = false;
    if (is_pg()) tx.connection().exec_soon("SELECT 1", {}, [&](db::Result&&) { called = true; });
    EXPECT_FALSE(called);
  }
  EXPECT_EQ(count("t"), 2);
  {
    // flush_soon delivers what is pending.
    db::Transaction tx(pool_->write());
    std::int64_t n = -1;
    tx.connection().exec_soon("SELECT COUNT(*) FROM t", {},
                              [&](db::Result&& r) { n = r.front().int64(0); });
    tx.connection().flush_soon();
    EXPECT_EQ(n, 2);
    tx.commit();
  }
  {
    // A failing later write is thrown by the statement it travels with...
    // (SQLite runs it at once: exec_later throws.)
    db::Transaction tx(pool_->write());
    EXPECT_EQ(error_kind([&] {
                tx.connection().exec_later(insert, one);
                tx.exec("SELECT COUNT(*) FROM t");
              }),
              Kind::unique_violation);
  }
  {
    // ...or by the commit, and nothing of the transaction stays.
    db::Transaction tx(pool_->write());
    tx.exec("DELETE FROM t WHERE id = 2");
    if (is_pg()) {
      tx.connection().exec_later(insert, one);
      EXPECT_EQ(error_kind([&] { tx.commit(); }), Kind::unique_violation);
    } else {
      EXPECT_EQ(error_kind([&] { tx.connection().exec_later(insert, one); }),
                Kind::unique_violation);
    }
  }
  EXPECT_EQ(count("t"), 2);
  EXPECT_EQ(pool_->write()->exec("SELECT COUNT(*) FROM t").front().int64(0), 2);
}

TEST_F(ExecTest, PostgresDefaultsGiveWayToTheUrl) {
  if (!is_pg()) GTEST_SKIP() << "libpq connection parameters";
  EXPECT_EQ(pool_->read()->exec("SHOW application_name").front().text(0), "crema");
  EXPECT_EQ(pool_->read()->exec("SHOW client_encoding").front().text(0), "UTF8");
  auto mine = db::Pool::open(db_->url() + "?application_name=mine", options());
  EXPECT_EQ(mine->read()->exec("SHOW application_name").front().text(0), "mine");
}

}  // namespace
}  // namespace crema::test
