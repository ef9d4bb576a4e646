// Black-box tests of the shop's settings (SPEC §15.3) through the real binary, on both
// stores: the public GET, the admin's partial PUT (versioned, validated field by field),
// the managers' pause, and a change made on one instance seen by another through Redis.

#include <chrono>
#include <cstdlib>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class Settings : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_TIMEZONE", "Europe/Berlin"},
                                                   {"CREMA_SLOT_MINUTES", "20"},
                                                   {"CREMA_AUTH_RATE_PER_MIN", "0"},
                                                   {"CREMA_USER_RATE_PER_MIN", "0"}}));
  }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
  }
  HttpResponse put(std::string_view role, const std::string& path, const json::object& body,
                   RequestHeaders extra = {}) {
    auto headers = auth_->bearer(role);
    for (auto& h : extra) headers.push_back(std::move(h));
    return client_->request("PUT", path, json::serialize(body), headers);
  }
  json::object settings() {
    auto res = client_->get("/api/v1/settings");
    EXPECT_EQ(res.status, 200) << res.describe();
    return res.status == 200 ? res.object() : json::object{};
  }
  // The fields of a 422's details.
  static std::vector<std::string> fields_of(const HttpResponse& r) {
    std::vector<std::string> out;
    if (!r.json) return out;
    for (const auto& d : r.object().at("error").at("details").as_array())
      out.emplace_back(d.at("field").as_string());
    return out;
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> Settings::shared_;
std::unique_ptr<AuthHelper> Settings::auth_;

TEST_F(Settings, PublicReadAdminPartialChangeManagerPause) {
  auto s = settings();
  EXPECT_EQ(s.at("timezone"), "Europe/Berlin");
  EXPECT_EQ(s.at("slot_minutes"), 20);
  EXPECT_EQ(s.at("max_schedule_days"), 7);
  EXPECT_EQ(s.at("open_now"), true) << "no hours: open around the clock";
  const auto version = s.at("version").as_int64();

  // Admin: a partial change; the rest keeps its value.
  auto changed =
      put("admin", "/api/v1/settings",
          {{"name", "Crema Berlin"},
           {"address", "Torstraße 1"},
           {"hours", json::array{{{"day", "mon"}, {"open", "07:00"}, {"close", "19:00"}},
                                 {{"day", "fri"}, {"open", "20:00"}, {"close", "02:00"}},
                                 {{"day", "sat"}, {"open", "08:00"}, {"close", "24:00"}}}},
           {"closures", json::array{{{"date", "2026-12-25"}, {"reason", "Christmas"}}}},
           {"max_orders_per_slot", 3},
           {"delivery_fee", 2.5},
           {"service_charge_bps", 1000}},
          {{"If-Match", "\"" + std::to_string(version) + "\""}});
  ASSERT_EQ(changed.status, 200) << changed.describe();
  EXPECT_EQ(changed.header("etag"), "\"" + std::to_string(version + 1) + "\"");
  auto again = put("admin", "/api/v1/settings", {{"phone", "+49 30 1234567"}});
  ASSERT_EQ(again.status, 200) << again.describe();
  s = settings();
  EXPECT_EQ(s.at("name"), "Crema Berlin");
  EXPECT_EQ(s.at("phone"), "+49 30 1234567");
  EXPECT_EQ(s.at("hours").as_array().size(), 3u);
  EXPECT_EQ(s.at("hours").at(1).at("close"), "02:00");
  EXPECT_EQ(s.at("closures").at(0).at("reason"), "Christmas");
  EXPECT_EQ(s.at("max_orders_per_slot"), 3);
  EXPECT_EQ(s.at("delivery_fee").to_number<double>(), 2.5);
  EXPECT_TRUE(s.at("free_delivery_over").is_null());
  EXPECT_EQ(s.at("service_charge_bps"), 1000);
  EXPECT_EQ(s.at("version"), version + 2);

  // null clears; a stale version is refused.
  auto cleared =
      put("admin", "/api/v1/settings", {{"service_charge_bps", nullptr}, {"version", version + 2}});
  ASSERT_EQ(cleared.status, 200) << cleared.describe();
  EXPECT_TRUE(cleared.object().at("service_charge_bps").is_null());
  EXPECT_ERROR(put("admin", "/api/v1/settings", {{"name", "Lost"}, {"version", version}}), 409,
               "version_conflict");

  // Only admins change the settings; managers pause.
  EXPECT_ERROR(put("manager", "/api/v1/settings", {{"name", "Mine"}}), 403, "forbidden");
  EXPECT_ERROR(client_->request("PUT", "/api/v1/settings", R"({"name":"x"})"), 401, "unauthorized");
  EXPECT_ERROR(put("staff", "/api/v1/settings/online-ordering", {{"paused", true}}), 403,
               "forbidden");
  const auto until = util::format_rfc3339(util::now_ms() + 3'600'000);
  auto paused = put("manager", "/api/v1/settings/online-ordering",
                    {{"paused", true}, {"reason", "oven repair"}, {"until", until}});
  ASSERT_EQ(paused.status, 200) << paused.describe();
  s = settings();
  EXPECT_EQ(s.at("online_ordering").at("paused"), true);
  EXPECT_EQ(s.at("online_ordering").at("reason"), "oven repair");
  EXPECT_EQ(s.at("online_ordering").at("until"), json::value(until));
  EXPECT_EQ(s.at("open_now"), false);
  ASSERT_TRUE(s.at("next_open_at").is_string());
  EXPECT_GE(util::parse_rfc3339(s.at("next_open_at").as_string()).value(),
            util::parse_rfc3339(until).value());
  auto resumed = put("manager", "/api/v1/settings/online-ordering", {{"paused", false}});
  ASSERT_EQ(resumed.status, 200) << resumed.describe();
  EXPECT_EQ(resumed.object().at("online_ordering").at("reason"), "");
  EXPECT_TRUE(resumed.object().at("online_ordering").at("until").is_null());

  // Back to no hours, for the other tests.
  ASSERT_EQ(put("admin", "/api/v1/settings", {{"hours", json::array{}}}).status, 200);
}

TEST_F(Settings, EveryBadFieldIsNamed) {
  auto bad = put("admin", "/api/v1/settings",
                 {{"hours", json::array{{{"day", "funday"}, {"open", "08:00"}, {"close", "12:00"}},
                                        {{"day", "tue"}, {"open", "25:00"}, {"close", "12:00"}},
                                        {{"day", "wed"}, {"open", "08:00"}, {"close", "8pm"}}}},
                  {"closures", json::array{{{"date", "2026-02-30"}}, {{"reason", "no date"}}}},
                  {"max_orders_per_slot", 0},
                  {"delivery_fee", -1},
                  {"service_charge_bps", 10001},
                  {"online_ordering", {{"paused", "yes"}, {"until", "tomorrow"}}}});
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(fields_of(bad),
            (std::vector<std::string>{
                "hours[0].day", "hours[1].open", "hours[2].close", "closures[0].date",
                "closures[1].date", "online_ordering.paused", "online_ordering.until",
                "max_orders_per_slot", "delivery_fee", "service_charge_bps"}));

  auto overlap =
      put("admin", "/api/v1/settings",
          {{"hours", json::array{{{"day", "sun"}, {"open", "22:00"}, {"close", "03:00"}},
                                 {{"day", "mon"}, {"open", "02:00"}, {"close", "09:00"}},
                                 {{"day", "tue"}, {"open", "09:00"}, {"close", "09:00"}}}},
           {"closures", json::array{{{"date", "2026-05-01"}}, {{"date", "2026-05-01"}}}}});
  EXPECT_ERROR(overlap, 422, "validation_failed");
  EXPECT_EQ(fields_of(overlap),
            (std::vector<std::string>{"hours[2].close", "hours[1]", "closures[1].date"}));

  auto past = put("manager", "/api/v1/settings/online-ordering",
                  {{"paused", true}, {"until", "2001-01-01T00:00:00Z"}});
  EXPECT_ERROR(past, 422, "validation_failed");
  EXPECT_EQ(fields_of(past), std::vector<std::string>{"until"});
  EXPECT_ERROR(client_->request("PUT", "/api/v1/settings", "[1]", auth_->bearer("admin")), 422,
               "validation_failed");
  EXPECT_EQ(settings().at("online_ordering").at("paused"), false) << "nothing was written";
}

TEST(SettingsInstances, APauseOnOneInstanceIsSeenOnTheOtherAtOnce) {
  CREMA_E2E_REQUIRE_STORE();
  const char* redis = std::getenv("CREMA_TEST_REDIS_URL");
  if (!redis || !*redis) GTEST_SKIP() << "CREMA_TEST_REDIS_URL is not set";
  auto db = fresh_database();
  auto options = identity_server({{"CREMA_REDIS_URL", redis}, {"CREMA_PUBLIC_RATE_PER_MIN", "0"}});
  options.database_url = db->url();
  ServerProcess a(options);
  ServerProcess b(options);
  for (auto* s : {&a, &b})
    ASSERT_TRUE(s->wait_for_log(
        [](const json::object& l) { return l.at("msg") == "redis events subscribed"; },
        std::chrono::seconds(5)))
        << s->stdout_text();
  AuthHelper auth(a);
  auto client_a = client_for(a);
  auto client_b = client_for(b);
  // B reads (and so keeps) the settings; linked to Redis, it would keep them for a minute.
  ASSERT_EQ(client_b->get("/api/v1/settings").object().at("open_now"), true);
  auto paused =
      client_a->request("PUT", "/api/v1/settings/online-ordering",
                        R"({"paused":true,"reason":"staff meeting"})", auth.bearer("manager"));
  ASSERT_EQ(paused.status, 200) << paused.describe();
  const auto t0 = std::chrono::steady_clock::now();
  bool seen = false;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    auto s = client_b->get("/api/v1/settings");
    if (s.status == 200 && s.object().at("online_ordering").at("paused") == true) {
      seen = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  EXPECT_TRUE(seen);
  EXPECT_LT(took.count(), 1000) << "B saw the pause after " << took.count() << " ms";
}

}  // namespace
}  // namespace crema::test::e2e
