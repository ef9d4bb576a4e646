// Forgotten passwords on the store under test (SPEC §15.1): the reset mail and its hashed,
// single-use, expiring token, the hourly cap, the reset that ends every session, and the
// reset an admin or manager sends.
#include <boost/json.hpp>

#include "db/identity_fixture.hpp"
#include "repo/account_token_repo.hpp"
#include "service/account_recovery.hpp"
#include "service/outbox.hpp"

namespace crema::test {
namespace {

namespace json = boost::json;
using auth::Role;

constexpr std::string_view kNewPassword = "a brand new passphrase";

class AccountRecoveryTest : public IdentityTest {
 protected:
  void SetUp() override {
    IdentityTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    service::RecoverySettings s;
    s.public_url = "https://shop.example/";
    recovery_ = std::make_unique<service::AccountRecovery>(*pool_, auth::Argon2Profile::interactive,
                                                           service::SocketRevoker(), s);
    auth_->on_registered([this](db::Transaction& tx, const repo::UserRecord& u, std::int64_t now) {
      recovery_->queue_verification(tx, u, now);
    });
  }

  // The tokens of the user's verify_email messages, oldest first.
  std::vector<std::string> verify_tokens(const std::string& user_id) {
    std::vector<std::string> out;
    auto r = pool_->read()->exec(
        "SELECT payload, channel, recipient FROM outbox WHERE user_id = $1 "
        "AND type = 'verify_email' ORDER BY created_at, id",
        {std::string_view(user_id)});
    for (const auto& row : r) {
      EXPECT_EQ(row.text(1), "email");
      out.push_back(token_of(json::parse(row.text(0)).as_object()));
    }
    return out;
  }

  // The payloads of the user's password_reset messages, oldest first.
  std::vector<json::object> reset_mails(const std::string& user_id) {
    std::vector<json::object> out;
    auto r = pool_->read()->exec(
        "SELECT payload, channel FROM outbox WHERE user_id = $1 AND type = 'password_reset' "
        "ORDER BY created_at, id",
        {std::string_view(user_id)});
    for (const auto& row : r) {
      auto o = json::parse(row.text(0)).as_object();
      o["channel"] = row.text(1);
      out.push_back(std::move(o));
    }
    return out;
  }

  // The token in a mail's link.
  static std::string token_of(const json::object& mail) {
    const std::string link(mail.at("link").as_string());
    return link.substr(link.find("?token=") + 7);
  }

  std::int64_t count(const std::string& sql) { return pool_->read()->exec(sql).front().int64(0); }

  service::Actor anonymous() const { return service::Actor{std::nullopt, "203.0.113.9", "r"}; }

  std::unique_ptr<service::AccountRecovery> recovery_;
};

TEST_F(AccountRecoveryTest, ForgotQueuesOneMailWithAHashedSingleUseLink) {
  auto u = make_user(Role::customer, "ada@example.com");
  ASSERT_TRUE(recovery_->forgot_password("  ADA@Example.com "));
  auto mails = reset_mails(u.id);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].at("channel").as_string(), "email");
  const std::string link(mails[0].at("link").as_string());
  EXPECT_EQ(link.rfind("https://shop.example/reset-password?token=", 0), 0u) << link;
  const std::string token = token_of(mails[0]);
  EXPECT_EQ(token.size(), 43u);  // 256 bits, base64url
  EXPECT_EQ(mails[0].at("expires_minutes").as_int64(), 30);
  // Stored only as its hash, valid for 30 minutes.
  auto stored = repo::find_account_token(*pool_->read(), auth::sha256_hex(token), "password_reset");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->user_id, u.id);
  EXPECT_FALSE(stored->used_at);
  EXPECT_NEAR(static_cast<double>(stored->expires_at - stored->created_at), 30.0 * 60 * 1000, 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM account_tokens WHERE token_hash = '" + token + "'"), 0);
  // The listing of notifications never shows the link.
  service::NotificationFilter f;
  f.type = "password_reset";
  auto listed = service::list_notifications(*pool_, f);
  ASSERT_EQ(listed.size(), 1u);
  const std::string shown = json::serialize(listed[0].to_json());
  EXPECT_EQ(shown.find(token), std::string::npos) << shown;
  EXPECT_NE(shown.find("hidden"), std::string::npos) << shown;
}

TEST_F(AccountRecoveryTest, UnknownAndInactiveAccountsAndBadAddressesGetNothing) {
  make_user(Role::customer, "gone@example.com", false);
  EXPECT_TRUE(recovery_->forgot_password("nobody@example.com"));
  EXPECT_TRUE(recovery_->forgot_password("gone@example.com"));
  EXPECT_TRUE(recovery_->forgot_password("not an address"));
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE type = 'password_reset'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM account_tokens"), 0);
}

