// Black-box tests of the public catalogue (SPEC §4) on the demo café of `crema seed-demo`:
// GET /menu (grouping, derived in_stock, ETag and 304), GET /products (search, filters,
// every sort paged by keyset), GET /products/{id}, and that mutations need credentials.

#include <functional>
#include <map>
#include <set>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "support/decompress.hpp"

namespace crema::test::e2e {
namespace {

namespace json = boost::json;

class CataloguePublic : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = SharedServer::start();
    if (!shared_->server) return;
    seed_ = run_crema({"seed-demo"}, {{"CREMA_DATABASE_URL", shared_->db->url()}});
  }
  static void TearDownTestSuite() { shared_.reset(); }
  void SetUp() override {
    CREMA_E2E_REQUIRE(shared_);
    ASSERT_EQ(seed_.exit_code, 0) << seed_.out << seed_.err;
    client_ = client_for(*shared_->server);
  }

  // Every page of a GET /products query, following next_cursor.
  std::vector<json::object> all_pages(const std::string& query, int limit) {
    std::vector<json::object> out;
    std::string cursor;
    for (int guard = 0; guard < 100; ++guard) {
      std::string path = "/api/v1/products?limit=" + std::to_string(limit) + query;
      if (!cursor.empty()) path += "&cursor=" + cursor;
      auto res = client_->get(path);
      EXPECT_EQ(res.status, 200) << res.describe();
      if (res.status != 200) break;
      for (const auto& p : res.object().at("items").as_array()) out.push_back(p.as_object());
      const auto& next = res.object().at("next_cursor");
      if (next.is_null()) break;
      cursor = std::string(next.as_string());
    }
    return out;
  }
  std::vector<std::string> names(const std::string& query) {
    std::vector<std::string> out;
    for (const auto& p : all_pages(query, 50)) out.emplace_back(p.at("name").as_string());
    return out;
  }

  static std::unique_ptr<SharedServer> shared_;
  static RunResult seed_;
  std::unique_ptr<HttpClient> client_;
};
std::unique_ptr<SharedServer> CataloguePublic::shared_;
RunResult CataloguePublic::seed_;

TEST_F(CataloguePublic, SeedDemoIsRepeatable) {
  auto again = run_crema({"seed-demo"}, {{"CREMA_DATABASE_URL", shared_->db->url()}});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("left it alone"), std::string::npos) << again.out;
  EXPECT_NE(seed_.out.find("barista@crema.demo"), std::string::npos) << seed_.out;
  EXPECT_EQ(names("").size(), 17u);
}

// The demo's staff sign in with the printed password and their roles, and the café behind
// the menu is real: drinks consume milk and beans through their recipes and modifiers.
TEST_F(CataloguePublic, SeedDemoStaffSignInAndTheRecipesUseMilkAndBeans) {
  std::string barista_token;
  const std::pair<const char*, const char*> accounts[] = {
      {"admin@crema.demo", "admin"},   {"manager@crema.demo", "manager"},
      {"barista@crema.demo", "staff"}, {"baker@crema.demo", "staff"},
      {"driver@crema.demo", "driver"}, {"customer@crema.demo", "customer"}};
  for (const auto& [email, role] : accounts) {
    auto res = client_->post(
        "/api/v1/auth/login",
        json::serialize(json::object{{"email", email}, {"password", "crema-demo-2026"}}));
    ASSERT_EQ(res.status, 200) << email << " " << res.describe();
    EXPECT_EQ(json_string(res.object(), {"user", "role"}), role) << email;
    if (std::string_view(email) == "barista@crema.demo")
      barista_token = json_string(res.object(), {"token"});
  }
  const RequestHeaders barista{{"Authorization", "Bearer " + barista_token}};
  std::map<std::string, std::string> item_names;  // id → name
  auto inventory = client_->get("/api/v1/inventory?limit=200", barista);
  ASSERT_EQ(inventory.status, 200) << inventory.describe();
  for (const auto& it : inventory.object().at("items").as_array())
    item_names[json_string(it, {"id"})] = json_string(it, {"name"});
  auto latte = client_->get("/api/v1/products?q=latte&category=Coffee", barista);
  ASSERT_EQ(latte.status, 200);
  ASSERT_EQ(latte.object().at("items").as_array().size(), 1u) << latte.body;
  const auto& product = latte.object().at("items").at(0).as_object();
  std::set<std::string> uses;
  for (const auto& line : product.at("recipe").as_array())
    uses.insert(item_names[json_string(line, {"inventory_item_id"})]);
  EXPECT_EQ(uses, (std::set<std::string>{"Whole milk", "Espresso beans (house blend)"}));
  std::set<std::string> modifier_uses;
  for (const auto& m : product.at("modifiers").as_array())
    for (const auto& line : m.at("consumes").as_array())
      modifier_uses.insert(item_names[json_string(line, {"inventory_item_id"})]);
  EXPECT_TRUE(modifier_uses.count("Oat milk"));
  EXPECT_TRUE(modifier_uses.count("Espresso beans (house blend)"));
  // Pastries and breads are counted stock.
  for (const auto& p : all_pages("&category=Breads", 50)) EXPECT_EQ(p.at("track_stock"), true);
  for (const auto& p : all_pages("&category=Pastries", 50)) EXPECT_EQ(p.at("track_stock"), true);
}

