#include <set>

#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "service/audit.hpp"
#include "util/time.hpp"

namespace crema::test {
namespace {

service::Actor actor(auth::Role role, std::string id) {
  auth::Principal p;
  p.user_id = std::move(id);
  p.role = role;
  return service::Actor{p, "203.0.113.7", "req-1"};
}

class AuditTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (pool_) db::migrate(*pool_);
  }
};

TEST_F(AuditTest, RecordsManagerAndAdminMutationsOnly) {
  pool_->transact([&](db::Transaction& tx) {
    EXPECT_TRUE(service::record_audit(tx, actor(auth::Role::admin, "a1"),
                                      {"user.update", "user", "u9", "role: staff → manager"}));
    EXPECT_TRUE(service::record_audit(tx, actor(auth::Role::manager, "m1"),
                                      {"product.create", "product", "p1", "Croissant"}));
    EXPECT_FALSE(service::record_audit(tx, actor(auth::Role::staff, "s1"),
                                       {"order.update", "order", "o1", ""}));
    EXPECT_FALSE(service::record_audit(tx, service::Actor{}, {"x", "y", "z", ""}));
  });
  EXPECT_EQ(count("audit_log"), 2);
  auto rows = service::list_audit(*pool_, {});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].action, "product.create");  // newest first
  EXPECT_EQ(rows[1].actor_id, "a1");
  EXPECT_EQ(rows[1].actor_role, "admin");
  EXPECT_EQ(rows[1].ip, "203.0.113.7");
  EXPECT_EQ(rows[1].request_id, "req-1");
  auto json = rows[1].to_json();
  EXPECT_EQ(json.at("summary"), "role: staff → manager");
}

TEST_F(AuditTest, RolledBackChangesLeaveNoAuditRow) {
  try {
    pool_->transact([&](db::Transaction& tx) {
      service::record_audit(tx, actor(auth::Role::admin, "a1"), {"user.delete", "user", "u1", ""});
      throw std::runtime_error("the change failed");
    });
  } catch (const std::runtime_error&) {}
  EXPECT_EQ(count("audit_log"), 0);
}

TEST_F(AuditTest, FiltersAndKeysetPages) {
  pool_->transact([&](db::Transaction& tx) {
    for (int i = 0; i < 7; ++i)
      service::record_audit(
          tx, actor(i % 2 ? auth::Role::admin : auth::Role::manager, i % 2 ? "a1" : "m1"),
          {i < 3 ? "user.update" : "product.update", "x", std::to_string(i), ""});
  });
  service::AuditFilter by_actor;
  by_actor.actor_id = "a1";
  EXPECT_EQ(service::list_audit(*pool_, by_actor).size(), 3u);
  service::AuditFilter by_action;
  by_action.action = "user.update";
  EXPECT_EQ(service::list_audit(*pool_, by_action).size(), 3u);
  service::AuditFilter future;
  future.from_ms = util::now_ms() + 60000;
  EXPECT_TRUE(service::list_audit(*pool_, future).empty());

  // Pages of 3: 3 + 3 + 1, every row once.
  std::set<std::string> seen;
  service::AuditFilter page;
  page.limit = 3;
  for (int n = 0; n < 5; ++n) {
    auto rows = service::list_audit(*pool_, page);
    const bool more = rows.size() > static_cast<std::size_t>(page.limit);
    if (more) rows.pop_back();
    for (const auto& r : rows) EXPECT_TRUE(seen.insert(r.id).second);
    if (!more) break;
    page.before = repo::Keyset{rows.back().at, rows.back().id};
  }
  EXPECT_EQ(seen.size(), 7u);
}

}  // namespace
}  // namespace crema::test
