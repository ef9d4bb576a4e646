// Opening hours and orders for later (SPEC §15.3) through the real binary, on both stores:
// a customer's online order while the shop is closed → 409 shop_closed with next_open_at
// (staff never refused); a scheduled order for an open time; GET /slots and slot_full; the
// kitchen's order_due event on the WebSocket and GET /orders?due=true.

#include <chrono>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/ws_client.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::int64_t kHoursDayMs = 24LL * 60 * 60 * 1000;
constexpr const char* kHoursDays[] = {"thu", "fri", "sat", "sun", "mon", "tue", "wed"};

// The weekday name of a UTC day number (days since 1970-01-01, a Thursday).
std::string hours_weekday(std::int64_t day) { return kHoursDays[day % 7]; }
std::string hours_date(std::int64_t day) {
  return util::format_rfc3339(day * kHoursDayMs).substr(0, 10);
}

class Hours : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_TIMEZONE", "UTC"},
                                                   {"CREMA_SLOT_MINUTES", "15"},
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
  HttpResponse call(const RequestHeaders& who, std::string_view method, const std::string& path,
                    const json::object& body = {}) {
    const bool has_body = method == "POST" || method == "PUT";
    return client_->request(method, path, has_body ? json::serialize(body) : std::string(), who);
  }
  void settings(const json::object& change) {
    auto res = call(auth_->bearer("admin"), "PUT", "/api/v1/settings", change);
    ASSERT_EQ(res.status, 200) << res.describe();
  }
  std::string product(int prep) {
    auto res = call(auth_->bearer("manager"), "POST", "/api/v1/products",
                    {{"name", unique_id("Hours cake")},
                     {"category", "Hours"},
                     {"price", 12.5},
                     {"prep_minutes", prep}});
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.status == 201 ? std::string(res.object().at("id").as_string()) : "";
  }
  HttpResponse order(const RequestHeaders& who, const std::string& pid,
                     std::optional<std::string> when, std::string type = "online") {
    json::object body{{"type", type},
                      {"items", json::array{{{"product_id", pid}, {"quantity", 1}}}}};
    if (when) body["scheduled_for"] = *when;
    return call(who, "POST", "/api/v1/orders", body);
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> Hours::shared_;
std::unique_ptr<AuthHelper> Hours::auth_;

TEST_F(Hours, ClosedRefusesCustomersWithTheNextOpeningSchedulesForLaterAndFillsSlots) {
  const auto pid = product(20);
  // Open only on the day after tomorrow (UTC), 08:00-18:00: closed now, whatever the time.
  const std::int64_t today = util::now_ms() / kHoursDayMs;
  const std::int64_t open_day = today + 2;
  settings(
      {{"hours",
        json::array{{{"day", hours_weekday(open_day)}, {"open", "08:00"}, {"close", "18:00"}}}},
       {"max_orders_per_slot", 1}});
  const std::string opens = hours_date(open_day) + "T08:00:00Z";

  auto closed = order(auth_->bearer("customer"), pid, std::nullopt);
  ASSERT_EQ(closed.status, 409) << closed.describe();
  EXPECT_EQ(closed.object().at("error").at("code"), "shop_closed");
  EXPECT_EQ(closed.object().at("error").at("next_open_at").as_string(), opens);
  auto till = order(auth_->bearer("staff"), pid, std::nullopt, "takeaway");
  EXPECT_EQ(till.status, 201) << "staff are never refused for hours: " << till.describe();
  EXPECT_EQ(order(auth_->bearer("staff"), pid, std::nullopt).status, 201);

  // Scheduled for an open time: taken now, counted to its time.
  const std::string ten = hours_date(open_day) + "T10:00:00Z";
  auto later = order(auth_->bearer("customer"), pid, ten);
  ASSERT_EQ(later.status, 201) << later.describe();
  EXPECT_EQ(later.object().at("scheduled_for").as_string(), ten);
  EXPECT_GT(later.object().at("estimated_time").as_int64(), 24 * 60);
  // Its slot (10:00-10:15) is full now; outside hours and bad times are 422.
  auto full = order(auth_->create("customer").bearer(), pid, hours_date(open_day) + "T10:05:00Z");
  ASSERT_EQ(full.status, 409) << full.describe();
  EXPECT_EQ(full.object().at("error").at("code"), "slot_full");
  auto night = order(auth_->bearer("customer"), pid, hours_date(open_day) + "T20:00:00Z");
  ASSERT_EQ(night.status, 422) << night.describe();
  EXPECT_EQ(night.object().at("error").at("details").at(0).at("field"), "scheduled_for");
  EXPECT_EQ(order(auth_->bearer("customer"), pid, "tomorrow at ten").status, 422);

  // GET /slots (public): the day's slots with room, the full one left out.
  auto slots = client_->get("/api/v1/slots?date=" + hours_date(open_day) + "&type=pickup");
  ASSERT_EQ(slots.status, 200) << slots.describe();
  const auto& list = slots.object().at("slots").as_array();
  ASSERT_EQ(list.size(), 39u) << "40 slots from 08:00 to 18:00, 10:00 full";
  EXPECT_EQ(list.at(0).at("start").as_string(), opens);
  EXPECT_EQ(list.at(0).at("available"), 1);
  for (const auto& s : list) EXPECT_NE(s.at("start").as_string(), ten);
  EXPECT_TRUE(client_->get("/api/v1/slots?date=" + hours_date(today + 1))
                  .object()
                  .at("slots")
                  .as_array()
                  .empty())
      << "closed tomorrow";
  EXPECT_EQ(client_->get("/api/v1/slots?date=someday").status, 400);
  EXPECT_EQ(client_->get("/api/v1/slots").status, 400);

  // Cancelling gives the place back.
  const std::string id(later.object().at("id").as_string());
  ASSERT_EQ(call(auth_->bearer("customer"), "DELETE", "/api/v1/orders/" + id).status, 200);
  EXPECT_EQ(
      order(auth_->create("customer").bearer(), pid, hours_date(open_day) + "T10:05:00Z").status,
      201);

  // A pause without an end: even a scheduled order is refused, next_open_at null.
  auto paused = call(auth_->bearer("manager"), "PUT", "/api/v1/settings/online-ordering",
                     {{"paused", true}, {"reason", "oven repair"}});
  ASSERT_EQ(paused.status, 200) << paused.describe();
  auto refused = order(auth_->bearer("customer"), pid, hours_date(open_day) + "T11:00:00Z");
  ASSERT_EQ(refused.status, 409) << refused.describe();
  EXPECT_TRUE(refused.object().at("error").at("next_open_at").is_null());
  ASSERT_EQ(
      call(auth_->bearer("manager"), "PUT", "/api/v1/settings/online-ordering", {{"paused", false}})
          .status,
      200);
  settings({{"hours", json::array{}}, {"max_orders_per_slot", nullptr}});
}

TEST_F(Hours, AScheduledOrderReachesTheKitchenWhenItsTimeComes) {
  settings({{"hours", json::array{}}, {"max_orders_per_slot", nullptr}});  // always open
  const auto pid = product(1);
  // Due (scheduled_for − 1 min prep) three seconds from now.
  const std::string when = util::format_rfc3339(util::now_ms() + 63'000);
  WsOptions o;
  o.token = auth_->account("staff").token;
  WsClient kitchen(shared_->server->host(), shared_->server->port(), o);
  ASSERT_TRUE(kitchen.upgraded());
  ASSERT_TRUE(kitchen.read_type("hello"));
  WsOptions c;
  c.token = auth_->account("customer").token;
  WsClient customer(shared_->server->host(), shared_->server->port(), c);
  ASSERT_TRUE(customer.read_type("hello"));

  auto placed = order(auth_->bearer("customer"), pid, when);
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const std::string id(placed.object().at("id").as_string());
  auto is_waiting = [&](bool due) {
    auto res = call(auth_->bearer("staff"), "GET",
                    std::string("/api/v1/orders?limit=200&due=") + (due ? "true" : "false"));
    EXPECT_EQ(res.status, 200) << res.describe();
    for (const auto& item : res.object().at("items").as_array())
      if (item.at("id").as_string() == id) return true;
    return false;
  };
  EXPECT_TRUE(is_waiting(false)) << "not due yet";
  EXPECT_FALSE(is_waiting(true));

  auto due = kitchen.read_type("order_due", 15s);
  ASSERT_TRUE(due) << "order_due within the job's period after the due time";
  EXPECT_EQ(due->at("data").at("id").as_string(), id);
  EXPECT_EQ(due->at("data").at("scheduled_for").as_string(), when);
  EXPECT_TRUE(is_waiting(true));
  EXPECT_FALSE(is_waiting(false));
  // The customer hears of their order, never of the kitchen's reminder.
  bool heard_due = false;
  try {
    while (auto m = customer.read_json(300ms))
      heard_due = heard_due || m->at("type") == "order_due";
  } catch (const std::runtime_error&) {
    // nothing more arrived
  }
  EXPECT_FALSE(heard_due);
}

}  // namespace
}  // namespace crema::test::e2e