TEST_F(CataloguePublic, MenuIsGroupedByCategoryWithDerivedStock) {
  auto res = client_->get("/api/v1/menu");
  ASSERT_EQ(res.status, 200) << res.describe();
  const auto& body = res.object();
  EXPECT_EQ(body.at("currency"), "USD");
  std::vector<std::string> categories;
  std::size_t items = 0;
  for (const auto& c : body.at("categories").as_array()) {
    categories.emplace_back(c.at("name").as_string());
    std::string previous;
    for (const auto& p : c.at("items").as_array()) {
      ++items;
      const auto& o = p.as_object();
      EXPECT_EQ(o.at("category"), c.at("name"));
      EXPECT_TRUE(o.at("in_stock").as_bool()) << o.at("name");
      EXPECT_FALSE(o.contains("recipe")) << "the recipe is for staff only";
      std::string name(o.at("name").as_string());
      EXPECT_LT(previous, name);
      previous = name;
    }
  }
  EXPECT_EQ(categories, (std::vector<std::string>{"Breads", "Coffee", "Pastries", "Tea"}));
  EXPECT_EQ(items, 17u);
  // A tracked pastry shows its stock; a drink made to order has none.
  for (const auto& c : body.at("categories").as_array())
    for (const auto& p : c.at("items").as_array()) {
      if (p.at("name") == "Butter Croissant") {
        EXPECT_EQ(p.at("track_stock"), true);
        EXPECT_EQ(p.at("stock").to_number<double>(), 24.0);
        EXPECT_EQ(p.at("stock_threshold").to_number<double>(), 6.0);
      }
      if (p.at("name") == "Latte") {
        EXPECT_TRUE(p.at("stock").is_null());
        EXPECT_EQ(p.at("price").to_number<double>(), 4.5);
        EXPECT_GE(p.at("modifiers").as_array().size(), 5u);
      }
    }
}

TEST_F(CataloguePublic, MenuHasAnETagAndAnswers304) {
  auto first = client_->get("/api/v1/menu");
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(first.header("Cache-Control"), "no-cache");

  auto again = client_->get("/api/v1/menu", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304) << again.describe();
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.header("ETag"), etag);

  // Weak and listed validators match too; another one does not.
  EXPECT_EQ(client_->get("/api/v1/menu", {{"If-None-Match", "\"x\", W/" + etag}}).status, 304);
  EXPECT_EQ(client_->get("/api/v1/menu", {{"If-None-Match", "*"}}).status, 304);
  auto other = client_->get("/api/v1/menu", {{"If-None-Match", "\"m-0\""}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, first.body);

  // The unversioned alias and HEAD serve the same representation.
  EXPECT_EQ(client_->get("/api/menu").header("ETag"), etag);
  auto head = client_->head("/api/v1/menu");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("ETag"), etag);
  EXPECT_TRUE(head.body.empty());
}

