// Black-box tests of orders and the cart (SPEC §6) through the real binary: server pricing
// with modifiers and tax, every invalid field at once, out_of_stock with nothing written,
// every legal and illegal transition by role, IDOR, Idempotency-Key (sequential and
// racing), many clients buying the last units, delivery assignment, API keys, metrics.

#include <atomic>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class Orders : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_TAX_RATE_BPS", "1000"},
                                                   {"CREMA_CURRENCY", "EUR"},
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
                    const json::object& body = {}, RequestHeaders extra = {}) {
    RequestHeaders h = who;
    h.insert(h.end(), extra.begin(), extra.end());
    const bool has_body = method == "POST" || method == "PUT";
    return client_->request(method, path, has_body ? json::serialize(body) : std::string(), h);
  }
  HttpResponse call(std::string_view role, std::string_view method, const std::string& path,
                    const json::object& body = {}, RequestHeaders extra = {}) {
    return call(auth_->bearer(role), method, path, body, std::move(extra));
  }
  json::object created(std::string_view role, const std::string& path, const json::object& body) {
    auto res = call(role, "POST", path, body);
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.status == 201 ? res.object() : json::object{};
  }
  std::string item(const std::string& name, double on_hand) {
    return id_of(created("manager", "/api/v1/inventory",
                         {{"name", name}, {"unit", "l"}, {"on_hand", on_hand}}));
  }
  // A product; `stock` makes it tracked.
  std::string product(const std::string& name, double price, json::object extra = {}) {
    json::object body{{"name", name}, {"category", "Orders"}, {"price", price}};
    for (auto& [k, v] : extra) body[k] = v;
    return id_of(created("manager", "/api/v1/products", body));
  }
  json::object inventory(const std::string& id) {
    auto res = call("manager", "GET", "/api/v1/inventory/" + id);
    EXPECT_EQ(res.status, 200) << res.describe();
    return res.object();
  }
  static json::object line(const std::string& pid, int q, json::array mods = {}) {
    return {{"product_id", pid}, {"quantity", q}, {"modifiers", std::move(mods)}};
  }
  HttpResponse order(const RequestHeaders& who, json::array items, std::string type = "takeaway",
                     json::object extra = {}, RequestHeaders headers = {}) {
    json::object body{{"items", std::move(items)}};
    if (!type.empty()) body["type"] = type;
    for (auto& [k, v] : extra) body[k] = v;
    return call(who, "POST", "/api/v1/orders", body, std::move(headers));
  }
  HttpResponse order(std::string_view role, json::array items, std::string type = "takeaway",
                     json::object extra = {}) {
    return order(auth_->bearer(role), std::move(items), std::move(type), std::move(extra));
  }
  HttpResponse status(std::string_view role, const std::string& id, std::string_view to) {
    return call(role, "PUT", "/api/v1/orders/" + id + "/status", {{"status", to}});
  }
  static std::string id_of(const json::object& o) {
    return o.contains("id") ? std::string(o.at("id").as_string()) : std::string();
  }
  static double num(const json::value& v) { return v.to_number<double>(); }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> Orders::shared_;
std::unique_ptr<AuthHelper> Orders::auth_;

TEST_F(Orders, TheServerPricesModifiersAndTaxAndIgnoresClientPrices) {
  auto oat = item("Orders oat milk", 5);
  auto latte = product(
      "Orders latte", 4.5,
      {{"prep_minutes", 4},
       {"modifiers",
        json::array{{{"code", "oat"},
                     {"name", "Oat milk"},
                     {"price_delta", 0.6},
                     {"consumes", json::array{{{"inventory_item_id", oat}, {"quantity", 0.2}}}}},
                    {{"code", "large"}, {"name", "Large"}, {"price_delta", 1}}}}});
  // The bakery's camelCase names, and prices the client made up.
  json::array items{{{"productId", latte},
                     {"quantity", 3},
                     {"modifiers", json::array{"oat", "large"}},
                     {"unit_price", 0.01},
                     {"options", {{"inscription", "Bon anniversaire"}}},
                     {"specialInstructions", "extra hot"}}};
  auto res = order("staff", items, "takeaway",
                   {{"total_amount", 0.01}, {"tableNumber", 7}, {"metadata", {{"pos", "till-2"}}}});
  ASSERT_EQ(res.status, 201) << res.describe();
  const auto& o = res.object();
  // 3 × (4.50 + 0.60 + 1.00) = 18.30; 10 % tax = 1.83.
  EXPECT_EQ(num(o.at("subtotal")), 18.3);
  EXPECT_EQ(num(o.at("tax_amount")), 1.83);
  EXPECT_EQ(num(o.at("total_amount")), 20.13);
  EXPECT_EQ(o.at("currency"), "EUR");
  const auto& l = o.at("items").at(0);
  EXPECT_EQ(num(l.at("unit_price")), 6.1);
  EXPECT_EQ(num(l.at("line_total")), 18.3);
  EXPECT_EQ(l.at("options").at("inscription"), "Bon anniversaire");
  EXPECT_EQ(l.at("special_instructions"), "extra hot");
  EXPECT_EQ(o.at("table_number"), "7");
  EXPECT_EQ(o.at("metadata").at("pos"), "till-2");
  EXPECT_EQ(o.at("status"), "pending");
  EXPECT_EQ(o.at("created_by"), json::value(auth_->account("staff").id));
  EXPECT_TRUE(o.at("estimated_time").is_int64());
  EXPECT_TRUE(std::regex_match(std::string(o.at("order_number").as_string()),
                               std::regex(R"(\d{8}-\d{4,})")));
  EXPECT_EQ(res.header("Location"), "/api/v1/orders/" + id_of(o));
  EXPECT_EQ(num(inventory(oat).at("reserved")), 0.6);
  auto got = call("staff", "GET", "/api/v1/orders/" + id_of(o));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.object(), o);
  // The /api/ alias and the café's menu_item_id.
  auto alias = call(
      "staff", "POST", "/api/orders",
      {{"type", "dine-in"}, {"items", json::array{{{"menu_item_id", latte}, {"quantity", 1}}}}});
  EXPECT_EQ(alias.status, 201) << alias.describe();
}

