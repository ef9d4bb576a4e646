// Black-box tests of the audit log: admin and manager mutations are recorded with who, what,
// from where and which request; GET /admin/audit-log filters, pages and answers CSV; only
// admins may read it.

#include <set>

#include "e2e/identity_support.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class AuditLog : public ::testing::Test {
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
  json::array entries(const std::string& query) {
    auto res = client_->get("/api/v1/admin/audit-log" + query, helper_->admin().bearer());
    EXPECT_EQ(res.status, 200) << res.describe();
    return res.json ? res.object().at("items").as_array() : json::array{};
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> AuditLog::shared_;
std::unique_ptr<AuthHelper> AuditLog::helper_;

TEST_F(AuditLog, AdminAndManagerMutationsAreRecordedWithTheirRequest) {
  const Account& admin = helper_->admin();
  Account c = helper_->create("customer");  // an admin-created account: user.create
  const std::string rid = unique_id("t-audit");
  auto promoted = client_->request("PUT", "/api/v1/users/" + c.id, R"({"role":"driver"})",
                                   {{"Authorization", "Bearer " + admin.token}, {"X-Request-Id", rid}});
  ASSERT_EQ(promoted.status, 200) << promoted.describe();
  const Account& manager = helper_->account("manager");
  ASSERT_EQ(client_->request("PUT", "/api/v1/users/me", R"({"name":"Mona Manager"})", manager.bearer())
                .status,
            200);
  // A customer's own change is not an admin or manager mutation.
  ASSERT_EQ(client_->request("PUT", "/api/v1/users/me", R"({"name":"Cee"})",
                             helper_->account("customer").bearer())
                .status,
            200);

  auto role_rows = entries("?action=user.role_change&actor_id=" + admin.id);
  ASSERT_FALSE(role_rows.empty());
  const auto& row = role_rows.at(0).as_object();
  EXPECT_EQ(row.at("actor_id"), json::value(admin.id));
  EXPECT_EQ(row.at("actor_role"), "admin");
  EXPECT_EQ(row.at("target_type"), "user");
  EXPECT_EQ(row.at("target_id"), json::value(c.id));
  EXPECT_EQ(row.at("summary"), "role: customer → driver");
  EXPECT_EQ(row.at("ip"), "127.0.0.1");
  EXPECT_EQ(row.at("request_id"), json::value(rid));
  EXPECT_TRUE(util::parse_rfc3339(json_string(row, {"at"})).has_value());

  std::set<std::string> by_manager;
  for (const auto& e : entries("?actor_id=" + manager.id)) by_manager.insert(json_string(e, {"action"}));
  EXPECT_EQ(by_manager, std::set<std::string>{"user.update"});
  EXPECT_TRUE(entries("?actor_id=" + helper_->account("customer").id).empty());
  std::set<std::string> created;
  for (const auto& e : entries("?action=user.create")) created.insert(json_string(e, {"target_id"}));
  EXPECT_TRUE(created.count(c.id));
}

TEST_F(AuditLog, TimeFiltersAcceptInstantsAndDates) {
  const Account& admin = helper_->admin();
  ASSERT_EQ(post_json(*client_, "/api/v1/api-keys", {{"name", "dated"}, {"scopes", json::array{"menu:read"}}},
                      admin.bearer())
                .status,
            201);
  const std::int64_t now = util::now_ms();
  const std::string today = util::format_rfc3339(now).substr(0, 10);
  const std::string past = util::format_rfc3339(now - 3600'000);
  const std::string future = util::format_rfc3339(now + 3600'000);
  EXPECT_FALSE(entries("?action=api_key.create&from=" + past).empty());
  EXPECT_TRUE(entries("?action=api_key.create&from=" + future).empty());
  EXPECT_TRUE(entries("?action=api_key.create&to=" + past).empty());
  EXPECT_FALSE(entries("?action=api_key.create&from=" + today + "&to=" + today).empty());
  EXPECT_TRUE(entries("?action=api_key.create&to=2020-01-01").empty());
  for (const char* bad : {"?from=yesterday", "?to=2026-13-01", "?format=xml", "?limit=0", "?cursor=@@"})
    EXPECT_ERROR(client_->get(std::string("/api/v1/admin/audit-log") + bad, admin.bearer()), 400,
                 "bad_request");
}

TEST_F(AuditLog, PagesAndCsv) {
  const Account& admin = helper_->admin();
  for (const char* name : {"Screen, \"lobby\"", "=cmd|' /C calc'!A0", "plain"})
    ASSERT_EQ(post_json(*client_, "/api/v1/api-keys", {{"name", name}, {"scopes", json::array{"menu:read"}}},
                        admin.bearer())
                  .status,
              201);
  std::set<std::string> ids;
  std::string cursor;
  int pages = 0;
  do {
    auto page = client_->get("/api/v1/admin/audit-log?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor),
                             admin.bearer());
    ASSERT_EQ(page.status, 200) << page.describe();
    for (const auto& e : page.object().at("items").as_array())
      EXPECT_TRUE(ids.insert(json_string(e, {"id"})).second);
    cursor = page.object().at("next_cursor").is_null() ? "" : json_string(page.object(), {"next_cursor"});
  } while (!cursor.empty() && ++pages < 100);
  EXPECT_EQ(ids.size(), entries("?limit=200").size());

  auto csv = client_->get("/api/v1/admin/audit-log?format=csv&action=api_key.create", admin.bearer());
  ASSERT_EQ(csv.status, 200) << csv.describe();
  EXPECT_EQ(csv.header("Content-Type").rfind("text/csv", 0), 0u);
  EXPECT_EQ(csv.body.rfind("id,at,actor_id,actor_role,action,target_type,target_id,summary,ip,request_id\r\n", 0),
            0u);
  // Commas and quotes are quoted; a formula is defused with a leading apostrophe.
  EXPECT_NE(csv.body.find(R"("created standard API key ""Screen, ""lobby"""" )"), std::string::npos) << csv.body;
  EXPECT_EQ(csv.body.find(",=cmd"), std::string::npos);
  const auto lines = std::count(csv.body.begin(), csv.body.end(), '\n');
  EXPECT_EQ(static_cast<std::size_t>(lines), 1 + entries("?action=api_key.create&limit=200").size());
  auto first = client_->get("/api/v1/admin/audit-log?format=csv&limit=1", admin.bearer());
  EXPECT_FALSE(first.header("X-Next-Cursor").empty());
  auto second = client_->get("/api/v1/admin/audit-log?format=csv&limit=1&cursor=" + first.header("X-Next-Cursor"),
                             admin.bearer());
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(first.body, second.body);
}

TEST_F(AuditLog, OnlyAdminsReadIt) {
  for (const char* role : {"customer", "driver", "staff", "manager"})
    EXPECT_ERROR(client_->get("/api/v1/admin/audit-log", helper_->bearer(role)), 403, "forbidden");
  EXPECT_ERROR(client_->get("/api/v1/admin/audit-log"), 401, "unauthorized");
  EXPECT_ERROR(client_->get("/api/v1/admin/audit-log?format=csv", helper_->bearer("manager")), 403, "forbidden");
  EXPECT_EQ(client_->get("/api/admin/audit-log", helper_->admin().bearer()).status, 200);  // the alias
}

}  // namespace
}  // namespace crema::test::e2e
