// Registration, login, lockout, refresh rotation, logout, password change and bearer
// authentication, on the store under test.
#include <atomic>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "db/identity_fixture.hpp"
#include "repo/session_repo.hpp"
#include "service/audit.hpp"

namespace crema::test {
namespace {

using auth::Role;

service::RegisterInput registration(std::string email, std::optional<Role> role = std::nullopt) {
  service::RegisterInput in;
  in.name = "Ada";
  in.email = std::move(email);
  in.password = std::string(kPassword);
  in.role = role;
  return in;
}

class AuthServiceTest : public IdentityTest {};

// The `sid` claim of an access token.
std::string jwt_payload_sid(const std::string& token) {
  auto d1 = token.find('.');
  auto d2 = token.find('.', d1 + 1);
  auto raw = auth::base64url_decode(std::string_view(token).substr(d1 + 1, d2 - d1 - 1));
  if (!raw) return {};
  auto v = boost::json::parse(*raw);
  return std::string(v.at("sid").as_string());
}

TEST_F(AuthServiceTest, RegistrationIsCustomerUnlessAnAdminAsks) {
  const service::Actor anonymous;
  auto self = auth_->register_user(anonymous, registration("Ada@Example.com"), {"1.2.3.4", "ua"});
  ASSERT_TRUE(self) << self.error().message;
  EXPECT_EQ(self->user.role, Role::customer);
  EXPECT_EQ(self->user.email, "ada@example.com");
  EXPECT_FALSE(self->tokens.access_token.empty());
  EXPECT_EQ(self->tokens.refresh_token.size(), 43u);
  // The refresh token is stored only as its hash.
  EXPECT_EQ(pool_->read()
                ->exec("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = $1",
                       {auth::sha256_hex(self->tokens.refresh_token)})
                .front()
                .int64(0),
            1);
  EXPECT_EQ(pool_->read()
                ->exec("SELECT COUNT(*) FROM refresh_tokens WHERE token_hash = $1",
                       {self->tokens.refresh_token})
                .front()
                .int64(0),
            0);

  // Asking for another role: forbidden for the public and for every non-admin role.
  for (auto role : {Role::staff, Role::manager, Role::admin, Role::driver}) {
    auto out = auth_->register_user(anonymous, registration("x@example.com", role), {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, ErrorCode::forbidden);
  }
  auto manager = make_user(Role::manager);
  auto by_manager =
      auth_->register_user(actor_for(manager), registration("y@example.com", Role::staff), {});
  ASSERT_FALSE(by_manager);
  EXPECT_EQ(by_manager.error().code, ErrorCode::forbidden);
  EXPECT_FALSE(repo::find_user_by_email(*pool_->read(), "x@example.com"));
  EXPECT_FALSE(repo::find_user_by_email(*pool_->read(), "y@example.com"));

  // An admin may create any role, and that is audited.
  auto admin = make_user(Role::admin);
  auto staff =
      auth_->register_user(actor_for(admin), registration("sam@example.com", Role::staff), {});
  ASSERT_TRUE(staff) << staff.error().message;
  EXPECT_EQ(staff->user.role, Role::staff);
  auto audit = service::list_audit(*pool_, {});
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "user.create");
  EXPECT_EQ(audit[0].actor_id, admin.id);
  EXPECT_EQ(audit[0].target_id, staff->user.id);

  // A taken email (in any case) is a duplicate.
  auto again = auth_->register_user(anonymous, registration("ADA@example.com"), {});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::duplicate);
}

TEST_F(AuthServiceTest, LoginAnswersTheSameForEveryKindOfFailure) {
  auto user = make_user(Role::customer, "kim@example.com");
  make_user(Role::customer, "gone@example.com", /*active=*/false);
  auto ok = auth_->login({"  KIM@example.com ", std::string(kPassword), std::nullopt}, {});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->user.id, user.id);

  std::vector<Error> failures;
  for (auto [email, password] : {std::pair{"kim@example.com", "wrong password!"},
                                 std::pair{"nobody@example.com", "correct horse battery staple"},
                                 std::pair{"gone@example.com", "correct horse battery staple"},
                                 std::pair{"not an email", "correct horse battery staple"}}) {
    auto out = auth_->login({email, password, std::nullopt}, {});
    ASSERT_FALSE(out) << email;
    failures.push_back(out.error());
  }
  for (const auto& e : failures) {
    EXPECT_EQ(e.code, ErrorCode::unauthorized);
    EXPECT_EQ(e.message, failures[0].message);
    EXPECT_TRUE(e.details.empty());
  }
}