TEST_F(Orders, EveryInvalidFieldIsReportedAtOnce) {
  auto bun = product("Orders bun 422", 2);
  std::string big(2100, 'x');
  json::array items{{{"product_id", bun}, {"quantity", 0}},
                    {{"product_id", "2f1c7a9e-0000-7000-8000-000000000000"}, {"quantity", 1}},
                    {{"product_id", bun}, {"quantity", 1}, {"options", {{"note", big}}}},
                    {{"quantity", 101}},
                    {{"product_id", bun}, {"quantity", 1}, {"modifiers", json::array{"nope"}}}};
  auto res = order("staff", items, "banquet", {{"metadata", {{"blob", std::string(5000, 'y')}}}});
  ASSERT_EQ(res.status, 422) << res.describe();
  std::set<std::string> fields;
  for (const auto& d : res.object().at("error").at("details").as_array())
    fields.insert(std::string(d.at("field").as_string()));
  for (const char* f :
       {"type", "metadata", "items[0].quantity", "items[2].options", "items[3].product_id",
        "items[3].quantity", "items[1].product_id", "items[4].modifiers[0]"})
    EXPECT_TRUE(fields.count(f)) << f << " missing from " << res.describe();
  // Customers may only order online; a delivery needs an address.
  auto dine_in = order("customer", {line(bun, 1)}, "dine-in");
  EXPECT_ERROR(dine_in, 422, "validation_failed");
  auto delivery = order("customer", {line(bun, 1)}, "online", {{"isPickup", false}});
  ASSERT_EQ(delivery.status, 422);
  EXPECT_EQ(delivery.object().at("error").at("details").at(0).at("field"), "delivery_info.address");
  EXPECT_ERROR(order("driver", {line(bun, 1)}), 403, "forbidden");
  // Without credentials it is a guest's order (SPEC §15.1), which needs someone to tell:
  // guest_checkout_test.cpp has the rest (and CREMA_GUEST_CHECKOUT=0's 401).
  auto guest =
      call(RequestHeaders{}, "POST", "/api/v1/orders", {{"items", json::array{line(bun, 1)}}});
  EXPECT_ERROR(guest, 422, "validation_failed");
  EXPECT_NE(guest.body.find("customer_info.name"), std::string::npos) << guest.describe();
}

TEST_F(Orders, ShapeAndCatalogueIssuesOfTheSameRequestComeInOneAnswer) {
  auto bun = product("Orders bun one-422", 2);
  // SPEC §6: a quantity of 0 and an unknown modifier code on the same line: both listed.
  auto res = order("staff", {line(bun, 0, json::array{"nope"})});
  ASSERT_EQ(res.status, 422) << res.describe();
  std::set<std::string> fields;
  for (const auto& d : res.object().at("error").at("details").as_array())
    fields.insert(std::string(d.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"items[0].quantity", "items[0].modifiers[0]"}))
      << res.describe();
  // A modifier code of the wrong shape keeps the index of the unknown one after it.
  auto shifted = order("staff", {line(bun, 1, json::array{"NOT A CODE!", "nope"})});
  ASSERT_EQ(shifted.status, 422) << shifted.describe();
  fields.clear();
  for (const auto& d : shifted.object().at("error").at("details").as_array())
    fields.insert(std::string(d.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"items[0].modifiers[0]", "items[0].modifiers[1]"}))
      << shifted.describe();
  // A rule of the role (a delivery needs an address) and the catalogue, in one answer.
  auto delivery =
      order("customer", {line(bun, 1, json::array{"nope"})}, "online", {{"is_pickup", false}});
  ASSERT_EQ(delivery.status, 422) << delivery.describe();
  fields.clear();
  for (const auto& d : delivery.object().at("error").at("details").as_array())
    fields.insert(std::string(d.at("field").as_string()));
  EXPECT_EQ(fields, (std::set<std::string>{"delivery_info.address", "items[0].modifiers[0]"}))
      << delivery.describe();
}

