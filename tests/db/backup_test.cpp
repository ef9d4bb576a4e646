// crema backup / restore on the store under test (SPEC §13): a copy taken while writes keep
// arriving restores into a fresh store with every table as it was at one instant.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "db/backup.hpp"
#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "support/scratch_dir.hpp"
#include "util/uuid.hpp"

namespace crema::test {
namespace {

using Rows = std::multiset<std::string>;

std::vector<std::string> table_names(db::Pool& pool) {
  const char* sql = pool.dialect() == db::Dialect::postgres
                        ? "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                          "ORDER BY 1"
                        : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                          "LIKE 'sqlite_%' ORDER BY 1";
  std::vector<std::string> out;
  for (const auto& row : pool.read()->exec(sql)) out.push_back(row.text(0));
  return out;
}

/// Every row of a table as text, NULLs marked, so two stores' tables compare exactly.
Rows table_rows(db::Pool& pool, const std::string& table) {
  Rows rows;
  for (const auto& row : pool.read()->exec("SELECT * FROM " + table)) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row.is_null(c) ? std::string("\x01NULL") : row.text(c);
      line += '\x1f';
    }
    rows.insert(std::move(line));
  }
  return rows;
}

void insert_audit(db::Pool& pool, const std::string& action) {
  pool.transact([&](db::Transaction& tx) {
    tx.exec(
        "INSERT INTO audit_log (id, actor_id, actor_role, action, target_type, target_id, "
        "summary, ip, request_id, at) VALUES ($1, 'u1', 'admin', $2, 'product', NULL, "
        "'backup test', '203.0.113.9', NULL, $3)",
        {util::new_uuid_v7(), action, std::int64_t{1700000000000}});
  });
}

class BackupTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (pool_) db::migrate(*pool_);
  }
  // From the database, not the pool: some tests close the pool (a restore is offline).
  bool pg() const { return db_->store() == "postgres"; }
  std::string backup_file() const { return dir_.file(pg() ? "crema.pgdump" : "crema.sqlite"); }
  ScratchDir dir_{"crema-backup-"};
};

TEST_F(BackupTest, CopyTakenUnderWritesRestoresEveryTableAsOfOneInstant) {
  for (int i = 0; i < 300; ++i) insert_audit(*pool_, "before." + std::to_string(i));
  const auto before = count("audit_log");

  // A writer keeps committing while the backup runs.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    while (!stop.load()) {
      insert_audit(*pool_, "during");
      written.fetch_add(1);
    }
  });
  while (written.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  db::BackupInfo info;
  try {
    info = db::backup_store(db_->url(), backup_file());
  } catch (...) {
    stop = true;
    writer.join();
    throw;
  }
  const int written_at_end_of_backup = written.load();
  while (written.load() < written_at_end_of_backup + 20)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  writer.join();

  EXPECT_GT(info.bytes, 0u);
  EXPECT_EQ(db::backup_kind(backup_file()),
            pg() ? db::BackupKind::postgres_custom : db::BackupKind::sqlite);
  EXPECT_FALSE(std::filesystem::exists(backup_file() + ".partial"));

  TestDb fresh;
  db::restore_store(fresh.url(), backup_file(), /*force=*/false);
  auto restored = db::Pool::open(fresh.url(), options());

  // The schema is the source's: same tables, nothing left to migrate.
  const auto tables = table_names(*pool_);
  ASSERT_EQ(table_names(*restored), tables);
  EXPECT_TRUE(db::migrate(*restored).empty());
  for (const auto& table : tables) {
    const Rows source = table_rows(*pool_, table);
    const Rows copy = table_rows(*restored, table);
    if (table == "audit_log") {
      // One instant of a table under writes: everything from before the backup, some of
      // the rows written during it, none of those written after it, and nothing invented.
      EXPECT_TRUE(std::includes(source.begin(), source.end(), copy.begin(), copy.end()))
          << "the restored audit_log has rows the source never had";
      EXPECT_GE(static_cast<std::int64_t>(copy.size()), before + 20);
      EXPECT_LT(copy.size(), source.size()) << "rows written after the backup are in it";
    } else {
      EXPECT_EQ(copy, source) << "table " << table;
    }
  }
}

TEST_F(BackupTest, RestoreRefusesATargetWithTablesUnlessForced) {
  insert_audit(*pool_, "one");
  db::backup_store(db_->url(), backup_file());
  insert_audit(*pool_, "two");
  ASSERT_EQ(count("audit_log"), 2);
  pool_.reset();  // a restore is offline: nothing else connected

  try {
    db::restore_store(db_->url(), backup_file(), /*force=*/false);
    ADD_FAILURE() << "restored over a database with tables without --force";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  pool_ = db::Pool::open(db_->url(), options());
  EXPECT_EQ(count("audit_log"), 2) << "a refused restore changed the database";
  pool_.reset();

  db::restore_store(db_->url(), backup_file(), /*force=*/true);
  pool_ = db::Pool::open(db_->url(), options());
  EXPECT_EQ(count("audit_log"), 1) << "--force did not bring back the backup's contents";
}

TEST_F(BackupTest, RestoreRefusesFilesThatAreNoBackupOrOfTheOtherStore) {
  TestDb fresh;
  const auto junk = dir_.write("junk.bin", std::string(4096, 'x'));
  EXPECT_THROW(db::restore_store(fresh.url(), junk, false), std::runtime_error);
  EXPECT_THROW(db::restore_store(fresh.url(), dir_.file("missing"), false), std::runtime_error);

  // A file of the other store's kind.
  const auto other = dir_.write(pg() ? "other.sqlite" : "other.pgdump",
                                pg() ? std::string("SQLite format 3\0", 16) + "rest"
                                     : std::string("PGDMP") + std::string(64, '\0'));
  try {
    db::restore_store(fresh.url(), other, false);
    ADD_FAILURE() << "restored a backup of the other store";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(pg() ? "sqlite://" : "postgresql://"), std::string::npos)
        << e.what();
  }
  // Nothing was written into the target.
  auto target = db::Pool::open(fresh.url(), options());
  EXPECT_TRUE(table_names(*target).empty());
}

TEST_F(BackupTest, BackupIntoAMissingDirectoryFailsWithoutLeavingAFile) {
  const std::string out = dir_.file("no/such/dir/crema.bak");
  EXPECT_THROW(db::backup_store(db_->url(), out), std::runtime_error);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace crema::test
