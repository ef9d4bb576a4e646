// Black-box tests of catalogue and inventory changes (SPEC §4, §5) with real accounts of
// every role: who may do what, versioned updates, stock and recipes feeding in_stock on the
// menu at once, adjustments and their all-or-nothing batch, low stock and the logs.

#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "support/auth_helper.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class CatalogueAdmin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = SharedServer::start(identity_server()); }
  static void TearDownTestSuite() {
    auth_.reset();
    shared_.reset();
  }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    if (!auth_) auth_ = std::make_unique<AuthHelper>(*shared_->server);
    client_ = client_for(*shared_->server);
  }

  HttpResponse call(std::string_view role, std::string_view method, const std::string& path,
                    const json::object& body = {}, RequestHeaders extra = {}) {
    RequestHeaders h = role.empty() ? RequestHeaders{} : auth_->bearer(role);
    h.insert(h.end(), extra.begin(), extra.end());
    const bool has_body = method == "POST" || method == "PUT";
    return client_->request(method, path, has_body ? json::serialize(body) : std::string(), h);
  }
  json::object created(std::string_view role, const std::string& path, const json::object& body) {
    auto res = call(role, "POST", path, body);
    EXPECT_EQ(res.status, 201) << res.describe();
    return res.status == 201 ? res.object() : json::object{};
  }
  json::object item(const std::string& name, double on_hand, double threshold = 0,
                    const char* unit = "l") {
    return created(
        "manager", "/api/v1/inventory",
        {{"name", name}, {"unit", unit}, {"on_hand", on_hand}, {"low_stock_threshold", threshold}});
  }
  // The product of this name on the public menu (null when not listed).
  json::value on_menu(const std::string& name) {
    auto res = client_->get("/api/v1/menu");
    EXPECT_EQ(res.status, 200);
    for (const auto& c : res.object().at("categories").as_array())
      for (const auto& p : c.at("items").as_array())
        if (p.at("name").as_string() == name) return p;
    return nullptr;
  }
  static std::string id_of(const json::object& o) { return std::string(o.at("id").as_string()); }
  static double num(const json::value& v) { return v.to_number<double>(); }

  static std::unique_ptr<SharedServer> shared_;
  static std::unique_ptr<AuthHelper> auth_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> CatalogueAdmin::shared_;
std::unique_ptr<AuthHelper> CatalogueAdmin::auth_;

TEST_F(CatalogueAdmin, EachRoleMayDoExactlyWhatTheSpecSays) {
  auto product = created("manager", "/api/v1/products",
                         {{"name", "Role check bun"}, {"category", "Roles"}, {"price", 2.5}});
  const std::string pid = id_of(product);
  auto milk = item("Role milk", 10);
  const std::string iid = id_of(milk);
  const json::object new_product{{"name", "X"}, {"category", "Roles"}, {"price", 1}};

  struct Case {
    std::string method, path;
    json::object body;
    std::set<std::string> allowed;  // roles that get past the role check
  };
  const std::set<std::string> everyone = {"customer", "driver", "staff", "manager", "admin"};
  const std::set<std::string> staff_plus = {"staff", "manager", "admin"};
  const std::set<std::string> manager_plus = {"manager", "admin"};
  std::vector<Case> cases = {
      {"GET", "/api/v1/menu", {}, everyone},
      {"GET", "/api/v1/products", {}, everyone},
      {"GET", "/api/v1/products/" + pid, {}, everyone},
      {"POST", "/api/v1/products", new_product, manager_plus},
      {"POST", "/api/v1/menu/items", new_product, manager_plus},
      {"PUT", "/api/v1/menu/items/" + pid, {{"description", "x"}}, manager_plus},
      {"PUT", "/api/v1/products/" + pid, {{"description", "y"}}, manager_plus},
      {"PUT", "/api/v1/menu/items/" + pid + "/stock", {{"in_stock", true}}, staff_plus},
      {"PUT",
       "/api/v1/menu/items/" + pid + "/recipe",
       {{"ingredients", json::array{}}},
       manager_plus},
      {"GET", "/api/v1/inventory", {}, staff_plus},
      {"GET", "/api/v1/inventory/" + iid, {}, staff_plus},
      {"GET", "/api/v1/inventory/low-stock", {}, staff_plus},
      {"GET", "/api/v1/inventory/low", {}, staff_plus},
      {"POST", "/api/v1/inventory", {{"name", "Role salt"}, {"unit", "kg"}}, manager_plus},
      {"PUT", "/api/v1/inventory/" + iid, {{"unit", "l"}}, manager_plus},
      {"POST",
       "/api/v1/inventory/adjustment",
       {{"inventory_item_id", iid}, {"delta", 1}, {"reason", "role"}},
       staff_plus},
      {"POST",
       "/api/v1/inventory/adjust",
       {{"adjustments", json::array{{{"inventory_item_id", iid}, {"delta", 1}}}}},
       manager_plus},
      {"GET", "/api/v1/inventory/" + iid + "/logs", {}, manager_plus},
  };
  for (const auto& c : cases) {
    for (const std::string role : {"customer", "driver", "staff", "manager", "admin"}) {
      auto res = call(role, c.method, c.path, c.body);
      if (c.allowed.count(role)) {
        EXPECT_LT(res.status, 300)
            << role << " " << c.method << " " << c.path << " " << res.describe();
      } else {
        EXPECT_ERROR(res, 403, "forbidden");
        if (res.status != 403) ADD_FAILURE() << role << " " << c.method << " " << c.path;
      }
    }
  }
  // Deleting is for admins only (last: it hides the product).
  for (const std::string role : {"customer", "driver", "staff", "manager"})
    EXPECT_ERROR(call(role, "DELETE", "/api/v1/products/" + pid), 403, "forbidden");
  EXPECT_EQ(call("admin", "DELETE", "/api/v1/menu/items/" + pid).status, 204);
}

