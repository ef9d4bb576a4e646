// The user repository and `crema create-admin`'s service, on the store under test.
#include <algorithm>
#include <thread>

#include "auth/password.hpp"
#include "db/migrations.hpp"
#include "db_fixture.hpp"
#include "repo/user_repo.hpp"
#include "service/admin_bootstrap.hpp"
#include "util/uuid.hpp"

namespace crema::test {
namespace {

using auth::Argon2Profile;

class UsersTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    db::migrate(*pool_);
  }
};

bool has_issue(const Error& e, std::string_view field) {
  return std::any_of(e.details.begin(), e.details.end(),
                     [&](const FieldIssue& f) { return f.field == field && !f.issue.empty(); });
}

TEST_F(UsersTest, InsertAndFindRoundTripEveryField) {
  repo::UserRecord u;
  u.id = util::new_uuid_v7();
  u.name = "Zoë O'Neil";
  u.email = "zoe@example.com";
  u.phone = "+33 6 12 34 56 78";
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$abc$def";
  u.role = auth::Role::staff;
  u.addresses_json = R"([{"label":"home","line1":"1 rue X","city":"Lyon","notes":""}])";
  u.marketing_opt_in = true;
  u.is_active = false;
  u.two_factor_enabled = true;
  u.totp_secret = "encrypted-secret";
  u.metadata_json = R"({"loyalty":"gold"})";
  u.version = 3;
  u.created_at = 1'795'338'900'123;
  u.updated_at = 1'795'338'999'000;
  pool_->transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), u); });

  for (auto found : {repo::find_user_by_email(*pool_->read(), "zoe@example.com"),
                     repo::find_user_by_id(*pool_->read(), u.id)}) {
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, u.id);
    EXPECT_EQ(found->name, u.name);
    EXPECT_EQ(found->email, u.email);
    EXPECT_EQ(found->phone, u.phone);
    EXPECT_EQ(found->password_hash, u.password_hash);
    EXPECT_EQ(found->role, auth::Role::staff);
    EXPECT_EQ(found->addresses_json, u.addresses_json);
    EXPECT_TRUE(found->marketing_opt_in);
    EXPECT_FALSE(found->is_active);
    EXPECT_TRUE(found->two_factor_enabled);
    EXPECT_EQ(found->totp_secret, u.totp_secret);
    EXPECT_EQ(found->metadata_json, u.metadata_json);
    EXPECT_EQ(found->version, 3);
    EXPECT_EQ(found->created_at, u.created_at);
    EXPECT_EQ(found->updated_at, u.updated_at);
  }
  EXPECT_FALSE(repo::find_user_by_email(*pool_->read(), "nobody@example.com"));
  EXPECT_FALSE(repo::find_user_by_id(*pool_->read(), util::new_uuid_v7()));

  repo::UserRecord minimal;
  minimal.id = util::new_uuid_v7();
  minimal.name = "M";
  minimal.email = "m@example.com";
  minimal.password_hash = "h";
  pool_->transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), minimal); });
  auto m = repo::find_user_by_id(*pool_->read(), minimal.id);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->phone, std::nullopt);
  EXPECT_EQ(m->totp_secret, std::nullopt);
  EXPECT_EQ(m->role, auth::Role::customer);

  minimal.id = util::new_uuid_v7();  // same email, new id
  try {
    pool_->transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), minimal); });
    FAIL() << "duplicate email accepted";
  } catch (const db::Error& e) {
    EXPECT_EQ(e.kind(), db::Error::Kind::unique_violation);
  }
}

TEST_F(UsersTest, CreateAdminMakesAnAdminWhosePasswordVerifies) {
  auto id = service::create_admin(*pool_, "  Boss@Example.COM ", "correct horse battery",
                                  Argon2Profile::interactive);
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_TRUE(util::is_uuid_v7(*id));
  auto u = repo::find_user_by_email(*pool_->read(), "boss@example.com");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->id, *id);
  EXPECT_EQ(u->role, auth::Role::admin);
  EXPECT_EQ(u->name, "boss");
  EXPECT_TRUE(u->is_active);
  EXPECT_FALSE(u->two_factor_enabled);
  EXPECT_NE(u->password_hash.find("$argon2id$"), std::string::npos);
  EXPECT_TRUE(auth::verify_password(u->password_hash, "correct horse battery"));
  EXPECT_FALSE(auth::verify_password(u->password_hash, "wrong horse battery"));
  EXPECT_NEAR(static_cast<double>(u->created_at), static_cast<double>(util::uuid_v7_unix_ms(*id)),
              60'000.0);
}

TEST_F(UsersTest, CreateAdminRefusesATakenEmail) {
  ASSERT_TRUE(service::create_admin(*pool_, "boss@example.com", "correct horse battery",
                                    Argon2Profile::interactive)
                  .ok());
  auto again = service::create_admin(*pool_, "BOSS@example.com", "another good password",
                                     Argon2Profile::interactive);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::duplicate);
  EXPECT_EQ(http_status(again.error().code), 409);
  EXPECT_EQ(count("users"), 1);
}

TEST_F(UsersTest, CreateAdminRaceYieldsOneAdmin) {
  constexpr int kThreads = 3;
  std::vector<std::thread> threads;
  std::vector<std::optional<ErrorCode>> outcomes(kThreads);
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto r = service::create_admin(*pool_, "race@example.com", "correct horse battery",
                                     Argon2Profile::interactive);
      if (!r.ok()) outcomes[static_cast<std::size_t>(i)] = r.error().code;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), std::nullopt), 1);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), ErrorCode::duplicate), kThreads - 1);
  EXPECT_EQ(count("users"), 1);
}

TEST_F(UsersTest, CreateAdminValidatesEveryField) {
  auto weak =
      service::create_admin(*pool_, "boss@example.com", "short", Argon2Profile::interactive);
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, ErrorCode::validation_failed);
  EXPECT_EQ(http_status(weak.error().code), 422);
  EXPECT_TRUE(has_issue(weak.error(), "password"));
  EXPECT_FALSE(has_issue(weak.error(), "email"));

  auto both = service::create_admin(*pool_, "not-an-email", "short", Argon2Profile::interactive);
  ASSERT_FALSE(both.ok());
  EXPECT_TRUE(has_issue(both.error(), "email"));
  EXPECT_TRUE(has_issue(both.error(), "password"));

  auto same = service::create_admin(*pool_, "longname@example.com", "LongName@Example.com",
                                    Argon2Profile::interactive);
  ASSERT_FALSE(same.ok());
  EXPECT_TRUE(has_issue(same.error(), "password"));

  EXPECT_EQ(count("users"), 0);
}

}  // namespace
}  // namespace crema::test
