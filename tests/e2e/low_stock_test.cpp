// Black-box: crossing below an item's low-stock threshold raises exactly one
// `inventory_low` per crossing (SPEC §5), whichever route moves the stock — the single
// adjustment, the batch, a count through PUT /inventory/{id}, a product's stock — and none
// while it stays low or above; GET /inventory/low and /low-stock follow the same state.

#include <functional>

#include <gtest/gtest.h>

#include "e2e/identity_support.hpp"
#include "support/ws_client.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class LowStock : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start(identity_server());
    if (shared_->server) accounts_ = std::make_unique<AuthHelper>(*shared_->server);
  }
  static void TearDownTestSuite() {
    accounts_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    client_ = client_for(*shared_->server);
  }

  // The inventory_low frames for `item` that arrive before the menu_updated naming
  // `product` (published after them, by the same change); -1 when that never came.
  int alerts_until_menu_update(WsClient& ws, const std::string& item, const std::string& product) {
    int alerts = 0;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    try {
      for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return -1;
        auto f = ws.read_json(left);
        if (!f) return -1;
        const auto type = f->at("type").as_string();
        if (type == "inventory_low" && f->at("data").at("id").as_string() == item) ++alerts;
        if (type == "menu_updated")
          for (const auto& p : f->at("data").at("product_ids").as_array())
            if (p.as_string() == product) return alerts;
      }
    } catch (const RawTimeout&) {
      return -1;
    }
  }

  bool listed_low(const std::string& id, const char* path) {
    auto res = client_->get(path, accounts_->bearer("staff"));
    EXPECT_EQ(res.status, 200) << res.describe();
    for (const auto& it : res.object().at("items").as_array())
      if (it.at("id").as_string() == id) return true;
    return false;
  }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> accounts_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> LowStock::shared_;
std::unique_ptr<AuthHelper> LowStock::accounts_;

TEST_F(LowStock, OneAlertPerCrossingWhicheverRouteMovesTheStock) {
  const auto manager = accounts_->bearer("manager");
  const auto staff = accounts_->bearer("staff");
  auto milk = post_json(
      *client_, "/api/v1/inventory",
      {{"name", "Crossing milk"}, {"unit", "l"}, {"on_hand", 10}, {"low_stock_threshold", 4}},
      manager);
  ASSERT_EQ(milk.status, 201) << milk.describe();
  const std::string item = json_string(milk.object(), {"id"});
  // The marker that all of one change's events have arrived: a change of another product
  // right after it, whose menu_updated comes after them (a drink made of the item would
  // not do: menu_updated names it only when its availability changes, SPEC §7).
  auto marker = post_json(
      *client_, "/api/v1/products",
      {{"name", "Crossing marker"}, {"category", "Coffee"}, {"price", 1}, {"stock", 100}}, manager);
  ASSERT_EQ(marker.status, 201) << marker.describe();
  const std::string product = json_string(marker.object(), {"id"});
  int marks = 0;
  auto mark = [&] {
    auto res = client_->request("PUT", "/api/v1/products/" + product + "/stock",
                                json::serialize(json::object{{"stock", 100 + ++marks}}), manager);
    EXPECT_EQ(res.status, 200) << res.describe();
  };

  WsOptions o;
  o.token = accounts_->token("staff");
  WsClient ws(shared_->server->host(), shared_->server->port(), o);
  ASSERT_TRUE(ws.upgraded());
  ASSERT_TRUE(ws.read_type("hello"));

  auto adjust = [&](double delta) {
    auto res =
        post_json(*client_, "/api/v1/inventory/adjustment",
                  {{"inventory_item_id", item}, {"delta", delta}, {"reason", "test"}}, staff);
    EXPECT_EQ(res.status, 200) << res.describe();
  };
  auto batch = [&](double delta) {
    auto res = post_json(
        *client_, "/api/v1/inventory/adjust",
        {{"adjustments", json::array{{{"inventory_item_id", item}, {"delta", delta}}}}}, manager);
    EXPECT_EQ(res.status, 200) << res.describe();
  };
  auto count = [&](double on_hand) {
    auto res = client_->request("PUT", "/api/v1/inventory/" + item,
                                json::serialize(json::object{{"on_hand", on_hand}}), manager);
    EXPECT_EQ(res.status, 200) << res.describe();
  };

  adjust(-5);  // 10 → 5: above the threshold of 4
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 0);
  EXPECT_FALSE(listed_low(item, "/api/v1/inventory/low"));
  adjust(-2);  // 5 → 3: the crossing
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 1);
  EXPECT_TRUE(listed_low(item, "/api/v1/inventory/low"));
  EXPECT_TRUE(listed_low(item, "/api/v1/inventory/low-stock"));
  adjust(-1);  // 3 → 2: still low, no new alert
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 0);
  batch(-1);  // 2 → 1: still low
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 0);
  batch(9);  // 1 → 10: back above
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 0);
  EXPECT_FALSE(listed_low(item, "/api/v1/inventory/low-stock"));
  count(2);  // a stock count below it: the next crossing, one alert
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 1);
  count(1.5);
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 0);
  count(4);  // at the threshold is not below it
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 0);
  EXPECT_FALSE(listed_low(item, "/api/v1/inventory/low"));
  batch(-0.001);  // just below
  mark();
  EXPECT_EQ(alerts_until_menu_update(ws, item, product), 1);
}

// A tracked product's own stock set through its stock route crosses the same way.
TEST_F(LowStock, AProductsOwnStockAlertsOncePerCrossing) {
  const auto manager = accounts_->bearer("manager");
  auto bun = post_json(*client_, "/api/v1/products",
                       {{"name", "Crossing bun"},
                        {"category", "Pastries"},
                        {"price", 2.8},
                        {"stock", 12},
                        {"stock_threshold", 5}},
                       manager);
  ASSERT_EQ(bun.status, 201) << bun.describe();
  const std::string id = json_string(bun.object(), {"id"});
  WsOptions o;
  o.token = accounts_->token("staff");
  WsClient ws(shared_->server->host(), shared_->server->port(), o);
  ASSERT_TRUE(ws.read_type("hello"));
  auto set_stock = [&](double n) {
    auto res =
        client_->request("PUT", "/api/v1/products/" + id + "/stock",
                         json::serialize(json::object{{"stock", n}}), accounts_->bearer("staff"));
    EXPECT_EQ(res.status, 200) << res.describe();
  };
  set_stock(6);
  EXPECT_EQ(alerts_until_menu_update(ws, id, id), 0);
  set_stock(4);
  EXPECT_EQ(alerts_until_menu_update(ws, id, id), 1);
  set_stock(3);
  EXPECT_EQ(alerts_until_menu_update(ws, id, id), 0);
  set_stock(20);
  EXPECT_EQ(alerts_until_menu_update(ws, id, id), 0);
  set_stock(0);
  EXPECT_EQ(alerts_until_menu_update(ws, id, id), 1);
}

}  // namespace
}  // namespace crema::test::e2e