TEST_F(AuthServiceTest, FiveFailuresLockTheEmailWhateverComesNext) {
  auto user = make_user(Role::customer, "lee@example.com");
  for (int i = 0; i < service::kLoginFailureLimit; ++i) {
    auto out = auth_->login({"lee@example.com", "not the password", std::nullopt}, {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, ErrorCode::unauthorized) << "attempt " << i + 1;
  }
  // The sixth attempt is refused even with the right password, before any hashing.
  auto sixth = auth_->login({"LEE@example.com", std::string(kPassword), std::nullopt}, {});
  ASSERT_FALSE(sixth);
  EXPECT_EQ(sixth.error().code, ErrorCode::rate_limited);
  EXPECT_GT(sixth.error().retry_after_s, 14 * 60);
  EXPECT_LE(sixth.error().retry_after_s, 15 * 60);

  // Unknown emails lock the same way (no way to tell known from unknown).
  for (int i = 0; i < service::kLoginFailureLimit; ++i)
    EXPECT_EQ(auth_->login({"ghost@example.com", "whatever it is", std::nullopt}, {}).error().code,
              ErrorCode::unauthorized);
  EXPECT_EQ(auth_->login({"ghost@example.com", "whatever it is", std::nullopt}, {}).error().code,
            ErrorCode::rate_limited);

  // Another account is not affected, and a success clears its own failures.
  auto other = make_user(Role::customer, "max@example.com");
  for (int i = 0; i < 4; ++i) (void)auth_->login({other.email, "wrong guess..", std::nullopt}, {});
  ASSERT_TRUE(auth_->login({other.email, std::string(kPassword), std::nullopt}, {}));
  for (int i = 0; i < 4; ++i) (void)auth_->login({other.email, "wrong guess..", std::nullopt}, {});
  EXPECT_TRUE(auth_->login({other.email, std::string(kPassword), std::nullopt}, {}));
  (void)user;
}

// The lockout reserves each attempt before hashing: of twenty concurrent wrong logins for
// one email at most five reach the password check (counted by password_verifications(),
// the tally behind the password_verifications_total metric), the rest are 429.
TEST_F(AuthServiceTest, ConcurrentGuessesAreLockedOutBeforeHashing) {
  auto user = make_user(Role::customer, "race@example.com");
  const auto before = auth::password_verifications();
  std::atomic<int> unauthorized{0}, limited{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto out =
          auth_->login({"race@example.com", "guess number " + std::to_string(i), std::nullopt}, {});
      if (!out && out.error().code == ErrorCode::unauthorized) ++unauthorized;
      if (!out && out.error().code == ErrorCode::rate_limited) ++limited;
    });
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_LE(auth::password_verifications() - before, 5u);
  EXPECT_EQ(unauthorized.load(), service::kLoginFailureLimit);
  EXPECT_EQ(limited.load(), 20 - service::kLoginFailureLimit);
  // Locked now, right password or not.
  auto right = auth_->login({user.email, std::string(kPassword), std::nullopt}, {});
  ASSERT_FALSE(right);
  EXPECT_EQ(right.error().code, ErrorCode::rate_limited);
}

// The right password without the second factor is not a guess: it costs no attempt.
TEST_F(AuthServiceTest, AMissingOtpDoesNotCountTowardTheLockout) {
  auto user = make_user(Role::customer, "otp@example.com");
  pool_->transact([&](db::Transaction& tx) {
    repo::set_totp(tx.connection(), user.id, box_->seal(auth::random_bytes(20)), true, std::nullopt,
                   util::now_ms());
  });
  for (int i = 0; i < 2 * service::kLoginFailureLimit; ++i) {
    auto out = auth_->login({user.email, std::string(kPassword), std::nullopt}, {});
    ASSERT_FALSE(out);
    ASSERT_EQ(out.error().code, ErrorCode::unauthorized) << i;
    ASSERT_EQ(out.error().details.size(), 1u);
    EXPECT_EQ(out.error().details[0].field, "otp");
  }
}

