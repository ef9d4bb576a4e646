// Black-box tests of partner API keys: admin-only management, the key shown once, X-API-Key
// authentication (valid, unknown, revoked), the per-tier rate limit.

#include <chrono>
#include <set>
#include <thread>

#include "e2e/identity_support.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class ApiKeys : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_PUBLIC_RATE_PER_MIN", "0"}}));
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
  HttpResponse create(const json::object& body) {
    return post_json(*client_, "/api/v1/api-keys", body, helper_->admin().bearer());
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> ApiKeys::shared_;
std::unique_ptr<AuthHelper> ApiKeys::helper_;

TEST_F(ApiKeys, CreateShowsTheKeyOnceAndListsNeverDo) {
  auto made = create({{"name", "Delivery platform"},
                      {"scopes", json::array{"orders:read", "orders:write"}},
                      {"tier", "partner"}});
  ASSERT_EQ(made.status, 201) << made.describe();
  const auto& body = made.object();
  const std::string id = json_string(body, {"id"});
  const std::string key = json_string(body, {"key"});
  EXPECT_EQ(key.rfind("crema_", 0), 0u);
  EXPECT_EQ(body.at("tier"), "partner");
  EXPECT_EQ(body.at("scopes"), (json::array{"orders:read", "orders:write"}));
  EXPECT_EQ(body.at("created_by"), json::value(helper_->admin().id));
  EXPECT_EQ(made.header("Location"), "/api/v1/api-keys/" + id);

  auto list = client_->get("/api/v1/api-keys", helper_->admin().bearer());
  ASSERT_EQ(list.status, 200) << list.describe();
  EXPECT_EQ(list.body.find(key), std::string::npos);             // never the key again
  EXPECT_EQ(list.body.find(key.substr(12)), std::string::npos);  // nor its secret part
  bool found = false;
  for (const auto& item : list.object().at("items").as_array()) {
    if (json_string(item, {"id"}) != id) continue;
    found = true;
    EXPECT_EQ(json_string(item, {"prefix"}), key.substr(0, 12));
    EXPECT_TRUE(item.at("revoked_at").is_null());
    EXPECT_FALSE(item.as_object().contains("key"));
  }
  EXPECT_TRUE(found);

  // Defaults and validation.
  auto standard = create({{"name", "Screen"}, {"scopes", json::array{"menu:read"}}});
  ASSERT_EQ(standard.status, 201) << standard.describe();
  EXPECT_EQ(standard.object().at("tier"), "standard");
  auto bad = create({{"name", ""},
                     {"scopes", json::array{"menu:write", "menu:read", "menu:read"}},
                     {"tier", "gold"}});
  EXPECT_ERROR(bad, 422, "validation_failed");
  std::set<std::string> fields;
  for (const auto& d : bad.object().at("error").at("details").as_array())
    fields.insert(json_string(d, {"field"}));
  EXPECT_EQ(fields, (std::set<std::string>{"name", "scopes[0]", "scopes[2]", "tier"}));
  EXPECT_ERROR(create({{"name", "x"}, {"scopes", json::array{}}}), 422, "validation_failed");
}

TEST_F(ApiKeys, KeysAuthenticateUntilRevokedAndOpenNoUserRoutes) {
  auto made = create({{"name", "Kiosk"}, {"scopes", json::array{"menu:read"}}});
  ASSERT_EQ(made.status, 201);
  const std::string id = json_string(made.object(), {"id"});
  const RequestHeaders key{{"X-API-Key", json_string(made.object(), {"key"})}};
  // A valid key is authenticated, but routes that do not list its scope are forbidden…
  EXPECT_ERROR(client_->get("/api/v1/auth/me", key), 403, "forbidden");
  EXPECT_ERROR(client_->get("/api/v1/api-keys", key), 403, "forbidden");
  // …while an unknown key is not even authenticated.
  EXPECT_ERROR(client_->get("/api/v1/auth/me", {{"X-API-Key", "crema_unknown"}}), 401,
               "unauthorized");

  EXPECT_ERROR(client_->request("DELETE", "/api/v1/api-keys/" + id, "", helper_->bearer("manager")),
               403, "forbidden");
  ASSERT_EQ(
      client_->request("DELETE", "/api/v1/api-keys/" + id, "", helper_->admin().bearer()).status,
      204);
  EXPECT_ERROR(client_->get("/api/v1/auth/me", key), 401, "unauthorized");
  auto list = client_->get("/api/v1/api-keys?limit=200", helper_->admin().bearer());
  for (const auto& item : list.object().at("items").as_array())
    if (json_string(item, {"id"}) == id) {
      EXPECT_FALSE(item.at("revoked_at").is_null());
    }
  EXPECT_ERROR(client_->request("DELETE", "/api/v1/api-keys/01939a1b-0000-7000-8000-000000000000",
                                "", helper_->admin().bearer()),
               404, "not_found");
  EXPECT_ERROR(client_->request("DELETE", "/api/v1/api-keys/nope", "", helper_->admin().bearer()),
               404, "not_found");
}

// A key may carry an end of life; the list shows when each key was last used.
TEST_F(ApiKeys, KeysMayExpireAndAreListedWithTheirLastUse) {
  const auto in = [](std::int64_t ms) { return util::format_rfc3339(util::now_ms() + ms); };
  EXPECT_ERROR(create({{"name", "Old"},
                       {"scopes", json::array{"inventory:read"}},
                       {"expires_at", in(-60'000)}}),
               422, "validation_failed");
  EXPECT_ERROR(
      create(
          {{"name", "Bad"}, {"scopes", json::array{"inventory:read"}}, {"expires_at", "tomorrow"}}),
      422, "validation_failed");
  auto made = create({{"name", "Short-lived"},
                      {"scopes", json::array{"inventory:read"}},
                      {"expires_at", in(3000)}});
  ASSERT_EQ(made.status, 201) << made.describe();
  const std::string id = json_string(made.object(), {"id"});
  EXPECT_FALSE(made.object().at("expires_at").is_null());
  EXPECT_TRUE(made.object().at("last_used_at").is_null());
  const RequestHeaders key{{"X-API-Key", json_string(made.object(), {"key"})}};
  EXPECT_EQ(client_->get("/api/v1/inventory", key).status, 200);
  auto listed = [&] {
    auto list = client_->get("/api/v1/api-keys?limit=200", helper_->admin().bearer());
    for (const auto& item : list.object().at("items").as_array())
      if (json_string(item, {"id"}) == id) return item.as_object();
    return json::object{};
  };
  auto item = listed();
  ASSERT_FALSE(item.empty());
  EXPECT_FALSE(item.at("last_used_at").is_null()) << json::serialize(item);
  EXPECT_EQ(item.at("expires_at"), made.object().at("expires_at"));
  std::this_thread::sleep_for(std::chrono::milliseconds(3200));
  auto expired = client_->get("/api/v1/inventory", key);
  EXPECT_ERROR(expired, 401, "unauthorized");
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
}

// A route that declares a scope (GET /inventory: staff+ or inventory:read) takes the keys
// holding it, and only those.
TEST_F(ApiKeys, KeysOpenTheRoutesTheirScopesAllow) {
  auto reader = create({{"name", "Stock screen"}, {"scopes", json::array{"inventory:read"}}});
  auto menu_only = create({{"name", "Menu screen"}, {"scopes", json::array{"menu:read"}}});
  ASSERT_EQ(reader.status, 201);
  ASSERT_EQ(menu_only.status, 201);
  const RequestHeaders reader_key{{"X-API-Key", json_string(reader.object(), {"key"})}};
  const RequestHeaders menu_key{{"X-API-Key", json_string(menu_only.object(), {"key"})}};
  auto ok = client_->get("/api/v1/inventory", reader_key);
  EXPECT_EQ(ok.status, 200) << ok.describe();
  EXPECT_EQ(client_->get("/api/v1/inventory", helper_->bearer("staff")).status, 200);
  EXPECT_ERROR(client_->get("/api/v1/inventory", menu_key), 403, "forbidden");
  EXPECT_ERROR(client_->get("/api/v1/inventory", helper_->bearer("customer")), 403, "forbidden");
  // Reading is all the scope gives: writing inventory stays with staff.
  EXPECT_ERROR(post_json(*client_, "/api/v1/inventory", json::object{}, reader_key), 403,
               "forbidden");
  ASSERT_EQ(client_
                ->request("DELETE", "/api/v1/api-keys/" + json_string(reader.object(), {"id"}), "",
                          helper_->admin().bearer())
                .status,
            204);
  EXPECT_ERROR(client_->get("/api/v1/inventory", reader_key), 401, "unauthorized");
}

TEST_F(ApiKeys, EveryRoleButAdminIsRefused) {
  const json::object body{{"name", "x"}, {"scopes", json::array{"menu:read"}}};
  for (const char* role : {"customer", "driver", "staff", "manager"}) {
    EXPECT_ERROR(post_json(*client_, "/api/v1/api-keys", body, helper_->bearer(role)), 403,
                 "forbidden");
    EXPECT_ERROR(client_->get("/api/v1/api-keys", helper_->bearer(role)), 403, "forbidden");
  }
  EXPECT_ERROR(post_json(*client_, "/api/v1/api-keys", body), 401, "unauthorized");
  EXPECT_EQ(client_->get("/api/v1/api-keys", helper_->admin().bearer()).status, 200);
}

TEST_F(ApiKeys, ListsArePaginated) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(create({{"name", "p" + std::to_string(i)}, {"scopes", json::array{"inventory:read"}}})
                  .status,
              201);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page =
        client_->get("/api/v1/api-keys?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor),
                     helper_->admin().bearer());
    ASSERT_EQ(page.status, 200) << page.describe();
    const auto& items = page.object().at("items").as_array();
    EXPECT_LE(items.size(), 2u);
    for (const auto& item : items) EXPECT_TRUE(seen.insert(json_string(item, {"id"})).second);
    cursor = page.object().at("next_cursor").is_null()
                 ? ""
                 : json_string(page.object(), {"next_cursor"});
    ++pages;
  } while (!cursor.empty() && pages < 50);
  EXPECT_GE(seen.size(), 3u);
  EXPECT_GE(pages, 2);
  EXPECT_ERROR(client_->get("/api/v1/api-keys?cursor=garbage", helper_->admin().bearer()), 400,
               "bad_request");
  EXPECT_ERROR(client_->get("/api/v1/api-keys?limit=0", helper_->admin().bearer()), 400,
               "bad_request");
}

TEST_F(ApiKeys, StandardKeysGet600RequestsAMinute) {
  auto made = create({{"name", "Busy"}, {"scopes", json::array{"menu:read"}}});
  ASSERT_EQ(made.status, 201);
  const RequestHeaders key{{"X-API-Key", json_string(made.object(), {"key"})}};
  int forbidden = 0;
  for (int i = 0; i < 600; ++i)
    forbidden += client_->get("/api/v1/auth/me", key).status == 403 ? 1 : 0;
  EXPECT_EQ(forbidden, 600);
  auto over = client_->get("/api/v1/auth/me", key);
  EXPECT_ERROR(over, 429, "rate_limited");
  EXPECT_FALSE(over.header("Retry-After").empty());
  // Another key has its own budget.
  auto other =
      create({{"name", "Calm"}, {"scopes", json::array{"menu:read"}}, {"tier", "partner"}});
  const RequestHeaders other_key{{"X-API-Key", json_string(other.object(), {"key"})}};
  for (int i = 0; i < 601; ++i)
    ASSERT_EQ(client_->get("/api/v1/auth/me", other_key).status, 403) << i;
}

}  // namespace
}  // namespace crema::test::e2e