TEST_F(Orders, EstimatedTimeIsNeverLessThanTheOrdersOwnPrepTime) {
  // SPEC §6: own prep + the queue shared out; a lone 5-minute latte says 5, not 3.
  auto latte = product("Orders lone latte", 4, {{"prep_minutes", 5}});
  auto res = order("staff", {line(latte, 1)});
  ASSERT_EQ(res.status, 201) << res.describe();
  EXPECT_GE(res.object().at("estimated_time").as_int64(), 5) << res.describe();
  auto confirmed = status("staff", id_of(res.object()), "confirmed");
  ASSERT_EQ(confirmed.status, 200) << confirmed.describe();
  EXPECT_GE(confirmed.object().at("estimated_time").as_int64(), 5) << confirmed.describe();
  ASSERT_EQ(status("staff", id_of(res.object()), "cancelled").status, 200);
}

TEST_F(Orders, ShortStockIs409ListingEachShortItemAndNothingIsWritten) {
  auto flour = item("Orders flour", 0.5);
  auto cake = product("Orders cake", 20,
                      {{"recipe", json::array{{{"inventory_item_id", flour}, {"quantity", 0.3}}}}});
  auto cookie = product("Orders cookie", 1.5, {{"stock", 2}});
  auto before =
      call("staff", "GET", "/api/v1/orders?limit=200").object().at("items").as_array().size();
  auto res = order("staff", {line(cake, 2), line(cookie, 3)});
  ASSERT_EQ(res.status, 409) << res.describe();
  EXPECT_EQ(res.object().at("error").at("code"), "out_of_stock");
  std::set<std::string> short_items;
  for (const auto& d : res.object().at("error").at("details").as_array())
    short_items.insert(std::string(d.at("field").as_string()));
  EXPECT_EQ(short_items, (std::set<std::string>{flour, cookie}));
  EXPECT_EQ(num(inventory(flour).at("reserved")), 0);
  EXPECT_EQ(num(inventory(cookie).at("reserved")), 0);
  EXPECT_EQ(call("staff", "GET", "/api/v1/orders?limit=200").object().at("items").as_array().size(),
            before);
  // What fits is sold.
  EXPECT_EQ(order("staff", {line(cake, 1), line(cookie, 2)}).status, 201);
  EXPECT_EQ(num(inventory(cookie).at("available")), 0);
}

TEST_F(Orders, EveryLegalTransitionWorksAndEveryIllegalOneIs409) {
  auto tea = product("Orders tea", 3, {{"stock", 100}});
  const std::vector<std::string> all = {"pending",          "confirmed", "preparing", "ready",
                                        "out_for_delivery", "delivered", "completed", "cancelled"};
  // Walk a takeaway and a delivery order along their paths; at each state try every target.
  struct Path {
    std::string type;
    json::object extra;
    std::vector<std::string> steps;
  };
  std::vector<Path> paths = {
      {"takeaway", {}, {"confirmed", "preparing", "ready", "completed"}},
      {"online",
       {{"is_pickup", false}, {"delivery_info", {{"address", "3 Quai des Orfèvres"}}}},
       {"confirmed", "in-progress", "ready", "out_for_delivery", "delivered"}}};
  for (const auto& p : paths) {
    auto placed = order("staff", {line(tea, 1)}, p.type, p.extra);
    ASSERT_EQ(placed.status, 201) << placed.describe();
    const std::string id = id_of(placed.object());
    std::string current = "pending";
    for (const auto& next : p.steps) {
      const std::string canonical = next == "in-progress" ? "preparing" : next;
      for (const auto& target : all) {
        if (target == canonical || target == "cancelled") continue;
        auto res = status("manager", id, target);
        EXPECT_ERROR(res, 409, "invalid_transition");
      }
      auto res = status("staff", id, next);
      ASSERT_EQ(res.status, 200) << current << " -> " << next << " " << res.describe();
      EXPECT_EQ(res.object().at("status"), json::value(canonical));
      current = canonical;
    }
    for (const auto& target : all)
      EXPECT_ERROR(status("admin", id, target), 409, "invalid_transition");
    auto done = call("staff", "GET", "/api/v1/orders/" + id).object();
    EXPECT_FALSE(done.at("completed_at").is_null());
    EXPECT_EQ(done.at("history").as_array().size(), p.steps.size() + 1);
    EXPECT_ERROR(call("admin", "DELETE", "/api/v1/orders/" + id), 409, "invalid_transition");
  }
  // A takeaway cannot go out for delivery; a delivery cannot be "completed".
  auto t = id_of(order("staff", {line(tea, 1)}).object());
  for (auto s : {"confirmed", "preparing", "ready"}) ASSERT_EQ(status("staff", t, s).status, 200);
  EXPECT_ERROR(status("staff", t, "out_for_delivery"), 409, "invalid_transition");
  // Roles: customers may not use PUT /status; drivers only deliver their own delivery.
  EXPECT_ERROR(status("customer", t, "completed"), 403, "forbidden");
  EXPECT_ERROR(status("driver", t, "completed"), 404, "not_found");
  // Cancellation from each cancellable state, and the version check.
  for (const std::string upto : {"pending", "confirmed", "preparing"}) {
    auto id = id_of(order("staff", {line(tea, 1)}).object());
    for (const std::string s : {"confirmed", "preparing"}) {
      if (upto == "pending" || (upto == "confirmed" && s == "preparing")) break;
      ASSERT_EQ(status("staff", id, s).status, 200);
    }
    auto stale = call("staff", "DELETE", "/api/v1/orders/" + id, {}, {{"If-Match", "\"99\""}});
    EXPECT_ERROR(stale, 409, "version_conflict");
    auto res = call("staff", "DELETE", "/api/v1/orders/" + id + "?reason=burnt");
    ASSERT_EQ(res.status, 200) << res.describe();
    EXPECT_EQ(res.object().at("status"), "cancelled");
    EXPECT_EQ(res.object().at("cancel_reason"), "burnt");
    EXPECT_FALSE(res.object().at("cancelled_at").is_null());
  }
}