// SPEC §13: JSON answers of 1 KiB or more are compressed when the client asks (Brotli, else
// gzip), with Vary: Accept-Encoding; the cached menu in its copies made once per refresh.
TEST_F(CataloguePublic, LargeJsonAnswersAreCompressedForClientsThatAsk) {
  auto plain = client_->get("/api/v1/menu");
  ASSERT_EQ(plain.status, 200);
  ASSERT_GE(plain.body.size(), 1024u);
  EXPECT_EQ(plain.header("Content-Encoding"), "");
  EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");
  const std::string etag = plain.header("ETag");
  for (const auto& [ask, coding] : std::vector<std::pair<std::string, std::string>>{
           {"gzip, deflate, br", "br"}, {"gzip", "gzip"}, {"br;q=0.5, gzip;q=0.9", "gzip"}}) {
    auto packed = client_->get("/api/v1/menu", {{"Accept-Encoding", ask}});
    ASSERT_EQ(packed.status, 200) << ask;
    EXPECT_EQ(packed.header("Content-Encoding"), coding) << ask;
    EXPECT_EQ(packed.header("Vary"), "Accept-Encoding") << ask;
    EXPECT_LT(packed.body.size(), plain.body.size() / 3) << ask;
    EXPECT_EQ(decode_body(coding, packed.body), plain.body) << ask;
    EXPECT_EQ(packed.header("ETag"), "W/" + etag) << ask;
    auto again = client_->get("/api/v1/menu",
                              {{"Accept-Encoding", ask}, {"If-None-Match", packed.header("ETag")}});
    EXPECT_EQ(again.status, 304) << ask;
    EXPECT_EQ(again.header("Vary"), "Accept-Encoding") << ask;
  }
  EXPECT_EQ(client_->get("/api/v1/menu", {{"Accept-Encoding", "identity"}}).body, plain.body);
  auto head = client_->head("/api/v1/menu", {{"Accept-Encoding", "br"}});
  EXPECT_EQ(head.header("Content-Encoding"), "br");
  EXPECT_TRUE(head.body.empty());

  // An answer that is not cached: compressed for the request.
  auto list = client_->get("/api/v1/products?limit=200");
  ASSERT_EQ(list.status, 200);
  ASSERT_GE(list.body.size(), 1024u);
  auto br = client_->get("/api/v1/products?limit=200", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_EQ(br.header("Content-Encoding"), "br");
  EXPECT_EQ(br.header("Vary"), "Accept-Encoding");
  EXPECT_EQ(decode_body("br", br.body), list.body);
  // Small answers go as they are.
  auto health = client_->get("/health", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.header("Content-Encoding"), "");
}

TEST_F(CataloguePublic, ProductsSearchIsCaseInsensitiveOverNameDescriptionAndCategory) {
  EXPECT_EQ(names("&q=LATTE"), (std::vector<std::string>{"Chai Latte", "Latte", "Matcha Latte"}));
  EXPECT_EQ(names("&q=chocolate"), (std::vector<std::string>{"Mocha", "Pain au Chocolat"}));
  auto pastries = names("&q=pastr");
  EXPECT_EQ(pastries.size(), 5u);
  EXPECT_EQ(names("&q=%25"), std::vector<std::string>{});  // a literal %, not a wildcard
  EXPECT_EQ(names("&category=Breads"),
            (std::vector<std::string>{"Baguette", "Country Sourdough", "Seeded Rye"}));
  EXPECT_EQ(names("&category=Breads&price_min=3.5&price_max=7"),
            (std::vector<std::string>{"Seeded Rye"}));
  EXPECT_EQ(names("&in_stock=false"), std::vector<std::string>{});
  EXPECT_EQ(names("&in_stock=true").size(), 17u);
}

TEST_F(CataloguePublic, EverySortPagesThroughEverythingInOrder) {
  struct Case {
    std::string sort;
    std::function<bool(const json::object&, const json::object&)> in_order;
  };
  auto name_of = [](const json::object& p) {
    std::string s(p.at("name").as_string());
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto price_of = [](const json::object& p) { return p.at("price").to_number<double>(); };
  auto id_of = [](const json::object& p) { return std::string(p.at("id").as_string()); };
  std::vector<Case> cases = {
      {"name",
       [&](const json::object& a, const json::object& b) {
         return std::make_pair(name_of(a), id_of(a)) < std::make_pair(name_of(b), id_of(b));
       }},
      {"-name",
       [&](const json::object& a, const json::object& b) {
         return std::make_pair(name_of(a), id_of(a)) > std::make_pair(name_of(b), id_of(b));
       }},
      {"price",
       [&](const json::object& a, const json::object& b) {
         return price_of(a) < price_of(b) || (price_of(a) == price_of(b) && id_of(a) < id_of(b));
       }},
      {"-price",
       [&](const json::object& a, const json::object& b) {
         return price_of(a) > price_of(b) || (price_of(a) == price_of(b) && id_of(a) > id_of(b));
       }},
      {"newest",
       [&](const json::object& a, const json::object& b) {
         return a.at("created_at").as_string() > b.at("created_at").as_string() ||
                (a.at("created_at") == b.at("created_at") && id_of(a) > id_of(b));
       }},
      {"rating",
       [&](const json::object& a, const json::object& b) {
         auto ra = a.at("rating_avg").to_number<double>();
         auto rb = b.at("rating_avg").to_number<double>();
         return ra > rb || (ra == rb && id_of(a) > id_of(b));
       }},
  };
  for (const auto& c : cases) {
    auto all = all_pages("&sort=" + c.sort, 4);
    ASSERT_EQ(all.size(), 17u) << c.sort;
    std::set<std::string> ids;
    for (const auto& p : all) ids.insert(id_of(p));
    EXPECT_EQ(ids.size(), 17u) << c.sort;
    for (std::size_t i = 1; i < all.size(); ++i)
      EXPECT_TRUE(c.in_order(all[i - 1], all[i]))
          << c.sort << " at " << i << ": " << all[i - 1].at("name") << " then "
          << all[i].at("name");
  }
}

TEST_F(CataloguePublic, BadQueriesAre400) {
  for (const char* q : {"?sort=cheapest", "?limit=0", "?limit=201", "?price_min=abc",
                        "?price_min=1.234", "?in_stock=maybe", "?cursor=%21%21"}) {
    auto res = client_->get(std::string("/api/v1/products") + q);
    EXPECT_EQ(res.status, 400) << q << " " << res.describe();
    EXPECT_EQ(res.object().at("error").at("code"), "bad_request");
  }
  // A cursor of one sort is refused by another.
  auto page = client_->get("/api/v1/products?limit=2&sort=price");
  ASSERT_EQ(page.status, 200);
  std::string cursor(page.object().at("next_cursor").as_string());
  auto mixed = client_->get("/api/v1/products?limit=2&sort=name&cursor=" + cursor);
  EXPECT_EQ(mixed.status, 400) << mixed.describe();
}

TEST_F(CataloguePublic, OneProductByEitherRoute) {
  auto list = client_->get("/api/v1/products?q=sourdough");
  ASSERT_EQ(list.status, 200);
  const auto& first = list.object().at("items").as_array().at(0).as_object();
  const std::string id(first.at("id").as_string());
  auto bakery = client_->get("/api/v1/products/" + id);
  ASSERT_EQ(bakery.status, 200) << bakery.describe();
  EXPECT_EQ(bakery.object().at("name"), "Country Sourdough");
  EXPECT_FALSE(bakery.object().contains("recipe"));
  EXPECT_EQ(bakery.header("ETag"), "\"1\"");
  auto cafe = client_->get("/api/v1/menu/items/" + id);
  ASSERT_EQ(cafe.status, 200);
  EXPECT_EQ(cafe.body, bakery.body);

  auto missing = client_->get("/api/v1/products/01900000-0000-7000-8000-000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.object().at("error").at("code"), "not_found");
  EXPECT_EQ(client_->get("/api/v1/products/not-a-uuid").status, 404);
}

TEST_F(CataloguePublic, ChangesNeedCredentials) {
  const std::string id = "01900000-0000-7000-8000-000000000000";
  struct Call {
    const char* method;
    std::string path;
    const char* body;
  };
  for (const auto& c : std::vector<Call>{
           {"POST", "/api/v1/products", R"({"name":"X","category":"Y","price":1})"},
           {"POST", "/api/v1/menu/items", R"({"name":"X","category":"Y","price":1})"},
           {"PUT", "/api/v1/products/" + id, R"({"price":2})"},
           {"PUT", "/api/v1/menu/items/" + id + "/stock", R"({"in_stock":false})"},
           {"PUT", "/api/v1/menu/items/" + id + "/recipe", R"({"ingredients":[]})"},
           {"DELETE", "/api/v1/menu/items/" + id, ""},
           {"GET", "/api/v1/inventory", ""},
           {"GET", "/api/v1/inventory/low-stock", ""},
           {"GET", "/api/v1/inventory/low", ""},
           {"POST", "/api/v1/inventory", R"({"name":"Milk","unit":"l"})"},
           {"POST", "/api/v1/inventory/adjustment", R"({})"},
           {"POST", "/api/v1/inventory/adjust", R"({})"},
           {"GET", "/api/v1/inventory/" + id + "/logs", ""},
       }) {
    auto res = client_->request(c.method, c.path, c.body);
    EXPECT_EQ(res.status, 401) << c.method << " " << c.path << " " << res.describe();
  }
}

}  // namespace
}  // namespace crema::test::e2e
