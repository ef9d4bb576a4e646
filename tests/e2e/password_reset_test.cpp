// SPEC §15.1's forgotten password through the real binary: the same 202 (status, body and,
// within noise, time) for known and unknown emails; the mail (read from the log channel on
// stdout) with a link under CREMA_PUBLIC_URL; the reset that ends every session, refresh
// family and WebSocket of the account and works once; the listing of notifications that
// never shows the link; the reset an admin or a manager sends (audited, 3 an hour); and the
// per-IP auth limit the routes count in.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/ws_client.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kPublicUrl = "https://shop.example";

class PasswordReset : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                                                   {"CREMA_OUTBOX_POLL_MS", "50"},
                                                   {"CREMA_PUBLIC_URL", std::string(kPublicUrl)}}));
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
  ServerProcess& server() { return *shared_->server; }

  HttpResponse forgot(std::string_view email) {
    return post_json(*client_, "/api/v1/auth/password/forgot", {{"email", email}});
  }

  // The tokens of the reset links sent to `email` so far (from the log channel), or of the
  // first `want` once they are there.
  std::vector<std::string> mailed_tokens(const std::string& email, std::size_t want) {
    std::vector<std::string> out;
    const auto deadline = Clock::now() + 5s;
    do {
      out.clear();
      for (const auto& line : server().log_lines()) {
        const auto* msg = line.if_contains("msg");
        if (!msg || *msg != "notification" || line.at("type") != "password_reset" ||
            line.at("recipient") != json::value(email))
          continue;
        const std::string text(line.at("text").as_string());
        const std::string prefix = std::string(kPublicUrl) + "/reset-password?token=";
        const auto at = text.find(prefix);
        if (at == std::string::npos) continue;
        const auto start = at + prefix.size();
        const auto end = text.find_first_of(" \n", start);
        out.push_back(text.substr(start, end == std::string::npos ? end : end - start));
      }
      if (out.size() >= want) return out;
      std::this_thread::sleep_for(50ms);
    } while (Clock::now() < deadline);
    return out;
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> accounts_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> PasswordReset::shared_;
std::unique_ptr<AuthHelper> PasswordReset::accounts_;

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

TEST_F(PasswordReset, KnownAndUnknownEmailsGetTheSameAnswerInTheSameTime) {
  std::vector<Account> known;
  for (int i = 0; i < 3; ++i) known.push_back(accounts_->create("customer"));
  std::vector<double> known_ms, unknown_ms;
  std::string known_body, unknown_body;
  for (int round = 0; round < 9; ++round) {
    for (int kind = 0; kind < 2; ++kind) {
      const std::string email =
          kind == 0 ? known[round % 3].email : "nobody-" + std::to_string(round) + "@example.com";
      const auto t0 = Clock::now();
      auto r = forgot(email);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      ASSERT_EQ(r.status, 202) << r.describe();
      (kind == 0 ? known_ms : unknown_ms).push_back(ms);
      std::string& body = kind == 0 ? known_body : unknown_body;
      if (body.empty()) body = r.body;
      EXPECT_EQ(r.body, body);
    }
  }
  EXPECT_EQ(known_body, unknown_body);
  const double k = median_ms(known_ms), u = median_ms(unknown_ms);
  EXPECT_LT(std::abs(k - u), std::max(25.0, 0.5 * std::max(k, u)))
      << "median " << k << " ms for registered emails, " << u << " ms for unknown ones";
  // Each known account got its three mails, no more.
  for (const auto& a : known) EXPECT_EQ(mailed_tokens(a.email, 3).size(), 3u) << a.email;
  std::this_thread::sleep_for(200ms);
  for (const auto& a : known) EXPECT_EQ(mailed_tokens(a.email, 0).size(), 3u) << a.email;
}

TEST_F(PasswordReset, BadInputNamesTheField) {
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/password/forgot", json::object{}), 422,
               "validation_failed");
  auto bad = forgot("not an email");
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_NE(bad.body.find("\"email\""), std::string::npos) << bad.describe();
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/password/reset", {{"token", "x"}}), 422,
               "validation_failed");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/password/reset",
                         {{"token", "no-such-token"}, {"new_password", "a fine new passphrase"}}),
               400, "invalid_token");
}

