// SPEC §15.4: every use case that ends credentials tells the live WebSockets, through the
// service::SocketRevoker hook, after its transaction committed — and only then, and only
// the sessions it ended. The revocation is an event on the bus (which the hub and the Redis
// fan-out carry); here a bus records what each use case published, on both stores.
#include <mutex>

#include "db/identity_fixture.hpp"
#include "events/bus.hpp"
#include "events/revocation.hpp"
#include "repo/session_repo.hpp"
#include "service/socket_revoker.hpp"
#include "service/user_export.hpp"
#include "service/user_service.hpp"

namespace crema::test {
namespace {

using auth::Role;
using events::Revocation;

class SocketRevocations : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    bus_.subscribe([this](const events::Event& e) {
      auto r = events::revocation_of(e);
      if (!r) return;
      std::lock_guard lock(mutex_);
      seen_.push_back(*r);
    });
    const service::SocketRevoker sockets(&bus_);
    // The services under test, wired as the server wires them.
    auth_ = std::make_unique<service::AuthService>(*pool_, *jwt_, *box_, denylist_, limiter_,
                                                   auth::Argon2Profile::interactive, sockets);
    service::add_identity_export_sections(exports_);
    users_ = std::make_unique<service::UserService>(*pool_, exports_, sockets);
  }

  std::vector<Revocation> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(seen_, {});
  }

  static void expect(const Revocation& r, const std::string& user, const std::string& session,
                     const std::string& keep, const std::string& reason) {
    EXPECT_EQ(r.user_id, user);
    EXPECT_EQ(r.session_id, session);
    EXPECT_EQ(r.keep_session_id, keep);
    EXPECT_EQ(r.reason, reason);
  }

  service::Actor admin_actor() { return actor_for(make_user(Role::admin)); }

  events::Bus bus_;
  std::mutex mutex_;
  std::vector<Revocation> seen_;
  service::UserExportRegistry exports_;
  std::unique_ptr<service::UserService> users_;
};

TEST_F(SocketRevocations, LogoutRevokesItsSessionAndTheRefreshTokensSession) {
  auto u = make_user(Role::customer);
  auto first = sign_in(u);
  auto second = sign_in(u);
  const auto actor = actor_of_token(first.tokens.access_token);
  const std::string sid = actor.principal->session_id;
  ASSERT_TRUE(auth_->logout(actor, std::nullopt));
  auto got = take();
  ASSERT_EQ(got.size(), 1u);
  expect(got[0], u.id, sid, "", "signed out");

  // With the other session's refresh token: both sessions' sockets.
  auto third = sign_in(u);
  const auto actor3 = actor_of_token(third.tokens.access_token);
  const std::string second_sid = actor_of_token(second.tokens.access_token).principal->session_id;
  ASSERT_TRUE(auth_->logout(actor3, second.tokens.refresh_token));
  got = take();
  ASSERT_EQ(got.size(), 2u);
  expect(got[0], u.id, actor3.principal->session_id, "", "signed out");
  expect(got[1], u.id, second_sid, "", "signed out");

  // Someone else's refresh token ends nothing of theirs, and closes none of their sockets.
  auto other = make_user(Role::customer);
  auto theirs = sign_in(other);
  auto fourth = sign_in(u);
  const auto actor4 = actor_of_token(fourth.tokens.access_token);
  ASSERT_TRUE(auth_->logout(actor4, theirs.tokens.refresh_token));
  got = take();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].user_id, u.id);
}

TEST_F(SocketRevocations, APasswordChangeRevokesEverySessionButTheCallers) {
  auto u = make_user(Role::staff);
  auto mine = sign_in(u);
  sign_in(u);
  const auto actor = actor_of_token(mine.tokens.access_token);
  // A refused change ends nothing.
  EXPECT_FALSE(auth_->change_password(actor, "not the password", "another good passphrase"));
  EXPECT_TRUE(take().empty());
  ASSERT_TRUE(auth_->change_password(actor, kPassword, "another good passphrase"));
  auto got = take();
  ASSERT_EQ(got.size(), 1u);
  expect(got[0], u.id, "", actor.principal->session_id, "password changed");
}

TEST_F(SocketRevocations, AReplayedRefreshTokenRevokesItsSession) {
  auto u = make_user(Role::customer);
  auto in = sign_in(u);
  const std::string sid = actor_of_token(in.tokens.access_token).principal->session_id;
  ASSERT_TRUE(auth_->refresh(in.tokens.refresh_token, {"10.0.0.1", "ua"}));
  EXPECT_TRUE(take().empty()) << "a normal rotation ends nothing";
  EXPECT_FALSE(auth_->refresh(in.tokens.refresh_token, {"10.0.0.1", "ua"}));
  auto got = take();
  ASSERT_EQ(got.size(), 1u);
  expect(got[0], u.id, sid, "", "session revoked");
}

