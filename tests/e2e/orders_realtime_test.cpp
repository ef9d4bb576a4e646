// Black-box tests of order events on the WebSocket feed (SPEC §7): a customer's client
// receives order_created/order_updated for its own orders (data = the order as GET returns
// it) and nothing of another customer's; a staff client on `orders` receives all; the
// "order:<id>" channel is open to the owner and staff only.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"
#include "support/redis_process.hpp"
#include "support/ws_client.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class OrderFeed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server({{"CREMA_AUTH_RATE_PER_MIN", "0"}}));
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
  std::unique_ptr<WsClient> connect(const std::string& token) {
    WsOptions o;
    o.token = token;
    auto c = std::make_unique<WsClient>(shared_->server->host(), shared_->server->port(), o);
    EXPECT_TRUE(c->upgraded()) << c->response().describe();
    EXPECT_TRUE(c->read_type("hello"));
    return c;
  }
  std::string product(const std::string& name) {
    auto res = post_json(*client_, "/api/v1/products",
                         {{"name", name}, {"category", "Feed"}, {"price", 3}, {"stock", 100}},
                         auth_->bearer("manager"));
    EXPECT_EQ(res.status, 201) << res.describe();
    return std::string(res.object().at("id").as_string());
  }
  HttpResponse place(const Account& who, const std::string& pid) {
    return post_json(*client_, "/api/v1/orders",
                     {{"items", json::array{{{"product_id", pid}, {"quantity", 1}}}}},
                     who.bearer());
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> OrderFeed::shared_;
std::unique_ptr<AuthHelper> OrderFeed::auth_;

TEST_F(OrderFeed, CustomersHearTheirOwnOrdersOnlyAndStaffHearEverything) {
  const auto pid = product("Feed latte");
  auto alice = auth_->create("customer");
  auto bob = auth_->create("customer");
  auto a_ws = connect(alice.token);
  auto b_ws = connect(bob.token);
  auto staff_ws = connect(auth_->token("staff"));

  auto placed = place(alice, pid);
  ASSERT_EQ(placed.status, 201) << placed.describe();
  const std::string id(placed.object().at("id").as_string());

  auto created = a_ws->read_type("order_created");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->at("data").as_object(), placed.object())
      << "the event carries the order exactly as GET /orders/{id} returns it";
  EXPECT_TRUE(created->at("at").is_string());
  auto staff_created = staff_ws->read_type("order_created");
  ASSERT_TRUE(staff_created);
  EXPECT_EQ(staff_created->at("data").at("id"), json::value(id));

  auto confirmed = client_->request("PUT", "/api/v1/orders/" + id + "/status",
                                    json::serialize(json::object{{"status", "confirmed"}}),
                                    auth_->bearer("staff"));
  ASSERT_EQ(confirmed.status, 200) << confirmed.describe();
  auto updated = a_ws->read_type("order_updated");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->at("data").at("status"), "confirmed");
  EXPECT_EQ(updated->at("data").as_object(), confirmed.object());
  EXPECT_TRUE(staff_ws->read_type("order_updated"));

  // Bob heard nothing of Alice's order; his own arrives.
  EXPECT_TRUE(b_ws->quiet_for(300ms));
  auto bobs = place(bob, pid);
  ASSERT_EQ(bobs.status, 201);
  auto bob_created = b_ws->read_type("order_created");
  ASSERT_TRUE(bob_created);
  EXPECT_EQ(bob_created->at("data").at("customer_id"), json::value(bob.id));
  EXPECT_TRUE(a_ws->quiet_for(300ms)) << "Alice must not hear Bob's order";

  // A cancellation is announced as order_updated then order_cancelled.
  auto cancelled = client_->request(
      "DELETE", "/api/v1/orders/" + std::string(bobs.object().at("id").as_string()), "",
      bob.bearer());
  ASSERT_EQ(cancelled.status, 200) << cancelled.describe();
  auto bob_cancel = b_ws->read_type("order_cancelled");
  ASSERT_TRUE(bob_cancel);
  EXPECT_EQ(bob_cancel->at("data").at("status"), "cancelled");
}

