// Black-box tests of SPEC §15.5's customer side of reviews, orders and catering events:
// verified purchases, authors editing and deleting their reviews, order feedback and its
// place in the staff performance report; catering customers told of every move (outbox and
// WebSocket), accepting or cancelling a quote, phone-in requests and edits — every rule, the
// wrong owner, the wrong state and bad input.

#include <map>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "db/pool.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/ws_client.hpp"
#include "util/time.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class CustomerSide : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(
        identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}, {"CREMA_USER_RATE_PER_MIN", "0"}}));
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
  HttpResponse call(std::string_view role, std::string_view method, const std::string& path,
                    const json::object& body = {}) {
    return call(auth_->bearer(role), method, path, body);
  }
  json::object expect(int status, const RequestHeaders& who, std::string_view method,
                      const std::string& path, const json::object& body = {}) {
    auto res = call(who, method, path, body);
    EXPECT_EQ(res.status, status) << method << " " << path << " " << res.describe();
    return res.status == status && res.json ? res.object() : json::object{};
  }
  std::string product(const std::string& name, double price) {
    auto p = expect(201, auth_->bearer("manager"), "POST", "/api/v1/products",
                    {{"name", name}, {"category", "Customer side"}, {"price", price}});
    return str(p["id"]);
  }
  json::object product_json(const std::string& pid) {
    return expect(200, RequestHeaders{}, "GET", "/api/v1/products/" + pid);
  }
  // A customer's online order of one product, moved by `mover` through `to`.
  std::string order(const Account& who, const std::string& pid,
                    std::initializer_list<const char*> to = {},
                    const RequestHeaders* mover = nullptr) {
    auto o = expect(201, who.bearer(), "POST", "/api/v1/orders",
                    {{"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}},
                     {"type", "online"}});
    const std::string id = str(o["id"]);
    move(id, to, mover ? *mover : auth_->bearer("staff"));
    return id;
  }
  void move(const std::string& id, std::initializer_list<const char*> to,
            const RequestHeaders& who) {
    for (auto s : to) expect(200, who, "PUT", "/api/v1/orders/" + id + "/status", {{"status", s}});
  }
  std::string review(const Account& who, const std::string& pid, int rating) {
    return str(expect(201, who.bearer(), "POST", "/api/v1/products/" + pid + "/reviews",
                      {{"rating", rating}, {"comment", "first words"}})["id"]);
  }
  json::object moderated(const std::string& pid, const std::string& review_id) {
    auto list =
        expect(200, auth_->bearer("manager"), "GET", "/api/v1/reviews?limit=200&product_id=" + pid);
    for (const auto& r : list["items"].as_array())
      if (r.at("id") == json::value(review_id)) return r.as_object();
    return {};
  }
  // The payment state the payments feature would write (SQL fixture, as in reports_test).
  void mark_paid(const std::string& order_id) {
    auto pool = db::Pool::open(shared_->db->url(), db::PoolOptions{.size = 1});
    pool->transact([&](db::Transaction& tx) {
      tx.exec("UPDATE orders SET payment_status = 'paid', payment_method = 'cash' WHERE id = $1",
              {std::string_view(order_id)});
    });
  }
  std::unique_ptr<WsClient> socket(const std::string& token) {
    WsOptions o;
    o.token = token;
    auto c = std::make_unique<WsClient>(shared_->server->host(), shared_->server->port(), o);
    EXPECT_TRUE(c->upgraded()) << c->response().describe();
    EXPECT_TRUE(c->read_type("hello"));
    return c;
  }
  static std::string days_from_now(int days) {
    return util::format_rfc3339(util::now_ms() + static_cast<std::int64_t>(days) * 86'400'000)
        .substr(0, 10);
  }
  static json::object event_body(const std::string& pid, int qty) {
    return {{"event_type", "birthday"},
            {"date", days_from_now(20)},
            {"guests", 30},
            {"items", json::array{json::object{{"product_id", pid}, {"qty", qty}}}}};
  }
  std::string event_status(const RequestHeaders& who, const std::string& id, const char* to,
                           json::object extra = {}) {
    extra["status"] = to;
    return str(expect(200, who, "PUT", "/api/v1/events/" + id + "/status", extra)["status"]);
  }
  // The outbox row of a notification of `type` to `recipient` about event `id` (the payload).
  json::object notification(const std::string& type, const std::string& recipient,
                            const std::string& id, const std::string& status) {
    auto list =
        expect(200, auth_->admin().bearer(), "GET", "/api/v1/notifications?limit=200&type=" + type);
    for (const auto& n : list["items"].as_array()) {
      const auto& p = n.at("payload");
      if (n.at("recipient") == json::value(recipient) && p.is_object() &&
          p.as_object().contains("id") && p.at("id") == json::value(id) &&
          p.at("status") == json::value(status))
        return n.as_object();
    }
    return {};
  }
  static std::string str(const json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::string();
  }
  static double num(const json::value& v) { return v.is_number() ? v.to_number<double>() : -1; }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> CustomerSide::shared_;
std::unique_ptr<AuthHelper> CustomerSide::auth_;

TEST_F(CustomerSide, AReviewSaysWhetherItsAuthorBoughtTheProduct) {
  const auto pid = product("Verified scone", 3);
  auto buyer = auth_->create("customer");
  auto other = auth_->create("customer");
  order(buyer, pid, {"confirmed", "preparing", "ready", "completed"});
  // An order that is not completed does not make a purchase verified.
  order(other, pid, {"confirmed"});
  const auto r1 = review(buyer, pid, 5);
  const auto r2 = review(other, pid, 3);
  std::map<std::string, bool> verified;
  const auto listed = expect(200, RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews");
  for (const auto& r : listed.at("items").as_array())
    verified[str(r.at("id"))] = r.at("verified_purchase").as_bool();
  EXPECT_TRUE(verified.at(r1));
  EXPECT_FALSE(verified.at(r2));
  // Worked out on read: the other customer's order completing later verifies their review.
  order(other, pid, {"confirmed", "preparing", "ready", "completed"});
  EXPECT_TRUE(moderated(pid, r2).at("verified_purchase").as_bool());
  // A completed order of another product does not count.
  const auto pid2 = product("Unbought scone", 3);
  EXPECT_FALSE(
      call(other.bearer(), "POST", "/api/v1/products/" + pid2 + "/reviews", {{"rating", 4}})
          .object()
          .at("verified_purchase")
          .as_bool());
}

TEST_F(CustomerSide, AuthorsEditAndDeleteTheirOwnReviewsAndTheRatingFollows) {
  const auto pid = product("Edited tart", 4);
  auto author = auth_->create("customer");
  auto other = auth_->create("customer");
  const auto mine = review(author, pid, 5);
  const auto theirs = review(other, pid, 3);
  EXPECT_DOUBLE_EQ(num(product_json(pid).at("rating_avg")), 4.0);

  // Partial: the comment stays when only the rating changes.
  auto edited = expect(200, author.bearer(), "PUT", "/api/v1/reviews/" + mine, {{"rating", 1}});
  EXPECT_EQ(edited["rating"], 1);
  EXPECT_EQ(edited["comment"], "first words");
  auto p = product_json(pid);
  EXPECT_EQ(num(p.at("rating_count")), 2);
  EXPECT_DOUBLE_EQ(num(p.at("rating_avg")), 2.0);
  edited = expect(200, author.bearer(), "PUT", "/api/v1/reviews/" + mine,
                  {{"comment", "second thoughts"}, {"version", 2}});
  EXPECT_EQ(edited["comment"], "second thoughts");
  EXPECT_EQ(edited["rating"], 1);

  // Wrong owner, wrong role, stale version, bad input.
  EXPECT_ERROR(call(other.bearer(), "PUT", "/api/v1/reviews/" + mine, {{"rating", 5}}), 404,
               "not_found");
  EXPECT_ERROR(call("manager", "PUT", "/api/v1/reviews/" + mine, {{"rating", 5}}), 404,
               "not_found");
  EXPECT_ERROR(call(RequestHeaders{}, "PUT", "/api/v1/reviews/" + mine, {{"rating", 5}}), 401,
               "unauthorized");
  EXPECT_ERROR(
      call(author.bearer(), "PUT", "/api/v1/reviews/" + mine, {{"rating", 2}, {"version", 1}}), 409,
      "version_conflict");
  auto bad = call(author.bearer(), "PUT", "/api/v1/reviews/" + mine,
                  {{"rating", 6}, {"comment", std::string(2001, 'x')}});
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(bad.object().at("error").at("details").as_array().size(), 2u) << bad.describe();
  EXPECT_ERROR(call(author.bearer(), "PUT", "/api/v1/reviews/" + mine, {}), 422,
               "validation_failed");
  EXPECT_ERROR(call(author.bearer(), "PUT", "/api/v1/reviews/0190a0a0-0000-7000-8000-000000000000",
                    {{"rating", 2}}),
               404, "not_found");
  EXPECT_DOUBLE_EQ(num(product_json(pid).at("rating_avg")), 2.0);

  // Three users' flags hide it; the author's edit answers them: visible again, flags settled.
  for (int i = 0; i < 3; ++i)
    expect(200, auth_->create("customer").bearer(), "POST", "/api/v1/reviews/" + theirs + "/flag",
           {{"reason", "rude"}});
  EXPECT_EQ(moderated(pid, theirs).at("status"), "flagged");
  EXPECT_EQ(num(product_json(pid).at("rating_count")), 1);
  edited = expect(200, other.bearer(), "PUT", "/api/v1/reviews/" + theirs, {{"comment", "polite"}});
  EXPECT_EQ(edited["status"], "visible");
  EXPECT_EQ(moderated(pid, theirs).at("open_flags"), 0);
  EXPECT_EQ(num(product_json(pid).at("rating_count")), 2);

  // A moderator's decision stands: a hidden review stays hidden after an edit.
  expect(200, auth_->bearer("manager"), "PUT", "/api/v1/reviews/" + theirs + "/status",
         {{"status", "hidden"}});
  edited = expect(200, other.bearer(), "PUT", "/api/v1/reviews/" + theirs, {{"rating", 5}});
  EXPECT_EQ(edited["status"], "hidden");
  p = product_json(pid);
  EXPECT_EQ(num(p.at("rating_count")), 1);
  EXPECT_DOUBLE_EQ(num(p.at("rating_avg")), 1.0);
  // So does a moderator's flag.
  expect(200, auth_->bearer("manager"), "PUT", "/api/v1/reviews/" + theirs + "/status",
         {{"status", "flagged"}});
  edited = expect(200, other.bearer(), "PUT", "/api/v1/reviews/" + theirs, {{"rating", 4}});
  EXPECT_EQ(edited["status"], "flagged");

  // Deleting: only the author; the rating and the public list follow.
  EXPECT_ERROR(call(other.bearer(), "DELETE", "/api/v1/reviews/" + mine), 404, "not_found");
  EXPECT_ERROR(call("admin", "DELETE", "/api/v1/reviews/" + mine), 404, "not_found");
  EXPECT_ERROR(call(RequestHeaders{}, "DELETE", "/api/v1/reviews/" + mine), 401, "unauthorized");
  expect(200, auth_->bearer("manager"), "PUT", "/api/v1/reviews/" + theirs + "/status",
         {{"status", "visible"}});
  auto gone = call(author.bearer(), "DELETE", "/api/v1/reviews/" + mine);
  EXPECT_EQ(gone.status, 204) << gone.describe();
  EXPECT_ERROR(call(author.bearer(), "DELETE", "/api/v1/reviews/" + mine), 404, "not_found");
  p = product_json(pid);
  EXPECT_EQ(num(p.at("rating_count")), 1);
  EXPECT_DOUBLE_EQ(num(p.at("rating_avg")), 4.0);
  auto list = expect(200, RequestHeaders{}, "GET", "/api/v1/products/" + pid + "/reviews");
  ASSERT_EQ(list["items"].as_array().size(), 1u);
  EXPECT_EQ(list["items"].as_array()[0].at("id"), json::value(theirs));
  // The author may review the product again.
  review(author, pid, 2);
}

TEST_F(CustomerSide, CustomersRateTheirCompletedOrdersOnceAndManagersReadIt) {
  const auto pid = product("Feedback bun", 2);
  auto buyer = auth_->create("customer");
  auto other = auth_->create("customer");
  auto baker = auth_->create("staff");
  const RequestHeaders baker_auth = baker.bearer();
  const auto done =
      order(buyer, pid, {"confirmed", "preparing", "ready", "completed"}, &baker_auth);
  const auto open = order(buyer, pid, {"confirmed"});
  const std::string path = "/api/v1/orders/" + done + "/feedback";

  // Wrong state, wrong owner, wrong role, bad input.
  EXPECT_ERROR(
      call(buyer.bearer(), "POST", "/api/v1/orders/" + open + "/feedback", {{"rating", 4}}), 409,
      "conflict");
  EXPECT_ERROR(call(other.bearer(), "POST", path, {{"rating", 4}}), 404, "not_found");
  EXPECT_ERROR(call("staff", "POST", path, {{"rating", 4}}), 403, "forbidden");
  EXPECT_ERROR(call(RequestHeaders{}, "POST", path, {{"rating", 4}}), 401, "unauthorized");
  EXPECT_ERROR(call(buyer.bearer(), "POST", path, {{"rating", 0}}), 422, "validation_failed");
  auto bad = call(buyer.bearer(), "POST", path, {{"comment", std::string(2001, 'x')}});
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(bad.object().at("error").at("details").as_array().size(), 2u) << bad.describe();
  EXPECT_ERROR(
      call(buyer.bearer(), "POST", "/api/v1/orders/0190a0a0-0000-7000-8000-000000000000/feedback",
           {{"rating", 4}}),
      404, "not_found");

  auto fb = expect(201, buyer.bearer(), "POST", path, {{"rating", 4}, {"comment", "Warm buns"}});
  EXPECT_EQ(fb["order_id"], json::value(done));
  EXPECT_EQ(fb["customer_id"], json::value(buyer.id));
  EXPECT_EQ(fb["rating"], 4);
  EXPECT_EQ(fb["comment"], "Warm buns");
  EXPECT_FALSE(str(fb["order_number"]).empty());
  EXPECT_ERROR(call(buyer.bearer(), "POST", path, {{"rating", 5}}), 409, "duplicate");
  // The customer's data export carries it.
  auto exported = expect(200, buyer.bearer(), "GET", "/api/v1/users/" + buyer.id + "/export");
  ASSERT_EQ(exported["order_feedback"].as_array().size(), 1u);
  EXPECT_EQ(exported["order_feedback"].as_array()[0].at("id"), fb["id"]);

  // A second rated order (a 2), by another customer, completed by the same baker.
  const auto done2 =
      order(other, pid, {"confirmed", "preparing", "ready", "completed"}, &baker_auth);
  expect(201, other.bearer(), "POST", "/api/v1/orders/" + done2 + "/feedback", {{"rating", 2}});

  // Managers and admins list it, newest first, by rating and time, in keyset pages.
  for (const char* role : {"customer", "staff", "driver"})
    EXPECT_ERROR(call(role, "GET", "/api/v1/feedback"), 403, "forbidden");
  auto page = expect(200, auth_->bearer("manager"), "GET", "/api/v1/feedback?limit=1");
  ASSERT_EQ(page["items"].as_array().size(), 1u);
  EXPECT_EQ(page["items"].as_array()[0].at("order_id"), json::value(done2));
  auto page2 = expect(200, auth_->bearer("admin"), "GET",
                      "/api/v1/feedback?limit=1&cursor=" + str(page["next_cursor"]));
  ASSERT_EQ(page2["items"].as_array().size(), 1u);
  EXPECT_EQ(page2["items"].as_array()[0].at("order_id"), json::value(done));
  auto fours = expect(200, auth_->bearer("manager"), "GET", "/api/v1/feedback?rating=4");
  for (const auto& f : fours["items"].as_array()) EXPECT_EQ(f.at("rating"), 4);
  bool seen = false;
  for (const auto& f : fours["items"].as_array()) seen |= f.at("order_id") == json::value(done);
  EXPECT_TRUE(seen);
  EXPECT_TRUE(expect(200, auth_->bearer("manager"), "GET",
                     "/api/v1/feedback?from=2999-01-01T00:00:00Z")["items"]
                  .as_array()
                  .empty());
  EXPECT_TRUE(
      expect(200, auth_->bearer("manager"), "GET", "/api/v1/feedback?to=2000-01-01")["items"]
          .as_array()
          .empty());
  EXPECT_ERROR(call("manager", "GET", "/api/v1/feedback?rating=6"), 400, "bad_request");
  EXPECT_ERROR(call("manager", "GET", "/api/v1/feedback?from=yesterday"), 400, "bad_request");
  EXPECT_ERROR(call("manager", "GET", "/api/v1/feedback?cursor=zzz"), 400, "bad_request");

  // The performance report averages it for the baker, credited with both orders (they moved
  // them to ready), once they are sales.
  mark_paid(done);
  mark_paid(done2);
  auto perf = expect(200, auth_->bearer("manager"), "GET", "/api/v1/reports/performance");
  json::object mine;
  for (const auto& s : perf["staff"].as_array())
    if (s.at("user_id") == json::value(baker.id)) mine = s.as_object();
  ASSERT_FALSE(mine.empty()) << json::serialize(perf);
  EXPECT_EQ(mine["orders_handled"], 2);
  EXPECT_EQ(mine["feedback_count"], 2);
  EXPECT_DOUBLE_EQ(num(mine["feedback_avg"]), 3.0);
  // Staff with no rated order: null.
  for (const auto& s : perf["staff"].as_array()) {
    if (s.at("feedback_count") == 0) {
      EXPECT_TRUE(s.at("feedback_avg").is_null());
    }
  }
  auto csv = call("manager", "GET", "/api/v1/reports/performance?format=csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("feedback_avg,feedback_count"), std::string::npos);
  EXPECT_NE(csv.body.find(baker.id), std::string::npos);
}

// ---- catering events, the customer's side ----------------------------------------------------

TEST_F(CustomerSide, TheCustomerAcceptsAQuoteAndHearsOfEveryMove) {
  const auto pid = product("Party eclair", 2.5);
  auto c = auth_->create("customer");
  auto other = auth_->create("customer");
  auto ws = socket(c.token);
  auto other_ws = socket(other.token);
  const auto id = str(expect(201, c.bearer(), "POST", "/api/v1/events", event_body(pid, 8))["id"]);
  ASSERT_TRUE(ws->read_type("event_request_created"));
  const auto manager = auth_->bearer("manager");

  // The owner may not quote, decline, complete, nor accept before there is a quote.
  for (const char* to : {"confirmed", "declined", "completed"})
    EXPECT_ERROR(call(c.bearer(), "PUT", "/api/v1/events/" + id + "/status", {{"status", to}}), 403,
                 "forbidden");
  EXPECT_ERROR(
      call(other.bearer(), "PUT", "/api/v1/events/" + id + "/status", {{"status", "cancelled"}}),
      404, "not_found");
  EXPECT_ERROR(call("staff", "PUT", "/api/v1/events/" + id + "/status", {{"status", "cancelled"}}),
               403, "forbidden");

  // Quoting tells the customer: an event_quoted message and event_updated on their socket.
  EXPECT_EQ(event_status(manager, id, "quoted", {{"quote_amount", 30}}), "quoted");
  auto pushed = ws->read_type("event_updated");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("data").at("id"), json::value(id));
  EXPECT_EQ(pushed->at("data").at("status"), "quoted");
  EXPECT_TRUE(other_ws->quiet_for(200ms));
  auto quoted = notification("event_quoted", c.email, id, "quoted");
  ASSERT_FALSE(quoted.empty());
  EXPECT_EQ(quoted.at("payload").at("quote"), "30.00");
  // Quoting again, or a quote by the owner: no.
  EXPECT_ERROR(call(c.bearer(), "PUT", "/api/v1/events/" + id + "/status",
                    {{"status", "confirmed"}, {"quote_amount", 1}}),
               403, "forbidden");

  // The owner accepts: the linked order, exactly as when a manager confirms.
  auto accepted =
      expect(200, c.bearer(), "PUT", "/api/v1/events/" + id + "/status", {{"status", "confirmed"}});
  EXPECT_EQ(accepted["status"], "confirmed");
  const auto order_id = str(accepted["order_id"]);
  ASSERT_FALSE(order_id.empty());
  auto o = expect(200, c.bearer(), "GET", "/api/v1/orders/" + order_id);
  EXPECT_EQ(o["type"], "event");
  EXPECT_EQ(o["customer_id"], json::value(c.id));
  EXPECT_DOUBLE_EQ(num(o["total_amount"]), 30.0);
  pushed = ws->read_type("event_updated");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->at("data").at("status"), "confirmed");
  EXPECT_FALSE(notification("event_status_changed", c.email, id, "confirmed").empty());
  // Once confirmed, only managers cancel.
  EXPECT_ERROR(
      call(c.bearer(), "PUT", "/api/v1/events/" + id + "/status", {{"status", "cancelled"}}), 403,
      "forbidden");
  EXPECT_EQ(event_status(manager, id, "cancelled"), "cancelled");
  EXPECT_FALSE(notification("event_status_changed", c.email, id, "cancelled").empty());
  EXPECT_EQ(str(expect(200, c.bearer(), "GET", "/api/v1/orders/" + order_id)["status"]),
            "cancelled");

  // The owner cancels a quoted request; a manager declines another: both are told.
  const auto b = str(expect(201, c.bearer(), "POST", "/api/v1/events", event_body(pid, 2))["id"]);
  event_status(manager, b, "quoted", {{"quote_amount", 6}});
  EXPECT_EQ(event_status(c.bearer(), b, "cancelled"), "cancelled");
  EXPECT_FALSE(notification("event_status_changed", c.email, b, "cancelled").empty());
  const auto d = str(expect(201, c.bearer(), "POST", "/api/v1/events", event_body(pid, 2))["id"]);
  EXPECT_EQ(event_status(manager, d, "declined"), "declined");
  EXPECT_FALSE(notification("event_status_changed", c.email, d, "declined").empty());
}

TEST_F(CustomerSide, StaffEnterPhoneInRequestsAndOpenRequestsAreEdited) {
  const auto pid = product("Phone-in tart", 4);
  const auto pid2 = product("Phone-in bun", 1);
  const auto staff = auth_->bearer("staff");
  const auto manager = auth_->bearer("manager");

  // A phone-in request needs the customer's name and a phone or an email.
  auto body = event_body(pid, 5);
  EXPECT_ERROR(call(staff, "POST", "/api/v1/events", body), 422, "validation_failed");
  body["customer_info"] = json::object{{"name", "Ada Phone"}};
  auto bad = call(staff, "POST", "/api/v1/events", body);
  EXPECT_ERROR(bad, 422, "validation_failed");
  EXPECT_EQ(str(bad.object().at("error").at("details").at(0).at("field")), "customer_info.phone");
  body["customer_info"] = json::object{{"name", "Ada Phone"}, {"phone", "+15550100"}};
  auto ev = expect(201, staff, "POST", "/api/v1/events", body);
  const auto id = str(ev["id"]);
  EXPECT_TRUE(ev["customer_id"].is_null());
  EXPECT_EQ(ev["customer_info"].at("phone"), "+15550100");
  // A manager's phone-in is audited.
  auto by_manager = expect(201, manager, "POST", "/api/v1/events", [&] {
    auto b = event_body(pid, 1);
    b["customer_info"] = json::object{{"name", "Bo Mail"}, {"email", "bo@example.com"}};
    return b;
  }());
  auto audit = expect(200, auth_->admin().bearer(), "GET",
                      "/api/v1/admin/audit-log?limit=200&action=event.create");
  bool audited = false;
  for (const auto& row : audit["items"].as_array())
    audited |= row.at("target_id") == by_manager["id"];
  EXPECT_TRUE(audited);

  // Quoting a phone-in request tells the customer at their phone (SMS).
  event_status(manager, id, "quoted", {{"quote_amount", 25}});
  auto sms = notification("event_quoted", "+15550100", id, "quoted");
  ASSERT_FALSE(sms.empty());
  EXPECT_EQ(sms.at("channel"), "sms");

  // Editing: partial; a change to a quoted request returns it to requested, without quote.
  auto edited = expect(200, staff, "PUT", "/api/v1/events/" + id, {{"guests", 45}});
  EXPECT_EQ(edited["guests"], 45);
  EXPECT_EQ(edited["status"], "requested");
  EXPECT_TRUE(edited["quote_amount"].is_null());
  EXPECT_EQ(edited["event_type"], "birthday");
  EXPECT_EQ(edited["items"].at(0).at("qty"), 5);
  edited = expect(200, manager, "PUT", "/api/v1/events/" + id,
                  {{"items", json::array{json::object{{"product_id", pid2}, {"qty", 7}}}},
                   {"notes", "nut-free"},
                   {"date", days_from_now(40)},
                   {"version", edited["version"]}});
  EXPECT_EQ(edited["items"].at(0).at("product_id"), json::value(pid2));
  EXPECT_EQ(edited["notes"], "nut-free");
  EXPECT_EQ(edited["date"], json::value(days_from_now(40)));
  EXPECT_EQ(edited["guests"], 45);
  edited = expect(200, manager, "PUT", "/api/v1/events/" + id, {{"notes", nullptr}});
  EXPECT_TRUE(edited["notes"].is_null());
  audit = expect(200, auth_->admin().bearer(), "GET",
                 "/api/v1/admin/audit-log?limit=200&action=event.update");
  audited = false;
  for (const auto& row : audit["items"].as_array())
    audited |= row.at("target_id") == json::value(id);
  EXPECT_TRUE(audited);

  // Bad input, stale version, wrong role.
  auto invalid = call(staff, "PUT", "/api/v1/events/" + id,
                      {{"date", days_from_now(-1)},
                       {"guests", 0},
                       {"items", json::array{json::object{{"product_id", pid}, {"qty", 0}}}}});
  EXPECT_ERROR(invalid, 422, "validation_failed");
  EXPECT_EQ(invalid.object().at("error").at("details").as_array().size(), 2u)
      << invalid.describe();  // guests and items[0].qty; the date once the shape is right
  EXPECT_ERROR(call(staff, "PUT", "/api/v1/events/" + id, {{"date", days_from_now(-1)}}), 422,
               "validation_failed");
  EXPECT_ERROR(
      call(staff, "PUT", "/api/v1/events/" + id,
           {{"items", json::array{json::object{
                          {"product_id", "0190a0a0-0000-7000-8000-000000000000"}, {"qty", 1}}}}}),
      422, "validation_failed");
  EXPECT_ERROR(call(staff, "PUT", "/api/v1/events/" + id, {}), 422, "validation_failed");
  EXPECT_ERROR(call(staff, "PUT", "/api/v1/events/" + id, {{"guests", 3}, {"version", 1}}), 409,
               "version_conflict");
  EXPECT_ERROR(call("driver", "PUT", "/api/v1/events/" + id, {{"guests", 3}}), 403, "forbidden");
  // A customer is no owner of a phone-in request.
  EXPECT_ERROR(call("customer", "PUT", "/api/v1/events/" + id, {{"guests", 3}}), 404, "not_found");

  // The owner edits their own; another customer cannot; a closed request is not edited.
  auto c = auth_->create("customer");
  const auto own = str(expect(201, c.bearer(), "POST", "/api/v1/events", event_body(pid, 1))["id"]);
  EXPECT_EQ(
      expect(200, c.bearer(), "PUT", "/api/v1/events/" + own, {{"theme", "pirates"}})["theme"],
      "pirates");
  EXPECT_ERROR(
      call(auth_->create("customer").bearer(), "PUT", "/api/v1/events/" + own, {{"guests", 3}}),
      404, "not_found");
  event_status(manager, own, "declined");
  EXPECT_ERROR(call(c.bearer(), "PUT", "/api/v1/events/" + own, {{"guests", 3}}), 409, "conflict");
  EXPECT_ERROR(
      call(staff, "PUT", "/api/v1/events/0190a0a0-0000-7000-8000-000000000000", {{"guests", 3}}),
      404, "not_found");

  // Confirming the phone-in request makes its order for the customer of customer_info.
  event_status(manager, id, "quoted", {{"quote_amount", 20}});
  auto confirmed =
      expect(200, manager, "PUT", "/api/v1/events/" + id + "/status", {{"status", "confirmed"}});
  auto o = expect(200, manager, "GET", "/api/v1/orders/" + str(confirmed["order_id"]));
  EXPECT_TRUE(o["customer_id"].is_null());
  EXPECT_EQ(o["type"], "event");
  EXPECT_FALSE(notification("event_status_changed", "+15550100", id, "confirmed").empty());
}

// ---- delivery platforms ----------------------------------------------------------------------

TEST_F(CustomerSide, APlatformsKeyAssignsAndMovesOnlyExternalDrivers) {
  const auto pid = product("Courier croissant", 3);
  const auto admin = auth_->admin().bearer();
  const auto manager = auth_->bearer("manager");
  auto key_with = [&](json::array scopes) {
    auto made = expect(201, admin, "POST", "/api/v1/api-keys",
                       {{"name", "Platform"}, {"scopes", std::move(scopes)}});
    return RequestHeaders{{"X-API-Key", str(made["key"])}};
  };
  const auto platform = key_with({"deliveries:write"});
  const auto reader = key_with({"orders:read", "orders:write"});

  // External drivers: no account, a name of their own; managers and admins create them.
  EXPECT_ERROR(call(manager, "POST", "/api/v1/drivers", {{"external", true}, {"vehicle", "bike"}}),
               422, "validation_failed");
  auto with_user = call(manager, "POST", "/api/v1/drivers",
                        {{"external", true},
                         {"name", "X"},
                         {"vehicle", "bike"},
                         {"user_id", auth_->account("driver").id}});
  EXPECT_ERROR(with_user, 422, "validation_failed");
  EXPECT_ERROR(call("staff", "POST", "/api/v1/drivers",
                    {{"external", true}, {"name", "Courier"}, {"vehicle", "bike"}}),
               403, "forbidden");
  EXPECT_ERROR(call(platform, "POST", "/api/v1/drivers",
                    {{"external", true}, {"name", "Courier"}, {"vehicle", "bike"}}),
               403, "forbidden");
  auto courier = expect(201, manager, "POST", "/api/v1/drivers",
                        {{"external", true}, {"name", "Platform courier"}, {"vehicle", "bike"}});
  EXPECT_TRUE(courier["user_id"].is_null());
  EXPECT_EQ(courier["external"], true);
  const auto courier_id = str(courier["id"]);
  auto own = auth_->create("driver");
  auto own_profile =
      expect(201, manager, "POST", "/api/v1/drivers", {{"user_id", own.id}, {"vehicle", "van"}});
  EXPECT_EQ(own_profile["external"], false);
  const auto own_id = str(own_profile["id"]);

  auto c = auth_->create("customer");
  auto delivery_order = [&] {
    return str(expect(201, c.bearer(), "POST", "/api/v1/orders",
                      {{"items", json::array{json::object{{"product_id", pid}, {"quantity", 1}}}},
                       {"is_pickup", false},
                       {"delivery_info", {{"address", "1 Courier Lane"}}}})["id"]);
  };
  const auto o1 = delivery_order();
  const std::string assign = "/api/v1/orders/" + o1 + "/assign-delivery";

  // Wrong scope, and an internal driver: refused.
  EXPECT_ERROR(call(reader, "POST", assign, {{"driver_id", courier_id}}), 403, "forbidden");
  EXPECT_ERROR(call(platform, "POST", assign, {{"driver_id", own_id}}), 403, "forbidden");
  auto assigned = expect(200, platform, "POST", assign, {{"driver_id", courier_id}});
  EXPECT_EQ(assigned["delivery_info"].at("driver_id"), json::value(courier_id));
  auto mine = expect(200, platform, "GET", "/api/v1/deliveries?order_id=" + o1);
  ASSERT_EQ(mine["items"].as_array().size(), 1u);
  const auto d1 = str(mine["items"].as_array()[0].at("id"));
  EXPECT_EQ(expect(200, platform, "GET", "/api/v1/deliveries/" + d1)["driver_id"],
            json::value(courier_id));

  // The platform reports its courier's progress; the order follows.
  move(o1, {"confirmed", "preparing", "ready"}, auth_->bearer("staff"));
  EXPECT_ERROR(
      call(reader, "PUT", "/api/v1/deliveries/" + d1 + "/status", {{"status", "picked_up"}}), 403,
      "forbidden");
  EXPECT_EQ(expect(200, platform, "PUT", "/api/v1/deliveries/" + d1 + "/status",
                   {{"status", "picked_up"}})["status"],
            "picked_up");
  EXPECT_EQ(str(expect(200, c.bearer(), "GET", "/api/v1/orders/" + o1)["status"]),
            "out_for_delivery");
  EXPECT_EQ(expect(200, platform, "PUT", "/api/v1/deliveries/" + d1 + "/status",
                   {{"status", "delivered"}})["status"],
            "delivered");
  EXPECT_EQ(str(expect(200, c.bearer(), "GET", "/api/v1/orders/" + o1)["status"]), "delivered");

  // A delivery of one of the shop's drivers: the key may neither move, read nor take it.
  const auto o2 = delivery_order();
  expect(200, manager, "POST", "/api/v1/orders/" + o2 + "/assign-delivery",
         {{"driver_id", own_id}});
  auto theirs = expect(200, manager, "GET", "/api/v1/deliveries?order_id=" + o2);
  ASSERT_EQ(theirs["items"].as_array().size(), 1u);
  const auto d2 = str(theirs["items"].as_array()[0].at("id"));
  EXPECT_ERROR(
      call(platform, "PUT", "/api/v1/deliveries/" + d2 + "/status", {{"status", "failed"}}), 403,
      "forbidden");
  EXPECT_ERROR(call(platform, "GET", "/api/v1/deliveries/" + d2), 404, "not_found");
  EXPECT_TRUE(expect(200, platform, "GET", "/api/v1/deliveries?order_id=" + o2)["items"]
                  .as_array()
                  .empty());
  EXPECT_ERROR(call(platform, "POST", "/api/v1/orders/" + o2 + "/assign-delivery",
                    {{"driver_id", courier_id}}),
               403, "forbidden");
  // Managers still move any delivery, and the shop's driver theirs.
  EXPECT_EQ(expect(200, own.bearer(), "PUT", "/api/v1/deliveries/" + d2 + "/status",
                   {{"status", "failed"}, {"reason", "closed"}})["status"],
            "failed");
  // Unassigning an external driver's order works although the order has no driver account.
  const auto o3 = delivery_order();
  expect(200, platform, "POST", "/api/v1/orders/" + o3 + "/assign-delivery",
         {{"driver_id", courier_id}});
  auto unassigned = expect(200, manager, "DELETE", "/api/v1/orders/" + o3 + "/assign-delivery");
  EXPECT_TRUE(unassigned["delivery_info"].at("driver_id").is_null());
}

}  // namespace
}  // namespace crema::test::e2e