TEST_F(CatalogueAdmin, CreateValidatesEveryFieldAtOnce) {
  auto res = call("manager", "POST", "/api/v1/menu/items",
                  {{"price", -1},
                   {"modifiers", json::array{{{"code", "Large Size"}, {"name", "Large"}}}},
                   {"recipe", json::array{{{"inventory_item_id", "nope"}, {"quantity", 0}}}},
                   {"stock", 1.2345}});
  EXPECT_ERROR(res, 422, "validation_failed");
  std::set<std::string> fields;
  for (const auto& d : res.object().at("error").at("details").as_array())
    fields.insert(std::string(d.at("field").as_string()));
  for (const char* f : {"name", "category", "price", "modifiers[0].code",
                        "recipe[0].inventory_item_id", "recipe[0].quantity", "stock"})
    EXPECT_TRUE(fields.count(f)) << f << " in " << res.body;

  auto unknown_item =
      call("manager", "POST", "/api/v1/products",
           {{"name", "Ghost latte"},
            {"category", "Coffee"},
            {"price", 4},
            {"recipe", json::array{{{"inventory_item_id", "01900000-0000-7000-8000-000000000001"},
                                    {"quantity", 0.2}}}}});
  EXPECT_ERROR(unknown_item, 422, "validation_failed");
  EXPECT_EQ(client_->get("/api/v1/products?q=ghost").object().at("items").as_array().size(), 0u);
  // The bakery clients' camelCase names are accepted.
  auto camel = call("manager", "POST", "/api/v1/products",
                    {{"name", "Camel roll"},
                     {"category", "Bakery"},
                     {"price", 2},
                     {"trackStock", true},
                     {"stock", 4},
                     {"stockThreshold", 1},
                     {"prepMinutes", 5}});
  ASSERT_EQ(camel.status, 201) << camel.describe();
  EXPECT_EQ(camel.object().at("track_stock"), true);
  EXPECT_EQ(num(camel.object().at("stock_threshold")), 1.0);
  EXPECT_EQ(camel.object().at("prep_minutes"), 5);
}