TEST_F(OrderFeed, TheOrderChannelIsOpenToItsOwnerAndStaffOnly) {
  const auto pid = product("Feed mocha");
  auto alice = auth_->create("customer");
  auto bob = auth_->create("customer");
  auto placed = place(alice, pid);
  ASSERT_EQ(placed.status, 201);
  const std::string channel = "order:" + std::string(placed.object().at("id").as_string());

  auto b_ws = connect(bob.token);
  b_ws->send_json({{"action", "subscribe"}, {"channel", channel}});
  auto refused = b_ws->read_json();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->at("type"), "error");
  EXPECT_EQ(refused->at("data").at("code"), "forbidden");

  auto a_ws = connect(alice.token);
  a_ws->send_json({{"action", "subscribe"}, {"channel", channel}});
  auto ok = a_ws->read_type("subscribed");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->at("data").at("channel"), json::value(channel));
  auto staff_ws = connect(auth_->token("staff"));
  staff_ws->send_json({{"action", "unsubscribe"}, {"channel", "orders"}});
  ASSERT_TRUE(staff_ws->read_type("unsubscribed"));
  staff_ws->send_json({{"action", "subscribe"}, {"channel", channel}});
  ASSERT_TRUE(staff_ws->read_type("subscribed"));

  auto res = client_->request("PUT", "/api/v1/orders/" + channel.substr(6) + "/status",
                              json::serialize(json::object{{"status", "confirmed"}}),
                              auth_->bearer("staff"));
  ASSERT_EQ(res.status, 200);
  // Alice listens on user:<id> and order:<id>: the event arrives once.
  ASSERT_TRUE(a_ws->read_type("order_updated"));
  EXPECT_TRUE(a_ws->quiet_for(300ms));
  ASSERT_TRUE(staff_ws->read_type("order_updated"));
  EXPECT_TRUE(b_ws->quiet_for(200ms));
}

// Issue 5's cross-instance proof for orders: two `crema serve` on one database and one
// Redis; a customer's client on B receives order_created for the order they placed on A,
// and a staff client on B receives it too.
TEST(OrderFeedInstances, AClientOnBReceivesTheOrderPlacedOnA) {
  CREMA_E2E_REQUIRE_STORE();
  CREMA_REQUIRE_REDIS();
  std::unique_ptr<RedisProcess> own;
  std::string url;
  if (auto shared = shared_redis_url()) {
    // A database number of its own: pub/sub channels carry it, and other suites share Redis.
    url = shared->substr(0, shared->rfind('/')) + (store_is_postgres() ? "/14" : "/13");
  } else {
    own = std::make_unique<RedisProcess>();
    url = own->url();
  }
  auto db = fresh_database();
  auto options = identity_server({{"CREMA_REDIS_URL", url}});
  options.database_url = db->url();
  ServerProcess a(options);
  ServerProcess b(options);
  for (auto* s : {&a, &b})
    ASSERT_TRUE(s->wait_for_log(
        [](const boost::json::object& l) { return l.at("msg") == "redis events subscribed"; }, 10s))
        << s->stdout_text();

  AuthHelper accounts(a);  // one database: the same accounts and tokens on both
  const Account customer = accounts.create("customer");
  WsOptions o;
  o.token = customer.token;
  WsClient mine_on_b(b.host(), b.port(), o);
  ASSERT_TRUE(mine_on_b.upgraded()) << mine_on_b.response().describe();
  ASSERT_TRUE(mine_on_b.read_type("hello"));
  o.token = accounts.token("staff");
  WsClient staff_on_b(b.host(), b.port(), o);
  ASSERT_TRUE(staff_on_b.read_type("hello"));

  auto client_a = client_for(a);
  auto made = client_a->post("/api/v1/products",
                             R"({"name":"Cross croissant","category":"Cross","price":2,"stock":4})",
                             accounts.bearer("manager"));
  ASSERT_EQ(made.status, 201) << made.describe();
  const std::string pid(made.object().at("id").as_string());
  auto placed = post_json(*client_a, "/api/v1/orders",
                          {{"items", json::array{{{"product_id", pid}, {"quantity", 1}}}}},
                          customer.bearer());
  ASSERT_EQ(placed.status, 201) << placed.describe();

  auto got = mine_on_b.read_type("order_created", 5s);
  ASSERT_TRUE(got) << "the customer's client on B heard nothing";
  EXPECT_EQ(got->at("data").as_object(), placed.object());
  auto staff_got = staff_on_b.read_type("order_created", 5s);
  ASSERT_TRUE(staff_got);
  EXPECT_EQ(staff_got->at("data").at("id"), placed.object().at("id"));
}

}  // namespace
}  // namespace crema::test::e2e