TEST_F(PasswordReset, TheMailedLinkSetsThePasswordOnceAndEndsEverySessionAndSocket) {
  Account a = accounts_->create("customer");
  const Account elsewhere = accounts_->login(a.email, a.password);
  WsOptions o;
  o.token = a.token;
  WsClient socket(server().host(), server().port(), o);
  ASSERT_TRUE(socket.upgraded()) << socket.response().describe();
  ASSERT_TRUE(socket.read_type("hello"));

  ASSERT_EQ(forgot(a.email).status, 202);
  auto tokens = mailed_tokens(a.email, 1);
  ASSERT_EQ(tokens.size(), 1u) << server().stdout_text();
  const std::string token = tokens[0];
  EXPECT_EQ(token.size(), 43u);

  // A password that breaks the rules: 422 on new_password, and the link still works.
  auto weak = post_json(*client_, "/api/v1/auth/password/reset",
                        {{"token", token}, {"new_password", "short"}});
  EXPECT_ERROR(weak, 422, "validation_failed");
  EXPECT_NE(weak.body.find("new_password"), std::string::npos) << weak.describe();

  const std::string fresh = "a brand new passphrase 7";
  auto reset = post_json(*client_, "/api/v1/auth/password/reset",
                         {{"token", token}, {"new_password", fresh}});
  ASSERT_EQ(reset.status, 204) << reset.describe();
  const auto t0 = Clock::now();
  auto code = socket.wait_close(
      std::chrono::duration_cast<std::chrono::milliseconds>(t0 + 1s - Clock::now()));
  EXPECT_EQ(code.value_or(0), 4001) << "the account's socket stays open after a reset";
  // Every session and refresh family ended.
  for (const Account* acc : {static_cast<const Account*>(&a), &elsewhere}) {
    EXPECT_EQ(client_->get("/api/v1/auth/me", acc->bearer()).status, 401);
    EXPECT_EQ(
        post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", acc->refresh_token}}).status,
        401);
  }
  EXPECT_EQ(
      post_json(*client_, "/api/v1/auth/login", {{"email", a.email}, {"password", a.password}})
          .status,
      401);
  EXPECT_EQ(
      post_json(*client_, "/api/v1/auth/login", {{"email", a.email}, {"password", fresh}}).status,
      200);
  // Once only.
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/password/reset",
                         {{"token", token}, {"new_password", "and yet another one 9"}}),
               400, "invalid_token");

  // The notification listing shows the message, never its link.
  auto listed = client_->get("/api/v1/notifications?type=password_reset&limit=200",
                             accounts_->bearer("admin"));
  ASSERT_EQ(listed.status, 200) << listed.describe();
  EXPECT_NE(listed.body.find(a.email), std::string::npos);
  EXPECT_EQ(listed.body.find(token), std::string::npos) << "the listing shows the reset token";
}

TEST_F(PasswordReset, ManagersAndAdminsSendAResetAuditedThreeAnHourAtMost) {
  Account staff = accounts_->create("staff");
  const auto path = "/api/v1/users/" + staff.id + "/password-reset";
  EXPECT_ERROR(client_->post(path, "", accounts_->bearer("customer")), 403, "forbidden");
  EXPECT_ERROR(client_->post(path, "", accounts_->bearer("staff")), 403, "forbidden");
  EXPECT_ERROR(client_->post("/api/v1/users/0190a000-0000-7000-8000-000000000000/password-reset",
                             "", accounts_->bearer("admin")),
               404, "not_found");
  auto by_manager = client_->post(path, "", accounts_->bearer("manager"));
  ASSERT_EQ(by_manager.status, 202) << by_manager.describe();
  ASSERT_EQ(client_->post(path, "", accounts_->bearer("admin")).status, 202);
  ASSERT_EQ(client_->post(path, "", accounts_->bearer("admin")).status, 202);
  auto fourth = client_->post(path, "", accounts_->bearer("admin"));
  EXPECT_ERROR(fourth, 429, "rate_limited");
  EXPECT_FALSE(fourth.header("Retry-After").empty());
  // The mail goes to the account's own address; the password stays until its owner acts.
  auto tokens = mailed_tokens(staff.email, 3);
  EXPECT_EQ(tokens.size(), 3u);
  EXPECT_EQ(post_json(*client_, "/api/v1/auth/login",
                      {{"email", staff.email}, {"password", staff.password}})
                .status,
            200);
  auto audit = client_->get("/api/v1/admin/audit-log?action=user.password_reset_sent",
                            accounts_->bearer("admin"));
  ASSERT_EQ(audit.status, 200) << audit.describe();
  int rows = 0;
  for (const auto& item : audit.object().at("items").as_array())
    if (item.at("target_id") == json::value(staff.id)) ++rows;
  EXPECT_EQ(rows, 3);
}

// The reset routes count in the per-IP auth limit with login, register and refresh.
TEST(PasswordResetLimits, TheRoutesCountInThePerIpAuthLimit) {
  auto shared = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "3"}}));
  CREMA_E2E_REQUIRE(shared);
  auto c = client_for(*shared->server);
  EXPECT_EQ(post_json(*c, "/api/v1/auth/password/forgot", {{"email", "a@example.com"}}).status,
            202);
  EXPECT_EQ(post_json(*c, "/api/v1/auth/password/reset",
                      {{"token", "nope"}, {"new_password", "a fine new passphrase"}})
                .status,
            400);
  EXPECT_EQ(post_json(*c, "/api/v1/auth/password/forgot", {{"email", "b@example.com"}}).status,
            202);
  auto refused = post_json(*c, "/api/v1/auth/password/forgot", {{"email", "c@example.com"}});
  EXPECT_ERROR(refused, 429, "rate_limited");
  EXPECT_ERROR(post_json(*c, "/api/v1/auth/login", {{"email", "c@example.com"}, {"password", "x"}}),
               429, "rate_limited");
}

}  // namespace
}  // namespace crema::test::e2e