TEST_F(CatalogueAdmin, UpdatesAreVersionedWithIfMatchOrAVersionField) {
  auto p = created("manager", "/api/v1/menu/items",
                   {{"name", "Version scone"}, {"category", "Versions"}, {"price", 3}});
  const std::string path = "/api/v1/menu/items/" + id_of(p);
  EXPECT_EQ(p.at("version"), 1);
  auto ok = call("manager", "PUT", path, {{"price", 3.25}}, {{"If-Match", "\"1\""}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  EXPECT_EQ(ok.object().at("version"), 2);
  EXPECT_EQ(num(ok.object().at("price")), 3.25);
  EXPECT_EQ(ok.object().at("name"), "Version scone");  // partial: the rest unchanged
  EXPECT_EQ(ok.header("ETag"), "\"2\"");
  EXPECT_ERROR(call("manager", "PUT", path, {{"price", 4}}, {{"If-Match", "\"1\""}}), 409,
               "version_conflict");
  EXPECT_ERROR(call("manager", "PUT", path, {{"price", 4}, {"version", 1}}), 409,
               "version_conflict");
  EXPECT_EQ(call("manager", "PUT", path, {{"price", 4}, {"version", 2}}).status, 200);
  EXPECT_ERROR(call("manager", "PUT", path, {{"price", 4}}, {{"If-Match", "soon"}}), 422,
               "validation_failed");
  EXPECT_ERROR(call("manager", "PUT", "/api/v1/products/01900000-0000-7000-8000-0000000000aa",
                    {{"price", 1}}),
               404, "not_found");
}

TEST_F(CatalogueAdmin, StockSwitchAndTrackedStockShowOnTheMenuAtOnce) {
  auto p = created("manager", "/api/v1/products",
                   {{"name", "Stock croissant"},
                    {"category", "Stock"},
                    {"price", 3.2},
                    {"stock", 2},
                    {"stock_threshold", 1}});
  const std::string id = id_of(p);
  EXPECT_EQ(p.at("track_stock"), true);
  auto menu_before = client_->get("/api/v1/menu");
  ASSERT_EQ(on_menu("Stock croissant").at("in_stock"), true);

  auto off = call("staff", "PUT", "/api/v1/menu/items/" + id + "/stock", {{"in_stock", false}});
  ASSERT_EQ(off.status, 200) << off.describe();
  EXPECT_EQ(off.object().at("in_stock"), false);
  EXPECT_EQ(on_menu("Stock croissant").at("in_stock"), false);  // no stale cache
  auto menu_after = client_->get("/api/v1/menu", {{"If-None-Match", menu_before.header("ETag")}});
  EXPECT_EQ(menu_after.status, 200);  // the old ETag no longer matches
  EXPECT_NE(menu_after.header("ETag"), menu_before.header("ETag"));

  ASSERT_EQ(
      call("staff", "PUT", "/api/v1/menu/items/" + id + "/stock", {{"in_stock", true}}).status,
      200);
  auto zero = call("staff", "PUT", "/api/v1/menu/items/" + id + "/stock", {{"stock", 0.5}});
  ASSERT_EQ(zero.status, 200);
  EXPECT_EQ(num(zero.object().at("stock")), 0.5);
  EXPECT_EQ(on_menu("Stock croissant").at("in_stock"), false);  // less than one unit

  // The bakery's PUT /inventory/{productId} is the same stock.
  auto counted = call("manager", "PUT", "/api/v1/inventory/" + id, {{"on_hand", 12}});
  ASSERT_EQ(counted.status, 200) << counted.describe();
  EXPECT_EQ(counted.object().at("kind"), "product");
  EXPECT_EQ(num(on_menu("Stock croissant").at("stock")), 12.0);
  EXPECT_EQ(on_menu("Stock croissant").at("in_stock"), true);
  // A threshold alone changes the menu's figure at once too.
  ASSERT_EQ(call("manager", "PUT", "/api/v1/inventory/" + id, {{"low_stock_threshold", 3}}).status,
            200);
  EXPECT_EQ(num(on_menu("Stock croissant").at("stock_threshold")), 3.0);
  EXPECT_ERROR(call("staff", "PUT", "/api/v1/menu/items/" + id + "/stock", json::object{}), 422,
               "validation_failed");
}

TEST_F(CatalogueAdmin, RecipesAreStaffOnlyAndDriveAvailability) {
  auto beans = item("Recipe beans", 0.03, 0, "kg");
  auto p = created("manager", "/api/v1/products",
                   {{"name", "Recipe espresso"}, {"category", "Recipes"}, {"price", 2.8}});
  const std::string id = id_of(p);
  auto set = call(
      "manager", "PUT", "/api/v1/menu/items/" + id + "/recipe",
      {{"ingredients", json::array{{{"inventory_item_id", id_of(beans)}, {"quantity", 0.018}}}}});
  ASSERT_EQ(set.status, 200) << set.describe();
  ASSERT_TRUE(set.object().contains("recipe"));
  EXPECT_EQ(num(set.object().at("recipe").at(0).at("quantity")), 0.018);
  EXPECT_FALSE(call("customer", "GET", "/api/v1/products/" + id).object().contains("recipe"));
  EXPECT_FALSE(call("", "GET", "/api/v1/products/" + id).object().contains("recipe"));
  EXPECT_TRUE(call("staff", "GET", "/api/v1/products/" + id).object().contains("recipe"));
  EXPECT_FALSE(on_menu("Recipe espresso").as_object().contains("recipe"));
  EXPECT_EQ(on_menu("Recipe espresso").at("in_stock"), true);

  // Waste takes the beans below one shot: the espresso is out of stock on the menu at once,
  // and back when beans are received.
  auto waste = call("staff", "POST", "/api/v1/inventory/adjustment",
                    {{"inventory_item_id", id_of(beans)},
                     {"delta", -0.015},
                     {"kind", "waste"},
                     {"reason", "spilt"}});
  ASSERT_EQ(waste.status, 200) << waste.describe();
  EXPECT_EQ(num(waste.object().at("on_hand")), 0.015);
  EXPECT_EQ(on_menu("Recipe espresso").at("in_stock"), false);
  auto receive = call("staff", "POST", "/api/v1/inventory/adjustment",
                      {{"inventory_item_id", id_of(beans)}, {"delta", 1}, {"kind", "receive"}});
  ASSERT_EQ(receive.status, 200);
  EXPECT_EQ(on_menu("Recipe espresso").at("in_stock"), true);
  EXPECT_EQ(client_->get("/api/v1/products?category=Recipes&in_stock=true")
                .object()
                .at("items")
                .as_array()
                .size(),
            1u);
}

TEST_F(CatalogueAdmin, DeleteHidesFromTheMenuAndThePublic) {
  auto p = created("manager", "/api/v1/products",
                   {{"name", "Doomed tart"}, {"category", "Doomed"}, {"price", 4}});
  const std::string id = id_of(p);
  ASSERT_FALSE(on_menu("Doomed tart").is_null());
  EXPECT_EQ(call("admin", "DELETE", "/api/v1/products/" + id).status, 204);
  EXPECT_TRUE(on_menu("Doomed tart").is_null());
  EXPECT_ERROR(call("", "GET", "/api/v1/products/" + id), 404, "not_found");
  EXPECT_ERROR(call("customer", "GET", "/api/v1/menu/items/" + id), 404, "not_found");
  auto manager = call("manager", "GET", "/api/v1/products/" + id);
  ASSERT_EQ(manager.status, 200);
  EXPECT_EQ(manager.object().at("is_active"), false);
  EXPECT_EQ(client_->get("/api/v1/products?q=doomed").object().at("items").as_array().size(), 0u);
  EXPECT_EQ(call("staff", "GET", "/api/v1/products?q=doomed&include_inactive=true")
                .object()
                .at("items")
                .as_array()
                .size(),
            1u);
  EXPECT_ERROR(call("admin", "DELETE", "/api/v1/products/01900000-0000-7000-8000-0000000000bb"),
               404, "not_found");
}

TEST_F(CatalogueAdmin, InventoryItemsListAndUpdateWithLoggedCounts) {
  auto oat = item("Listing oat milk", 6, 2);
  auto whole = item("Listing whole milk", 1, 3);  // low from the start
  const std::string oat_path = "/api/v1/inventory/" + id_of(oat);
  EXPECT_EQ(num(oat.at("available")), 6.0);
  EXPECT_EQ(oat.at("kind"), "ingredient");

  auto milks = call("staff", "GET", "/api/v1/inventory?q=LISTING");
  ASSERT_EQ(milks.status, 200);
  ASSERT_EQ(milks.object().at("items").as_array().size(), 2u);
  EXPECT_EQ(milks.object().at("items").at(0).at("name"), "Listing oat milk");
  for (const char* path :
       {"/api/v1/inventory/low-stock?q=listing", "/api/v1/inventory/low?q=listing",
        "/api/v1/inventory?q=listing&low=true"}) {
    auto low = call("staff", "GET", path);
    ASSERT_EQ(low.status, 200) << path;
    ASSERT_EQ(low.object().at("items").as_array().size(), 1u) << path;
    EXPECT_EQ(low.object().at("items").at(0).at("name"), "Listing whole milk");
    EXPECT_EQ(low.object().at("items").at(0).at("is_low"), true);
  }
  // Pages of one.
  auto page1 = call("staff", "GET", "/api/v1/inventory?q=listing&limit=1");
  ASSERT_FALSE(page1.object().at("next_cursor").is_null());
  auto page2 = call("staff", "GET",
                    "/api/v1/inventory?q=listing&limit=1&cursor=" +
                        std::string(page1.object().at("next_cursor").as_string()));
  EXPECT_EQ(page2.object().at("items").at(0).at("name"), "Listing whole milk");
  EXPECT_TRUE(page2.object().at("next_cursor").is_null());

  auto counted = call("manager", "PUT", oat_path,
                      {{"on_hand", 7.25}, {"low_stock_threshold", 8}, {"version", 1}});
  ASSERT_EQ(counted.status, 200) << counted.describe();
  EXPECT_EQ(num(counted.object().at("on_hand")), 7.25);
  EXPECT_EQ(counted.object().at("is_low"), true);
  EXPECT_EQ(counted.object().at("version"), 2);
  EXPECT_ERROR(call("manager", "PUT", oat_path, {{"on_hand", 1}}, {{"If-Match", "\"1\""}}), 409,
               "version_conflict");
  auto logs = call("manager", "GET", oat_path + "/logs");
  ASSERT_EQ(logs.status, 200);
  const auto& rows = logs.object().at("items").as_array();
  ASSERT_EQ(rows.size(), 2u);  // the count, then the initial stock
  EXPECT_EQ(rows[0].at("kind"), "adjust");
  EXPECT_EQ(num(rows[0].at("delta")), 1.25);
  EXPECT_EQ(rows[0].at("actor_id").as_string(), auth_->account("manager").id);
  EXPECT_EQ(num(rows[1].at("delta")), 6.0);
  EXPECT_ERROR(
      call("manager", "GET", "/api/v1/inventory/01900000-0000-7000-8000-0000000000cc/logs"), 404,
      "not_found");
}

TEST_F(CatalogueAdmin, AdjustmentsNeverTakeStockBelowWhatIsReservedAndBatchesAreAllOrNothing) {
  auto flour = item("Adjust flour", 5, 0, "kg");
  auto sugar = item("Adjust sugar", 2, 0, "kg");
  auto refused = call("staff", "POST", "/api/v1/inventory/adjustment",
                      {{"inventory_item_id", id_of(flour)}, {"delta", -5.001}, {"reason", "x"}});
  EXPECT_ERROR(refused, 409, "conflict");
  EXPECT_ERROR(call("staff", "POST", "/api/v1/inventory/adjustment",
                    {{"inventory_item_id", id_of(flour)}, {"delta", 0}}),
               422, "validation_failed");
  EXPECT_ERROR(call("staff", "POST", "/api/v1/inventory/adjustment",
                    {{"inventory_item_id", id_of(flour)}, {"delta", -1}, {"kind", "receive"}}),
               422, "validation_failed");
  EXPECT_ERROR(call("staff", "POST", "/api/v1/inventory/adjustment",
                    {{"inventory_item_id", "01900000-0000-7000-8000-0000000000dd"}, {"delta", 1}}),
               404, "not_found");

  auto batch = call("manager", "POST", "/api/v1/inventory/adjust",
                    {{"adjustments", json::array{
                                         {{"inventory_item_id", id_of(flour)}, {"delta", 10}},
                                         {{"inventory_item_id", id_of(sugar)}, {"delta", -3}},
                                     }}});
  EXPECT_ERROR(batch, 409, "conflict");
  EXPECT_EQ(batch.object().at("error").at("details").at(0).at("field"), "adjustments[1].delta");
  EXPECT_EQ(num(call("staff", "GET", "/api/v1/inventory/" + id_of(flour)).object().at("on_hand")),
            5.0);  // the first adjustment was not kept

  auto ok = call("manager", "POST", "/api/v1/inventory/adjust",
                 {{"adjustments",
                   json::array{
                       {{"inventory_item_id", id_of(flour)}, {"delta", 10}, {"kind", "receive"}},
                       {{"inventory_item_id", id_of(sugar)}, {"delta", -1.5}},
                   }}});
  ASSERT_EQ(ok.status, 200) << ok.describe();
  EXPECT_EQ(num(ok.object().at("items").at(0).at("on_hand")), 15.0);
  EXPECT_EQ(num(ok.object().at("items").at(1).at("on_hand")), 0.5);
  EXPECT_ERROR(
      call("manager", "POST", "/api/v1/inventory/adjust", {{"adjustments", json::array{}}}), 422,
      "validation_failed");
}

}  // namespace
}  // namespace crema::test::e2e
