// Black-box tests of guest checkout (SPEC §15.1) through the real binary: an order placed
// without credentials answers a guest_token once; sent as X-Order-Token it reads, pays
// (online gateways only, through the fake local gateway of payments_test.cpp's kind),
// cancels while pending and follows (GET /ws?order_token=) that one order, and opens nothing
// else — another order is a 404, every other route a 401. Idempotent replays give the same
// token; a guest order needs a name and an email or phone; CREMA_GUEST_CHECKOUT=0 → 401.

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/fake_endpoint.hpp"
#include "support/ws_client.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kGuestLocalSecret = "guest-local-gateway-secret";

FakeHttpEndpoint::Answer guest_local_gateway(const RecordedRequest& r, int n) {
  if (r.target == "/payments")
    return {201, json::serialize(json::object{
                     {"id", "gloc_" + std::to_string(n)},
                     {"redirect_url", "https://pay.local.test/p/gloc_" + std::to_string(n)}})};
  return {404, "{}"};
}

std::string guest_sign(std::string_view body) {
  const auto t = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  const std::string input = std::to_string(t) + "." + std::string(body);
  return "t=" + std::to_string(t) +
         ",v1=" + auth::hex_encode(auth::hmac_sha256(kGuestLocalSecret, input));
}

std::string text_of(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

class GuestCheckout : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    local_ = std::make_unique<FakeHttpEndpoint>(guest_local_gateway);
    shared_ = SharedServer::start(identity_server({
        {"CREMA_AUTH_RATE_PER_MIN", "0"},
        {"CREMA_USER_RATE_PER_MIN", "0"},
        {"CREMA_PUBLIC_RATE_PER_MIN", "0"},
        {"CREMA_REQUIRE_VERIFIED_EMAIL", "1"},  // does not apply to guests
        {"CREMA_LOCAL_GATEWAY_URL", local_->url("")},
        {"CREMA_LOCAL_GATEWAY_SECRET", kGuestLocalSecret},
    }));
  }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
    local_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
  }

  std::string product() {
    static std::string id;
    if (id.empty()) {
      auto res = post_json(*client_, "/api/v1/products",
                           {{"name", "Guest cinnamon bun"}, {"category", "Guest"}, {"price", 3}},
                           auth_->bearer("manager"));
      EXPECT_EQ(res.status, 201) << res.describe();
      id = text_of(res.object(), "id");
    }
    return id;
  }
  json::object order_body(json::object info = {{"name", "Gus Guest"},
                                               {"email", "gus@example.com"}}) {
    return json::object{{"items", json::array{{{"product_id", product()}, {"quantity", 1}}}},
                        {"customer_info", std::move(info)}};
  }
  HttpResponse place(const json::object& body, RequestHeaders headers = {}) {
    return post_json(*client_, "/api/v1/orders", body, headers);
  }
  // A guest's order: its id and token.
  std::pair<std::string, std::string> guest_order() {
    auto res = place(order_body());
    EXPECT_EQ(res.status, 201) << res.describe();
    if (res.status != 201) return {};
    return {text_of(res.object(), "id"), text_of(res.object(), "guest_token")};
  }
  static RequestHeaders token(const std::string& t) { return {{"X-Order-Token", t}}; }
  HttpResponse checkout(const std::string& t, const std::string& id, const std::string& method) {
    return post_json(*client_, "/api/v1/payments/checkout",
                     {{"order_id", id},
                      {"payment_method", method},
                      {"payment_details", {{"return_url", "https://shop.test/done"}}}},
                     token(t));
  }
  std::unique_ptr<WsClient> guest_socket(const std::string& t) {
    WsOptions o;
    o.path = "/ws?order_token=" + t;
    o.auth = WsOptions::Auth::none;
    return std::make_unique<WsClient>(shared_->server->host(), shared_->server->port(), o);
  }

  static std::unique_ptr<FakeHttpEndpoint> local_;
  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<FakeHttpEndpoint> GuestCheckout::local_;
std::unique_ptr<SharedServer> GuestCheckout::shared_;
std::unique_ptr<AuthHelper> GuestCheckout::auth_;

