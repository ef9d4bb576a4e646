// SPEC §15.1's email verification through the real binary: registering mails a
// verify_email link (read from the log channel on stdout), POST /auth/verify-email sets
// email_verified (in the User answers), the resend route, and CREMA_REQUIRE_VERIFIED_EMAIL
// holding back a customer's online orders until then (403 email_not_verified).

#include <chrono>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kShopUrl = "https://verify.shop.example";

class EmailVerification : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                                                   {"CREMA_OUTBOX_POLL_MS", "50"},
                                                   {"CREMA_REQUIRE_VERIFIED_EMAIL", "1"},
                                                   {"CREMA_PUBLIC_URL", std::string(kShopUrl)}}));
    if (shared_->server) accounts_ = std::make_unique<AuthHelper>(*shared_->server);
  }
  static void TearDownTestSuite() {
    accounts_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
  }

  // The tokens of the verification links mailed to `email`, once there are `want`.
  std::vector<std::string> mailed(const std::string& email, std::size_t want) {
    std::vector<std::string> out;
    const std::string prefix = std::string(kShopUrl) + "/verify-email?token=";
    const auto deadline = Clock::now() + 5s;
    do {
      out.clear();
      for (const auto& line : shared_->server->log_lines()) {
        const auto* msg = line.if_contains("msg");
        if (!msg || *msg != "notification" || line.at("type") != "verify_email" ||
            line.at("recipient") != json::value(email))
          continue;
        const std::string text(line.at("text").as_string());
        const auto at = text.find(prefix);
        if (at == std::string::npos) continue;
        const auto start = at + prefix.size();
        out.push_back(text.substr(start, text.find_first_of(" \n", start) - start));
      }
      if (out.size() >= want) return out;
      std::this_thread::sleep_for(50ms);
    } while (Clock::now() < deadline);
    return out;
  }

  // A customer signed up by themself (POST /auth/register without credentials).
  Account sign_up(const std::string& email) {
    auto r = post_json(*client_, "/api/v1/auth/register",
                       {{"name", "Vera"}, {"email", email}, {"password", kTestPassword}});
    EXPECT_EQ(r.status, 201) << r.describe();
    Account a;
    if (r.status != 201) return a;
    a.id = json_string(r.object(), {"user", "id"});
    a.email = email;
    a.token = json_string(r.object(), {"token"});
    EXPECT_EQ(r.object().at("user").at("email_verified"), false);
    return a;
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> accounts_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> EmailVerification::shared_;
std::unique_ptr<AuthHelper> EmailVerification::accounts_;

TEST_F(EmailVerification, TheMailedLinkVerifiesAndOpensOnlineOrders) {
  const Account a = sign_up("vera-" + unique_id("v") + "@example.com");
  // Held back until verified: the same body is refused before any validation.
  EXPECT_ERROR(post_json(*client_, "/api/v1/orders", json::object{}, a.bearer()), 403,
               "email_not_verified");
  // Staff are not customers: the setting does not hold them back.
  EXPECT_NE(
      post_json(*client_, "/api/v1/orders", json::object{}, accounts_->bearer("staff")).status,
      403);

  auto tokens = mailed(a.email, 1);
  ASSERT_EQ(tokens.size(), 1u) << shared_->server->stdout_text();
  EXPECT_EQ(tokens[0].size(), 43u);
  auto verified = post_json(*client_, "/api/v1/auth/verify-email", {{"token", tokens[0]}});
  ASSERT_EQ(verified.status, 204) << verified.describe();
  auto me = client_->get("/api/v1/auth/me", a.bearer());
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.object().at("email_verified"), true);
  EXPECT_EQ(client_->get("/api/v1/users/me", a.bearer()).object().at("email_verified"), true);
  // Now past the check: the empty body is a validation error, not a refusal.
  EXPECT_ERROR(post_json(*client_, "/api/v1/orders", json::object{}, a.bearer()), 422,
               "validation_failed");
  // Once only, and nothing to resend.
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/verify-email", {{"token", tokens[0]}}), 400,
               "invalid_token");
  EXPECT_ERROR(client_->post("/api/v1/auth/verify-email/resend", "", a.bearer()), 409, "conflict");
}

TEST_F(EmailVerification, ResendMailsANewLinkAndBadTokensAreRefused) {
  const Account a = sign_up("wes-" + unique_id("v") + "@example.com");
  EXPECT_ERROR(client_->post("/api/v1/auth/verify-email/resend", ""), 401, "unauthorized");
  auto resent = client_->post("/api/v1/auth/verify-email/resend", "", a.bearer());
  ASSERT_EQ(resent.status, 202) << resent.describe();
  auto tokens = mailed(a.email, 2);
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_NE(tokens[0], tokens[1]);
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/verify-email", {{"token", "not-a-token"}}), 400,
               "invalid_token");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/verify-email", json::object{}), 422,
               "validation_failed");
  ASSERT_EQ(post_json(*client_, "/api/v1/auth/verify-email", {{"token", tokens[1]}}).status, 204);
  // The older link was spent with it.
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/verify-email", {{"token", tokens[0]}}), 400,
               "invalid_token");
}

}  // namespace
}  // namespace crema::test::e2e
