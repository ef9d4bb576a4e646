// Black-box tests of delivery (SPEC §8), reviews and catering events (SPEC §11) through the
// real binary: every rule and every role, IDOR attempts by another customer or driver, the
// WebSocket events, and free text that comes back inert.

#include <atomic>
#include <set>
#include <string>
#include <thread>

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

// One server per suite; helpers shared by the three suites.
class FulfilBase : public ::testing::Test {
 protected:
  static std::unique_ptr<SharedServer> start(EnvOverrides extra = {}) {
    extra["CREMA_AUTH_RATE_PER_MIN"] = "0";
    extra["CREMA_USER_RATE_PER_MIN"] = "0";
    return SharedServer::start(identity_server(std::move(extra)));
  }

  void init(SharedServer& shared, std::unique_ptr<AuthHelper>& auth) {
    if (!auth) auth = std::make_unique<AuthHelper>(*shared.server);
    auth_ = auth.get();
    server_ = shared.server.get();
    client_ = client_for(*shared.server);
  }

  HttpResponse call(const RequestHeaders& who, std::string_view method, const std::string& path,
                    const json::object& body = {}) {
    const bool has_body = method == "POST" || method == "PUT";
    return client_->request(method, path, has_body ? json::serialize(body) : std::string(), who);
  }
  HttpResponse call(std::string_view role, std::string_view method, const std::string& path,
                    const json::object& body = {}) {
    return call(auth_->bearer(role), method, path, body);
  }
  json::object created(const RequestHeaders& who, const std::string& path,
                       const json::object& body) {
    auto res = call(who, "POST", path, body);
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.status == 201 ? res.object() : json::object{};
  }
  json::object created(std::string_view role, const std::string& path, const json::object& body) {
    return created(auth_->bearer(role), path, body);
  }
  json::object ok(const RequestHeaders& who, std::string_view method, const std::string& path,
                  const json::object& body = {}) {
    auto res = call(who, method, path, body);
    EXPECT_EQ(res.status, 200) << method << " " << path << " " << res.describe();
    return res.status == 200 ? res.object() : json::object{};
  }
  json::object ok(std::string_view role, std::string_view method, const std::string& path,
                  const json::object& body = {}) {
    return ok(auth_->bearer(role), method, path, body);
  }
  std::string product(const std::string& name, double price, json::object extra = {}) {
    json::object body{{"name", name}, {"category", "Fulfil"}, {"price", price}};
    for (auto& [k, v] : extra) body[k] = v;
    return id_of(created("manager", "/api/v1/products", body));
  }
  static std::string id_of(const json::object& o) {
    return o.contains("id") && o.at("id").is_string() ? std::string(o.at("id").as_string())
                                                      : std::string();
  }
  static double num(const json::value& v) { return v.to_number<double>(); }
  static std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
  }
  std::unique_ptr<WsClient> connect(const std::string& token) {
    WsOptions o;
    o.token = token;
    auto c = std::make_unique<WsClient>(server_->host(), server_->port(), o);
    EXPECT_TRUE(c->upgraded()) << c->response().describe();
    EXPECT_TRUE(c->read_type("hello"));
    return c;
  }
  // The audit rows of an action.
  json::array audit_rows(std::string_view action) {
    auto res = call(auth_->admin().bearer(), "GET",
                    "/api/v1/admin/audit-log?limit=200&action=" + std::string(action));
    EXPECT_EQ(res.status, 200) << res.describe();
    return res.status == 200 ? res.object().at("items").as_array() : json::array{};
  }

  AuthHelper* auth_ = nullptr;
  ServerProcess* server_ = nullptr;
  std::unique_ptr<HttpClient> client_;
};

// ---- reviews ---------------------------------------------------------------------------------