TEST_F(GuestCheckout, AGuestOrdersReadsPaysOnlineAndCancelsAnother) {
  auto placed = place(order_body());
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const auto order = placed.object();
  const std::string id = text_of(order, "id");
  const std::string t = text_of(order, "guest_token");
  EXPECT_EQ(t.size(), 43u) << "256 bits, base64url: " << t;
  EXPECT_TRUE(auth::base64url_decode(t).has_value());
  EXPECT_EQ(text_of(order, "type"), "online");
  EXPECT_TRUE(order.at("customer_id").is_null());
  EXPECT_EQ(text_of(order.at("customer_info").as_object(), "email"), "gus@example.com");
  EXPECT_EQ(placed.header("location"), "/api/v1/orders/" + id);

  // Read: the order as staff see it, without the token (shown once).
  auto read = client_->get("/api/v1/orders/" + id, token(t));
  ASSERT_EQ(read.status, 200) << read.describe();
  EXPECT_EQ(text_of(read.object(), "id"), id);
  EXPECT_FALSE(read.object().contains("guest_token"));
  EXPECT_EQ(client_->get("/api/v1/orders/" + id).status, 401);
  EXPECT_EQ(client_->get("/api/v1/orders/" + id, token(t.substr(1) + "A")).status, 401);

  // Pay: counter methods are staff's; the online gateway answers pending, its callback pays.
  auto cash = checkout(t, id, "cash");
  EXPECT_EQ(cash.status, 403) << cash.describe();
  auto paying = checkout(t, id, "local");
  ASSERT_EQ(paying.status, 200) << paying.describe();
  const std::string txn = text_of(paying.object(), "transaction_id");
  EXPECT_EQ(text_of(paying.object(), "payment_status"), "pending");
  const std::string event = json::serialize(json::object{{"id", "guest-evt-" + id},
                                                         {"type", "payment.succeeded"},
                                                         {"transaction_id", txn},
                                                         {"order_id", id},
                                                         {"amount", 3}});
  auto settled = client_->request(
      "POST", "/api/v1/payments/webhook", event,
      {{"Content-Type", "application/json"}, {"X-Crema-Signature", guest_sign(event)}});
  ASSERT_EQ(settled.status, 200) << settled.describe();
  auto paid = client_->get("/api/v1/orders/" + id, token(t));
  ASSERT_EQ(paid.status, 200);
  EXPECT_EQ(text_of(paid.object(), "payment_status"), "paid");
  EXPECT_EQ(text_of(paid.object(), "status"), "confirmed");
  // A paid order is no longer the guest's to cancel.
  EXPECT_EQ(client_->request("DELETE", "/api/v1/orders/" + id, "", token(t)).status, 409);

  // Cancel another, still pending.
  auto [other, other_token] = guest_order();
  auto cancelled = client_->request("DELETE", "/api/v1/orders/" + other, "", token(other_token));
  ASSERT_EQ(cancelled.status, 200) << cancelled.describe();
  EXPECT_EQ(text_of(cancelled.object(), "status"), "cancelled");
  // Its token still reads it (it works 30 days after the order ended).
  EXPECT_EQ(client_->get("/api/v1/orders/" + other, token(other_token)).status, 200);
}

TEST_F(GuestCheckout, ATokenOpensItsOrderAndNothingElse) {
  auto [mine, t] = guest_order();
  auto [theirs, their_token] = guest_order();
  ASSERT_FALSE(t.empty());
  // Another order: 404, as for any order that is not the caller's (no existence leak).
  EXPECT_EQ(client_->get("/api/v1/orders/" + theirs, token(t)).status, 404);
  EXPECT_EQ(client_->request("DELETE", "/api/v1/orders/" + theirs, "", token(t)).status, 404);
  EXPECT_EQ(checkout(t, theirs, "local").status, 404);
  EXPECT_EQ(client_->get("/api/v1/orders/" + theirs, token(their_token)).status, 200);
  // Every other route: 401.
  const std::string pid = product();
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/orders"},
           {"GET", "/api/v1/users/me"},
           {"DELETE", "/api/v1/users/me"},
           {"GET", "/api/v1/cart"},
           {"GET", "/api/v1/auth/me"},
           {"PUT", "/api/v1/orders/" + mine + "/status"},
           {"POST", "/api/v1/products/" + pid + "/reviews"}}) {
    const bool body = method == "POST" || method == "PUT";
    auto res =
        client_->request(method, path, body ? R"({"rating": 5, "status": "ready"})" : "", token(t));
    EXPECT_EQ(res.status, 401) << method << " " << path << ": " << res.describe();
  }
  // Placing another order with the token is not guest checkout either.
  EXPECT_EQ(place(order_body(), token(t)).status, 401);
  // The order itself is unchanged by all that.
  auto read = client_->get("/api/v1/orders/" + mine, token(t));
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(text_of(read.object(), "status"), "pending");
}

