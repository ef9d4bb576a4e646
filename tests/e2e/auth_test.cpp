// Black-box tests of /auth/*: registration, login, refresh rotation, logout, password change,
// the refresh cookie, and the attacks on access tokens (forged, alg none, other algorithms,
// bad signatures, expired and revoked tokens, role escalation at registration).

#include <set>

#include "e2e/identity_support.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class AuthApi : public ::testing::Test {
 protected:
  // Many sign-ins from one IP: the per-IP auth budget is off here (RateLimits tests it).
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}}));
  }
  static void TearDownTestSuite() {
    helper_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(server());
    if (!helper_) helper_ = std::make_unique<AuthHelper>(server());
  }
  static ServerProcess& server() { return *shared_->server; }
  static AuthHelper& accounts() { return *helper_; }

  // A self-registered customer (one Argon2 hash).
  json::object register_customer(std::string_view email, const RequestHeaders& headers = {}) {
    auto res = post_json(*client_, "/api/v1/auth/register",
                         {{"name", "Cleo"},
                          {"email", email},
                          {"password", kTestPassword},
                          {"marketing_opt_in", true}},
                         headers);
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.json ? res.json->as_object() : json::object{};
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> AuthApi::shared_;
std::unique_ptr<AuthHelper> AuthApi::helper_;

TEST_F(AuthApi, RegisterSignsInACustomerAndSetsTheRefreshCookie) {
  auto res = post_json(*client_, "/api/v1/auth/register",
                       {{"name", "Cleo"},
                        {"email", "Cleo@Example.com"},
                        {"phone", "+33 6 12 34 56 78"},
                        {"password", kTestPassword},
                        {"marketingOptIn", true}});
  ASSERT_EQ(res.status, 201) << res.describe();
  const auto& body = res.object();
  EXPECT_EQ(body.at("expires_in"), 900);
  const auto& user = body.at("user").as_object();
  EXPECT_EQ(user.at("role"), "customer");
  EXPECT_EQ(user.at("email"), "cleo@example.com");
  EXPECT_EQ(user.at("phone"), "+33 6 12 34 56 78");
  EXPECT_EQ(user.at("marketing_opt_in"), true);
  EXPECT_EQ(user.at("is_active"), true);
  EXPECT_EQ(user.at("two_factor_enabled"), false);
  EXPECT_EQ(user.at("email_verified"), false);
  EXPECT_EQ(user.at("notify_channel"), "email");
  // Exactly the public fields: never a hash or a secret.
  std::set<std::string> keys;
  for (const auto& kv : user) keys.insert(std::string(kv.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"id", "name", "email", "phone", "role", "addresses",
                                         "marketing_opt_in", "is_active", "two_factor_enabled",
                                         "email_verified", "notify_channel", "metadata", "version",
                                         "created_at", "updated_at"}));
  EXPECT_EQ(res.body.find("argon2"), std::string::npos);

  const std::string refresh = json_string(body, {"refresh_token"});
  const std::string cookie = res.header("Set-Cookie");
  EXPECT_EQ(cookie.rfind("crema_refresh=" + refresh + ";", 0), 0u) << cookie;
  for (const char* attr : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth"})
    EXPECT_NE(cookie.find(attr), std::string::npos) << attr << " in " << cookie;

  // The access token: HS256 with the spec's claims, 15 minutes.
  const std::string token = json_string(body, {"token"});
  auto claims = jwt_payload(token);
  for (const char* c : {"sub", "role", "iat", "exp", "jti"}) EXPECT_TRUE(claims.contains(c)) << c;
  EXPECT_EQ(claims.at("sub"), user.at("id"));
  EXPECT_EQ(claims.at("exp").to_number<std::int64_t>() - claims.at("iat").to_number<std::int64_t>(),
            900);
  auto me = client_->get("/api/v1/auth/me", AuthHelper::bearer_of(token));
  ASSERT_EQ(me.status, 200) << me.describe();
  EXPECT_EQ(me.object(), user);
}

TEST_F(AuthApi, RegisterValidatesEveryFieldAndRefusesTakenEmails) {
  auto bad = post_json(*client_, "/api/v1/auth/register",
                       {{"email", "not-an-email"}, {"password", "short"}, {"phone", "call me"}});
  EXPECT_ERROR(bad, 422, "validation_failed");
  std::set<std::string> fields;
  for (const auto& d : bad.object().at("error").at("details").as_array())
    fields.insert(json_string(d, {"field"}));
  EXPECT_EQ(fields, (std::set<std::string>{"name", "email", "password", "phone"}));

  auto same_as_email =
      post_json(*client_, "/api/v1/auth/register",
                {{"name", "X"}, {"email", "same@example.com"}, {"password", "same@example.com"}});
  EXPECT_ERROR(same_as_email, 422, "validation_failed");

  register_customer("taken@example.com");
  auto again =
      post_json(*client_, "/api/v1/auth/register",
                {{"name", "Y"}, {"email", "TAKEN@example.com"}, {"password", kTestPassword}});
  EXPECT_ERROR(again, 409, "duplicate");
  EXPECT_ERROR(client_->post("/api/v1/auth/register", "{not json"), 400, "bad_request");
  EXPECT_ERROR(client_->post("/api/v1/auth/register", "name=x",
                             {{"Content-Type", "application/x-www-form-urlencoded"}}),
               415, "unsupported_media_type");
}

TEST_F(AuthApi, OnlyAnAdminMayRegisterAnotherRole) {
  const json::object staff_body{{"name", "Mallory"},
                                {"email", "mallory@example.com"},
                                {"password", kTestPassword},
                                {"role", "admin"}};
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/register", staff_body), 403, "forbidden");
  for (const char* role : {"customer", "driver", "staff", "manager"}) {
    auto res = post_json(*client_, "/api/v1/auth/register", staff_body, accounts().bearer(role));
    EXPECT_ERROR(res, 403, "forbidden");
  }
  // Nothing was created by the refusals.
  auto login = post_json(*client_, "/api/v1/auth/login",
                         {{"email", "mallory@example.com"}, {"password", kTestPassword}});
  EXPECT_ERROR(login, 401, "unauthorized");

  // The admin may, and the admin's own session cookie is left alone.
  auto made = post_json(*client_, "/api/v1/auth/register",
                        {{"name", "Bea"},
                         {"email", "bea@example.com"},
                         {"password", kTestPassword},
                         {"role", "manager"}},
                        accounts().admin().bearer());
  ASSERT_EQ(made.status, 201) << made.describe();
  EXPECT_EQ(json_string(made.object(), {"user", "role"}), "manager");
  EXPECT_FALSE(made.headers.has("Set-Cookie"));
}

TEST_F(AuthApi, LoginFailsTheSameWayForUnknownEmailsAndWrongPasswords) {
  register_customer("dora@example.com");
  auto wrong = post_json(*client_, "/api/v1/auth/login",
                         {{"email", "dora@example.com"}, {"password", "not the password"}});
  auto unknown = post_json(*client_, "/api/v1/auth/login",
                           {{"email", "nobody@example.com"}, {"password", "not the password"}});
  EXPECT_ERROR(wrong, 401, "unauthorized");
  EXPECT_ERROR(unknown, 401, "unauthorized");
  EXPECT_EQ(json_string(body_of(wrong), {"error", "message"}),
            json_string(body_of(unknown), {"error", "message"}));
  EXPECT_FALSE(wrong.headers.has("Set-Cookie"));

  auto ok = post_json(*client_, "/api/v1/auth/login",
                      {{"email", "DORA@example.com"}, {"password", kTestPassword}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  EXPECT_EQ(json_string(ok.object(), {"user", "email"}), "dora@example.com");
  EXPECT_FALSE(json_string(ok.object(), {"refresh_token"}).empty());
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/login", {{"email", "dora@example.com"}}), 422,
               "validation_failed");
}

TEST_F(AuthApi, ForgedExpiredAndMalformedTokensAreRefused) {
  const Account& staff = accounts().account("staff");
  ASSERT_EQ(client_->get("/api/v1/auth/me", staff.bearer()).status, 200);
  json::object claims = jwt_payload(staff.token);
  // A token the test signs itself with the server's secret is accepted: the forgeries below
  // fail for what they change, not because forge_jwt is broken.
  EXPECT_EQ(client_
                ->get("/api/v1/auth/me",
                      AuthHelper::bearer_of(forge_jwt(R"({"alg":"HS256","typ":"JWT"})", claims)))
                .status,
            200);

  json::object escalated = claims;
  escalated["role"] = "admin";
  const std::string none_token = auth::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                                 auth::base64url_encode(json::serialize(escalated)) + ".";
  json::object expired = claims;
  expired["iat"] = claims.at("iat").to_number<std::int64_t>() - 3600;
  expired["exp"] = claims.at("iat").to_number<std::int64_t>() - 2700;
  std::string bad_signature = staff.token;
  char& c = bad_signature[bad_signature.size() - 3];
  c = c == 'A' ? 'B' : 'A';

  const std::vector<std::pair<std::string, std::string>> forgeries = {
      {"alg none", none_token},
      {"alg none signed", forge_jwt(R"({"alg":"none"})", escalated)},
      {"HS512 header", forge_jwt(R"({"alg":"HS512","typ":"JWT"})", claims)},
      {"RS256 header", forge_jwt(R"({"alg":"RS256","typ":"JWT"})", claims)},
      {"kid header", forge_jwt(R"({"alg":"HS256","kid":"../../dev/null"})", claims)},
      {"bad signature", bad_signature},
      {"escalated, old signature", staff.token.substr(0, staff.token.find('.') + 1) +
                                       auth::base64url_encode(json::serialize(escalated)) +
                                       staff.token.substr(staff.token.rfind('.'))},
      {"other secret",
       forge_jwt(R"({"alg":"HS256"})", escalated, "a-different-secret-of-32-bytes!!")},
      {"expired", forge_jwt(R"({"alg":"HS256"})", expired)},
      {"garbage", "not.a.token"},
      {"empty", ""},
  };
  for (const auto& [what, token] : forgeries) {
    auto res = client_->get("/api/v1/auth/me", {{"Authorization", "Bearer " + token}});
    EXPECT_ERROR(res, 401, "unauthorized");
    if (res.status != 401) ADD_FAILURE() << what;
  }
  auto expired_res = client_->get("/api/v1/auth/me",
                                  AuthHelper::bearer_of(forge_jwt(R"({"alg":"HS256"})", expired)));
  EXPECT_NE(json_string(body_of(expired_res), {"error", "message"}).find("expired"),
            std::string::npos);
  // Other schemes, and both credentials at once.
  EXPECT_ERROR(client_->get("/api/v1/auth/me", {{"Authorization", "Basic YTpi"}}), 401,
               "unauthorized");
  EXPECT_ERROR(client_->get("/api/v1/auth/me",
                            {{"Authorization", "Bearer " + staff.token}, {"X-API-Key", "crema_x"}}),
               401, "unauthorized");
  EXPECT_ERROR(client_->get("/api/v1/auth/me"), 401, "unauthorized");
  // Operations routes never look at credentials.
  EXPECT_EQ(client_->get("/health", {{"Authorization", "Bearer junk"}}).status, 200);
  EXPECT_EQ(client_->get("/openapi.json", {{"Authorization", "Bearer junk"}}).status, 200);
}

TEST_F(AuthApi, RefreshRotatesAndAReusedTokenRevokesTheFamily) {
  auto s = register_customer("fay@example.com");
  const std::string r1 = json_string(s, {"refresh_token"});
  auto second = post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", r1}});
  ASSERT_EQ(second.status, 200) << second.describe();
  const std::string r2 = json_string(second.object(), {"refresh_token"});
  const std::string t2 = json_string(second.object(), {"token"});
  EXPECT_NE(r2, r1);
  EXPECT_EQ(second.object().at("expires_in"), 900);
  EXPECT_NE(second.header("Set-Cookie").find("crema_refresh=" + r2), std::string::npos);
  EXPECT_EQ(client_->get("/api/v1/auth/me", AuthHelper::bearer_of(t2)).status, 200);

  // By cookie, with the camelCase alias body absent.
  auto third =
      client_->post("/api/v1/auth/refresh", "", {{"Cookie", "theme=dark; crema_refresh=" + r2}});
  ASSERT_EQ(third.status, 200) << third.describe();
  const std::string r3 = json_string(third.object(), {"refresh_token"});
  auto fourth = post_json(*client_, "/api/v1/auth/refresh", {{"refreshToken", r3}});
  ASSERT_EQ(fourth.status, 200) << fourth.describe();
  const std::string r4 = json_string(fourth.object(), {"refresh_token"});
  const std::string t4 = json_string(fourth.object(), {"token"});

  // Replaying r1: the whole family ends, the newest refresh and access tokens included.
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", r1}}), 401,
               "unauthorized");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", r4}}), 401,
               "unauthorized");
  EXPECT_ERROR(client_->get("/api/v1/auth/me", AuthHelper::bearer_of(t4)), 401, "unauthorized");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", "made-up"}}), 401,
               "unauthorized");
  EXPECT_ERROR(client_->post("/api/v1/auth/refresh", ""), 401, "unauthorized");
}