TEST_F(AccountRecoveryTest, AnAccountGetsAtMostThreeResetMailsAnHour) {
  auto u = make_user(Role::staff);
  auto manager = make_user(Role::manager);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(recovery_->forgot_password(u.email));
  EXPECT_EQ(reset_mails(u.id).size(), 3u);
  // An admin's or manager's reset counts in the same cap, and says so.
  auto sent = recovery_->send_reset(actor_for(manager), u.id);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::rate_limited);
  EXPECT_GT(sent.error().retry_after_s, 0);
  // Older than an hour, they no longer count.
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE account_tokens SET created_at = created_at - 3600001 WHERE user_id = $1",
            {std::string_view(u.id)});
  });
  EXPECT_TRUE(recovery_->forgot_password(u.email));
  EXPECT_EQ(reset_mails(u.id).size(), 4u);
}

TEST_F(AccountRecoveryTest, ResetSetsThePasswordEndsEverySessionAndWorksOnce) {
  auto u = make_user(Role::customer);
  auto first = sign_in(u);
  auto second = sign_in(u);
  ASSERT_TRUE(recovery_->forgot_password(u.email));
  ASSERT_TRUE(recovery_->forgot_password(u.email));
  auto mails = reset_mails(u.id);
  ASSERT_EQ(mails.size(), 2u);
  const std::string older = token_of(mails[0]), newer = token_of(mails[1]);

  ASSERT_TRUE(recovery_->reset_password(anonymous(), newer, kNewPassword));
  // The new password signs in, the old one does not.
  EXPECT_FALSE(auth_->login({u.email, std::string(kPassword), std::nullopt}, {"10.0.0.1", "ua"}));
  EXPECT_TRUE(auth_->login({u.email, std::string(kNewPassword), std::nullopt}, {"10.0.0.1", "ua"}));
  // Every earlier session and refresh family ended.
  EXPECT_FALSE(auth_->authenticate_bearer(first.tokens.access_token));
  EXPECT_FALSE(auth_->authenticate_bearer(second.tokens.access_token));
  EXPECT_FALSE(auth_->refresh(first.tokens.refresh_token, {"10.0.0.1", "ua"}));
  EXPECT_FALSE(auth_->refresh(second.tokens.refresh_token, {"10.0.0.1", "ua"}));
  // The token works once, and the other reset links of the account died with it.
  for (const auto& t : {newer, older}) {
    auto again = recovery_->reset_password(anonymous(), t, "yet another passphrase");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::invalid_token);
    EXPECT_EQ(http_status(again.error().code), 400);
  }
}

TEST_F(AccountRecoveryTest, UnknownExpiredAndBadPasswordAreRefused) {
  auto u = make_user(Role::customer);
  auto unknown = recovery_->reset_password(anonymous(), auth::random_token(32), kNewPassword);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::invalid_token);
  EXPECT_FALSE(recovery_->reset_password(anonymous(), "", kNewPassword));
  EXPECT_FALSE(recovery_->reset_password(anonymous(), std::string(300, 'a'), kNewPassword));

  ASSERT_TRUE(recovery_->forgot_password(u.email));
  const std::string token = token_of(reset_mails(u.id).at(0));
  // A password that breaks the rules is 422 on new_password, and the token stays good.
  auto weak = recovery_->reset_password(anonymous(), token, "short");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().code, ErrorCode::validation_failed);
  ASSERT_FALSE(weak.error().details.empty());
  EXPECT_EQ(weak.error().details[0].field, "new_password");
  auto same_as_email = recovery_->reset_password(anonymous(), token, u.email);
  EXPECT_FALSE(same_as_email);
  // Expired: refused.
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE account_tokens SET expires_at = $2 WHERE user_id = $1",
            {std::string_view(u.id), util::now_ms() - 1});
  });
  auto expired = recovery_->reset_password(anonymous(), token, kNewPassword);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::invalid_token);
  EXPECT_TRUE(auth_->login({u.email, std::string(kPassword), std::nullopt}, {"10.0.0.1", "ua"}));
}

