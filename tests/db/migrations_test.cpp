// The migrations runner and the migration set compiled into the binary.
#include <algorithm>
#include <set>
#include <thread>

#include "db/migrations.hpp"
#include "db_fixture.hpp"

namespace crema::test {
namespace {

using db::EmbeddedMigration;
using DbError = db::Error;

std::vector<int> versions_for(db::Dialect d) {
  std::vector<int> out;
  for (const auto& m : db::embedded_migrations())
    if (m.dialect == (d == db::Dialect::sqlite ? "sqlite" : "postgres")) out.push_back(m.version);
  std::sort(out.begin(), out.end());
  return out;
}

bool mentions(const std::vector<std::string>& problems, std::string_view needle) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

TEST(MigrationSet, EmbeddedSetHasTwinsForBothStores) {
  const auto all = db::embedded_migrations();
  EXPECT_TRUE(db::migration_set_problems(all).empty());
  EXPECT_EQ(versions_for(db::Dialect::sqlite), versions_for(db::Dialect::postgres));
  ASSERT_FALSE(versions_for(db::Dialect::sqlite).empty());
  EXPECT_EQ(versions_for(db::Dialect::sqlite).front(), 1);
  for (const auto& m : all) {
    EXPECT_FALSE(m.sql.empty()) << m.name;
    if (m.version == 1) {
      EXPECT_EQ(m.name, "users");
    }
  }
}

TEST(MigrationSet, ProblemsAreReported) {
  const EmbeddedMigration missing_twin[] = {
      {"sqlite", 1, "a", "x"}, {"postgres", 1, "a", "x"}, {"sqlite", 2, "b", "x"}};
  auto p = db::migration_set_problems(missing_twin);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_TRUE(mentions(p, "0002_b")) << p[0];
  EXPECT_TRUE(mentions(p, "postgres twin")) << p[0];

  const EmbeddedMigration other_way[] = {{"postgres", 3, "c", "x"}};
  EXPECT_TRUE(mentions(db::migration_set_problems(other_way), "no sqlite twin"));

  const EmbeddedMigration renamed[] = {{"sqlite", 1, "a", "x"}, {"postgres", 1, "b", "x"}};
  EXPECT_TRUE(mentions(db::migration_set_problems(renamed), "named"));

  const EmbeddedMigration doubled[] = {
      {"sqlite", 1, "a", "x"}, {"sqlite", 1, "a2", "x"}, {"postgres", 1, "a", "x"}};
  EXPECT_TRUE(mentions(db::migration_set_problems(doubled), "two migrations numbered 1"));

  const EmbeddedMigration odd[] = {
      {"mysql", 1, "a", "x"}, {"sqlite", 0, "z", "x"}, {"postgres", 0, "z", "x"}};
  auto q = db::migration_set_problems(odd);
  EXPECT_TRUE(mentions(q, "unknown dialect"));
  EXPECT_TRUE(mentions(q, "below 1"));
}

class MigrationsTest : public DbTest {};

TEST_F(MigrationsTest, AppliesEverythingOnceAndReportsStatus) {
  const auto expected = versions_for(pool_->dialect());
  db::MigrationStatus before = db::migration_status(*pool_);
  EXPECT_EQ(before.current, 0);
  EXPECT_EQ(before.latest, expected.back());
  EXPECT_FALSE(before.up_to_date());

  EXPECT_EQ(db::migrate(*pool_), expected);
  EXPECT_TRUE(db::migrate(*pool_).empty());  // idempotent
  EXPECT_TRUE(db::migrate(*pool_).empty());

  db::MigrationStatus after = db::migration_status(*pool_);
  EXPECT_EQ(after.current, expected.back());
  EXPECT_TRUE(after.up_to_date());
  db::Result rows = pool_->read()->exec(
      "SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), expected.size());
  EXPECT_EQ(rows.front().int64(0), 1);
  EXPECT_EQ(rows.front().text(1), "users");
  EXPECT_GT(rows.front().int64(2), 1'700'000'000'000);  // epoch milliseconds
  EXPECT_EQ(count("users"), 0);
}

TEST_F(MigrationsTest, UsersTableEnforcesItsRules) {
  db::migrate(*pool_);
  auto w = pool_->write();
  const std::string_view insert =
      "INSERT INTO users (id, name, email, password_hash, role, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)";
  w->exec(insert, {"id1", "A", "a@example.com", "h", "admin", std::int64_t{1}, std::int64_t{1}});
  db::Result r = w->exec(
      "SELECT addresses, metadata, marketing_opt_in, is_active, two_factor_enabled, version, "
      "totp_secret, phone FROM users");
  EXPECT_EQ(r.front().text(0), "[]");
  EXPECT_EQ(r.front().text(1), "{}");
  EXPECT_FALSE(r.front().boolean(2));
  EXPECT_TRUE(r.front().boolean(3));
  EXPECT_FALSE(r.front().boolean(4));
  EXPECT_EQ(r.front().int64(5), 1);
  EXPECT_TRUE(r.front().is_null(6));
  EXPECT_TRUE(r.front().is_null(7));
  try {
    w->exec(insert, {"id2", "B", "a@example.com", "h", "staff", std::int64_t{1}, std::int64_t{1}});
    FAIL() << "duplicate email accepted";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbError::Kind::unique_violation);
  }
  try {
    w->exec(insert, {"id3", "C", "c@example.com", "h", "owner", std::int64_t{1}, std::int64_t{1}});
    FAIL() << "unknown role accepted";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbError::Kind::check_violation);
  }
  EXPECT_FALSE(w->exec("SELECT 1 FROM users WHERE role = $1", {"admin"}).empty());
}

TEST_F(MigrationsTest, AFailingMigrationLeavesNoTrace) {
  std::vector<EmbeddedMigration> set = {
      {"sqlite", 1, "a", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);"},
      {"postgres", 1, "a", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (1);"},
      {"sqlite", 2, "b", "CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);"},
      {"postgres", 2, "b", "CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);"},
  };
  try {
    db::migrate(*pool_, set);
    FAIL() << "the broken migration was applied";
  } catch (const DbError& e) {
    EXPECT_NE(std::string(e.what()).find("0002_b"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db::migration_status(*pool_, set).current, 1);
  EXPECT_EQ(count("a"), 1);
  EXPECT_THROW(count("b"), DbError);  // created and rolled back with its migration

  set[2].sql = set[3].sql = "CREATE TABLE b (x INTEGER);";
  EXPECT_EQ(db::migrate(*pool_, set), std::vector<int>{2});
  EXPECT_EQ(count("b"), 0);
  EXPECT_TRUE(db::migration_status(*pool_, set).up_to_date());
}

TEST_F(MigrationsTest, RefusesAnInconsistentSet) {
  const EmbeddedMigration set[] = {{"sqlite", 1, "a", "CREATE TABLE a (x INTEGER);"}};
  EXPECT_THROW(db::migrate(*pool_, set), DbError);
  EXPECT_THROW(count("a"), DbError);
}

TEST_F(MigrationsTest, InstancesStartingTogetherApplyEachMigrationOnce) {
  db::PoolOptions o = options();
  o.size = 2;
  auto second = open_pool(o);
  std::vector<int> first_applied, second_applied;
  std::string first_error, second_error;
  auto run = [](db::Pool& p, std::vector<int>& out, std::string& err) {
    try {
      out = db::migrate(p);
    } catch (const std::exception& e) {
      err = e.what();
    }
  };
  std::thread a(run, std::ref(*pool_), std::ref(first_applied), std::ref(first_error));
  std::thread b(run, std::ref(*second), std::ref(second_applied), std::ref(second_error));
  a.join();
  b.join();
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(second_error, "");
  std::vector<int> all = first_applied;
  all.insert(all.end(), second_applied.begin(), second_applied.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, versions_for(pool_->dialect()));  // each exactly once
  EXPECT_TRUE(db::migration_status(*second).up_to_date());
}

}  // namespace
}  // namespace crema::test
