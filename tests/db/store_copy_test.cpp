// `crema migrate-store`: an SQLite shop moved into PostgreSQL, every row of every table
// (db/store_copy.hpp). Needs both stores, so it runs in the db_postgres suite.
#include <map>
#include <set>

#include "app/config.hpp"
#include "app/demo_seed.hpp"
#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "db/store_copy.hpp"
#include "repo/order_repo.hpp"
#include "support/scratch_dir.hpp"
#include "util/uuid.hpp"

namespace crema::test {
namespace {

using Rows = std::multiset<std::string>;

class StoreCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CREMA_REQUIRE_TEST_STORE();
    if (current_store() != "postgres") GTEST_SKIP() << "needs PostgreSQL: runs in db_postgres";
    source_url_ = "sqlite://" + dir_.file("shop.db");
    app::Config config;
    config.database_url = source_url_;
    ASSERT_EQ(app::run_seed_demo(config), 0);
    source_ = db::Pool::open(source_url_, DbTest_options());
    // Rows with NULLs, booleans and quotes, beside the demo's.
    source_->transact([&](db::Transaction& tx) {
      tx.exec(
          "INSERT INTO audit_log (id, actor_id, actor_role, action, target_type, target_id, "
          "summary, ip, request_id, at) VALUES ($1, NULL, NULL, 'x.y', 'thing', NULL, "
          "'it''s \"quoted\" — and unicode ☕', NULL, NULL, 1)",
          {util::new_uuid_v7()});
    });
  }
  static db::PoolOptions DbTest_options() {
    db::PoolOptions o;
    o.size = 2;
    return o;
  }

  /// Every row of `table` in `pool`, booleans as 0/1, NULLs marked.
  static Rows rows_of(db::Pool& pool, const std::string& table,
                      const std::vector<std::string>& columns,
                      const std::set<std::string>& booleans) {
    std::string select = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) select += (i ? ", " : "") + columns[i];
    Rows rows;
    for (const auto& row : pool.read()->exec(select + " FROM " + table)) {
      std::string line;
      for (std::size_t c = 0; c < columns.size(); ++c) {
        std::string v = row.is_null(c) ? "\x01NULL" : row.text(c);
        if (booleans.contains(columns[c]) && !row.is_null(c)) v = row.boolean(c) ? "1" : "0";
        line += v + '\x1f';
      }
      rows.insert(line);
    }
    return rows;
  }

  ScratchDir dir_{"crema-store-copy-"};
  std::string source_url_;
  std::unique_ptr<db::Pool> source_;
};

TEST_F(StoreCopyTest, EveryRowOfEveryTableArrivesInPostgres) {
  TestDb target;
  std::vector<std::string> heard;
  const auto report = db::copy_store(source_url_, target.url(),
                                     [&](const db::TableCopy& t) { heard.push_back(t.table); });
  auto pg = db::Pool::open(target.url(), DbTest_options());
  EXPECT_TRUE(db::migration_status(*pg).up_to_date());

  // Every PostgreSQL table (but schema_migrations) was filled, and reported once.
  std::set<std::string> tables;
  for (const auto& row :
       pg->read()->exec("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))
    if (row.text(0) != "schema_migrations" && row.text(0) != "order_day_starts")
      tables.insert(row.text(0));
  EXPECT_EQ(std::set<std::string>(heard.begin(), heard.end()), tables);
  EXPECT_EQ(heard.size(), tables.size());
  EXPECT_GT(report.rows, 50) << "the demo shop has products, recipes, stock and staff";
  EXPECT_NE(std::find(report.skipped.begin(), report.skipped.end(), "product_search"),
            report.skipped.end());

  std::int64_t compared = 0;
  for (const auto& table : tables) {
    std::vector<std::string> columns;
    std::set<std::string> booleans;
    for (const auto& row : pg->read()->exec(
             "SELECT column_name, data_type FROM information_schema.columns "
             "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
             {std::string_view(table)})) {
      columns.push_back(row.text(0));
      if (row.text(1) == "boolean") booleans.insert(row.text(0));
    }
    const Rows in_sqlite = rows_of(*source_, table, columns, booleans);
    const Rows in_pg = rows_of(*pg, table, columns, booleans);
    EXPECT_EQ(in_pg, in_sqlite) << "table " << table;
    compared += static_cast<std::int64_t>(in_pg.size());
  }
  EXPECT_EQ(compared, report.rows);

  // PostgreSQL numbers orders from a sequence (order_day_starts, not copied but rebuilt):
  // each day the demo numbered goes on after its last number (the first draw exactly at
  // N + 1; later draws skip what the rolled-back ones took, as sequences do).
  auto counters = source_->read()->exec("SELECT business_date, last_number FROM order_counters");
  EXPECT_GT(counters.size(), 0u) << "the demo has orders on several days";
  bool first = true;
  for (const auto& row : counters) {
    db::Transaction tx(pg->write());  // rolled back
    const auto next = repo::next_order_sequence(tx, row.text(0));
    if (first) {
      EXPECT_EQ(next, row.int64(1) + 1) << row.text(0);
    }
    EXPECT_GT(next, row.int64(1)) << row.text(0);
    first = false;
  }
}

TEST_F(StoreCopyTest, RefusesATargetWithRowsAndWritesNothing) {
  TestDb target;
  db::copy_store(source_url_, target.url());
  auto pg = db::Pool::open(target.url(), DbTest_options());
  const auto before = pg->read()->exec("SELECT COUNT(*) FROM audit_log").front().int64(0);
  source_->transact([&](db::Transaction& tx) {
    tx.exec("INSERT INTO audit_log (id, action, target_type, at) VALUES ($1, 'a', 'b', 2)",
            {util::new_uuid_v7()});
  });
  try {
    db::copy_store(source_url_, target.url());
    ADD_FAILURE() << "copied into a database that holds rows";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("already holds rows"), std::string::npos) << e.what();
  }
  EXPECT_EQ(pg->read()->exec("SELECT COUNT(*) FROM audit_log").front().int64(0), before);
}

TEST_F(StoreCopyTest, RefusesOtherDirectionsAndAnEmptySource) {
  TestDb target;
  EXPECT_THROW(db::copy_store(target.url(), source_url_), std::runtime_error);
  EXPECT_THROW(db::copy_store(source_url_, source_url_), std::runtime_error);
  const std::string empty = "sqlite://" + dir_.file("empty.db");
  try {
    db::copy_store(empty, target.url());
    ADD_FAILURE() << "copied from a database without a Crema schema";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no Crema schema"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace crema::test