TEST_F(AccountRecoveryTest, AManagerOrAdminSendsAResetAuditedButNeverSetsThePassword) {
  auto u = make_user(Role::staff);
  auto manager = make_user(Role::manager);
  auto admin = make_user(Role::admin);
  auto customer = make_user(Role::customer);
  ASSERT_TRUE(recovery_->send_reset(actor_for(manager), u.id));
  ASSERT_TRUE(recovery_->send_reset(actor_for(admin), u.id));
  EXPECT_EQ(reset_mails(u.id).size(), 2u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset_sent' "
                  "AND target_id = '" +
                  u.id + "'"),
            2);
  auto by_customer = recovery_->send_reset(actor_for(customer), u.id);
  ASSERT_FALSE(by_customer);
  EXPECT_EQ(by_customer.error().code, ErrorCode::forbidden);
  auto missing = recovery_->send_reset(actor_for(admin), util::new_uuid_v7());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  auto inactive = make_user(Role::customer, {}, false);
  auto refused = recovery_->send_reset(actor_for(admin), inactive.id);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  // The password is still the old one: sending a link changes nothing by itself.
  EXPECT_TRUE(auth_->login({u.email, std::string(kPassword), std::nullopt}, {"10.0.0.1", "ua"}));
  // A manager's own reset is audited as their act.
  ASSERT_TRUE(recovery_->forgot_password(manager.email));
  ASSERT_TRUE(recovery_->reset_password(anonymous(), token_of(reset_mails(manager.id).at(0)),
                                        kNewPassword));
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset' "
                  "AND actor_id = '" +
                  manager.id + "'"),
            1);
}

service::RegisterInput new_customer(std::string email) {
  service::RegisterInput in;
  in.name = "Vera";
  in.email = std::move(email);
  in.password = std::string(kPassword);
  return in;
}

TEST_F(AccountRecoveryTest, RegistrationMailsAVerifyLinkThatVerifiesTheEmailOnce) {
  auto made =
      auth_->register_user(anonymous(), new_customer("vera@example.com"), {"1.2.3.4", "ua"});
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_FALSE(made->user.email_verified);
  EXPECT_FALSE(auth_->authenticate_bearer(made->tokens.access_token)->email_verified);
  auto tokens = verify_tokens(made->user.id);
  ASSERT_EQ(tokens.size(), 1u);
  auto stored =
      repo::find_account_token(*pool_->read(), auth::sha256_hex(tokens[0]), "verify_email");
  ASSERT_TRUE(stored);
  EXPECT_NEAR(static_cast<double>(stored->expires_at - stored->created_at), 24.0 * 3600 * 1000, 1);
  // A password reset token is not a verification token, nor the other way round.
  auto wrong_kind = recovery_->reset_password(anonymous(), tokens[0], "a brand new passphrase");
  ASSERT_FALSE(wrong_kind);
  EXPECT_EQ(wrong_kind.error().code, ErrorCode::invalid_token);

  ASSERT_TRUE(recovery_->verify_email(anonymous(), tokens[0]));
  EXPECT_TRUE(repo::find_user_by_id(*pool_->read(), made->user.id)->email_verified);
  EXPECT_TRUE(auth_->authenticate_bearer(made->tokens.access_token)->email_verified);
  auto again = recovery_->verify_email(anonymous(), tokens[0]);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::invalid_token);
  // Verified: nothing more to resend.
  auto resend = recovery_->resend_verification(actor_of_token(made->tokens.access_token));
  ASSERT_FALSE(resend);
  EXPECT_EQ(resend.error().code, ErrorCode::conflict);
}

TEST_F(AccountRecoveryTest, ResendIsCappedAndExpiredOrUnknownLinksAreRefused) {
  auto made = auth_->register_user(anonymous(), new_customer("wes@example.com"), {"1.2.3.4", "ua"});
  ASSERT_TRUE(made) << made.error().message;
  const auto actor = actor_of_token(made->tokens.access_token);
  ASSERT_TRUE(recovery_->resend_verification(actor));
  ASSERT_TRUE(recovery_->resend_verification(actor));
  auto fourth = recovery_->resend_verification(actor);
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error().code, ErrorCode::rate_limited);
  auto tokens = verify_tokens(made->user.id);
  ASSERT_EQ(tokens.size(), 3u);
  auto unknown = recovery_->verify_email(anonymous(), auth::random_token(32));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::invalid_token);
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE account_tokens SET expires_at = $2 WHERE token_hash = $1",
            {std::string_view(auth::sha256_hex(tokens[0])), util::now_ms() - 1});
  });
  auto expired = recovery_->verify_email(anonymous(), tokens[0]);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::invalid_token);
  EXPECT_FALSE(repo::find_user_by_id(*pool_->read(), made->user.id)->email_verified);
  // Any live one works; then the others are spent with it.
  ASSERT_TRUE(recovery_->verify_email(anonymous(), tokens[2]));
  EXPECT_FALSE(recovery_->verify_email(anonymous(), tokens[1]));
  EXPECT_TRUE(repo::find_user_by_id(*pool_->read(), made->user.id)->email_verified);
  // The listing hides the verification link too.
  service::NotificationFilter f;
  f.type = "verify_email";
  for (const auto& m : service::list_notifications(*pool_, f)) {
    const std::string shown = json::serialize(m.to_json());
    for (const auto& t : tokens) EXPECT_EQ(shown.find(t), std::string::npos) << shown;
  }
}

}  // namespace
}  // namespace crema::test