TEST_F(GuestCheckout, TheGuestSocketHearsItsOrderOnly) {
  auto [id, t] = guest_order();
  auto [other, other_token] = guest_order();
  ASSERT_FALSE(t.empty());
  auto refused = guest_socket("not-a-token");
  EXPECT_EQ(refused->response().status, 401);

  auto ws = guest_socket(t);
  ASSERT_TRUE(ws->upgraded()) << ws->response().describe();
  auto hello = ws->read_type("hello");
  ASSERT_TRUE(hello);
  const auto& data = hello->at("data").as_object();
  EXPECT_TRUE(data.at("user_id").is_null());
  EXPECT_EQ(data.at("role"), "guest");
  EXPECT_EQ(data.at("channels"), (json::array{json::value("order:" + id)}));

  // Another order's channel, or the staff's, is refused.
  for (const std::string& channel :
       {"order:" + other, std::string("orders"), std::string("menu")}) {
    ws->send_json({{"action", "subscribe"}, {"channel", channel}});
    auto answer = ws->read_json();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->at("type"), "error") << channel;
    EXPECT_EQ(answer->at("data").at("code"), "forbidden") << channel;
  }

  // A new order and a change of another order are not heard; its own order's change is.
  auto [third, third_token] = guest_order();
  auto moved = client_->request("PUT", "/api/v1/orders/" + other + "/status",
                                json::serialize(json::object{{"status", "confirmed"}}),
                                auth_->bearer("staff"));
  ASSERT_EQ(moved.status, 200) << moved.describe();
  EXPECT_TRUE(ws->quiet_for(400ms)) << "the guest heard another order";
  auto mine = client_->request("PUT", "/api/v1/orders/" + id + "/status",
                               json::serialize(json::object{{"status", "confirmed"}}),
                               auth_->bearer("staff"));
  ASSERT_EQ(mine.status, 200) << mine.describe();
  auto updated = ws->read_type("order_updated");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->at("data").at("id"), json::value(id));
  EXPECT_EQ(updated->at("data").at("status"), "confirmed");
  for (const auto& skipped : ws->skipped())
    EXPECT_EQ(skipped.at("data").at("id"), json::value(id)) << json::serialize(skipped);
}

TEST_F(GuestCheckout, AnIdempotentReplayGivesTheSameToken) {
  const RequestHeaders key{{"Idempotency-Key", "guest-replay-1"}};
  auto first = place(order_body(), key);
  ASSERT_EQ(first.status, 201) << first.describe();
  auto again = place(order_body(), key);
  ASSERT_EQ(again.status, 201) << again.describe();
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(text_of(again.object(), "id"), text_of(first.object(), "id"));
  EXPECT_EQ(text_of(again.object(), "guest_token"), text_of(first.object(), "guest_token"));
  EXPECT_FALSE(text_of(first.object(), "guest_token").empty());
  // The same key with another body is a conflict.
  auto other = place(order_body({{"name", "Gus Guest"}, {"phone", "+44 20 7946 0000"}}), key);
  EXPECT_EQ(other.status, 409) << other.describe();
  // A customer's key of the same name is theirs, not the guest's.
  auto cus = auth_->create("customer");
  auto customers = place(order_body(), {{"Idempotency-Key", "guest-replay-1"},
                                        {"Authorization", cus.bearer().front().second}});
  EXPECT_TRUE(customers.status == 201 || customers.status == 403) << customers.describe();
  EXPECT_NE(text_of(customers.object(), "id"), text_of(first.object(), "id"));
}