TEST_F(Orders, CancellingReleasesOrRestocksStock) {
  auto croissant = product("Orders croissant", 1.8, {{"stock", 10}});
  auto a = id_of(order("staff", {line(croissant, 4)}).object());
  EXPECT_EQ(num(inventory(croissant).at("reserved")), 4);
  ASSERT_EQ(call("staff", "DELETE", "/api/v1/orders/" + a).status, 200);
  EXPECT_EQ(num(inventory(croissant).at("reserved")), 0);
  EXPECT_EQ(num(inventory(croissant).at("on_hand")), 10);
  auto b = id_of(order("staff", {line(croissant, 3)}).object());
  ASSERT_EQ(status("staff", b, "confirmed").status, 200);
  EXPECT_EQ(num(inventory(croissant).at("on_hand")), 7);
  EXPECT_EQ(num(inventory(croissant).at("reserved")), 0);
  ASSERT_EQ(call("staff", "DELETE", "/api/v1/orders/" + b).status, 200);
  EXPECT_EQ(num(inventory(croissant).at("on_hand")), 10);
}

TEST_F(Orders, CustomersSeeAndCancelOnlyTheirOwnOrders) {
  auto muffin = product("Orders muffin", 2.5, {{"stock", 50}});
  auto alice = auth_->create("customer");
  auto bob = auth_->create("customer");
  auto a = order(alice.bearer(), {line(muffin, 1)}, "online");
  ASSERT_EQ(a.status, 201) << a.describe();
  const std::string aid = id_of(a.object());
  EXPECT_EQ(a.object().at("customer_id"), json::value(alice.id));
  EXPECT_EQ(a.object().at("customer_info").at("email"), json::value(alice.email));
  auto b = order(bob.bearer(), {line(muffin, 2)}, "");
  ASSERT_EQ(b.status, 201) << b.describe();
  EXPECT_EQ(b.object().at("type"), "online") << "a customer's order is online by default";
  const std::string bid = id_of(b.object());

  EXPECT_ERROR(call(bob.bearer(), "GET", "/api/v1/orders/" + aid), 404, "not_found");
  EXPECT_ERROR(call(bob.bearer(), "DELETE", "/api/v1/orders/" + aid), 404, "not_found");
  EXPECT_EQ(call(alice.bearer(), "GET", "/api/v1/orders/" + aid).status, 200);
  auto list = call(bob.bearer(), "GET", "/api/v1/orders");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.object().at("items").as_array().size(), 1u);
  EXPECT_EQ(id_of(list.object().at("items").at(0).as_object()), bid);
  // customer_id is a staff filter: a customer cannot widen their list with it.
  auto widened = call(bob.bearer(), "GET", "/api/v1/orders?customer_id=" + alice.id);
  ASSERT_EQ(widened.object().at("items").as_array().size(), 1u);
  EXPECT_EQ(id_of(widened.object().at("items").at(0).as_object()), bid);
  auto by_staff = call("staff", "GET", "/api/v1/orders?customer_id=" + alice.id);
  ASSERT_EQ(by_staff.object().at("items").as_array().size(), 1u);

  // Own order: cancel while pending only.
  ASSERT_EQ(status("staff", bid, "confirmed").status, 200);
  EXPECT_ERROR(call(bob.bearer(), "DELETE", "/api/v1/orders/" + bid), 409, "invalid_transition");
  auto cancelled = call(alice.bearer(), "DELETE", "/api/v1/orders/" + aid);
  ASSERT_EQ(cancelled.status, 200) << cancelled.describe();
  EXPECT_EQ(cancelled.object().at("status"), "cancelled");
  EXPECT_EQ(cancelled.object().at("history").at(1).at("by"), json::value(alice.id));
  EXPECT_ERROR(call(alice.bearer(), "GET", "/api/v1/orders/not-a-uuid"), 404, "not_found");
  // The data export (GDPR) carries the user's orders, and only theirs.
  auto exported = call(alice.bearer(), "GET", "/api/v1/users/me/export");
  ASSERT_EQ(exported.status, 200) << exported.describe();
  const auto& mine = exported.object().at("orders").as_array();
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine.at(0).at("id"), json::value(aid));
}