class Reviews : public FulfilBase {
 protected:
  static void SetUpTestSuite() { shared_ = start(); }
  static void TearDownTestSuite() {
    auth_holder_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    init(*shared_, auth_holder_);
  }
  HttpResponse review(const Account& who, const std::string& pid, int rating,
                      std::string comment = "Good") {
    return call(who.bearer(), "POST", "/api/v1/products/" + pid + "/reviews",
                {{"rating", rating}, {"comment", comment}});
  }
  json::object product_json(const std::string& pid) {
    return ok(RequestHeaders{}, "GET", "/api/v1/products/" + pid);
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_holder_;
};
std::unique_ptr<SharedServer> Reviews::shared_;
std::unique_ptr<AuthHelper> Reviews::auth_holder_;

TEST_F(Reviews, OnePerCustomerPerProductAndTheRatingCountsVisibleReviews) {
  const auto pid = product("Review croissant", 2.5);
  auto c1 = auth_->create("customer");
  auto c2 = auth_->create("customer");
  EXPECT_EQ(num(product_json(pid).at("rating_count")), 0);

  auto first = review(c1, pid, 5, "Flaky and buttery");
  ASSERT_EQ(first.status, 201) << first.describe();
  const auto r1 = first.object();
  EXPECT_EQ(r1.at("product_id"), json::value(pid));
  EXPECT_EQ(r1.at("customer_id"), json::value(c1.id));
  EXPECT_EQ(r1.at("customer_name"), json::value(c1.name));
  EXPECT_EQ(r1.at("rating"), 5);
  EXPECT_EQ(r1.at("comment"), "Flaky and buttery");
  EXPECT_EQ(r1.at("status"), "visible");
  EXPECT_FALSE(r1.contains("flag_reason"));  // moderators only
  EXPECT_ERROR(review(c1, pid, 4), 409, "duplicate");

  // Roles and bad input.
  EXPECT_ERROR(call("staff", "POST", "/api/v1/products/" + pid + "/reviews", {{"rating", 4}}), 403,
               "forbidden");
  EXPECT_ERROR(
      call(RequestHeaders{}, "POST", "/api/v1/products/" + pid + "/reviews", {{"rating", 4}}), 401,
      "unauthorized");
  auto bad = call(c2.bearer(), "POST", "/api/v1/products/" + pid + "/reviews",
                  {{"rating", 6}, {"comment", std::string(2001, 'x')}});
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(bad.object().at("error").at("details").as_array().size(), 2u) << bad.describe();
  EXPECT_ERROR(review(c2, pid, 0), 422, "validation_failed");
  EXPECT_ERROR(
      call(c2.bearer(), "POST", "/api/v1/products/" + pid + "/reviews", {{"comment", "no rating"}}),
      422, "validation_failed");
  EXPECT_ERROR(review(c2, "0190a0a0-0000-7000-8000-000000000000", 3), 404, "not_found");
  EXPECT_ERROR(review(c2, "not-a-uuid", 3), 404, "not_found");

  auto second = review(c2, pid, 2, "Too sweet");
  ASSERT_EQ(second.status, 201) << second.describe();
  const std::string r2 = id_of(second.object());
  auto p = product_json(pid);
  EXPECT_EQ(num(p.at("rating_count")), 2);
  EXPECT_DOUBLE_EQ(num(p.at("rating_avg")), 3.5);
  // The menu shows the new rating at once (its cache was invalidated).
  bool seen = false;
  const auto menu = ok(RequestHeaders{}, "GET", "/api/v1/menu");
  for (const auto& cat : menu.at("categories").as_array())
    for (const auto& item : cat.at("items").as_array())
      if (item.at("id") == json::value(pid)) {
        seen = true;
        EXPECT_EQ(num(item.at("rating_count")), 2);
      }
  EXPECT_TRUE(seen);

  // Public list: visible reviews, newest first, paginated.
  auto list = ok(RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews?limit=1");
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_EQ(list.at("items").as_array()[0].at("id"), json::value(r2));
  auto next = str(list.at("next_cursor"));
  ASSERT_FALSE(next.empty());
  auto page2 =
      ok(RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews?limit=1&cursor=" + next);
  ASSERT_EQ(page2.at("items").as_array().size(), 1u);
  EXPECT_EQ(page2.at("items").as_array()[0].at("id"), r1.at("id"));

  // Any signed-in user flags, once; one user cannot hide a review: it stays public until
  // three different users have flagged it (then it leaves the public list and the rating).
  auto first_flag = ok(c1.bearer(), "POST", "/api/v1/reviews/" + r2 + "/flag",
                       {{"reason", "rude about the baker"}});
  EXPECT_EQ(first_flag.at("status"), "visible");
  EXPECT_ERROR(call(c1.bearer(), "POST", "/api/v1/reviews/" + r2 + "/flag", {{"reason", "again"}}),
               409, "duplicate");
  EXPECT_ERROR(call(c1.bearer(), "POST", "/api/v1/reviews/" + r2 + "/flag", {}), 422,
               "validation_failed");
  EXPECT_EQ(ok(RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews")
                .at("items")
                .as_array()
                .size(),
            2u);
  auto reported = ok("manager", "GET", "/api/v1/reviews?reported=true&product_id=" + pid);
  ASSERT_EQ(reported.at("items").as_array().size(), 1u);
  EXPECT_EQ(reported.at("items").as_array()[0].at("open_flags"), 1);
  auto second_flag = ok(auth_->create("customer").bearer(), "POST",
                        "/api/v1/reviews/" + r2 + "/flag", {{"reason", "rude"}});
  EXPECT_EQ(second_flag.at("status"), "visible");
  auto flagged = ok(auth_->create("driver").bearer(), "POST", "/api/v1/reviews/" + r2 + "/flag",
                    {{"reason", "rude about the baker"}});
  EXPECT_EQ(flagged.at("status"), "flagged");
  p = product_json(pid);
  EXPECT_EQ(num(p.at("rating_count")), 1);
  EXPECT_DOUBLE_EQ(num(p.at("rating_avg")), 5.0);
  EXPECT_EQ(ok(RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews")
                .at("items")
                .as_array()
                .size(),
            1u);

  // The moderation queue: managers and admins only.
  auto queue = ok("manager", "GET", "/api/v1/reviews?status=flagged&product_id=" + pid);
  ASSERT_EQ(queue.at("items").as_array().size(), 1u);
  EXPECT_EQ(queue.at("items").as_array()[0].at("flag_reason"), "rude about the baker");
  for (const char* role : {"customer", "driver", "staff"}) {
    EXPECT_ERROR(call(role, "GET", "/api/v1/reviews?status=flagged"), 403, "forbidden");
    EXPECT_ERROR(call(role, "PUT", "/api/v1/reviews/" + r2 + "/status", {{"status", "visible"}}),
                 403, "forbidden");
  }
  EXPECT_ERROR(
      call(c2.bearer(), "PUT", "/api/v1/reviews/" + r2 + "/status", {{"status", "visible"}}), 403,
      "forbidden");
  EXPECT_ERROR(call("manager", "GET", "/api/v1/reviews?status=rude"), 400, "bad_request");
  EXPECT_ERROR(call("manager", "PUT", "/api/v1/reviews/" + r2 + "/status", {{"status", "gone"}}),
               422, "validation_failed");

  auto hidden = ok("manager", "PUT", "/api/v1/reviews/" + r2 + "/status", {{"status", "hidden"}});
  EXPECT_EQ(hidden.at("status"), "hidden");
  // A hidden review is not there for those who may not moderate.
  EXPECT_ERROR(call(c1.bearer(), "POST", "/api/v1/reviews/" + r2 + "/flag", {{"reason", "x"}}), 404,
               "not_found");
  EXPECT_ERROR(call("manager", "PUT", "/api/v1/reviews/" + r2 + "/status",
                    {{"status", "visible"}, {"version", 1}}),
               409, "version_conflict");
  auto restored = ok("admin", "PUT", "/api/v1/reviews/" + r2 + "/status", {{"status", "visible"}});
  EXPECT_EQ(restored.at("status"), "visible");
  p = product_json(pid);
  EXPECT_EQ(num(p.at("rating_count")), 2);
  EXPECT_DOUBLE_EQ(num(p.at("rating_avg")), 3.5);
  // Moderation is audited.
  std::set<std::string> targets;
  for (const auto& row : audit_rows("review.status")) targets.insert(str(row.at("target_id")));
  EXPECT_TRUE(targets.count(r2));
  EXPECT_ERROR(call("manager", "PUT", "/api/v1/reviews/0190a0a0-0000-7000-8000-000000000000/status",
                    {{"status", "hidden"}}),
               404, "not_found");
}

TEST_F(Reviews, HtmlAndScriptPayloadsComeBackInert) {
  const auto pid = product("Review eclair", 3);
  auto c = auth_->create("customer");
  const std::string payload =
      "<script>alert('x')</script><img src=x onerror=alert(1)>\"'&</textarea>";
  auto res = review(c, pid, 4, payload);
  ASSERT_EQ(res.status, 201) << res.describe();
  for (const auto& r :
       {res, call(RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews")}) {
    EXPECT_EQ(r.header("Content-Type").substr(0, 16), "application/json");
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_FALSE(r.header("Content-Security-Policy").empty());
    // The text is a JSON string value, exactly as given, never markup.
    ASSERT_TRUE(r.json.has_value());
  }
  EXPECT_EQ(res.object().at("comment"), json::value(payload));
  auto list = ok(RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews");
  EXPECT_EQ(list.at("items").as_array()[0].at("comment"), json::value(payload));
}

TEST_F(Reviews, ConcurrentReviewsKeepTheRatingExact) {
  const auto pid = product("Review tart", 4);
  constexpr int kClients = 10;
  std::vector<Account> customers;
  for (int i = 0; i < kClients; ++i) customers.push_back(auth_->create("customer"));
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  int sum = 0;
  for (int i = 0; i < kClients; ++i) {
    const int rating = 1 + i % 5;
    sum += rating;
    threads.emplace_back([&, i, rating] {
      auto c = client_for(*server_);
      auto r = c->request("POST", "/api/v1/products/" + pid + "/reviews",
                          json::serialize(json::object{{"rating", rating}}),
                          customers[static_cast<std::size_t>(i)].bearer());
      if (r.status == 201) ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), kClients);
  auto p = product_json(pid);
  EXPECT_EQ(num(p.at("rating_count")), kClients);
  EXPECT_DOUBLE_EQ(num(p.at("rating_avg")), static_cast<double>(sum) / kClients);
}

// ---- delivery --------------------------------------------------------------------------------

class Deliveries : public FulfilBase {
 protected:
  static void SetUpTestSuite() { shared_ = start(); }
  static void TearDownTestSuite() {
    auth_holder_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    init(*shared_, auth_holder_);
  }
  // A driver account and its profile id.
  std::pair<Account, std::string> driver(const std::string& vehicle = "bike") {
    auto a = auth_->create("driver");
    auto d = created("manager", "/api/v1/drivers", {{"user_id", a.id}, {"vehicle", vehicle}});
    return {a, id_of(d)};
  }
  // A delivery order of `c`, moved to `status` by staff.
  std::string delivery_order(const Account& c, const std::string& pid,
                             std::initializer_list<const char*> moves = {}) {
    auto o = created(c.bearer(), "/api/v1/orders",
                     {{"items", json::array{{{"product_id", pid}, {"quantity", 1}}}},
                      {"is_pickup", false},
                      {"delivery_info", {{"address", "3 Quai des Orfevres"}}}});
    const auto id = id_of(o);
    for (auto m : moves) ok("staff", "PUT", "/api/v1/orders/" + id + "/status", {{"status", m}});
    return id;
  }
  json::object assign(const std::string& order_id, const std::string& driver_id) {
    return ok("manager", "POST", "/api/v1/orders/" + order_id + "/assign-delivery",
              {{"driver_id", driver_id}});
  }
  // The delivery in progress of an order (as a manager sees it).
  json::object delivery_of(const std::string& order_id) {
    auto list = ok("manager", "GET", "/api/v1/deliveries?order_id=" + order_id);
    for (const auto& d : list.at("items").as_array())
      if (d.at("status") == "assigned" || d.at("status") == "picked_up") return d.as_object();
    ADD_FAILURE() << "no delivery in progress for " << order_id;
    return {};
  }
  HttpResponse move(const RequestHeaders& who, const std::string& delivery_id, json::object body) {
    return call(who, "PUT", "/api/v1/deliveries/" + delivery_id + "/status", body);
  }
  HttpResponse locate(const RequestHeaders& who, const std::string& delivery_id, double lat,
                      double lng) {
    return call(who, "POST", "/api/v1/deliveries/" + delivery_id + "/location",
                {{"lat", lat}, {"lng", lng}});
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_holder_;
};
std::unique_ptr<SharedServer> Deliveries::shared_;
std::unique_ptr<AuthHelper> Deliveries::auth_holder_;

TEST_F(Deliveries, DriversAreProfilesOfUsersWithTheDriverRole) {
  auto a = auth_->create("driver");
  auto c = auth_->create("customer");
  EXPECT_ERROR(call("manager", "POST", "/api/v1/drivers", {{"user_id", c.id}, {"vehicle", "van"}}),
               422, "validation_failed");
  EXPECT_ERROR(call("manager", "POST", "/api/v1/drivers",
                    {{"user_id", "0190a0a0-0000-7000-8000-000000000000"}, {"vehicle", "van"}}),
               422, "validation_failed");
  auto bad = call("manager", "POST", "/api/v1/drivers", {{"user_id", "nope"}});
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(bad.object().at("error").at("details").as_array().size(), 2u) << bad.describe();
  for (const char* role : {"customer", "driver", "staff"}) {
    EXPECT_ERROR(call(role, "POST", "/api/v1/drivers", {{"user_id", a.id}, {"vehicle", "van"}}),
                 403, "forbidden");
    EXPECT_ERROR(call(role, "GET", "/api/v1/drivers"), 403, "forbidden");
  }
  auto d = created("manager", "/api/v1/drivers", {{"user_id", a.id}, {"vehicle", "van"}});
  EXPECT_EQ(d.at("user_id"), json::value(a.id));
  EXPECT_EQ(d.at("name"), json::value(a.name));  // defaults to the user's
  EXPECT_EQ(d.at("vehicle"), "van");
  EXPECT_EQ(d.at("is_active"), true);
  EXPECT_ERROR(call("admin", "POST", "/api/v1/drivers", {{"user_id", a.id}, {"vehicle", "car"}}),
               409, "duplicate");
  const auto id = id_of(d);
  auto updated = ok("admin", "PUT", "/api/v1/drivers/" + id,
                    {{"vehicle", "cargo bike"}, {"phone", "+33 6 12 34 56 78"}, {"version", 1}});
  EXPECT_EQ(updated.at("vehicle"), "cargo bike");
  EXPECT_EQ(updated.at("version"), 2);
  EXPECT_ERROR(call("admin", "PUT", "/api/v1/drivers/" + id, {{"name", "X"}, {"version", 1}}), 409,
               "version_conflict");
  EXPECT_ERROR(call("admin", "PUT", "/api/v1/drivers/" + id, json::object{}), 422,
               "validation_failed");
  EXPECT_EQ(ok("manager", "GET", "/api/v1/drivers/" + id).at("phone"), "+33 6 12 34 56 78");
  bool listed = false;
  const auto drivers = ok("manager", "GET", "/api/v1/drivers?limit=200");
  for (const auto& row : drivers.at("items").as_array())
    listed = listed || row.at("id") == json::value(id);
  EXPECT_TRUE(listed);
  EXPECT_EQ(audit_rows("driver.create").size() >= 1, true);
  // An inactive driver gets no new delivery.
  ok("manager", "PUT", "/api/v1/drivers/" + id, {{"is_active", false}});
  auto c2 = auth_->create("customer");
  const auto pid = product("Delivery quiche inactive", 9, {{"stock", 10}});
  const auto order = delivery_order(c2, pid);
  EXPECT_ERROR(
      call("manager", "POST", "/api/v1/orders/" + order + "/assign-delivery", {{"driver_id", id}}),
      422, "validation_failed");
}

TEST_F(Deliveries, TheAssignedDriverMovesTheOrderAndBroadcastsLocations) {
  const auto pid = product("Delivery quiche", 9, {{"stock", 10}});
  auto c = auth_->create("customer");
  auto other = auth_->create("customer");
  auto [drv, drv_id] = driver();
  auto [intruder, intruder_id] = driver();
  const auto order = delivery_order(c, pid);
  auto c_ws = connect(c.token);
  auto other_ws = connect(other.token);
  auto drv_ws = connect(drv.token);

  auto assigned = assign(order, drv_id);
  EXPECT_EQ(assigned.at("delivery_info").at("driver_id"), json::value(drv_id));
  auto d = delivery_of(order);
  const auto did = id_of(d);
  EXPECT_EQ(d.at("status"), "assigned");
  EXPECT_EQ(d.at("driver_id"), json::value(drv_id));
  auto ev = c_ws->read_type("delivery_updated");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->at("data").at("id"), json::value(did));
  ASSERT_TRUE(drv_ws->read_type("delivery_updated"));

  // Who sees what.
  auto mine = ok(drv.bearer(), "GET", "/api/v1/deliveries");
  ASSERT_EQ(mine.at("items").as_array().size(), 1u);
  EXPECT_EQ(mine.at("items").as_array()[0].at("id"), json::value(did));
  EXPECT_TRUE(ok(intruder.bearer(), "GET", "/api/v1/deliveries").at("items").as_array().empty());
  EXPECT_ERROR(call(intruder.bearer(), "GET", "/api/v1/deliveries/" + did), 404, "not_found");
  EXPECT_EQ(ok(drv.bearer(), "GET", "/api/v1/deliveries/" + did).at("id"), json::value(did));
  EXPECT_EQ(call(drv.bearer(), "GET", "/api/v1/orders/" + order).status, 200);
  EXPECT_ERROR(call(intruder.bearer(), "GET", "/api/v1/orders/" + order), 404, "not_found");
  for (const char* role : {"customer", "staff"}) {
    EXPECT_ERROR(call(role, "GET", "/api/v1/deliveries"), 403, "forbidden");
    EXPECT_ERROR(move(auth_->bearer(role), did, {{"status", "picked_up"}}), 403, "forbidden");
  }
  EXPECT_ERROR(move(c.bearer(), did, {{"status", "picked_up"}}), 403, "forbidden");
  EXPECT_ERROR(move(intruder.bearer(), did, {{"status", "picked_up"}}), 404, "not_found");
  EXPECT_ERROR(locate(intruder.bearer(), did, 48.85, 2.35), 404, "not_found");
  EXPECT_ERROR(locate(auth_->bearer("manager"), did, 48.85, 2.35), 403, "forbidden");
  EXPECT_ERROR(locate(c.bearer(), did, 48.85, 2.35), 403, "forbidden");

  // Picked up only once the order is ready; delivered only once picked up.
  EXPECT_ERROR(move(drv.bearer(), did, {{"status", "picked_up"}}), 409, "invalid_transition");
  EXPECT_ERROR(move(drv.bearer(), did, {{"status", "delivered"}}), 409, "invalid_transition");
  EXPECT_ERROR(move(drv.bearer(), did, {{"status", "lost"}}), 422, "validation_failed");
  EXPECT_ERROR(move(drv.bearer(), did, json::object{}), 422, "validation_failed");
  for (auto s : {"confirmed", "preparing", "ready"})
    ok("staff", "PUT", "/api/v1/orders/" + order + "/status", {{"status", s}});
  auto picked = ok(drv.bearer(), "PUT", "/api/v1/deliveries/" + did + "/status",
                   {{"status", "picked_up"}, {"eta", "2030-01-01T12:30:00Z"}});
  EXPECT_EQ(picked.at("status"), "picked_up");
  EXPECT_EQ(picked.at("eta"), "2030-01-01T12:30:00Z");
  auto o = ok(c.bearer(), "GET", "/api/v1/orders/" + order);
  EXPECT_EQ(o.at("status"), "out_for_delivery");
  EXPECT_EQ(o.at("delivery_info").at("eta"), "2030-01-01T12:30:00Z");
  EXPECT_EQ(o.at("delivery_info").at("driver_id"), json::value(drv_id));
  auto upd = c_ws->read_type("delivery_updated");
  ASSERT_TRUE(upd);
  EXPECT_EQ(upd->at("data").at("status"), "picked_up");
  EXPECT_ERROR(move(drv.bearer(), did, {{"status", "picked_up"}}), 409, "invalid_transition");
  EXPECT_ERROR(move(drv.bearer(), did, {{"eta", "tomorrow"}}), 422, "validation_failed");
  // On its way: no unassigning or reassigning behind the driver's back.
  EXPECT_ERROR(call("manager", "DELETE", "/api/v1/orders/" + order + "/assign-delivery"), 409,
               "invalid_transition");
  EXPECT_ERROR(call("manager", "POST", "/api/v1/orders/" + order + "/assign-delivery",
                    {{"driver_id", intruder_id}}),
               409, "invalid_transition");

  // Locations: validated, at most one per second, broadcast to the order's watchers only.
  auto bad = locate(drv.bearer(), did, 91, -181);
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(bad.object().at("error").at("details").as_array().size(), 2u);
  EXPECT_ERROR(
      call(drv.bearer(), "POST", "/api/v1/deliveries/" + did + "/location", {{"lat", "north"}}),
      422, "validation_failed");
  auto first = locate(drv.bearer(), did, 48.8566, 2.3522);
  ASSERT_EQ(first.status, 204) << first.describe();
  auto burst = locate(drv.bearer(), did, 48.8567, 2.3523);
  EXPECT_ERROR(burst, 429, "rate_limited");
  EXPECT_FALSE(burst.header("Retry-After").empty());
  auto loc = c_ws->read_type("delivery_location");
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->at("data").at("order_id"), json::value(order));
  EXPECT_DOUBLE_EQ(num(loc->at("data").at("lat")), 48.8566);
  EXPECT_DOUBLE_EQ(num(loc->at("data").at("lng")), 2.3522);
  EXPECT_TRUE(other_ws->quiet_for(500ms));
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(locate(drv.bearer(), did, 48.86, 2.36).status, 204);
  auto seen = ok("manager", "GET", "/api/v1/deliveries/" + did);
  EXPECT_DOUBLE_EQ(num(seen.at("last_location").at("lat")), 48.86);

  auto delivered =
      ok(drv.bearer(), "PUT", "/api/v1/deliveries/" + did + "/status", {{"status", "delivered"}});
  EXPECT_EQ(delivered.at("status"), "delivered");
  o = ok(c.bearer(), "GET", "/api/v1/orders/" + order);
  EXPECT_EQ(o.at("status"), "delivered");
  EXPECT_FALSE(o.at("completed_at").is_null());
  EXPECT_ERROR(locate(drv.bearer(), did, 48.86, 2.36), 409, "conflict");
  EXPECT_ERROR(move(drv.bearer(), did, {{"status", "failed"}}), 409, "invalid_transition");
  EXPECT_TRUE(other_ws->quiet_for(300ms));
}

TEST_F(Deliveries, AFailedDeliveryReturnsTheOrderToReadyUnassigned) {
  const auto pid = product("Delivery tarte", 7, {{"stock", 10}});
  auto c = auth_->create("customer");
  auto [drv, drv_id] = driver();
  auto [second, second_id] = driver("scooter");
  const auto order = delivery_order(c, pid, {"confirmed", "preparing", "ready"});
  assign(order, drv_id);
  const auto did = id_of(delivery_of(order));
  ok(drv.bearer(), "PUT", "/api/v1/deliveries/" + did + "/status", {{"status", "picked_up"}});
  auto failed = ok(drv.bearer(), "PUT", "/api/v1/deliveries/" + did + "/status",
                   {{"status", "failed"}, {"reason", "nobody home"}});
  EXPECT_EQ(failed.at("status"), "failed");
  EXPECT_EQ(failed.at("failure_reason"), "nobody home");
  auto o = ok("staff", "GET", "/api/v1/orders/" + order);
  EXPECT_EQ(o.at("status"), "ready");
  EXPECT_TRUE(o.at("delivery_info").at("driver_id").is_null());
  EXPECT_EQ(o.at("delivery_info").at("address"), "3 Quai des Orfevres");
  EXPECT_ERROR(call(drv.bearer(), "GET", "/api/v1/orders/" + order), 404, "not_found");
  // Reassigned to another driver, who delivers it.
  assign(order, second_id);
  const auto did2 = id_of(delivery_of(order));
  EXPECT_NE(did2, did);
  EXPECT_ERROR(move(drv.bearer(), did2, {{"status", "picked_up"}}), 404, "not_found");
  ok(second.bearer(), "PUT", "/api/v1/deliveries/" + did2 + "/status", {{"status", "picked_up"}});
  ok("manager", "PUT", "/api/v1/deliveries/" + did2 + "/status", {{"status", "delivered"}});
  EXPECT_EQ(ok(c.bearer(), "GET", "/api/v1/orders/" + order).at("status"), "delivered");
  // The first driver still sees their failed delivery in their list.
  auto mine = ok(drv.bearer(), "GET", "/api/v1/deliveries?status=failed");
  ASSERT_EQ(mine.at("items").as_array().size(), 1u);

  // Unassigning withdraws the assigned delivery (it ends as failed, "unassigned", and its
  // driver hears of it); a cancelled order fails its delivery.
  const auto order2 = delivery_order(c, pid);
  auto drv_ws = connect(drv.token);
  assign(order2, drv_id);
  const auto did3 = id_of(delivery_of(order2));
  ok("manager", "DELETE", "/api/v1/orders/" + order2 + "/assign-delivery");
  auto withdrawn = ok("manager", "GET", "/api/v1/deliveries/" + did3);
  EXPECT_EQ(withdrawn.at("status"), "failed");
  EXPECT_EQ(withdrawn.at("failure_reason"), "unassigned");
  std::optional<json::object> heard;
  while ((heard = drv_ws->read_type("delivery_updated")) &&
         heard->at("data").at("status") != "failed") {}
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->at("data").at("id"), json::value(did3));
  EXPECT_ERROR(call(drv.bearer(), "PUT", "/api/v1/deliveries/" + did3 + "/status",
                    {{"status", "picked_up"}}),
               409, "invalid_transition");
  assign(order2, second_id);
  const auto did4 = id_of(delivery_of(order2));
  ok(c.bearer(), "DELETE", "/api/v1/orders/" + order2);
  EXPECT_EQ(ok("manager", "GET", "/api/v1/deliveries/" + did4).at("status"), "failed");
}

// ---- catering events -------------------------------------------------------------------------

class CateringEvents : public FulfilBase {
 protected:
  static void SetUpTestSuite() { shared_ = start({{"CREMA_TAX_RATE_BPS", "1000"}}); }
  static void TearDownTestSuite() {
    auth_holder_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    init(*shared_, auth_holder_);
  }
  static std::string days_from_now(int days) {
    auto t = util::format_rfc3339(util::now_ms() + static_cast<std::int64_t>(days) * 86'400'000);
    return t.substr(0, 10);
  }
  json::object request_body(const std::string& pid, int qty, int days = 30) {
    return {{"event_type", "wedding"},
            {"date", days_from_now(days)},
            {"guests", 80},
            {"theme", "garden"},
            {"items", json::array{{{"product_id", pid}, {"qty", qty}}}},
            {"notes", "gluten-free options"}};
  }
  HttpResponse status(const RequestHeaders& who, const std::string& id, json::object body) {
    return call(who, "PUT", "/api/v1/events/" + id + "/status", body);
  }
  json::object inventory(const std::string& id) {
    return ok("manager", "GET", "/api/v1/inventory/" + id);
  }
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_holder_;
};
std::unique_ptr<SharedServer> CateringEvents::shared_;
std::unique_ptr<AuthHelper> CateringEvents::auth_holder_;

TEST_F(CateringEvents, CustomersRequestEventsForAFutureDateFromTheCatalogue) {
  const auto pid = product("Event macaron", 1.5, {{"stock", 500}});
  auto c = auth_->create("customer");
  auto other = auth_->create("customer");
  auto admin_ws = connect(auth_->admin().token);
  auto other_ws = connect(other.token);

  auto past = request_body(pid, 10);
  past["date"] = days_from_now(-1);
  EXPECT_ERROR(call(c.bearer(), "POST", "/api/v1/events", past), 422, "validation_failed");
  past["date"] = days_from_now(0);
  EXPECT_ERROR(call(c.bearer(), "POST", "/api/v1/events", past), 422, "validation_failed");
  past["date"] = "2030-02-30";
  EXPECT_ERROR(call(c.bearer(), "POST", "/api/v1/events", past), 422, "validation_failed");
  auto unknown = request_body("0190a0a0-0000-7000-8000-000000000000", 1);
  auto r = call(c.bearer(), "POST", "/api/v1/events", unknown);
  EXPECT_ERROR(r, 422, "validation_failed");
  EXPECT_EQ(str(r.object().at("error").at("details").as_array()[0].at("field")),
            "items[0].product_id");
  auto empty = call(c.bearer(), "POST", "/api/v1/events", json::object{{"guests", 0}});
  EXPECT_ERROR(empty, 422, "validation_failed");
  EXPECT_GE(empty.object().at("error").at("details").as_array().size(), 4u);
  EXPECT_ERROR(call("driver", "POST", "/api/v1/events", request_body(pid, 1)), 403, "forbidden");
  // Staff+ enter phone-in requests, which need the customer's details (customer_side_test).
  for (const char* role : {"staff", "manager"})
    EXPECT_ERROR(call(role, "POST", "/api/v1/events", request_body(pid, 1)), 422,
                 "validation_failed");

  auto ev = created(c.bearer(), "/api/v1/events", request_body(pid, 10));
  const auto id = id_of(ev);
  EXPECT_EQ(ev.at("status"), "requested");
  EXPECT_EQ(ev.at("customer_id"), json::value(c.id));
  EXPECT_EQ(ev.at("customer_info").at("email"), json::value(c.email));
  EXPECT_EQ(ev.at("guests"), 80);
  EXPECT_EQ(ev.at("items").as_array()[0].at("qty"), 10);
  EXPECT_TRUE(ev.at("order_id").is_null());

  auto pushed = admin_ws->read_type("event_request_created");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("data").at("id"), json::value(id));
  EXPECT_TRUE(other_ws->quiet_for(300ms));

  // Reading: owner, managers, admins; another customer gets 404, staff and drivers 403.
  EXPECT_EQ(ok(c.bearer(), "GET", "/api/v1/events/" + id).at("id"), json::value(id));
  EXPECT_EQ(ok("manager", "GET", "/api/v1/events/" + id).at("id"), json::value(id));
  EXPECT_ERROR(call(other.bearer(), "GET", "/api/v1/events/" + id), 404, "not_found");
  EXPECT_ERROR(call("staff", "GET", "/api/v1/events/" + id), 403, "forbidden");
  EXPECT_ERROR(call("driver", "GET", "/api/v1/events"), 403, "forbidden");
  EXPECT_EQ(ok(c.bearer(), "GET", "/api/v1/events").at("items").as_array().size(), 1u);
  EXPECT_TRUE(ok(other.bearer(), "GET", "/api/v1/events").at("items").as_array().empty());
  bool listed = false;
  const auto all = ok("admin", "GET", "/api/v1/events?status=requested&limit=200");
  for (const auto& e : all.at("items").as_array()) listed = listed || e.at("id") == json::value(id);
  EXPECT_TRUE(listed);

  // The admins were notified through the outbox.
  bool notified = false;
  for (int i = 0; i < 50 && !notified; ++i) {
    auto n = ok(auth_->admin().bearer(), "GET", "/api/v1/notifications?limit=200");
    for (const auto& row : n.at("items").as_array())
      notified = notified || (row.at("type") == "event_request_received" &&
                              row.at("recipient") == json::value(auth_->admin().email));
    if (!notified) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(notified);
}

TEST_F(CateringEvents, TheFlowQuotesConfirmsIntoAnOrderAndCancelsIt) {
  const auto pid = product("Event cake", 4.5, {{"stock", 40}});
  auto c = auth_->create("customer");
  auto other = auth_->create("customer");
  const auto id = id_of(created(c.bearer(), "/api/v1/events", request_body(pid, 12)));
  const auto manager_id = auth_->account("manager").id;

  // Invalid moves and roles.
  EXPECT_ERROR(status(auth_->bearer("manager"), id, {{"status", "confirmed"}}), 409,
               "invalid_transition");
  EXPECT_ERROR(status(auth_->bearer("manager"), id, {{"status", "completed"}}), 409,
               "invalid_transition");
  EXPECT_ERROR(status(auth_->bearer("manager"), id, {{"status", "quoted"}}), 422,
               "validation_failed");
  EXPECT_ERROR(status(auth_->bearer("manager"), id,
                      {{"status", "quoted"}, {"quote_amount", 80}, {"assigned_admin", c.id}}),
               422, "validation_failed");
  EXPECT_ERROR(status(c.bearer(), id, {{"status", "quoted"}, {"quote_amount", 1}}), 403,
               "forbidden");
  EXPECT_ERROR(status(other.bearer(), id, {{"status", "cancelled"}}), 404, "not_found");
  EXPECT_ERROR(status(auth_->bearer("staff"), id, {{"status", "cancelled"}}), 403, "forbidden");

  auto quoted = ok("manager", "PUT", "/api/v1/events/" + id + "/status",
                   {{"status", "quoted"}, {"quote_amount", 61.37}, {"assigned_admin", manager_id}});
  EXPECT_EQ(quoted.at("status"), "quoted");
  EXPECT_DOUBLE_EQ(num(quoted.at("quote_amount")), 61.37);
  EXPECT_EQ(quoted.at("assigned_admin"), json::value(manager_id));

  auto confirmed =
      ok("admin", "PUT", "/api/v1/events/" + id + "/status", {{"status", "confirmed"}});
  EXPECT_EQ(confirmed.at("status"), "confirmed");
  const auto order_id = str(confirmed.at("order_id"));
  ASSERT_FALSE(order_id.empty());
  // The linked order: the customer's, type event, the catalogue prices, total = the quote.
  auto o = ok(c.bearer(), "GET", "/api/v1/orders/" + order_id);
  EXPECT_EQ(o.at("type"), "event");
  EXPECT_EQ(o.at("status"), "pending");
  EXPECT_EQ(o.at("customer_id"), json::value(c.id));
  EXPECT_DOUBLE_EQ(num(o.at("subtotal")), 54.0);
  EXPECT_DOUBLE_EQ(num(o.at("total_amount")), 61.37);
  EXPECT_NEAR(num(o.at("subtotal")) + num(o.at("adjustment_amount")) + num(o.at("tax_amount")),
              61.37, 1e-9);
  EXPECT_EQ(o.at("items").as_array()[0].at("quantity"), 12);
  EXPECT_DOUBLE_EQ(num(o.at("items").as_array()[0].at("unit_price")), 4.5);
  EXPECT_ERROR(call(other.bearer(), "GET", "/api/v1/orders/" + order_id), 404, "not_found");
  EXPECT_DOUBLE_EQ(num(inventory(pid).at("reserved")), 12);
  // The customer may no longer cancel a confirmed event (SPEC §11: a move the owner may not
  // make is 403); confirming twice is refused.
  EXPECT_ERROR(status(c.bearer(), id, {{"status", "cancelled"}}), 403, "forbidden");
  EXPECT_ERROR(status(auth_->bearer("admin"), id, {{"status", "confirmed"}}), 409,
               "invalid_transition");

  auto cancelled =
      ok("manager", "PUT", "/api/v1/events/" + id + "/status", {{"status", "cancelled"}});
  EXPECT_EQ(cancelled.at("status"), "cancelled");
  o = ok(c.bearer(), "GET", "/api/v1/orders/" + order_id);
  EXPECT_EQ(o.at("status"), "cancelled");
  EXPECT_DOUBLE_EQ(num(inventory(pid).at("reserved")), 0);
  EXPECT_DOUBLE_EQ(num(inventory(pid).at("on_hand")), 40);
  EXPECT_ERROR(status(auth_->bearer("manager"), id, {{"status", "completed"}}), 409,
               "invalid_transition");
  std::set<std::string> targets;
  for (const auto& row : audit_rows("event.status")) targets.insert(str(row.at("target_id")));
  EXPECT_TRUE(targets.count(id));
}

// SPEC §11: cancelling a confirmed event cancels its order; when that order was paid, the
// cancellation refunds it (SPEC §9) and the stock the kitchen had committed goes back.
TEST_F(CateringEvents, CancellingAConfirmedEventRefundsItsPaidOrder) {
  const auto pid = product("Paid event tart", 3, {{"stock", 30}});
  auto c = auth_->create("customer");
  const auto id = id_of(created(c.bearer(), "/api/v1/events", request_body(pid, 5)));
  ok("manager", "PUT", "/api/v1/events/" + id + "/status",
     {{"status", "quoted"}, {"quote_amount", 20}});
  const auto order_id =
      str(ok("manager", "PUT", "/api/v1/events/" + id + "/status", {{"status", "confirmed"}})
              .at("order_id"));
  auto paid = ok("manager", "POST", "/api/v1/payments/checkout",
                 {{"order_id", order_id}, {"payment_method", "cash"}});
  EXPECT_EQ(paid.at("payment_status"), "paid");
  auto o = ok("manager", "GET", "/api/v1/orders/" + order_id);
  EXPECT_EQ(o.at("status"), "confirmed");
  EXPECT_DOUBLE_EQ(num(inventory(pid).at("on_hand")), 25);

  auto cancelled =
      ok("manager", "PUT", "/api/v1/events/" + id + "/status", {{"status", "cancelled"}});
  EXPECT_EQ(cancelled.at("status"), "cancelled");
  o = ok("manager", "GET", "/api/v1/orders/" + order_id);
  EXPECT_EQ(o.at("status"), "cancelled");
  EXPECT_EQ(o.at("payment_status"), "refunded");
  EXPECT_DOUBLE_EQ(num(o.at("refunded_amount")), 20);
  auto payments = ok("manager", "GET", "/api/v1/payments?order_id=" + order_id);
  ASSERT_EQ(payments.at("items").as_array().size(), 1u);
  EXPECT_EQ(payments.at("items").as_array()[0].at("status"), "refunded");
  EXPECT_DOUBLE_EQ(num(inventory(pid).at("on_hand")), 30);
  EXPECT_DOUBLE_EQ(num(inventory(pid).at("reserved")), 0);
}

TEST_F(CateringEvents, ConfirmingReservesStockOrIsRefusedWhole) {
  const auto scarce = product("Event pie", 6, {{"stock", 3}});
  const auto plenty = product("Event bun", 1, {{"stock", 100}});
  auto c = auth_->create("customer");
  auto body = request_body(scarce, 5);
  body["items"].as_array().push_back(json::object{{"product_id", plenty}, {"qty", 20}});
  const auto id = id_of(created(c.bearer(), "/api/v1/events", body));
  ok("manager", "PUT", "/api/v1/events/" + id + "/status",
     {{"status", "quoted"}, {"quote_amount", 50}});
  auto refused = status(auth_->bearer("manager"), id, {{"status", "confirmed"}});
  EXPECT_ERROR(refused, 409, "out_of_stock");
  ASSERT_TRUE(refused.json);
  auto details = refused.object().at("error").at("details").as_array();
  ASSERT_EQ(details.size(), 1u);
  EXPECT_EQ(details[0].at("field"), json::value(scarce));
  EXPECT_EQ(ok("manager", "GET", "/api/v1/events/" + id).at("status"), "quoted");
  EXPECT_DOUBLE_EQ(num(inventory(plenty).at("reserved")), 0);
  // Once stock arrives it goes through, and the order holds it with no expiry.
  ok("manager", "PUT", "/api/v1/menu/items/" + scarce + "/stock", {{"stock", 10}});
  auto confirmed =
      ok("manager", "PUT", "/api/v1/events/" + id + "/status", {{"status", "confirmed"}});
  EXPECT_DOUBLE_EQ(num(inventory(scarce).at("reserved")), 5);
  EXPECT_DOUBLE_EQ(num(inventory(plenty).at("reserved")), 20);
  auto o = ok("manager", "GET", "/api/v1/orders/" + str(confirmed.at("order_id")));
  EXPECT_DOUBLE_EQ(num(o.at("total_amount")), 50);
  ok("manager", "PUT", "/api/v1/events/" + id + "/status", {{"status", "completed"}});
}

TEST_F(CateringEvents, ACustomerCancelsTheirOwnRequestAndManagersDecline) {
  const auto pid = product("Event tartlet", 2, {{"stock", 50}});
  auto c = auth_->create("customer");
  const auto a = id_of(created(c.bearer(), "/api/v1/events", request_body(pid, 2)));
  const auto b = id_of(created(c.bearer(), "/api/v1/events", request_body(pid, 3)));
  EXPECT_ERROR(status(c.bearer(), a, {{"status", "declined"}}), 403, "forbidden");
  EXPECT_EQ(ok(c.bearer(), "PUT", "/api/v1/events/" + a + "/status", {{"status", "cancelled"}})
                .at("status"),
            "cancelled");
  EXPECT_ERROR(status(c.bearer(), a, {{"status", "cancelled"}}), 403, "forbidden");
  EXPECT_EQ(ok("manager", "PUT", "/api/v1/events/" + b + "/status", {{"status", "declined"}})
                .at("status"),
            "declined");
  EXPECT_ERROR(status(auth_->bearer("admin"), b, {{"status", "quoted"}, {"quote_amount", 5}}), 409,
               "invalid_transition");
  EXPECT_ERROR(status(auth_->bearer("admin"), "0190a0a0-0000-7000-8000-000000000000",
                      {{"status", "quoted"}}),
               404, "not_found");
}

TEST_F(CateringEvents, TheDataExportAndErasureCoverEventsReviewsAndDriverProfiles) {
  const auto pid = product("Event brioche", 2, {{"stock", 50}});
  auto c = auth_->create("customer");
  const auto id = id_of(created(c.bearer(), "/api/v1/events", request_body(pid, 4)));
  created(c.bearer(), "/api/v1/products/" + pid + "/reviews",
          {{"rating", 4}, {"comment", "lovely"}});
  auto exported = ok(c.bearer(), "GET", "/api/v1/users/" + c.id + "/export");
  ASSERT_EQ(exported.at("event_requests").as_array().size(), 1u);
  EXPECT_EQ(exported.at("event_requests").as_array()[0].at("id"), json::value(id));
  ASSERT_EQ(exported.at("reviews").as_array().size(), 1u);
  EXPECT_TRUE(exported.at("driver").is_null());

  auto d = auth_->create("driver");
  created("manager", "/api/v1/drivers", {{"user_id", d.id}, {"vehicle", "van"}});
  auto dexp = ok(d.bearer(), "GET", "/api/v1/users/" + d.id + "/export");
  EXPECT_EQ(dexp.at("driver").at("vehicle"), "van");

  ASSERT_EQ(call(c.bearer(), "DELETE", "/api/v1/users/me").status, 204);
  auto ev = ok("manager", "GET", "/api/v1/events/" + id);
  EXPECT_EQ(ev.at("customer_info").at("name"), "Erased user");
  EXPECT_TRUE(ev.at("customer_info").at("email").is_null());
  EXPECT_TRUE(ev.at("notes").is_null());
  auto reviews = ok(RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews");
  EXPECT_EQ(reviews.at("items").as_array()[0].at("customer_name"), "Erased user");
  ASSERT_EQ(call(auth_->admin().bearer(), "DELETE", "/api/v1/users/" + d.id).status, 204);
  bool erased = false;
  const auto drivers = ok("manager", "GET", "/api/v1/drivers?limit=200");
  for (const auto& row : drivers.at("items").as_array())
    if (row.at("user_id") == json::value(d.id))
      erased = row.at("name") == "Erased user" && row.at("is_active") == false;
  EXPECT_TRUE(erased);
}

}  // namespace
}  // namespace crema::test::e2e