TEST_F(GuestCheckout, AGuestOrderNeedsANameAndAnEmailOrPhone) {
  auto nothing = place(json::object{{"items", order_body().at("items")}});
  ASSERT_EQ(nothing.status, 422) << nothing.describe();
  std::set<std::string> fields;
  for (const auto& d : nothing.object().at("error").at("details").as_array())
    fields.insert(std::string(d.at("field").as_string()));
  EXPECT_TRUE(fields.contains("customer_info.name")) << nothing.describe();
  EXPECT_TRUE(fields.contains("customer_info.email")) << nothing.describe();

  auto no_contact = place(order_body({{"name", "Gus Guest"}}));
  ASSERT_EQ(no_contact.status, 422) << no_contact.describe();
  EXPECT_NE(no_contact.body.find("customer_info.email"), std::string::npos);
  EXPECT_EQ(no_contact.body.find("customer_info.name"), std::string::npos);
  auto by_phone = place(order_body({{"name", "Gus Guest"}, {"phone", "+44 20 7946 0001"}}));
  EXPECT_EQ(by_phone.status, 201) << by_phone.describe();
  auto takeaway = order_body();
  takeaway["type"] = "takeaway";
  EXPECT_EQ(place(takeaway).status, 422);
}

TEST_F(GuestCheckout, NotificationsGoByTheChannelTheRecipientHas) {
  // A user chooses on their profile (SPEC §15.1); a bad value is a 422 naming the field.
  auto cus = auth_->create("customer");
  auto set = client_->request(
      "PUT", "/api/v1/users/" + cus.id,
      json::serialize(json::object{{"phone", "+44 20 7946 0200"}, {"notify_channel", "both"}}),
      cus.bearer());
  ASSERT_EQ(set.status, 200) << set.describe();
  EXPECT_EQ(text_of(set.object(), "notify_channel"), "both");
  auto me = client_->get("/api/v1/users/" + cus.id, cus.bearer());
  EXPECT_EQ(text_of(me.object(), "notify_channel"), "both");
  auto bad =
      client_->request("PUT", "/api/v1/users/" + cus.id,
                       json::serialize(json::object{{"notify_channel", "pigeon"}}), cus.bearer());
  ASSERT_EQ(bad.status, 422) << bad.describe();
  EXPECT_EQ(bad.object().at("error").at("details").at(0).at("field"), "notify_channel");

  // A guest who gave only a phone hears by SMS.
  const std::string phone = "+44 20 7946 0311";
  auto placed = place(order_body({{"name", "Sam Sms"}, {"phone", phone}}));
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const std::string number = text_of(placed.object(), "order_number");
  auto sms = client_->get("/api/v1/notifications?channel=sms&limit=200", auth_->bearer("admin"));
  ASSERT_EQ(sms.status, 200) << sms.describe();
  bool found = false;
  for (const auto& n : sms.object().at("items").as_array()) {
    const auto& o = n.as_object();
    if (text_of(o, "recipient") == phone && text_of(o, "type") == "order_placed") found = true;
  }
  EXPECT_TRUE(found) << "no order_placed SMS to " << phone << ": " << sms.describe();
}

TEST(GuestCheckoutOff, AnOrderWithoutCredentialsIs401) {
  CREMA_E2E_REQUIRE_STORE();
  auto shared = SharedServer::start(identity_server({{"CREMA_GUEST_CHECKOUT", "0"}}));
  CREMA_E2E_REQUIRE(shared);
  auto client = client_for(*shared->server);
  auto res = post_json(
      *client, "/api/v1/orders",
      {{"items",
        json::array{{{"product_id", "0190a0a0-0000-7000-8000-000000000000"}, {"quantity", 1}}}},
       {"customer_info", {{"name", "Gus"}, {"email", "gus@example.com"}}}});
  EXPECT_EQ(res.status, 401) << res.describe();
  EXPECT_FALSE(res.object().contains("guest_token"));
}

}  // namespace
}  // namespace crema::test::e2e
