// Black-box tests of TOTP two-factor authentication: enrolment, sign-in with a code (missing,
// wrong, replayed), disabling, and CREMA_REQUIRE_ADMIN_2FA.

#include "auth/totp.hpp"
#include "e2e/identity_support.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

std::string code_at(const std::string& secret, std::int64_t offset_s) {
  return auth::totp_code(secret, util::now_ms() / 1000 + offset_s);
}

// Enrols the account; returns the raw secret. Uses the code of the previous step, so the
// caller can go on with the current one and then the next (codes are good once, in order).
std::string enrol(HttpClient& c, const Account& a) {
  auto setup = c.post("/api/v1/auth/2fa/setup", "", a.bearer());
  EXPECT_EQ(setup.status, 200) << setup.describe();
  if (setup.status != 200) return {};
  const std::string b32 = json_string(setup.object(), {"secret"});
  const std::string secret = auth::base32_decode(b32).value_or("");
  auto ok = post_json(c, "/api/v1/auth/2fa/enable", {{"otp", code_at(secret, -30)}}, a.bearer());
  EXPECT_EQ(ok.status, 204) << ok.describe();
  return secret;
}

class TwoFactor : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}}));
  }
  static void TearDownTestSuite() {
    helper_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
    if (!helper_) helper_ = std::make_unique<AuthHelper>(*shared_->server);
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> TwoFactor::shared_;
std::unique_ptr<AuthHelper> TwoFactor::helper_;

TEST_F(TwoFactor, EnrolSignInWithCodesAndDisable) {
  Account a = helper_->create("customer");
  auto setup = client_->post("/api/v1/auth/2fa/setup", "", a.bearer());
  ASSERT_EQ(setup.status, 200) << setup.describe();
  const std::string b32 = json_string(setup.object(), {"secret"});
  const std::string url = json_string(setup.object(), {"otpauth_url"});
  EXPECT_EQ(url.rfind("otpauth://totp/Crema:", 0), 0u) << url;
  EXPECT_NE(url.find("secret=" + b32), std::string::npos);
  EXPECT_NE(url.find("digits=6"), std::string::npos);
  EXPECT_NE(url.find("period=30"), std::string::npos);
  const std::string secret = auth::base32_decode(b32).value();
  EXPECT_EQ(secret.size(), 20u);
  // Not on until a code checks out.
  EXPECT_EQ(json_string(client_->get("/api/v1/auth/me", a.bearer()).object(), {"id"}), a.id);
  EXPECT_EQ(client_->get("/api/v1/auth/me", a.bearer()).object().at("two_factor_enabled"), false);
  std::string wrong = code_at(secret, 0) == "000000" ? "000001" : "000000";
  if (wrong == code_at(secret, -30) || wrong == code_at(secret, 30)) wrong = "999999";
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/2fa/enable", {{"otp", wrong}}, a.bearer()), 422,
               "validation_failed");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/2fa/enable", json::object{}, a.bearer()), 422,
               "validation_failed");
  ASSERT_EQ(
      post_json(*client_, "/api/v1/auth/2fa/enable", {{"otp", code_at(secret, -30)}}, a.bearer())
          .status,
      204);
  EXPECT_EQ(client_->get("/api/v1/auth/me", a.bearer()).object().at("two_factor_enabled"), true);
  EXPECT_ERROR(client_->post("/api/v1/auth/2fa/setup", "", a.bearer()), 409, "conflict");

  // Sign-in now needs the code: missing and wrong are 401 saying so.
  auto missing =
      post_json(*client_, "/api/v1/auth/login", {{"email", a.email}, {"password", a.password}});
  EXPECT_ERROR(missing, 401, "unauthorized");
  EXPECT_EQ(json_string(missing.object().at("error").at("details").as_array().at(0), {"field"}),
            "otp");
  EXPECT_NE(json_string(body_of(missing), {"error", "message"}).find("otp"), std::string::npos);
  auto bad = post_json(*client_, "/api/v1/auth/login",
                       {{"email", a.email}, {"password", a.password}, {"otp", wrong}});
  EXPECT_ERROR(bad, 401, "unauthorized");
  EXPECT_EQ(json_string(bad.object().at("error").at("details").as_array().at(0), {"issue"}),
            "is not valid");
  const std::string code = code_at(secret, 0);
  auto ok = post_json(*client_, "/api/v1/auth/login",
                      {{"email", a.email}, {"password", a.password}, {"otp", code}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  // A code is good once.
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/login",
                         {{"email", a.email}, {"password", a.password}, {"otp", code}}),
               401, "unauthorized");

  // Disabling takes a (newer) code; afterwards the password alone works again.
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/2fa/disable", {{"otp", code}}, a.bearer()), 422,
               "validation_failed");
  ASSERT_EQ(
      post_json(*client_, "/api/v1/auth/2fa/disable", {{"otp", code_at(secret, 30)}}, a.bearer())
          .status,
      204);
  EXPECT_EQ(
      post_json(*client_, "/api/v1/auth/login", {{"email", a.email}, {"password", a.password}})
          .status,
      200);
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/2fa/disable", {{"otp", "123456"}}, a.bearer()),
               409, "conflict");
  EXPECT_ERROR(client_->post("/api/v1/auth/2fa/setup", ""), 401, "unauthorized");
}

TEST(RequireAdmin2fa, AdminMutationsWaitForTwoFactor) {
  CREMA_E2E_REQUIRE_STORE();
  auto shared = SharedServer::start(identity_server({{"CREMA_REQUIRE_ADMIN_2FA", "1"}}));
  CREMA_E2E_REQUIRE(shared);
  auto client = client_for(*shared->server);
  AuthHelper accounts(*shared->server);
  const Account& admin = accounts.admin();
  const json::object staff{
      {"name", "S"}, {"email", "s@example.com"}, {"password", kTestPassword}, {"role", "staff"}};
  auto refused = post_json(*client, "/api/v1/auth/register", staff, admin.bearer());
  EXPECT_ERROR(refused, 403, "forbidden");
  EXPECT_NE(json_string(body_of(refused), {"error", "message"}).find("two-factor"),
            std::string::npos);
  // Reading still works, and enrolling is allowed.
  EXPECT_EQ(client->get("/api/v1/auth/me", admin.bearer()).status, 200);
  const std::string secret = enrol(*client, admin);
  ASSERT_FALSE(secret.empty());
  // Effective at once, with the same access token.
  auto made = post_json(*client, "/api/v1/auth/register", staff, admin.bearer());
  EXPECT_EQ(made.status, 201) << made.describe();
  // Other roles are not concerned.
  Account customer = accounts.login(
      json_string(
          post_json(*client, "/api/v1/auth/register",
                    {{"name", "C"}, {"email", "c@example.com"}, {"password", kTestPassword}})
              .object(),
          {"user", "email"}),
      kTestPassword);
  EXPECT_EQ(
      post_json(*client, "/api/v1/auth/password",
                {{"current_password", kTestPassword}, {"new_password", "another long secret"}},
                customer.bearer())
          .status,
      204);
}

}  // namespace
}  // namespace crema::test::e2e