TEST_F(Orders, ListFiltersAndKeysetPages) {
  auto scone = product("Orders scone", 2, {{"stock", 100}});
  auto c = auth_->create("customer");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = order(c.bearer(), {line(scone, 1)}, "online");
    ASSERT_EQ(r.status, 201);
    ids.insert(ids.begin(), id_of(r.object()));
  }
  ASSERT_EQ(status("staff", ids[1], "confirmed").status, 200);
  std::vector<std::string> seen;
  std::string path = "/api/v1/orders?limit=2";
  for (int guard = 0; guard < 5; ++guard) {
    auto page = call(c.bearer(), "GET", path);
    ASSERT_EQ(page.status, 200) << page.describe();
    for (const auto& o : page.object().at("items").as_array()) seen.push_back(id_of(o.as_object()));
    const auto& next = page.object().at("next_cursor");
    if (next.is_null()) break;
    path = "/api/v1/orders?limit=2&cursor=" + std::string(next.as_string());
  }
  EXPECT_EQ(seen, ids);
  auto confirmed =
      call("staff", "GET", "/api/v1/orders?status=confirmed,in-progress&customer_id=" + c.id);
  ASSERT_EQ(confirmed.status, 200);
  ASSERT_EQ(confirmed.object().at("items").as_array().size(), 1u);
  EXPECT_EQ(id_of(confirmed.object().at("items").at(0).as_object()), ids[1]);
  auto number = call("staff", "GET", "/api/v1/orders/" + ids[0]).object().at("order_number");
  auto by_number = call("staff", "GET", "/api/v1/orders?q=" + std::string(number.as_string()));
  ASSERT_EQ(by_number.object().at("items").as_array().size(), 1u);
  EXPECT_EQ(
      call("staff", "GET",
           "/api/v1/"
           "orders?type=online&payment_status=pending&from=2020-01-01&to=2999-12-31&customer_id=" +
               c.id)
          .object()
          .at("items")
          .as_array()
          .size(),
      5u);
  EXPECT_ERROR(call("staff", "GET", "/api/v1/orders?status=lost"), 400, "bad_request");
  EXPECT_ERROR(call("staff", "GET", "/api/v1/orders?cursor=garbage"), 400, "bad_request");
}

TEST_F(Orders, IdempotencyKeyReplaysAndRefusesAnotherBody) {
  auto bagel = product("Orders bagel", 2.2, {{"stock", 100}});
  const std::string body =
      json::serialize(json::object{{"type", "takeaway"}, {"items", json::array{line(bagel, 2)}}});
  RequestHeaders h = auth_->bearer("staff");
  h.push_back({"Idempotency-Key", "idem-e2e-1"});
  auto first = client_->post("/api/v1/orders", body, h);
  ASSERT_EQ(first.status, 201) << first.describe();
  auto again = client_->post("/api/v1/orders", body, h);
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Location"), first.header("Location"));
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(num(inventory(bagel).at("reserved")), 2) << "the work was done once";
  const std::string other =
      json::serialize(json::object{{"type", "takeaway"}, {"items", json::array{line(bagel, 3)}}});
  EXPECT_ERROR(client_->post("/api/v1/orders", other, h), 409, "conflict");

  // Many identical requests at once: one order, every answer the same.
  constexpr int kClients = 8;
  std::vector<HttpResponse> answers(kClients);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  RequestHeaders race = auth_->bearer("staff");
  race.push_back({"Idempotency-Key", "idem-e2e-race"});
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&, i] {
      auto c = client_for(*shared_->server);
      ready.fetch_add(1);
      while (ready.load() < kClients) std::this_thread::yield();
      answers[i] = c->post("/api/v1/orders", body, race);
    });
  for (auto& t : threads) t.join();
  for (const auto& a : answers) {
    EXPECT_EQ(a.status, 201) << a.describe();
    EXPECT_EQ(a.body, answers[0].body);
  }
  EXPECT_EQ(num(inventory(bagel).at("reserved")), 4);
}

