// The user use cases: visibility (not_found for others' accounts), updates and who may make
// them, versions, the last admin, erasure and the data export.
#include <set>

#include <boost/json.hpp>

#include "db/identity_fixture.hpp"
#include "repo/session_repo.hpp"
#include "service/api_key_service.hpp"
#include "service/audit.hpp"
#include "service/user_service.hpp"

namespace crema::test {
namespace {

using auth::Role;
namespace json = boost::json;

class UserServiceTest : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    service::add_identity_export_sections(exports_);
    users_ = std::make_unique<service::UserService>(*pool_, exports_);
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    for (const auto& r : service::list_audit(*pool_, {})) out.push_back(r.action);
    return out;
  }
  service::UserExportRegistry exports_;
  std::unique_ptr<service::UserService> users_;
};

TEST_F(UserServiceTest, CustomersSeeOnlyThemselvesManagersSeeEveryone) {
  auto a = make_user(Role::customer);
  auto b = make_user(Role::customer);
  auto staff = make_user(Role::staff);
  auto manager = make_user(Role::manager);
  EXPECT_EQ(users_->get(actor_for(a), a.id)->email, a.email);
  EXPECT_EQ(users_->get(actor_for(a), b.id).error().code, ErrorCode::not_found);
  EXPECT_EQ(users_->get(actor_for(staff), b.id).error().code, ErrorCode::not_found);
  EXPECT_EQ(users_->get(actor_for(manager), b.id)->id, b.id);
  EXPECT_EQ(users_->get(actor_for(manager), util::new_uuid_v7()).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(users_->get(service::Actor{}, a.id).error().code, ErrorCode::not_found);
  EXPECT_EQ(users_->list(actor_for(staff), {}).error().code, ErrorCode::forbidden);
}

TEST_F(UserServiceTest, ListFiltersByRoleAndTextAndPagesByKeyset) {
  auto manager = make_user(Role::manager, "boss@example.com");
  make_user(Role::staff, "anna.barista@example.com");
  make_user(Role::staff, "ben@example.com");
  auto c = make_user(Role::customer, "anna_k@example.com");
  service::UserUpdate rename;
  rename.name = "ZOË 100% Real";
  ASSERT_TRUE(users_->update(actor_for(c), c.id, rename, std::nullopt).ok());
  repo::UserFilter f;
  f.role = Role::staff;
  EXPECT_EQ(users_->list(actor_for(manager), f)->items.size(), 2u);
  f = {};
  f.query = "ANNA";
  EXPECT_EQ(users_->list(actor_for(manager), f)->items.size(), 2u);
  f.role = Role::customer;
  ASSERT_EQ(users_->list(actor_for(manager), f)->items.size(), 1u);
  // LIKE wildcards in the query are literal.
  f = {};
  f.query = "100%";
  ASSERT_EQ(users_->list(actor_for(manager), f)->items.size(), 1u);
  f.query = "_";
  EXPECT_EQ(users_->list(actor_for(manager), f)->items.size(), 1u);  // only anna_k has one
  // Accented capitals fold the same way on both stores (SQLite's LOWER() does not fold them).
  for (std::string q : {"zoë", "ZOË", "Zoë 100"}) {
    f.query = q;
    EXPECT_EQ(users_->list(actor_for(manager), f)->items.size(), 1u) << q;
  }
  // Pages of two, newest first, every user once.
  f = {};
  f.limit = 2;
  std::set<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto got = users_->list(actor_for(manager), f);
    ASSERT_TRUE(got);
    EXPECT_LE(got->items.size(), 2u);
    for (const auto& r : got->items) EXPECT_TRUE(seen.insert(r.id).second);
    if (!got->next) break;
    EXPECT_EQ(got->next->id, got->items.back().id);
    f.before = got->next;
  }
  EXPECT_EQ(seen.size(), 4u);
}

