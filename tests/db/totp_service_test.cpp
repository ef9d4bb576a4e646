// Two-factor enrolment and sign-in with TOTP, the secret encrypted at rest, codes good once.
#include <set>

#include "auth/totp.hpp"
#include "db/identity_fixture.hpp"
#include "service/audit.hpp"

namespace crema::test {
namespace {

using auth::Role;

class TotpServiceTest : public IdentityTest {
 protected:
  // The raw secret from a setup answer.
  static std::string raw_secret(const service::TotpSetup& s) {
    return auth::base32_decode(s.secret_base32).value();
  }
  static std::string code_at(const std::string& secret, std::int64_t offset_s) {
    return auth::totp_code(secret, util::now_ms() / 1000 + offset_s);
  }
  // The n-th code that none of the three accepted steps produces now.
  static std::string wrong_code(const std::string& secret, int n = 0) {
    for (std::uint32_t i = 0;; ++i) {
      std::string c = auth::otp_text(i, 6);
      if (c != code_at(secret, -30) && c != code_at(secret, 0) && c != code_at(secret, 30) &&
          n-- == 0)
        return c;
    }
  }
};

TEST_F(TotpServiceTest, EnrolThenSignInWithACode) {
  auto user = make_user(Role::manager, "mona@example.com");
  auto s = sign_in(user);
  auto actor = actor_of_token(s.tokens.access_token);

  auto setup = auth_->totp_setup(actor);
  ASSERT_TRUE(setup) << setup.error().message;
  const std::string secret = raw_secret(*setup);
  EXPECT_EQ(secret.size(), 20u);
  EXPECT_EQ(setup->otpauth_url.rfind(
                "otpauth://totp/Crema:mona@example.com?secret=" + setup->secret_base32, 0),
            0u);
  // Stored encrypted: not the raw or base32 secret, but it opens with the data key.
  auto stored = repo::find_user_by_id(*pool_->read(), user.id);
  ASSERT_TRUE(stored && stored->totp_secret);
  EXPECT_EQ(stored->totp_secret->find(setup->secret_base32), std::string::npos);
  EXPECT_EQ(stored->totp_secret->find(secret), std::string::npos);
  EXPECT_EQ(box_->open(*stored->totp_secret).value(), secret);
  EXPECT_FALSE(stored->two_factor_enabled);
  // Not required until enabled.
  EXPECT_TRUE(auth_->login({user.email, std::string(kPassword), std::nullopt}, {}));

  auto wrong = auth_->totp_enable(actor, wrong_code(secret));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::validation_failed);
  ASSERT_TRUE(auth_->totp_enable(actor, code_at(secret, -30)));
  EXPECT_TRUE(repo::find_user_by_id(*pool_->read(), user.id)->two_factor_enabled);
  EXPECT_EQ(auth_->totp_setup(actor).error().code, ErrorCode::conflict);
  EXPECT_TRUE(auth_->authenticate_bearer(s.tokens.access_token)->two_factor);

  // Login now needs the code.
  auto missing = auth_->login({user.email, std::string(kPassword), std::nullopt}, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::unauthorized);
  ASSERT_EQ(missing.error().details.size(), 1u);
  EXPECT_EQ(missing.error().details[0].field, "otp");
  EXPECT_EQ(missing.error().details[0].issue, "is required");
  auto bad = auth_->login({user.email, std::string(kPassword), std::string("12345x")}, {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().details.at(0).issue, "is not valid");
  const std::string now_code = code_at(secret, 0);
  ASSERT_TRUE(auth_->login({user.email, std::string(kPassword), now_code}, {}));
  // The same code cannot be used twice, nor an older one.
  EXPECT_FALSE(auth_->login({user.email, std::string(kPassword), now_code}, {}));
  EXPECT_FALSE(auth_->login({user.email, std::string(kPassword), code_at(secret, -30)}, {}));
  // A wrong password with a right code is the plain bad-credentials answer.
  auto wrong_pw = auth_->login({user.email, "not the password", code_at(secret, 30)}, {});
  ASSERT_FALSE(wrong_pw);
  EXPECT_TRUE(wrong_pw.error().details.empty());

  ASSERT_TRUE(auth_->totp_disable(actor, code_at(secret, 30)));
  auto after = repo::find_user_by_id(*pool_->read(), user.id);
  EXPECT_FALSE(after->two_factor_enabled);
  EXPECT_FALSE(after->totp_secret.has_value());
  EXPECT_TRUE(auth_->login({user.email, std::string(kPassword), std::nullopt}, {}));
  EXPECT_EQ(auth_->totp_disable(actor, "123456").error().code, ErrorCode::conflict);

  // A manager's 2FA changes are audited.
  std::set<std::string> actions;
  for (const auto& row : service::list_audit(*pool_, {})) actions.insert(row.action);
  EXPECT_TRUE(actions.count("user.2fa_setup"));
  EXPECT_TRUE(actions.count("user.2fa_enable"));
  EXPECT_TRUE(actions.count("user.2fa_disable"));
}

TEST_F(TotpServiceTest, WrongCodesCountTowardTheLockout) {
  auto user = make_user(Role::customer, "otto@example.com");
  auto s = sign_in(user);
  auto actor = actor_of_token(s.tokens.access_token);
  auto setup = auth_->totp_setup(actor);
  const std::string secret = raw_secret(*setup);
  ASSERT_TRUE(auth_->totp_enable(actor, code_at(secret, -30)));
  std::vector<std::string> wrong;
  for (int i = 0; i < 5; ++i) wrong.push_back(wrong_code(secret, i));
  for (const auto& c : wrong) {
    auto out = auth_->login({user.email, std::string(kPassword), c}, {});
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().code, ErrorCode::unauthorized);
  }
  auto locked = auth_->login({user.email, std::string(kPassword), code_at(secret, 0)}, {});
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().code, ErrorCode::rate_limited);
}

