// Black-box tests of TOTP two-factor authentication: enrolment, sign-in with a code (missing,
// wrong, replayed), disabling, and CREMA_REQUIRE_ADMIN_2FA.

#include <cctype>
#include <set>

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
  EXPECT_EQ(ok.status, 200) << ok.describe();
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
  auto enabled =
      post_json(*client_, "/api/v1/auth/2fa/enable", {{"otp", code_at(secret, -30)}}, a.bearer());
  ASSERT_EQ(enabled.status, 200) << enabled.describe();
  EXPECT_EQ(enabled.object().at("recovery_codes").as_array().size(), 10u);
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

TEST_F(TwoFactor, RecoveryCodesSignInOnceEachAndCanBeReplaced) {
  Account a = helper_->create("customer");
  auto setup = client_->post("/api/v1/auth/2fa/setup", "", a.bearer());
  ASSERT_EQ(setup.status, 200) << setup.describe();
  const std::string secret =
      auth::base32_decode(json_string(setup.object(), {"secret"})).value_or("");
  auto enabled =
      post_json(*client_, "/api/v1/auth/2fa/enable", {{"otp", code_at(secret, -30)}}, a.bearer());
  ASSERT_EQ(enabled.status, 200) << enabled.describe();
  std::vector<std::string> codes;
  for (const auto& c : enabled.object().at("recovery_codes").as_array())
    codes.emplace_back(c.as_string());
  ASSERT_EQ(codes.size(), 10u);
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), 10u);
  EXPECT_EQ(codes[0].size(), 19u) << codes[0];  // xxxx-xxxx-xxxx-xxxx, 80 bits

  auto login = [&](json::object extra) {
    json::object body{{"email", a.email}, {"password", a.password}};
    for (auto& kv : extra) body[kv.key()] = kv.value();
    return post_json(*client_, "/api/v1/auth/login", body);
  };
  // A recovery code stands in for the TOTP code (any case, without its dashes too), once.
  auto in = login({{"recovery_code", codes[0]}});
  ASSERT_EQ(in.status, 200) << in.describe();
  EXPECT_ERROR(login({{"recovery_code", codes[0]}}), 401, "unauthorized");
  std::string typed;
  for (char ch : codes[1])
    if (ch != '-') typed += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(login({{"recovery_code", typed}}).status, 200);
  EXPECT_ERROR(login({{"recovery_code", "aaaa-bbbb-cccc-dddd"}}), 401, "unauthorized");
  // The wrong password with a good code is still refused (and spends nothing).
  EXPECT_ERROR(
      post_json(
          *client_, "/api/v1/auth/login",
          {{"email", a.email}, {"password", "not the password"}, {"recovery_code", codes[2]}}),
      401, "unauthorized");
  EXPECT_EQ(login({{"recovery_code", codes[2]}}).status, 200);

  // Replacing them takes a current code; the old ones stop working.
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/2fa/recovery-codes", json::object{}, a.bearer()),
               422, "validation_failed");
  auto replaced = post_json(*client_, "/api/v1/auth/2fa/recovery-codes",
                            {{"otp", code_at(secret, 0)}}, a.bearer());
  ASSERT_EQ(replaced.status, 200) << replaced.describe();
  const auto& fresh = replaced.object().at("recovery_codes").as_array();
  ASSERT_EQ(fresh.size(), 10u);
  EXPECT_ERROR(login({{"recovery_code", codes[3]}}), 401, "unauthorized");
  EXPECT_EQ(login({{"recovery_code", fresh[0].as_string()}}).status, 200);
  // Without 2FA there are no codes to replace.
  Account plain = helper_->create("customer");
  EXPECT_ERROR(
      post_json(*client_, "/api/v1/auth/2fa/recovery-codes", {{"otp", "123456"}}, plain.bearer()),
      409, "conflict");
}

TEST(RequireTwoFactorRoles, TheListedRolesMutateOnlyWithTwoFactor) {
  CREMA_E2E_REQUIRE_STORE();
  auto shared = SharedServer::start(identity_server(
      {{"CREMA_REQUIRE_2FA_ROLES", "manager,staff"}, {"CREMA_AUTH_RATE_PER_MIN", "0"}}));
  CREMA_E2E_REQUIRE(shared);
  auto client = client_for(*shared->server);
  AuthHelper accounts(*shared->server);
  // The admin is not listed: it creates accounts freely.
  const Account manager = accounts.create("manager");
  const Account staff = accounts.create("staff");
  const Account customer = accounts.create("customer");
  const json::object product{{"name", "Gated bun"}, {"category", "Bakery"}, {"price", 2}};
  auto refused = post_json(*client, "/api/v1/products", product, manager.bearer());
  EXPECT_ERROR(refused, 403, "two_factor_required");
  EXPECT_NE(refused.body.find("manager"), std::string::npos) << refused.describe();
  EXPECT_ERROR(post_json(*client, "/api/v1/products", product, staff.bearer()), 403,
               "two_factor_required");
  EXPECT_ERROR(
      client->post("/api/v1/users/" + customer.id + "/password-reset", "", manager.bearer()), 403,
      "two_factor_required");
  // Reads pass, and so do their own /auth/* routes that let them comply.
  EXPECT_EQ(client->get("/api/v1/users", manager.bearer()).status, 200);
  EXPECT_EQ(post_json(*client, "/api/v1/auth/password",
                      {{"current_password", kTestPassword}, {"new_password", "another long one 1"}},
                      staff.bearer())
                .status,
            204);
  // Customers are not listed.
  EXPECT_NE(post_json(*client, "/api/v1/orders", json::object{}, customer.bearer()).status, 403);
  // Once enrolled, the same token mutates.
  ASSERT_FALSE(enrol(*client, manager).empty());
  auto made = post_json(*client, "/api/v1/products", product, manager.bearer());
  EXPECT_EQ(made.status, 201) << made.describe();
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
  EXPECT_ERROR(refused, 403, "two_factor_required");
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