TEST_F(UserServiceTest, UpdatesFollowWhoMayChangeWhat) {
  auto a = make_user(Role::customer);
  auto b = make_user(Role::customer);
  auto manager = make_user(Role::manager);
  auto admin = make_user(Role::admin);
  service::UserUpdate u;
  u.name = "Anne";
  u.phone = "+1 555 0100";
  u.addresses_json = R"([{"label":"home","line1":"1 Main St","city":"Springfield","notes":""}])";
  u.marketing_opt_in = true;
  u.metadata_json = R"({"tier":"gold"})";
  auto mine = users_->update(actor_for(a), a.id, u, std::nullopt);
  ASSERT_TRUE(mine) << mine.error().message;
  EXPECT_EQ(mine->name, "Anne");
  EXPECT_EQ(mine->phone, "+1 555 0100");
  EXPECT_EQ(mine->version, 2);
  EXPECT_TRUE(mine->marketing_opt_in);
  EXPECT_EQ(repo::find_user_by_id(*pool_->read(), a.id)->metadata_json, R"({"tier":"gold"})");
  EXPECT_TRUE(audit_actions().empty());  // a customer's own change is not an audited mutation

  // Another customer's account: not found, not forbidden (no existence leak).
  EXPECT_EQ(users_->update(actor_for(b), a.id, u, std::nullopt).error().code, ErrorCode::not_found);
  // A manager can see a but not change it.
  EXPECT_EQ(users_->update(actor_for(manager), a.id, u, std::nullopt).error().code,
            ErrorCode::forbidden);
  // Role and is_active: admin only, even on oneself; the same value is no change.
  service::UserUpdate promote;
  promote.role = Role::manager;
  EXPECT_EQ(users_->update(actor_for(a), a.id, promote, std::nullopt).error().code,
            ErrorCode::forbidden);
  service::UserUpdate same_role;
  same_role.role = Role::customer;
  same_role.is_active = true;
  EXPECT_TRUE(users_->update(actor_for(a), a.id, same_role, std::nullopt));
  auto promoted = users_->update(actor_for(admin), a.id, promote, std::nullopt);
  ASSERT_TRUE(promoted);
  EXPECT_EQ(promoted->role, Role::manager);
  EXPECT_EQ(audit_actions(), std::vector<std::string>{"user.role_change"});
  EXPECT_EQ(service::list_audit(*pool_, {})[0].summary, "role: customer → manager");

  // Email changes are refused; the current email is accepted (GET-modify-PUT).
  service::UserUpdate email;
  email.email = "new@example.com";
  EXPECT_EQ(users_->update(actor_for(b), b.id, email, std::nullopt).error().code,
            ErrorCode::validation_failed);
  email.email = b.email;
  EXPECT_TRUE(users_->update(actor_for(b), b.id, email, std::nullopt));
}

TEST_F(UserServiceTest, StaleVersionsConflict) {
  auto a = make_user(Role::customer);
  service::UserUpdate u;
  u.name = "One";
  ASSERT_TRUE(users_->update(actor_for(a), a.id, u, 1));
  u.name = "Two";
  auto stale = users_->update(actor_for(a), a.id, u, 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::version_conflict);
  EXPECT_TRUE(users_->update(actor_for(a), a.id, u, 2));
  EXPECT_EQ(repo::find_user_by_id(*pool_->read(), a.id)->name, "Two");
}

TEST_F(UserServiceTest, DeactivationEndsSessionsAndTheLastAdminStays) {
  auto admin = make_user(Role::admin);
  auto staff = make_user(Role::staff);
  auto s = sign_in(staff);
  service::UserUpdate off;
  off.is_active = false;
  ASSERT_TRUE(users_->update(actor_for(admin), staff.id, off, std::nullopt));
  EXPECT_FALSE(auth_->authenticate_bearer(s.tokens.access_token));
  EXPECT_FALSE(auth_->refresh(s.tokens.refresh_token, {}));
  EXPECT_EQ(auth_->login({staff.email, std::string(kPassword), std::nullopt}, {}).error().code,
            ErrorCode::unauthorized);
  EXPECT_EQ(audit_actions(), std::vector<std::string>{"user.deactivate"});

  // The only active admin cannot demote, deactivate or erase themself.
  service::UserUpdate demote;
  demote.role = Role::manager;
  EXPECT_EQ(users_->update(actor_for(admin), admin.id, demote, std::nullopt).error().code,
            ErrorCode::conflict);
  EXPECT_EQ(users_->update(actor_for(admin), admin.id, off, std::nullopt).error().code,
            ErrorCode::conflict);
  EXPECT_EQ(users_->erase(actor_for(admin), admin.id).error().code, ErrorCode::conflict);
  // With a second admin it can.
  auto second = make_user(Role::admin);
  EXPECT_TRUE(users_->update(actor_for(second), admin.id, demote, std::nullopt));
}