TEST_F(SocketRevocations, DeactivationAndRoleChangesRevokeEverySocketOfTheUser) {
  const auto admin = admin_actor();
  auto u = make_user(Role::customer);
  service::UserUpdate rename;
  rename.name = "New name";
  ASSERT_TRUE(users_->update(admin, u.id, rename, std::nullopt));
  EXPECT_TRUE(take().empty()) << "a profile change keeps the sockets";

  service::UserUpdate promote;
  promote.role = Role::staff;
  ASSERT_TRUE(users_->update(admin, u.id, promote, std::nullopt));
  auto got = take();
  ASSERT_EQ(got.size(), 1u);
  expect(got[0], u.id, "", "", "role changed");
  ASSERT_TRUE(users_->update(admin, u.id, promote, std::nullopt));
  EXPECT_TRUE(take().empty()) << "the same role again is no change";

  service::UserUpdate off;
  off.is_active = false;
  ASSERT_TRUE(users_->update(admin, u.id, off, std::nullopt));
  got = take();
  ASSERT_EQ(got.size(), 1u);
  expect(got[0], u.id, "", "", "account deactivated");

  service::UserUpdate on;
  on.is_active = true;
  ASSERT_TRUE(users_->update(admin, u.id, on, std::nullopt));
  EXPECT_TRUE(take().empty()) << "reactivation ends nothing";

  // A refused change (not an admin) publishes nothing.
  auto self = actor_for(u);
  service::UserUpdate self_promote;
  self_promote.role = Role::admin;
  EXPECT_FALSE(users_->update(self, u.id, self_promote, std::nullopt));
  EXPECT_TRUE(take().empty());
}

TEST_F(SocketRevocations, ErasureRevokesEverySocketOfTheUserOnce) {
  auto u = make_user(Role::customer);
  sign_in(u);
  ASSERT_TRUE(users_->erase(actor_for(u), u.id));
  auto got = take();
  ASSERT_EQ(got.size(), 1u);
  expect(got[0], u.id, "", "", "account erased");
  ASSERT_TRUE(users_->erase(admin_actor(), u.id));
  EXPECT_TRUE(take().empty()) << "erasing again has nothing left to close";

  auto v = make_user(Role::driver);
  ASSERT_TRUE(users_->erase(admin_actor(), v.id));
  got = take();
  ASSERT_EQ(got.size(), 1u);
  expect(got[0], v.id, "", "", "account erased");
}

TEST_F(SocketRevocations, TheTokensOfEachRevocationAre401) {
  // The HTTP side of the same events: what the authenticator answers afterwards.
  auto u = make_user(Role::customer);
  auto a = sign_in(u);
  auto b = sign_in(u);
  auto c = sign_in(u);
  ASSERT_TRUE(auth_->logout(actor_of_token(a.tokens.access_token), std::nullopt));
  EXPECT_FALSE(auth_->authenticate_bearer(a.tokens.access_token)) << "logout";
  ASSERT_TRUE(auth_->change_password(actor_of_token(b.tokens.access_token), kPassword,
                                     "a newer passphrase"));
  EXPECT_FALSE(auth_->authenticate_bearer(c.tokens.access_token)) << "password change";
  EXPECT_TRUE(auth_->authenticate_bearer(b.tokens.access_token)) << "the caller's stays";
  service::UserUpdate promote;
  promote.role = Role::driver;
  ASSERT_TRUE(users_->update(admin_actor(), u.id, promote, std::nullopt));
  EXPECT_FALSE(auth_->authenticate_bearer(b.tokens.access_token)) << "role change";

  auto v = make_user(Role::staff);
  auto d = sign_in(v);
  service::UserUpdate off;
  off.is_active = false;
  ASSERT_TRUE(users_->update(admin_actor(), v.id, off, std::nullopt));
  EXPECT_FALSE(auth_->authenticate_bearer(d.tokens.access_token)) << "deactivation";

  auto w = make_user(Role::staff);
  auto e = sign_in(w);
  ASSERT_TRUE(users_->erase(admin_actor(), w.id));
  EXPECT_FALSE(auth_->authenticate_bearer(e.tokens.access_token)) << "erasure";
}

}  // namespace
}  // namespace crema::test
