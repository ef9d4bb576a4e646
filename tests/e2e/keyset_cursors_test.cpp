// Black-box: every list sorted by (time, id) reads its page the same way (issue 19, SPEC §2).
// A cursor that is not one the API made, or whose key is not [time, id], is one 400 with one
// message on "cursor", on every list; a cursor is the base64url JSON array [time ms, id], so
// one made by hand — as any cursor issued by an earlier version — still pages: the rows
// strictly before it, newest first.

#include <set>
#include <string>
#include <vector>

#include "auth/crypto.hpp"
#include "e2e/identity_support.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

// 9999-12-31: a keyset after every row, so the page after it is the first page.
constexpr std::int64_t kKeysetFuture = 253402214400000;

std::string keyset_cursor_of(std::string_view key_json) { return auth::base64url_encode(key_json); }

class KeysetCursors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"},
                                                   {"CREMA_PUBLIC_RATE_PER_MIN", "0"},
                                                   {"CREMA_USER_RATE_PER_MIN", "0"}}));
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
  // Three keys named prefix0..2 (each also an audit row); false when one was refused.
  bool three_api_keys(const std::string& prefix) {
    for (int i = 0; i < 3; ++i) {
      auto made =
          post_json(*client_, "/api/v1/api-keys",
                    {{"name", prefix + std::to_string(i)}, {"scopes", json::array{"menu:read"}}},
                    helper_->admin().bearer());
      if (made.status != 201) {
        ADD_FAILURE() << made.describe();
        return false;
      }
    }
    return true;
  }
  HttpResponse get(const std::string& path) {
    return client_->get(path, helper_->admin().bearer());
  }
  // The lists sorted by (time, id), the inventory item's log on a real item.
  std::vector<std::string> keyset_lists() {
    auto item = post_json(*client_, "/api/v1/inventory", {{"name", "Rye flour"}, {"unit", "kg"}},
                          helper_->admin().bearer());
    EXPECT_EQ(item.status, 201) << item.describe();
    return {"/api/v1/orders",
            "/api/v1/admin/orders",
            "/api/v1/payments",
            "/api/v1/deliveries",
            "/api/v1/drivers",
            "/api/v1/events",
            "/api/v1/reviews",
            "/api/v1/inventory/" + json_string(body_of(item), {"id"}) + "/logs",
            "/api/v1/users",
            "/api/v1/api-keys",
            "/api/v1/webhooks",
            "/api/v1/notifications",
            "/api/v1/admin/audit-log"};
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> helper_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> KeysetCursors::shared_;
std::unique_ptr<AuthHelper> KeysetCursors::helper_;

// The one answer to a cursor a list cannot use.
void expect_cursor_refused(const HttpResponse& r) {
  EXPECT_ERROR(r, 400, "bad_request");
  if (!r.json) return;
  const auto& details = r.json->at("error").at("details").as_array();
  ASSERT_EQ(details.size(), 1u) << r.describe();
  EXPECT_EQ(details[0].at("field"), "cursor") << r.describe();
  EXPECT_EQ(details[0].at("issue"), "is not a cursor this API returned") << r.describe();
}

TEST_F(KeysetCursors, EveryListRefusesABadCursorTheSameWay) {
  const std::string wrong_keys[] = {
      "zzz!",                                       // not base64url
      keyset_cursor_of("{\"at\":1}"),               // not an array
      keyset_cursor_of("[\"name\",\"id\"]"),        // a name keyset (inventory, catalogue)
      keyset_cursor_of("[1700000000000]"),          // no id
      keyset_cursor_of("[1700000000000,\"a\",1]"),  // one too many
      keyset_cursor_of("[1.5,\"a\"]"),              // not an integer time
  };
  for (const auto& list : keyset_lists()) {
    for (const auto& cursor : wrong_keys) {
      SCOPED_TRACE(list + " cursor " + cursor);
      expect_cursor_refused(get(list + "?cursor=" + cursor));
    }
  }
}

TEST_F(KeysetCursors, AHandMadeTimeAndIdCursorPagesEveryList) {
  // Something on the lists that are easy to fill as an admin: users, keys, the audit log.
  ASSERT_TRUE(three_api_keys("k"));
  helper_->account("customer");
  const std::string future = keyset_cursor_of("[" + std::to_string(kKeysetFuture) + ",\"\"]");
  const std::string past = keyset_cursor_of("[0,\"\"]");
  for (const auto& list : keyset_lists()) {
    SCOPED_TRACE(list);
    auto first = get(list + "?limit=2");
    ASSERT_EQ(first.status, 200) << first.describe();
    // After a keyset later than every row: the first page, with the same next cursor.
    auto after_future = get(list + "?limit=2&cursor=" + future);
    ASSERT_EQ(after_future.status, 200) << after_future.describe();
    EXPECT_EQ(body_of(after_future), body_of(first));
    // After a keyset earlier than every row: nothing.
    auto after_past = get(list + "?cursor=" + past);
    ASSERT_EQ(after_past.status, 200) << after_past.describe();
    EXPECT_TRUE(body_of(after_past).at("items").as_array().empty());
    EXPECT_TRUE(body_of(after_past).at("next_cursor").is_null());
  }
}

TEST_F(KeysetCursors, PagesOfOneWalkEachListOnceNewestFirst) {
  ASSERT_TRUE(three_api_keys("w"));
  for (std::string_view role : {"customer", "staff", "driver"}) helper_->account(role);
  for (std::string list : {"/api/v1/api-keys", "/api/v1/users", "/api/v1/admin/audit-log"}) {
    SCOPED_TRACE(list);
    auto all = get(list + "?limit=200");
    ASSERT_EQ(all.status, 200) << all.describe();
    const auto all_body = body_of(all);
    std::vector<std::string> expected;
    for (const auto& item : all_body.at("items").as_array())
      expected.push_back(json_string(item, {"id"}));
    ASSERT_GE(expected.size(), 3u);
    std::vector<std::string> walked;
    std::string cursor;
    for (int page = 0; page < 500; ++page) {
      auto r = get(list + "?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor));
      ASSERT_EQ(r.status, 200) << r.describe();
      const auto body = body_of(r);
      const auto& items = body.at("items").as_array();
      ASSERT_LE(items.size(), 1u);
      for (const auto& item : items) walked.push_back(json_string(item, {"id"}));
      const auto& next = body.at("next_cursor");
      if (next.is_null()) break;
      cursor = std::string(next.as_string());
      // The cursor is [time, id] of the page's last row.
      auto key = auth::base64url_decode(cursor);
      ASSERT_TRUE(key);
      const auto parsed = json::parse(*key);
      ASSERT_TRUE(parsed.is_array());
      ASSERT_EQ(parsed.as_array().size(), 2u);
      EXPECT_TRUE(parsed.as_array()[0].is_int64());
      EXPECT_EQ(parsed.as_array()[1], json::value(walked.back()));
    }
    // Rows written meanwhile (the audit log records nothing for reads) would only add.
    EXPECT_EQ(walked, expected);
  }
}

}  // namespace
}  // namespace crema::test::e2e