// CREMA_SESSION_MAX_DAYS: refreshing slides the refresh token's 7 days, never the
// session's end, counted from the sign-in.
TEST_F(AuthServiceTest, ASessionEndsAtItsAbsoluteLifetimeHoweverOftenItIsRefreshed) {
  const std::int64_t day = 24LL * 3600 * 1000;
  service::AuthService svc(*pool_, *jwt_, *box_, denylist_, limiter_,
                           auth::Argon2Profile::interactive, service::SocketRevoker(), 10 * day);
  auto user = make_user(Role::customer);
  auto in = svc.login({user.email, std::string(kPassword), std::nullopt}, {});
  ASSERT_TRUE(in) << in.error().message;
  const std::string sid = std::string(jwt_payload_sid(in->tokens.access_token));
  // Eight days later (a refresh every few days kept it going): refreshes stop at day 10.
  auto backdate = [&](std::int64_t by) {
    pool_->transact([&](db::Transaction& tx) {
      tx.exec("UPDATE sessions SET created_at = created_at - $2 WHERE id = $1",
              {std::string_view(sid), by});
    });
  };
  backdate(8 * day);
  auto near_end = svc.refresh(in->tokens.refresh_token, {});
  ASSERT_TRUE(near_end) << near_end.error().message;
  auto token = repo::find_refresh_token(*pool_->read(), auth::sha256_hex(near_end->refresh_token));
  ASSERT_TRUE(token);
  EXPECT_LE(token->token.expires_at, token->session.created_at + 10 * day)
      << "the new refresh token outlives the session";
  EXPECT_GT(token->token.expires_at, util::now_ms() + day);
  backdate(3 * day);  // now past day 10
  auto ended = svc.refresh(near_end->refresh_token, {});
  ASSERT_FALSE(ended);
  EXPECT_EQ(ended.error().code, ErrorCode::unauthorized);
  EXPECT_NE(ended.error().message.find("maximum lifetime"), std::string::npos);
  EXPECT_FALSE(svc.authenticate_bearer(near_end->access_token)) << "the session was revoked";
}

TEST_F(AuthServiceTest, RefreshRotatesAndAReplayRevokesTheWholeSession) {
  auto user = make_user(Role::staff);
  auto first = sign_in(user);
  auto second = auth_->refresh(first.tokens.refresh_token, {});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(second->refresh_token, first.tokens.refresh_token);
  EXPECT_TRUE(auth_->authenticate_bearer(second->access_token));
  auto third = auth_->refresh(second->refresh_token, {});
  ASSERT_TRUE(third) << third.error().message;

  // The first token again: theft detected, the session ends for everyone.
  auto replay = auth_->refresh(first.tokens.refresh_token, {});
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::unauthorized);
  auto newest = auth_->refresh(third->refresh_token, {});
  ASSERT_FALSE(newest);
  EXPECT_EQ(newest.error().code, ErrorCode::unauthorized);
  // Access tokens of the session stop working too.
  EXPECT_FALSE(auth_->authenticate_bearer(third->access_token));
  EXPECT_FALSE(auth_->authenticate_bearer(first.tokens.access_token));
  auto sessions = repo::list_user_sessions(*pool_->read(), user.id);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(sessions[0].revoked_at.has_value());
  EXPECT_EQ(sessions[0].revoke_reason.value_or(""), "refresh token reuse");

  // Another session of the same user is untouched.
  auto other = sign_in(user);
  EXPECT_TRUE(auth_->refresh(other.tokens.refresh_token, {}));
  // Nonsense is simply unauthorized.
  EXPECT_EQ(auth_->refresh("nonsense", {}).error().code, ErrorCode::unauthorized);
  EXPECT_EQ(auth_->refresh("", {}).error().code, ErrorCode::unauthorized);
}

TEST_F(AuthServiceTest, ExpiredRefreshTokensAndInactiveUsersAreRefused) {
  auto user = make_user(Role::customer);
  auto s = sign_in(user);
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE refresh_tokens SET expires_at = $1", {util::now_ms() - 1});
  });
  auto expired = auth_->refresh(s.tokens.refresh_token, {});
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);

  auto s2 = sign_in(user);
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE users SET is_active = $1 WHERE id = $2", {false, user.id});
  });
  EXPECT_FALSE(auth_->refresh(s2.tokens.refresh_token, {}));
  EXPECT_FALSE(auth_->authenticate_bearer(s2.tokens.access_token));
}

