// Black-box tests of the user routes: what each role gets on each of them, IDOR between
// customers, profile updates and versions, role changes and deactivation taking effect on
// live tokens, erasure, and the data export.

#include <set>

#include "e2e/identity_support.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

constexpr const char* kUserRoles[] = {"customer", "driver", "staff", "manager", "admin"};

class UsersApi : public ::testing::Test {
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
  HttpResponse put(const std::string& path, const json::object& body, const RequestHeaders& h) {
    return client_->request("PUT", path, json::serialize(body), h);
  }
  HttpResponse del(const std::string& path, const RequestHeaders& h) {
    return client_->request("DELETE", path, "", h);
  }
  static AuthHelper& accounts() { return *helper_; }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> UsersApi::shared_;
std::unique_ptr<AuthHelper> UsersApi::helper_;

// One test per role for the user route group: the spec's 200 / 403 / 404 for each.
TEST_F(UsersApi, EveryRoleGetsTheSpecsAnswerOnEveryUserRoute) {
  const Account victim = accounts().create("customer");
  for (const char* role : kUserRoles) {
    SCOPED_TRACE(role);
    const std::string r(role);
    const bool manager_plus = r == "manager" || r == "admin";
    const bool admin = r == "admin";
    const Account& me = accounts().account(role);
    const auto h = me.bearer();
    const std::string other = "/api/v1/users/" + victim.id;

    EXPECT_EQ(client_->get("/api/v1/users", h).status, manager_plus ? 200 : 403);
    EXPECT_EQ(client_->get(other, h).status, manager_plus ? 200 : 404);
    EXPECT_EQ(client_->get("/api/v1/users/me", h).status, 200);
    EXPECT_EQ(client_->get("/api/v1/users/" + me.id, h).status, 200);
    EXPECT_EQ(put(other, {{"name", "Changed by " + r}}, h).status, admin            ? 200
                                                                   : r == "manager" ? 403
                                                                                    : 404);
    EXPECT_EQ(put("/api/v1/users/" + me.id, {{"name", "Self " + r}}, h).status, 200);
    EXPECT_EQ(client_->get(other + "/export", h).status, admin ? 200 : r == "manager" ? 403 : 404);
    EXPECT_EQ(client_->get("/api/v1/users/me/export", h).status, 200);
    if (!admin) {
      EXPECT_ERROR(del(other, h), 403, "forbidden");
    }
  }
  // Nobody signed in: 401 everywhere.
  EXPECT_ERROR(client_->get("/api/v1/users"), 401, "unauthorized");
  EXPECT_ERROR(client_->get("/api/v1/users/" + victim.id), 401, "unauthorized");
  EXPECT_ERROR(put("/api/v1/users/" + victim.id, {{"name", "x"}}, {}), 401, "unauthorized");
  EXPECT_ERROR(del("/api/v1/users/me", {}), 401, "unauthorized");
  EXPECT_ERROR(client_->get("/api/v1/users/" + victim.id + "/export"), 401, "unauthorized");
  // The admin may erase another account.
  EXPECT_EQ(del("/api/v1/users/" + victim.id, accounts().admin().bearer()).status, 204);
}

TEST_F(UsersApi, ACustomerCannotReadOrChangeAnother) {
  const Account a = accounts().create("customer");
  const Account b = accounts().create("customer");
  for (const std::string& path : {"/api/v1/users/" + b.id, "/api/v1/users/" + b.id + "/export"})
    EXPECT_ERROR(client_->get(path, a.bearer()), 404, "not_found");
  EXPECT_ERROR(put("/api/v1/users/" + b.id, {{"name", "Hacked"}, {"is_active", false}}, a.bearer()),
               404, "not_found");
  // A made-up id answers exactly the same.
  EXPECT_ERROR(client_->get("/api/v1/users/01939a1b-0000-7000-8000-000000000000", a.bearer()), 404,
               "not_found");
  EXPECT_ERROR(client_->get("/api/v1/users/not-an-id", a.bearer()), 404, "not_found");
  auto still = client_->get("/api/v1/users/me", b.bearer());
  EXPECT_EQ(json_string(still.object(), {"name"}), "Test customer");
  EXPECT_EQ(still.object().at("is_active"), true);
}

TEST_F(UsersApi, ProfileUpdatesValidateAndAreVersioned) {
  const Account a = accounts().create("customer");
  const std::string path = "/api/v1/users/" + a.id;
  auto got = client_->get(path, a.bearer());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.header("ETag"), "\"1\"");
  auto ok = put(path,
                {{"name", "Ada Lovelace"},
                 {"phone", "+44 20 7946 0018"},
                 {"addresses", json::array{json::object{{"label", "home"},
                                                        {"line1", "12 St James's Sq"},
                                                        {"city", "London"},
                                                        {"extra", "dropped"}}}},
                 {"marketingOptIn", true},
                 {"metadata", {{"favourite", "flat white"}}}},
                {{"Authorization", "Bearer " + a.token}, {"If-Match", "\"1\""}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  const auto& u = ok.object();
  EXPECT_EQ(u.at("name"), "Ada Lovelace");
  EXPECT_EQ(u.at("phone"), "+44 20 7946 0018");
  EXPECT_EQ(
      u.at("addresses"),
      (json::array{json::object{
          {"label", "home"}, {"line1", "12 St James's Sq"}, {"city", "London"}, {"notes", ""}}}));
  EXPECT_EQ(u.at("marketing_opt_in"), true);
  EXPECT_EQ(u.at("metadata"), (json::object{{"favourite", "flat white"}}));
  EXPECT_EQ(u.at("version"), 2);
  EXPECT_EQ(ok.header("ETag"), "\"2\"");

  // Stale versions, by header or field.
  auto stale =
      put(path, {{"name", "X"}}, {{"Authorization", "Bearer " + a.token}, {"If-Match", "\"1\""}});
  EXPECT_ERROR(stale, 409, "version_conflict");
  EXPECT_ERROR(put(path, {{"name", "X"}, {"version", 1}}, a.bearer()), 409, "version_conflict");
  // Clearing the phone with null.
  auto cleared = put(path, {{"phone", nullptr}, {"version", 2}}, a.bearer());
  ASSERT_EQ(cleared.status, 200) << cleared.describe();
  EXPECT_TRUE(cleared.object().at("phone").is_null());

  // Every bad field at once.
  json::object big;
  big["blob"] = std::string(4100, 'x');
  auto bad = put(path,
                 {{"name", ""},
                  {"phone", "call me maybe"},
                  {"addresses", json::array{json::object{{"label", "no street"}}}},
                  {"metadata", big},
                  {"marketing_opt_in", "yes"},
                  {"password", "new password please"}},
                 a.bearer());
  EXPECT_ERROR(bad, 422, "validation_failed");
  std::set<std::string> fields;
  for (const auto& d : bad.object().at("error").at("details").as_array())
    fields.insert(json_string(d, {"field"}));
  EXPECT_EQ(fields,
            (std::set<std::string>{"name", "phone", "addresses[0].line1", "addresses[0].city",
                                   "metadata", "marketing_opt_in", "password"}));
  EXPECT_ERROR(put(path, {{"email", "other@example.com"}}, a.bearer()), 422, "validation_failed");
  // Role and is_active are the admin's.
  EXPECT_ERROR(put(path, {{"role", "admin"}}, a.bearer()), 403, "forbidden");
  EXPECT_ERROR(put(path, {{"is_active", false}}, a.bearer()), 403, "forbidden");
  EXPECT_ERROR(client_->request("PUT", path, "{bad json", a.bearer()), 400, "bad_request");
}

TEST_F(UsersApi, RoleChangesAndDeactivationTakeEffectOnLiveTokens) {
  const Account& admin = accounts().admin();
  Account c = accounts().create("customer");
  const std::string path = "/api/v1/users/" + c.id;
  auto promoted = put(path, {{"role", "staff"}}, admin.bearer());
  ASSERT_EQ(promoted.status, 200) << promoted.describe();
  EXPECT_EQ(promoted.object().at("role"), "staff");
  // The old token claims the old role: refused until refreshed.
  EXPECT_ERROR(client_->get("/api/v1/auth/me", c.bearer()), 401, "unauthorized");
  auto fresh = post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", c.refresh_token}});
  ASSERT_EQ(fresh.status, 200) << fresh.describe();
  c.token = json_string(fresh.object(), {"token"});
  c.refresh_token = json_string(fresh.object(), {"refresh_token"});
  EXPECT_EQ(jwt_payload(c.token).at("role"), "staff");
  EXPECT_EQ(json_string(client_->get("/api/v1/auth/me", c.bearer()).object(), {"role"}), "staff");

  // Deactivated: no token, refresh or login works.
  ASSERT_EQ(put(path, {{"is_active", false}}, admin.bearer()).status, 200);
  EXPECT_ERROR(client_->get("/api/v1/auth/me", c.bearer()), 401, "unauthorized");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", c.refresh_token}}),
               401, "unauthorized");
  auto login =
      post_json(*client_, "/api/v1/auth/login", {{"email", c.email}, {"password", c.password}});
  EXPECT_ERROR(login, 401, "unauthorized");
  // Back on: the password works again.
  ASSERT_EQ(put(path, {{"isActive", true}}, admin.bearer()).status, 200);
  EXPECT_EQ(accounts().login(c.email, c.password).role, "staff");
  // The only admin cannot demote themself.
  EXPECT_ERROR(put("/api/v1/users/" + admin.id, {{"role", "manager"}}, admin.bearer()), 409,
               "conflict");
}

TEST_F(UsersApi, ErasureAnonymisesAndEndsEverySession) {
  Account c = accounts().create("customer");
  auto second = accounts().login(c.email, c.password);
  ASSERT_EQ(put("/api/v1/users/me", {{"phone", "+1 202 555 0143"}, {"metadata", {{"k", "v"}}}},
                c.bearer())
                .status,
            200);
  ASSERT_EQ(del("/api/v1/users/me", c.bearer()).status, 204);
  EXPECT_ERROR(client_->get("/api/v1/auth/me", c.bearer()), 401, "unauthorized");
  EXPECT_ERROR(client_->get("/api/v1/auth/me", second.bearer()), 401, "unauthorized");
  EXPECT_ERROR(post_json(*client_, "/api/v1/auth/refresh", {{"refresh_token", c.refresh_token}}),
               401, "unauthorized");
  EXPECT_ERROR(
      post_json(*client_, "/api/v1/auth/login", {{"email", c.email}, {"password", c.password}}),
      401, "unauthorized");
  auto seen = client_->get("/api/v1/users/" + c.id, accounts().admin().bearer());
  ASSERT_EQ(seen.status, 200);
  const auto& u = seen.object();
  EXPECT_EQ(u.at("name"), "Erased user");
  EXPECT_NE(json_string(u, {"email"}), c.email);
  EXPECT_NE(json_string(u, {"email"}).find(".invalid"), std::string::npos);
  EXPECT_TRUE(u.at("phone").is_null());
  EXPECT_EQ(u.at("metadata"), json::object{});
  EXPECT_EQ(u.at("is_active"), false);
  // The address can sign up again as a new account.
  auto again = post_json(*client_, "/api/v1/auth/register",
                         {{"name", "Back"}, {"email", c.email}, {"password", kTestPassword}});
  EXPECT_EQ(again.status, 201) << again.describe();
  EXPECT_NE(json_string(again.object(), {"user", "id"}), c.id);
}

TEST_F(UsersApi, ExportHasEveryRecordAndNoSecret) {
  Account c = accounts().create("customer");
  accounts().login(c.email, c.password);
  auto doc = client_->get("/api/v1/users/me/export", c.bearer());
  ASSERT_EQ(doc.status, 200) << doc.describe();
  EXPECT_NE(doc.header("Content-Disposition").find("attachment"), std::string::npos);
  const auto& o = doc.object();
  EXPECT_EQ(o.at("format"), "crema.user-export.v1");
  EXPECT_EQ(json_string(o, {"user", "email"}), c.email);
  EXPECT_EQ(o.at("sessions").as_array().size(), 2u);  // registration and the login
  EXPECT_TRUE(o.at("api_keys").as_array().empty());
  EXPECT_TRUE(o.at("audit_log").as_array().empty());
  for (const auto& secret :
       {c.refresh_token, c.token, std::string("argon2"), std::string("password")})
    EXPECT_EQ(doc.body.find(secret), std::string::npos) << secret;

  // An admin's export lists the API keys they created and their audited actions.
  const Account& admin = accounts().admin();
  ASSERT_EQ(post_json(*client_, "/api/v1/api-keys",
                      {{"name", "kiosk"}, {"scopes", json::array{"menu:read"}}}, admin.bearer())
                .status,
            201);
  auto mine = client_->get("/api/v1/users/" + admin.id + "/export", admin.bearer());
  ASSERT_EQ(mine.status, 200);
  EXPECT_FALSE(mine.object().at("api_keys").as_array().empty());
  std::set<std::string> actions;
  for (const auto& row : mine.object().at("audit_log").as_array())
    actions.insert(json_string(row, {"action"}));
  EXPECT_TRUE(actions.count("api_key.create"));
  EXPECT_TRUE(actions.count("user.create"));
}

TEST_F(UsersApi, ListsFilterAndPage) {
  const Account& manager = accounts().account("manager");
  auto staff = client_->get("/api/v1/users?role=staff&limit=200", manager.bearer());
  ASSERT_EQ(staff.status, 200);
  for (const auto& u : staff.object().at("items").as_array()) EXPECT_EQ(u.at("role"), "staff");
  Account named = accounts().create("driver");
  ASSERT_EQ(put("/api/v1/users/me", {{"name", "Quentin Quickdelivery"}}, named.bearer()).status,
            200);
  auto found = client_->get("/api/v1/users?q=quickdeliv", manager.bearer());
  ASSERT_EQ(found.status, 200);
  ASSERT_EQ(found.object().at("items").as_array().size(), 1u);
  EXPECT_EQ(json_string(found.object().at("items").at(0), {"id"}), named.id);
  EXPECT_EQ(
      client_
          ->get("/api/v1/users?q=" + named.email.substr(0, named.email.find('@')), manager.bearer())
          .object()
          .at("items")
          .as_array()
          .size(),
      1u);

  std::set<std::string> ids;
  std::string cursor;
  int pages = 0;
  do {
    auto page = client_->get("/api/v1/users?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor),
                             manager.bearer());
    ASSERT_EQ(page.status, 200) << page.describe();
    for (const auto& u : page.object().at("items").as_array())
      EXPECT_TRUE(ids.insert(json_string(u, {"id"})).second);
    cursor = page.object().at("next_cursor").is_null()
                 ? ""
                 : json_string(page.object(), {"next_cursor"});
  } while (!cursor.empty() && ++pages < 100);
  auto all = client_->get("/api/v1/users?limit=200", manager.bearer());
  EXPECT_EQ(ids.size(), all.object().at("items").as_array().size());
  EXPECT_ERROR(client_->get("/api/v1/users?role=owner", manager.bearer()), 400, "bad_request");
  EXPECT_ERROR(client_->get("/api/v1/users?cursor=zzz", manager.bearer()), 400, "bad_request");
  EXPECT_ERROR(client_->get("/api/v1/users?limit=500", manager.bearer()), 400, "bad_request");
}

}  // namespace
}  // namespace crema::test::e2e
