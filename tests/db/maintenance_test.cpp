// The scheduler's housekeeping on both stores: expired refresh tokens are pruned, live ones
// stay.
#include <gtest/gtest.h>

#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "service/maintenance.hpp"
#include "util/time.hpp"

namespace crema::test {
namespace {

class MaintenanceTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db::migrate(*pool_);
  }
};

TEST_F(MaintenanceTest, ExpiredRefreshTokensArePrunedLiveOnesStay) {
  const auto now = util::now_ms();
  pool_->transact([&](db::Transaction& tx) {
    tx.exec(
        "INSERT INTO users (id, name, email, password_hash, role, created_at, updated_at) "
        "VALUES ('u1', 'U', 'u1@example.com', 'x', 'customer', $1, $1)",
        {now});
    tx.exec(
        "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at) "
        "VALUES ('s1', 'u1', $1, $1, $2)",
        {now, now + 86'400'000});
    tx.exec(
        "INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES "
        "('old', 's1', $1, $2), ('live', 's1', $1, $3)",
        {now - 10'000, now - 1, now + 60'000});
  });
  EXPECT_EQ(service::prune_expired_refresh_tokens(*pool_, now), 1);
  auto lease = pool_->read();
  auto left = lease->exec("SELECT token_hash FROM refresh_tokens");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left.front().text(0), "live");
  EXPECT_EQ(service::prune_expired_refresh_tokens(*pool_, now), 0);
}

}  // namespace
}  // namespace crema::test