TEST_F(AuthServiceTest, LogoutEndsTheSessionAndDenylistsTheAccessToken) {
  auto user = make_user(Role::customer);
  auto s = sign_in(user);
  auto other = sign_in(user);
  auto actor = actor_of_token(s.tokens.access_token);
  ASSERT_TRUE(actor.principal);
  EXPECT_FALSE(actor.principal->session_id.empty());
  ASSERT_TRUE(auth_->logout(actor, std::nullopt));
  auto after = auth_->authenticate_bearer(s.tokens.access_token);
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().message.find("revoked"), std::string::npos);
  EXPECT_TRUE(denylist_.denied(actor.principal->token_id, util::now_ms()));
  EXPECT_FALSE(auth_->refresh(s.tokens.refresh_token, {}));
  // The other session lives on.
  EXPECT_TRUE(auth_->authenticate_bearer(other.tokens.access_token));

  // Logging out with someone else's refresh token does not end their session.
  auto victim = make_user(Role::customer);
  auto vs = sign_in(victim);
  auto third = sign_in(user);
  ASSERT_TRUE(auth_->logout(actor_of_token(third.tokens.access_token), vs.tokens.refresh_token));
  EXPECT_TRUE(auth_->refresh(vs.tokens.refresh_token, {}));
  // A customer signing out is not an audited mutation; a manager signing out is.
  EXPECT_TRUE(service::list_audit(*pool_, {}).empty());
  auto manager = make_user(Role::manager);
  ASSERT_TRUE(auth_->logout(actor_of_token(sign_in(manager).tokens.access_token), std::nullopt));
  auto audit = service::list_audit(*pool_, {});
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "user.logout");
  EXPECT_EQ(audit[0].actor_id, manager.id);
}

TEST_F(AuthServiceTest, PasswordChangeKeepsThisSessionAndEndsTheOthers) {
  auto user = make_user(Role::manager);
  auto here = sign_in(user);
  auto elsewhere = sign_in(user);
  auto actor = actor_of_token(here.tokens.access_token);

  auto wrong = auth_->change_password(actor, "not my password", "a brand new secret");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::validation_failed);
  EXPECT_EQ(wrong.error().details.at(0).field, "current_password");
  auto weak = auth_->change_password(actor, kPassword, "short");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().details.at(0).field, "new_password");

  ASSERT_TRUE(auth_->change_password(actor, kPassword, "a brand new secret"));
  EXPECT_TRUE(auth_->authenticate_bearer(here.tokens.access_token));
  EXPECT_FALSE(auth_->authenticate_bearer(elsewhere.tokens.access_token));
  EXPECT_FALSE(auth_->refresh(elsewhere.tokens.refresh_token, {}));
  EXPECT_TRUE(auth_->refresh(here.tokens.refresh_token, {}));
  EXPECT_FALSE(auth_->login({user.email, std::string(kPassword), std::nullopt}, {}));
  EXPECT_TRUE(auth_->login({user.email, "a brand new secret", std::nullopt}, {}));
  // A manager's change is in the audit log (without the password, of course).
  auto audit = service::list_audit(*pool_, {});
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "user.password_change");
  EXPECT_EQ(audit[0].summary.find("brand new"), std::string::npos);
}

TEST_F(AuthServiceTest, BearerTokensFollowTheAccount) {
  auto user = make_user(Role::staff);
  auto s = sign_in(user);
  auto p = auth_->authenticate_bearer(s.tokens.access_token);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->user_id, user.id);
  EXPECT_EQ(p->role, Role::staff);
  EXPECT_FALSE(p->two_factor);
  EXPECT_GT(p->token_expires_ms, util::now_ms() + 14 * 60 * 1000);

  // A role change makes older tokens stale; a refresh gives the new role.
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE users SET role = 'manager' WHERE id = $1", {user.id});
  });
  EXPECT_FALSE(auth_->authenticate_bearer(s.tokens.access_token));
  auto refreshed = auth_->refresh(s.tokens.refresh_token, {});
  ASSERT_TRUE(refreshed);
  auto q = auth_->authenticate_bearer(refreshed->access_token);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->role, Role::manager);

  // A token signed for a user that does not exist, or for a session that is not theirs.
  auth::AccessClaims c;
  c.sub = util::new_uuid_v7();
  c.role = Role::admin;
  c.iat = util::now_ms() / 1000;
  c.exp = c.iat + 900;
  c.jti = "j";
  c.sid = q->session_id;
  EXPECT_FALSE(auth_->authenticate_bearer(jwt_->sign(c)));
  c.sub = make_user(Role::admin).id;
  EXPECT_FALSE(auth_->authenticate_bearer(jwt_->sign(c)));
}

TEST_F(AuthServiceTest, EndedSessionsArePrunedAtTheNextSignIn) {
  auto user = make_user(Role::customer);
  auto s = sign_in(user);
  const std::int64_t long_ago = util::now_ms() - 60LL * 24 * 3600 * 1000;
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE sessions SET revoked_at = $1, expires_at = $1", {long_ago});
    tx.exec("UPDATE refresh_tokens SET expires_at = $1", {long_ago});
  });
  sign_in(user);
  auto sessions = repo::list_user_sessions(*pool_->read(), user.id);
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_FALSE(sessions[0].revoked_at);
  EXPECT_EQ(count("refresh_tokens"), 1);
  (void)s;
}

}  // namespace
}  // namespace crema::test