TEST_F(Orders, ManyClientsBuyingTheLastUnitsSellExactlyTheStock) {
  auto eclair = product("Orders eclair", 3.2, {{"stock", 6}});
  constexpr int kClients = 16;
  std::atomic<int> sold{0}, short_{0}, other{0};
  std::vector<std::thread> threads;
  const auto token = auth_->bearer("staff");
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&] {
      auto c = client_for(*shared_->server);
      for (int k = 0; k < 2; ++k) {
        auto r = c->post("/api/v1/orders",
                         json::serialize(json::object{{"type", "takeaway"},
                                                      {"items", json::array{line(eclair, 1)}}}),
                         token);
        if (r.status == 201) {
          sold.fetch_add(1);
        } else if (r.status == 409 && error_code(r) == "out_of_stock") {
          short_.fetch_add(1);
        } else {
          other.fetch_add(1);
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(sold.load(), 6);
  EXPECT_EQ(short_.load(), kClients * 2 - 6);
  EXPECT_EQ(other.load(), 0);
  auto inv = inventory(eclair);
  EXPECT_EQ(num(inv.at("reserved")), 6);
  EXPECT_EQ(num(inv.at("available")), 0);
}

TEST_F(Orders, DeliveriesAreAssignedAndDeliveredByTheirDriver) {
  auto pie = product("Orders pie", 12, {{"stock", 20}});
  auto c = auth_->create("customer");
  auto driver = auth_->create("driver");
  auto other_driver = auth_->create("driver");
  // Orders are assigned to driver profiles (SPEC §8), not to user ids.
  auto profile = [&](const Account& a) {
    return id_of(created("manager", "/api/v1/drivers", {{"user_id", a.id}, {"vehicle", "bike"}}));
  };
  const std::string driver_profile = profile(driver);
  profile(other_driver);
  auto placed = order(c.bearer(), {line(pie, 1)}, "online",
                      {{"isPickup", false}, {"deliveryInfo", {{"address", "12 Rue de la Paix"}}}});
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const std::string id = id_of(placed.object());
  EXPECT_EQ(placed.object().at("delivery_info").at("address"), "12 Rue de la Paix");
  EXPECT_ERROR(call(driver.bearer(), "GET", "/api/v1/orders/" + id), 404, "not_found");
  EXPECT_ERROR(call("staff", "POST", "/api/v1/orders/" + id + "/assign-delivery",
                    {{"driver_id", driver_profile}}),
               403, "forbidden");
  EXPECT_ERROR(
      call("manager", "POST", "/api/v1/orders/" + id + "/assign-delivery", {{"driver_id", c.id}}),
      422, "validation_failed");
  // A driver's user id is not a driver profile id.
  EXPECT_ERROR(call("manager", "POST", "/api/v1/orders/" + id + "/assign-delivery",
                    {{"driver_id", driver.id}}),
               422, "validation_failed");
  auto assigned = call("manager", "POST", "/api/v1/orders/" + id + "/assign-delivery",
                       {{"driver_id", driver_profile}});
  ASSERT_EQ(assigned.status, 200) << assigned.describe();
  EXPECT_EQ(assigned.object().at("delivery_info").at("driver_id"), json::value(driver_profile));
  EXPECT_EQ(call(driver.bearer(), "GET", "/api/v1/orders/" + id).status, 200);
  EXPECT_EQ(call(driver.bearer(), "GET", "/api/v1/orders").object().at("items").as_array().size(),
            1u);
  for (auto s : {"confirmed", "preparing", "ready"}) ASSERT_EQ(status("staff", id, s).status, 200);
  EXPECT_ERROR(call(driver.bearer(), "PUT", "/api/v1/orders/" + id + "/status",
                    {{"status", "out_for_delivery"}}),
               403, "forbidden");
  ASSERT_EQ(status("staff", id, "out_for_delivery").status, 200);
  EXPECT_ERROR(call(other_driver.bearer(), "PUT", "/api/v1/orders/" + id + "/status",
                    {{"status", "delivered"}}),
               404, "not_found");
  auto delivered =
      call(driver.bearer(), "PUT", "/api/v1/orders/" + id + "/status", {{"status", "delivered"}});
  ASSERT_EQ(delivered.status, 200) << delivered.describe();
  EXPECT_EQ(delivered.object().at("status"), "delivered");
  EXPECT_FALSE(delivered.object().at("completed_at").is_null());
  // A takeaway order gets no driver.
  auto t = id_of(order("staff", {line(pie, 1)}).object());
  EXPECT_ERROR(call("admin", "POST", "/api/v1/orders/" + t + "/assign-delivery",
                    {{"driver_id", driver_profile}}),
               409, "conflict");
  // Unassigning.
  auto d2 = order(c.bearer(), {line(pie, 1)}, "online",
                  {{"is_pickup", false}, {"delivery_info", {{"address", "1 Rue X"}}}});
  const std::string id2 = id_of(d2.object());
  ASSERT_EQ(call("admin", "POST", "/api/v1/orders/" + id2 + "/assign-delivery",
                 {{"driver_id", driver_profile}})
                .status,
            200);
  auto un = call("admin", "DELETE", "/api/v1/orders/" + id2 + "/assign-delivery");
  ASSERT_EQ(un.status, 200) << un.describe();
  EXPECT_TRUE(un.object().at("delivery_info").at("driver_id").is_null());
  EXPECT_ERROR(call(driver.bearer(), "GET", "/api/v1/orders/" + id2), 404, "not_found");
}

TEST_F(Orders, PaidOrdersNeedAManagerToCancelAndApiKeysPlaceOnlineOrders) {
  auto tart = product("Orders tart", 4, {{"stock", 10}});
  // An API key with orders:write: online, customer_info required, sees only its own orders.
  auto key =
      call(auth_->admin().bearer(), "POST", "/api/v1/api-keys",
           {{"name", "Delivery partner"}, {"scopes", json::array{"orders:write", "orders:read"}}});
  ASSERT_EQ(key.status, 201) << key.describe();
  const RequestHeaders k{{"X-API-Key", std::string(key.object().at("key").as_string())}};
  auto missing = order(k, {line(tart, 1)}, "");
  ASSERT_EQ(missing.status, 422) << missing.describe();
  EXPECT_EQ(missing.object().at("error").at("details").at(0).at("field"), "customer_info.name");
  auto placed =
      order(k, {line(tart, 1)}, "", {{"customerInfo", {{"name", "Zoé"}, {"phone", "+33 1 23"}}}});
  ASSERT_EQ(placed.status, 201) << placed.describe();
  EXPECT_EQ(placed.object().at("type"), "online");
  EXPECT_TRUE(placed.object().at("customer_id").is_null());
  const std::string id = id_of(placed.object());
  EXPECT_EQ(call(k, "GET", "/api/v1/orders/" + id).status, 200);
  auto staff_order = id_of(order("staff", {line(tart, 1)}).object());
  EXPECT_ERROR(call(k, "GET", "/api/v1/orders/" + staff_order), 404, "not_found");
  EXPECT_EQ(call(k, "GET", "/api/v1/orders").object().at("items").as_array().size(), 1u);
}

TEST_F(Orders, TheCartIsPricedNowAndBecomesAnOrder) {
  auto loaf = product(
      "Orders loaf", 5,
      {{"stock", 3},
       {"modifiers", json::array{{{"code", "sliced"}, {"name", "Sliced"}, {"price_delta", 0.5}}}}});
  auto c = auth_->create("customer");
  auto empty = call(c.bearer(), "GET", "/api/v1/cart");
  ASSERT_EQ(empty.status, 200) << empty.describe();
  EXPECT_EQ(empty.object().at("items").as_array().size(), 0u);
  auto toasted = call(c.bearer(), "POST", "/api/v1/cart",
                      {{"items", json::array{line(loaf, 1, {"toasted"})}}});
  EXPECT_ERROR(toasted, 422, "validation_failed");
  // The message counts the issues it lists (it once said "0 fields are invalid.").
  EXPECT_EQ(toasted.object().at("error").at("message"), "One field is invalid.")
      << toasted.describe();
  auto put =
      call(c.bearer(), "POST", "/api/v1/cart", {{"items", json::array{line(loaf, 2, {"sliced"})}}});
  ASSERT_EQ(put.status, 200) << put.describe();
  EXPECT_EQ(num(put.object().at("subtotal")), 11);
  EXPECT_EQ(num(put.object().at("total_amount")), 12.1);
  EXPECT_EQ(put.object().at("items").at(0).at("in_stock"), true);
  // Current prices: a price change shows at once.
  ASSERT_EQ(call("manager", "PUT", "/api/v1/products/" + loaf, {{"price", 6}}).status, 200);
  EXPECT_EQ(num(call(c.bearer(), "GET", "/api/v1/cart").object().at("subtotal")), 13);
  EXPECT_ERROR(call("staff", "GET", "/api/v1/cart"), 403, "forbidden");
  auto placed = call(c.bearer(), "POST", "/api/v1/orders", {{"use_cart", true}});
  ASSERT_EQ(placed.status, 201) << placed.describe();
  EXPECT_EQ(num(placed.object().at("subtotal")), 13);
  EXPECT_EQ(placed.object().at("items").at(0).at("modifiers").at(0), "sliced");
  EXPECT_EQ(call(c.bearer(), "GET", "/api/v1/cart").object().at("items").as_array().size(), 0u);
  auto again = call(c.bearer(), "POST", "/api/v1/orders", {{"useCart", true}});
  EXPECT_ERROR(again, 422, "validation_failed");
  ASSERT_EQ(
      call(c.bearer(), "POST", "/api/v1/cart", {{"items", json::array{line(loaf, 1)}}}).status,
      200);
  EXPECT_EQ(call(c.bearer(), "GET", "/api/v1/cart").object().at("items").at(0).at("in_stock"),
            true);
  EXPECT_EQ(call(c.bearer(), "DELETE", "/api/v1/cart").status, 204);
  EXPECT_EQ(call(c.bearer(), "GET", "/api/v1/cart").object().at("items").as_array().size(), 0u);
}

TEST_F(Orders, ErasingTheCustomerKeepsTheirOrdersButNotWhoOrWhere) {
  auto pie = product("Orders erase pie", 9, {{"stock", 10}});
  auto c = auth_->create("customer");
  auto placed = order(c.bearer(), {line(pie, 1)}, "online",
                      {{"isPickup", false},
                       {"deliveryInfo", {{"address", "3 Secret Lane"}, {"phone", "+33 6 00"}}},
                       {"notes", "ring twice, Mme Dupont"}});
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const std::string id = id_of(placed.object());
  const auto total = placed.object().at("total_amount");
  EXPECT_NE(placed.object().at("customer_info").at("email"), json::value(nullptr));

  auto erased = call(c.bearer(), "DELETE", "/api/v1/users/me");
  ASSERT_TRUE(erased.status == 200 || erased.status == 204) << erased.describe();

  auto kept = call("manager", "GET", "/api/v1/orders/" + id);
  ASSERT_EQ(kept.status, 200) << kept.describe();
  const auto& o = kept.object();
  EXPECT_EQ(o.at("total_amount"), total) << "the books keep the order";
  EXPECT_EQ(o.at("customer_info").at("name"), "Erased user");
  EXPECT_EQ(o.at("customer_info").at("email"), json::value(nullptr));
  EXPECT_EQ(o.at("customer_info").at("phone"), json::value(nullptr));
  EXPECT_EQ(o.at("delivery_info").at("address"), json::value(nullptr)) << kept.body;
  EXPECT_FALSE(o.at("delivery_info").as_object().contains("phone")) << kept.body;
  EXPECT_EQ(kept.body.find("Dupont"), std::string::npos) << kept.body;
  EXPECT_EQ(kept.body.find("Secret Lane"), std::string::npos) << kept.body;
}

TEST_F(Orders, MetricsCountCreatedOrders) {
  auto water = product("Orders water", 1);
  ASSERT_EQ(order("staff", {line(water, 1)}).status, 201);
  auto m = client_->get("/metrics");
  ASSERT_EQ(m.status, 200);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(m.body, match, std::regex(R"(\norders_created_total (\d+))")))
      << m.body.substr(0, 2000);
  EXPECT_GE(std::stoi(match[1]), 1);
  EXPECT_NE(m.body.find("\nwebsocket_connections "), std::string::npos);
}

// `crema seed-demo` leaves a few business days of orders: numbered per day, most completed,
// some cancelled, today's still in the kitchen.
TEST(OrdersDemo, SeedDemoAddsAFewDaysOfOrders) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto seed = run_crema({"seed-demo"}, {{"CREMA_DATABASE_URL", db->url()}});
  ASSERT_EQ(seed.exit_code, 0) << seed.out << seed.err;
  EXPECT_NE(seed.out.find("demo orders"), std::string::npos) << seed.out;
  ServerOptions o;
  o.database_url = db->url();
  ServerProcess server(o);
  auto client = client_for(server);
  auto login = post_json(*client, "/api/v1/auth/login",
                         {{"email", "manager@crema.demo"}, {"password", "crema-demo-2026"}});
  ASSERT_EQ(login.status, 200) << login.describe();
  const auto bearer = AuthHelper::bearer_of(std::string(login.object().at("token").as_string()));
  auto list = client->get("/api/v1/orders?limit=200", bearer);
  ASSERT_EQ(list.status, 200) << list.describe();
  std::set<std::string> days, statuses, numbers;
  for (const auto& v : list.object().at("items").as_array()) {
    const auto& order = v.as_object();
    const std::string number(order.at("order_number").as_string());
    const std::string created(order.at("created_at").as_string());
    days.insert(number.substr(0, 8));
    numbers.insert(number);
    statuses.insert(std::string(order.at("status").as_string()));
    // The number's date is the business day (UTC here) of created_at.
    EXPECT_EQ(number.substr(0, 8),
              created.substr(0, 4) + created.substr(5, 2) + created.substr(8, 2))
        << number << " " << created;
  }
  EXPECT_GE(days.size(), 3u);
  EXPECT_GE(numbers.size(), 20u);
  EXPECT_EQ(numbers.size(), list.object().at("items").as_array().size()) << "numbers are unique";
  EXPECT_TRUE(statuses.count("completed"));
  EXPECT_TRUE(statuses.count("cancelled"));
  // One guest's order among them (SPEC §15.1): no account, its contact in customer_info, paid
  // online and collected.
  int guests = 0;
  for (const auto& v : list.object().at("items").as_array()) {
    const auto& order = v.as_object();
    if (!order.at("customer_id").is_null() || order.at("type") != "online") continue;
    ++guests;
    EXPECT_EQ(order.at("customer_info").at("name"), "Grace Guest");
    EXPECT_EQ(order.at("customer_info").at("email"), "grace@guest.demo");
    EXPECT_EQ(order.at("status"), "completed");
    EXPECT_EQ(order.at("payment_status"), "paid");
    EXPECT_FALSE(order.contains("guest_token"));
  }
  EXPECT_EQ(guests, 1);
  // The pastries' counted stock is as seeded (the demo orders are drinks made to order).
  auto menu = client->get("/api/v1/menu");
  ASSERT_EQ(menu.status, 200);
  for (const auto& c : menu.object().at("categories").as_array())
    for (const auto& p : c.at("items").as_array())
      if (p.at("name") == "Butter Croissant") {
        EXPECT_EQ(p.at("stock").to_number<double>(), 24.0);
      }
}

}  // namespace
}  // namespace crema::test::e2e