TEST_F(TotpServiceTest, EnableNeedsSetupAndAnotherKeyCannotOpenTheSecret) {
  auto user = make_user(Role::staff);
  auto actor = actor_of_token(sign_in(user).tokens.access_token);
  EXPECT_EQ(auth_->totp_enable(actor, "123456").error().code, ErrorCode::conflict);
  auto setup = auth_->totp_setup(actor);
  ASSERT_TRUE(setup);
  const std::string secret = raw_secret(*setup);
  // A second setup replaces the pending secret.
  auto again = auth_->totp_setup(actor);
  ASSERT_TRUE(again);
  EXPECT_NE(again->secret_base32, setup->secret_base32);
  EXPECT_FALSE(auth_->totp_enable(actor, code_at(secret, 0)));

  // With another data key the stored secret does not open, so no code is ever accepted.
  auth::SecretBox other = *auth::SecretBox::from_hex(std::string(64, 'c'));
  service::AuthService wrong_key(*pool_, *jwt_, other, denylist_, limiter_,
                                 auth::Argon2Profile::interactive);
  EXPECT_FALSE(wrong_key.totp_enable(actor, code_at(raw_secret(*again), 0)));
}

TEST_F(TotpServiceTest, RecoveryCodesAreHashedWorkOnceAndGoWithTwoFactor) {
  auto user = make_user(Role::admin);
  auto actor = actor_of_token(sign_in(user).tokens.access_token);
  auto setup = auth_->totp_setup(actor);
  ASSERT_TRUE(setup);
  const std::string secret = raw_secret(*setup);
  auto codes = auth_->totp_enable(actor, code_at(secret, -30));
  ASSERT_TRUE(codes) << codes.error().message;
  ASSERT_EQ(codes->size(), 10u);
  EXPECT_EQ(std::set<std::string>(codes->begin(), codes->end()).size(), 10u);
  // Only hashes are stored.
  const auto count = [&](const std::string& sql) {
    return pool_->read()->exec(sql, {std::string_view(user.id)}).front().int64(0);
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1"), 10);
  auto stored = pool_->read()->exec("SELECT code_hash FROM recovery_codes WHERE user_id = $1",
                                    {std::string_view(user.id)});
  for (const auto& row : stored)
    for (const auto& c : *codes)
      EXPECT_EQ(row.text(0).find(c.substr(0, 4) + "-"), std::string::npos);

  auto with_code = [&](const std::string& code) {
    service::LoginInput in{user.email, std::string(kPassword), std::nullopt, code};
    return auth_->login(in, {"10.0.0.9", "ua"});
  };
  ASSERT_TRUE(with_code((*codes)[0]));
  auto twice = with_code((*codes)[0]);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().details.at(0).field, "recovery_code");
  EXPECT_EQ(count("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL"), 9);
  // An admin's sign-in with a recovery code is audited.
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE target_id = $1 "
                  "AND action = 'user.2fa_recovery_login'"),
            1);
  // Replaced: the old ones stop working, ten new ones do.
  auto fresh = auth_->replace_recovery_codes(actor, code_at(secret, 0));
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_FALSE(with_code((*codes)[1]));
  EXPECT_TRUE(with_code((*fresh)[1]));
  // Turning 2FA off removes them.
  ASSERT_TRUE(auth_->totp_disable(actor, code_at(secret, 30)));
  EXPECT_EQ(count("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1"), 0);
}

}  // namespace
}  // namespace crema::test