TEST_F(AuthApi, LogoutRevokesTheSessionAndTheAccessToken) {
  auto s = register_customer("gil@example.com");
  const std::string token = json_string(s, {"token"});
  const std::string refresh = json_string(s, {"refresh_token"});
  auto other = accounts().login("gil@example.com", kTestPassword);

  EXPECT_ERROR(client_->post("/api/v1/auth/logout", ""), 401, "unauthorized");
  auto out = client_->post("/api/v1/auth/logout", "", AuthHelper::bearer_of(token));
  ASSERT_EQ(out.status, 204) << out.describe();
  EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  auto after = client_->get("/api/v1/auth/me", AuthHelper::bearer_of(token));
  EXPECT_ERROR(after, 401, "unauthorized");
  EXPECT_NE(json_string(body_of(after), {"error", "message"}).find("revoked"), std::string::npos);
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", refresh}}), 401,
               "unauthorized");
  // The other device stays signed in.
  EXPECT_EQ(client_->get("/api/v1/auth/me", other.bearer()).status, 200);
  auto again = client_->post("/api/v1/auth/logout", "", AuthHelper::bearer_of(token));
  EXPECT_ERROR(again, 401, "unauthorized");
}

TEST_F(AuthApi, PasswordChangeSignsOutTheOtherSessions) {
  register_customer("hal@example.com");
  auto here = accounts().login("hal@example.com", kTestPassword);
  auto there = accounts().login("hal@example.com", kTestPassword);
  auto wrong =
      post_json(*client_, "/api/v1/auth/password",
                {{"current_password", "not it at all"}, {"new_password", "fresh and long secret"}},
                here.bearer());
  EXPECT_ERROR(wrong, 422, "validation_failed");
  auto ok =
      post_json(*client_, "/api/v1/auth/password",
                {{"currentPassword", kTestPassword}, {"newPassword", "fresh and long secret"}},
                here.bearer());
  ASSERT_EQ(ok.status, 204) << ok.describe();
  EXPECT_EQ(client_->get("/api/v1/auth/me", here.bearer()).status, 200);
  EXPECT_ERROR(client_->get("/api/v1/auth/me", there.bearer()), 401, "unauthorized");
  EXPECT_ERROR(
      post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", there.refresh_token}}), 401,
      "unauthorized");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/login",
                         {{"email", "hal@example.com"}, {"password", kTestPassword}}),
               401, "unauthorized");
  EXPECT_EQ(accounts().login("hal@example.com", "fresh and long secret").email, "hal@example.com");
}

TEST_F(AuthApi, TheHelperMakesSignedInAccountsOfEveryRole) {
  for (const char* role : {"customer", "driver", "staff", "manager", "admin"}) {
    const Account& a = accounts().account(role);
    EXPECT_EQ(a.role, role);
    auto me = client_->get("/api/v1/auth/me", a.bearer());
    ASSERT_EQ(me.status, 200) << me.describe();
    EXPECT_EQ(json_string(me.object(), {"role"}), role);
    EXPECT_EQ(json_string(me.object(), {"id"}), a.id);
    EXPECT_EQ(accounts().account(role).id, a.id);  // the same account on every call
  }
  EXPECT_NE(accounts().create("staff").id, accounts().account("staff").id);
}

}  // namespace
}  // namespace crema::test::e2e
