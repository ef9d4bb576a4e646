// Partner API keys: creation (hashed, shown once), listing, revocation, authentication, the
// audit rows, and a key opening exactly the routes its scopes allow through the real
// authenticator and dispatcher.
#include <boost/json.hpp>

#include "api/authenticator.hpp"
#include "db/identity_fixture.hpp"
#include "net/dispatcher.hpp"
#include "service/api_key_service.hpp"
#include "service/audit.hpp"

namespace crema::test {
namespace {

using auth::Role;

class ApiKeyServiceTest : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    keys_ = std::make_unique<service::ApiKeyService>(*pool_);
  }
  std::unique_ptr<service::ApiKeyService> keys_;
};

TEST_F(ApiKeyServiceTest, CreatedKeysAreHashedShownOnceAndRevocable) {
  auto admin = make_user(Role::admin);
  auto made = keys_->create(actor_for(admin), "Signage screen", {"menu:read"}, "standard");
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->key.rfind("crema_", 0), 0u);
  EXPECT_GE(made->key.size(), 49u);
  EXPECT_EQ(made->record.key_prefix, made->key.substr(0, 12));
  // Only the hash is stored.
  auto rows = pool_->read()->exec("SELECT key_hash, key_prefix FROM api_keys");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.front().text(0), auth::sha256_hex(made->key));
  EXPECT_EQ(rows.front().text(0).find(made->key.substr(6)), std::string::npos);

  auto p = keys_->authenticate(made->key);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->api_key_id, made->record.id);
  EXPECT_EQ(p->api_key_tier, "standard");
  EXPECT_EQ(p->scopes, std::vector<std::string>{"menu:read"});
  EXPECT_TRUE(p->user_id.empty());
  EXPECT_FALSE(keys_->authenticate(made->key + "x"));
  EXPECT_FALSE(keys_->authenticate("crema_"));
  EXPECT_FALSE(keys_->authenticate("something else"));

  ASSERT_TRUE(keys_->revoke(actor_for(admin), made->record.id));
  auto revoked = keys_->authenticate(made->key);
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().code, ErrorCode::unauthorized);
  EXPECT_TRUE(keys_->revoke(actor_for(admin), made->record.id));  // again: nothing to do
  EXPECT_EQ(keys_->revoke(actor_for(admin), util::new_uuid_v7()).error().code,
            ErrorCode::not_found);

  std::vector<std::string> actions;
  for (const auto& row : service::list_audit(*pool_, {})) actions.push_back(row.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"api_key.revoke", "api_key.create"}));
}

TEST_F(ApiKeyServiceTest, OnlyAdminsManageKeysAndListsPage) {
  auto admin = make_user(Role::admin);
  for (auto role : {Role::customer, Role::driver, Role::staff, Role::manager}) {
    auto u = make_user(role);
    EXPECT_EQ(keys_->create(actor_for(u), "k", {"menu:read"}, "standard").error().code,
              ErrorCode::forbidden);
    EXPECT_EQ(keys_->list(actor_for(u), std::nullopt, 10).error().code, ErrorCode::forbidden);
  }
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(keys_
                      ->create(actor_for(admin), "k" + std::to_string(i),
                               {"orders:read", "orders:write"}, i % 2 ? "partner" : "standard")
                      ->record.id);
  auto first = keys_->list(actor_for(admin), std::nullopt, 2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id, ids[4]);
  EXPECT_EQ(first->items[1].id, ids[3]);
  ASSERT_TRUE(first->next);
  EXPECT_EQ(*first->next, (repo::Keyset{first->items[1].created_at, first->items[1].id}));
  auto second = keys_->list(actor_for(admin), first->next, 2);
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[0].id, ids[2]);
  ASSERT_TRUE(second->next);
  auto last = keys_->list(actor_for(admin), second->next, 2);
  ASSERT_EQ(last->items.size(), 1u);
  EXPECT_EQ(last->items[0].id, ids[0]);
  EXPECT_FALSE(last->next);
  EXPECT_EQ(repo::list_api_keys_created_by(*pool_->read(), admin.id).size(), 5u);
}

// The real authenticator in front of routes that do and do not take API keys.
TEST_F(ApiKeyServiceTest, KeysOpenOnlyTheRoutesTheirScopesAllow) {
  auto admin = make_user(Role::admin);
  auto shared_keys = std::make_shared<service::ApiKeyService>(*pool_);
  auto shared_auth = std::shared_ptr<service::AuthService>(auth_.get(), [](auto*) {});
  api::IdentityAuthenticator authenticator(shared_auth, shared_keys);
  http::Router router;
  auto route = [&](std::string pattern, auth::Access access) {
    http::Route r;
    r.method = http::Method::get;
    r.pattern = std::move(pattern);
    r.access = access;
    r.doc.summary = "t";
    r.handler = [](http::Request& req) {
      return http::Response::json(200, boost::json::object{{"key", req.principal->api_key_id}});
    };
    router.add(std::move(r));
  };
  route("/api/v1/menu-ish", auth::Access::staff_plus().with_scope("menu:read"));
  route("/api/v1/orders-ish", auth::Access::staff_plus().with_scope("orders:read"));
  route("/api/v1/users-ish", auth::Access::admin());
  http::Dispatcher dispatcher(router, {});
  dispatcher.set_authenticator(&authenticator);
  auto call = [&](const std::string& path, const std::string& key) {
    http::Request req;
    req.method = http::Method::get;
    req.path = path;
    req.client_ip = "10.0.0.1";
    req.headers.emplace_back("X-API-Key", key);
    http::Match m = router.match(req.method, req.path);
    http::Exchange ex{req, m, std::chrono::steady_clock::now()};
    if (auto early = dispatcher.prepare(ex)) return early->status;
    return dispatcher.invoke(ex).status;
  };
  auto key = shared_keys->create(actor_for(admin), "screen", {"menu:read"}, "partner");
  ASSERT_TRUE(key);
  EXPECT_EQ(call("/api/v1/menu-ish", key->key), 200);
  EXPECT_EQ(call("/api/v1/orders-ish", key->key), 403);
  EXPECT_EQ(call("/api/v1/users-ish", key->key), 403);
  EXPECT_EQ(call("/api/v1/menu-ish", "crema_not-a-key"), 401);
  ASSERT_TRUE(shared_keys->revoke(actor_for(admin), key->record.id));
  EXPECT_EQ(call("/api/v1/menu-ish", key->key), 401);
}

}  // namespace
}  // namespace crema::test
