#pragma once
// The fixture of the repository suite: a fresh database of the store under test
// (CREMA_TEST_STORE) and a pool on it, for every test.

#include <chrono>
#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "db/pool.hpp"
#include "support/test_db.hpp"

namespace crema::test {

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CREMA_REQUIRE_TEST_STORE();
    db_.emplace();
    pool_ = db::Pool::open(db_->url(), options());
  }
  void TearDown() override {
    pool_.reset();
    db_.reset();
  }

  static db::PoolOptions options() {
    db::PoolOptions o;
    o.size = 4;
    o.acquire_timeout = std::chrono::milliseconds(3000);
    return o;
  }
  bool is_pg() const { return pool_->dialect() == db::Dialect::postgres; }
  /// A second pool on the same database, with its own options.
  std::unique_ptr<db::Pool> open_pool(const db::PoolOptions& o) const {
    return db::Pool::open(db_->url(), o);
  }
  std::int64_t count(std::string_view table) {
    return pool_->read()->exec("SELECT COUNT(*) FROM " + std::string(table)).front().int64(0);
  }

  std::optional<TestDb> db_;
  std::unique_ptr<db::Pool> pool_;
};

}  // namespace crema::test