TEST_F(UserServiceTest, ErasureAnonymisesEndsSessionsAndIsFinal) {
  auto admin = make_user(Role::admin);
  auto c = make_user(Role::customer, "erin@example.com");
  service::UserUpdate u;
  u.phone = "+44 20 7946 0000";
  u.addresses_json = R"([{"label":"","line1":"2 High St","city":"London","notes":"ring"}])";
  u.metadata_json = R"({"a":1})";
  u.marketing_opt_in = true;
  ASSERT_TRUE(users_->update(actor_for(c), c.id, u, std::nullopt));
  auto s = sign_in(c);
  auto other = make_user(Role::customer);
  EXPECT_EQ(users_->erase(actor_for(other), c.id).error().code, ErrorCode::forbidden);

  ASSERT_TRUE(users_->erase(actor_for(c), c.id));
  auto gone = repo::find_user_by_id(*pool_->read(), c.id);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->name, "Erased user");
  EXPECT_EQ(gone->email, service::erased_email(c.id));
  EXPECT_EQ(gone->email.find("erin"), std::string::npos);
  EXPECT_FALSE(gone->phone);
  EXPECT_EQ(gone->addresses_json, "[]");
  EXPECT_EQ(gone->metadata_json, "{}");
  EXPECT_FALSE(gone->marketing_opt_in);
  EXPECT_FALSE(gone->is_active);
  EXPECT_FALSE(gone->totp_secret);
  EXPECT_TRUE(gone->erased_at);
  EXPECT_EQ(gone->password_hash.find("$argon2"), std::string::npos);
  EXPECT_TRUE(repo::list_user_sessions(*pool_->read(), c.id).empty());
  EXPECT_FALSE(auth_->authenticate_bearer(s.tokens.access_token));
  EXPECT_FALSE(auth_->refresh(s.tokens.refresh_token, {}));
  EXPECT_FALSE(auth_->login({"erin@example.com", std::string(kPassword), std::nullopt}, {}));
  // The email is free again; erasing twice is fine; a second erased user gets its own
  // placeholder (the unique index holds).
  make_user(Role::customer, "erin@example.com");
  EXPECT_TRUE(users_->erase(actor_for(admin), c.id));
  auto d = make_user(Role::customer);
  EXPECT_TRUE(users_->erase(actor_for(admin), d.id));
  EXPECT_EQ(users_->update(actor_for(admin), c.id, u, std::nullopt).error().code,
            ErrorCode::conflict);
  EXPECT_EQ(users_->erase(actor_for(admin), util::new_uuid_v7()).error().code,
            ErrorCode::not_found);
  std::set<std::string> actions;
  for (const auto& a : audit_actions()) actions.insert(a);
  EXPECT_TRUE(actions.count("user.erase"));
}

TEST_F(UserServiceTest, ExportHoldsEveryRecordAndNoSecret) {
  auto admin = make_user(Role::admin);
  auto s = sign_in(admin);
  service::ApiKeyService keys(*pool_);
  auto key = keys.create(actor_for(admin), "screen", {"menu:read"}, "standard");
  ASSERT_TRUE(key);
  auto c = make_user(Role::customer);
  // A later feature adds its section through the registry.
  exports_.add("orders", [](db::Connection& conn, const std::string& id) -> json::value {
    auto n = conn.exec("SELECT COUNT(*) FROM users WHERE id = $1", {id}).front().int64(0);
    return json::array{json::object{{"found_user", n}}};
  });
  EXPECT_THROW(exports_.add("orders", {}), std::logic_error);

  auto doc = users_->export_user(actor_for(admin), admin.id);
  ASSERT_TRUE(doc) << doc.error().message;
  EXPECT_EQ(doc->at("format"), "crema.user-export.v1");
  EXPECT_EQ(doc->at("user").at("email"), json::value(admin.email));
  ASSERT_EQ(doc->at("sessions").as_array().size(), 1u);
  EXPECT_EQ(doc->at("sessions").at(0).at("ip"), "10.0.0.1");
  ASSERT_EQ(doc->at("api_keys").as_array().size(), 1u);
  EXPECT_EQ(doc->at("api_keys").at(0).at("id"), json::value(key->record.id));
  ASSERT_EQ(doc->at("audit_log").as_array().size(), 1u);
  EXPECT_EQ(doc->at("audit_log").at(0).at("action"), "api_key.create");
  EXPECT_EQ(doc->at("orders").at(0).at("found_user"), 1);
  const std::string text = json::serialize(*doc);
  for (const std::string& secret :
       {password_hash(), key->key, s.tokens.refresh_token, auth::sha256_hex(s.tokens.refresh_token),
        key->record.key_hash, std::string("password_hash"), std::string("totp")})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret;

  // Who may export: oneself or an admin.
  EXPECT_TRUE(users_->export_user(actor_for(c), c.id));
  EXPECT_TRUE(users_->export_user(actor_for(admin), c.id));
  EXPECT_EQ(users_->export_user(actor_for(make_user(Role::manager)), c.id).error().code,
            ErrorCode::forbidden);
  EXPECT_EQ(users_->export_user(actor_for(make_user(Role::customer)), c.id).error().code,
            ErrorCode::not_found);
}

}  // namespace
}  // namespace crema::test
