// Catalogue use cases on the store under test: derived in_stock, the product's own stock
// item, versioned updates, recipes, soft delete, events, and GET /products' filters and
// keyset pages for every sort.
#include <algorithm>
#include <random>
#include <set>

#include "db/catalogue_fixture.hpp"
#include "service/audit.hpp"
#include "service/stock.hpp"

namespace crema::test {
namespace {

using repo::ProductSort;
using service::ProductInput;

class CatalogueServiceTest : public CatalogueDbTest {
 protected:
  void SetUp() override {
    CatalogueDbTest::SetUp();
    if (pool_) svc_.emplace(*pool_, bus_);
  }
  static ProductInput input(std::string name, std::int64_t price, std::string category = "Coffee") {
    ProductInput in;
    in.name = std::move(name);
    in.category = std::move(category);
    in.price = price;
    return in;
  }
  domain::Product create(ProductInput in) {
    auto r = svc_->create(manager_, in);
    if (!r.ok()) ADD_FAILURE() << r.error().message;
    return r.ok() ? *r : domain::Product{};
  }
  domain::Product get(const std::string& id) { return *svc_->get(id, true); }
  std::optional<service::CatalogueService> svc_;
};

TEST_F(CatalogueServiceTest, InStockFollowsTheSwitchOwnStockAndIngredients) {
  auto milk = make_item("Milk", 500);
  auto latte_in = input("Latte", 450);
  latte_in.recipe = std::vector<domain::RecipeLine>{{milk, 200}};
  auto latte = create(latte_in);
  EXPECT_TRUE(latte.in_stock);
  EXPECT_FALSE(latte.track_stock);
  EXPECT_FALSE(latte.stock.has_value());

  // An ingredient short for one unit: out of stock, and back by itself when it returns.
  pool_->transact([&](db::Transaction& tx) { repo::set_on_hand(tx, milk, 199, util::now_ms()); });
  EXPECT_FALSE(get(latte.id).in_stock);
  pool_->transact([&](db::Transaction& tx) { repo::set_on_hand(tx, milk, 200, util::now_ms()); });
  EXPECT_TRUE(get(latte.id).in_stock);

  // Switched off for sale.
  ProductInput off;
  off.in_stock = false;
  auto switched = svc_->update(staff_, latte.id, off, std::nullopt, "product.stock");
  ASSERT_TRUE(switched.ok());
  EXPECT_FALSE(switched->in_stock);
  EXPECT_FALSE(switched->sale_enabled);

  // Tracked stock below one unit.
  auto croissant_in = input("Croissant", 300, "Pastries");
  croissant_in.stock = 1000;
  auto croissant = create(croissant_in);
  EXPECT_TRUE(croissant.track_stock);
  EXPECT_TRUE(croissant.in_stock);
  EXPECT_EQ(croissant.stock, 1000);
  auto r = pool_->transact([&](db::Transaction& tx) {
    return service::reserve_stock(tx, {{croissant.id, 1000}}, {});
  });
  ASSERT_TRUE(r.ok());
  auto sold_out = get(croissant.id);
  EXPECT_FALSE(sold_out.in_stock);
  EXPECT_EQ(sold_out.stock, 1000);  // on hand, reserved for an order
  EXPECT_EQ(sold_out.stock_reserved, 1000);
}

TEST_F(CatalogueServiceTest, TrackStockCreatesTheOwnItemAndOffKeepsIt) {
  auto bread = create(input("Sourdough", 650, "Bread"));
  EXPECT_FALSE(bread.track_stock);
  ProductInput on;
  on.track_stock = true;
  on.stock = 12000;
  on.stock_threshold = 3000;
  auto tracked = svc_->update(manager_, bread.id, on, bread.version);
  ASSERT_TRUE(tracked.ok());
  EXPECT_TRUE(tracked->track_stock);
  EXPECT_EQ(tracked->stock, 12000);
  EXPECT_EQ(tracked->stock_threshold, 3000);
  EXPECT_EQ(tracked->version, bread.version + 1);
  auto own = item(bread.id);  // same id as the product
  EXPECT_EQ(own.kind, domain::ItemKind::product);
  EXPECT_EQ(own.name, "Sourdough");
  EXPECT_EQ(own.unit, "pcs");
  EXPECT_EQ(logs_of(bread.id, "adjust"), 1);

  // Renaming the product renames its item.
  ProductInput rename;
  rename.name = "Country sourdough";
  ASSERT_TRUE(svc_->update(manager_, bread.id, rename, std::nullopt).ok());
  EXPECT_EQ(item(bread.id).name, "Country sourdough");

  ProductInput off;
  off.track_stock = false;
  auto untracked = svc_->update(manager_, bread.id, off, std::nullopt);
  ASSERT_TRUE(untracked.ok());
  EXPECT_FALSE(untracked->track_stock);
  EXPECT_FALSE(untracked->stock.has_value());
  EXPECT_TRUE(untracked->in_stock);
  auto kept = item(bread.id);
  EXPECT_FALSE(kept.tracked);
  EXPECT_EQ(kept.on_hand, 12000);

  // On again: the same item counts again, its stock kept.
  ProductInput again;
  again.track_stock = true;
  auto back = svc_->update(manager_, bread.id, again, std::nullopt);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->stock, 12000);

  ProductInput contradiction;
  contradiction.track_stock = false;
  contradiction.stock = 5000;
  auto bad = svc_->update(manager_, bread.id, contradiction, std::nullopt);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::validation_failed);
}

TEST_F(CatalogueServiceTest, StockBelowReservedIsAConflict) {
  auto in = input("Baguette", 300, "Bread");
  in.stock = 5000;
  auto baguette = create(in);
  ASSERT_TRUE(pool_
                  ->transact([&](db::Transaction& tx) {
                    return service::reserve_stock(tx, {{baguette.id, 3000}}, {});
                  })
                  .ok());
  ProductInput set;
  set.stock = 2000;
  auto r = svc_->update(staff_, baguette.id, set, std::nullopt, "product.stock");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  set.stock = 3000;
  auto ok = svc_->update(staff_, baguette.id, set, std::nullopt, "product.stock");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->stock, 3000);
  EXPECT_FALSE(ok->in_stock);  // everything left is reserved
}

TEST_F(CatalogueServiceTest, VersionConflictAndMissingProduct) {
  auto p = create(input("Mocha", 500));
  ProductInput price;
  price.price = 550;
  auto stale = svc_->update(manager_, p.id, price, p.version + 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::version_conflict);
  auto ok = svc_->update(manager_, p.id, price, p.version);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->price, 550);
  auto again = svc_->update(manager_, p.id, price, p.version);  // the same, now stale
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::version_conflict);
  auto missing = svc_->update(manager_, util::new_uuid_v7(), price, std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST_F(CatalogueServiceTest, RecipeAndModifiersMustNameExistingItems) {
  auto milk = make_item("Milk", 10000);
  auto in = input("Cappuccino", 420);
  in.recipe = std::vector<domain::RecipeLine>{{milk, 150}, {"ghost", 10}};
  in.modifiers = std::vector<domain::Modifier>{{"oat", "Oat milk", 50, {{"ghost-2", 150}}}};
  auto r = svc_->create(manager_, in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::validation_failed);
  ASSERT_EQ(r.error().details.size(), 2u);
  EXPECT_EQ(r.error().message, "2 fields are invalid.");  // not "0 fields are invalid."
  EXPECT_EQ(r.error().details[0].field, "recipe[1].inventory_item_id");
  EXPECT_EQ(r.error().details[1].field, "modifiers[0].consumes[0].inventory_item_id");
  EXPECT_EQ(count("products"), 0);

  in.recipe = std::vector<domain::RecipeLine>{{milk, 150}};
  in.modifiers = std::vector<domain::Modifier>{{"oat", "Oat milk", 50, {{milk, 10}}}};
  auto ok = svc_->create(manager_, in);
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->recipe.size(), 1u);
  EXPECT_EQ(ok->recipe[0].quantity, 150);
  ASSERT_EQ(ok->modifiers.size(), 1u);
  EXPECT_EQ(ok->modifiers[0].price_delta, 50);

  // Replacing the recipe; a product may not consume itself.
  ProductInput recipe;
  recipe.recipe = std::vector<domain::RecipeLine>{{ok->id, 1000}};
  auto self = svc_->update(manager_, ok->id, recipe, std::nullopt, "product.recipe");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, ErrorCode::validation_failed);
  recipe.recipe = std::vector<domain::RecipeLine>{};
  auto cleared = svc_->update(manager_, ok->id, recipe, std::nullopt, "product.recipe");
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->recipe.empty());
  auto audit = service::list_audit(*pool_, {});
  ASSERT_FALSE(audit.empty());
  EXPECT_EQ(audit[0].action, "product.recipe");
}

TEST_F(CatalogueServiceTest, DeleteHidesAndPublishes) {
  auto p = create(input("Chai", 400, "Tea"));
  clear_events();
  ASSERT_TRUE(svc_->remove(admin_, p.id).ok());
  auto hidden = svc_->get(p.id, false);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, ErrorCode::not_found);
  EXPECT_FALSE(get(p.id).is_active);
  EXPECT_TRUE(svc_->menu().empty());
  auto updated = events_of("menu_updated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].data.at("product_ids").as_array().at(0).as_string(), p.id);
  EXPECT_TRUE(svc_->remove(admin_, p.id).ok());  // already hidden: still fine
  EXPECT_EQ(svc_->remove(admin_, util::new_uuid_v7()).error().code, ErrorCode::not_found);
}

TEST_F(CatalogueServiceTest, MenuIsByCategoryThenName) {
  create(input("Scone", 300, "Pastries"));
  create(input("americano", 300, "Coffee"));
  create(input("Latte", 450, "Coffee"));
  create(input("Croissant", 300, "Pastries"));
  auto menu = svc_->menu();
  std::vector<std::string> names;
  for (auto& p : menu) names.push_back(p.category + "/" + p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Coffee/americano", "Coffee/Latte",
                                             "Pastries/Croissant", "Pastries/Scone"}));
}

TEST_F(CatalogueServiceTest, FiltersSearchAndPriceRange) {
  auto in = input("Flat White", 420);
  in.description = "Double ristretto, velvety MILK";
  create(in);
  create(input("Milk Bun", 250, "Bakery"));
  create(input("Espresso", 280));
  create(input("Oat 100% Cookie", 200, "Milky Way"));
  auto names = [&](repo::ProductFilter f) {
    std::vector<std::string> out;
    for (auto& p : svc_->list(f, false).items) out.push_back(p.name);
    return out;
  };
  repo::ProductFilter q;
  q.q = "milk";
  EXPECT_EQ(names(q), (std::vector<std::string>{"Flat White", "Milk Bun", "Oat 100% Cookie"}));
  q.q = "100%";  // a LIKE wildcard is matched literally
  EXPECT_EQ(names(q), (std::vector<std::string>{"Oat 100% Cookie"}));
  q.q = "0_c";
  EXPECT_TRUE(names(q).empty());
  repo::ProductFilter cat;
  cat.category = "Coffee";
  EXPECT_EQ(names(cat), (std::vector<std::string>{"Espresso", "Flat White"}));
  repo::ProductFilter price;
  price.price_min = 250;
  price.price_max = 420;
  EXPECT_EQ(names(price), (std::vector<std::string>{"Espresso", "Flat White", "Milk Bun"}));
}

// The search index follows renames (SQLite: the trigram FTS table kept by triggers; short
// queries fall back to LIKE on both stores).
TEST_F(CatalogueServiceTest, SearchFollowsChangesAndShortQueries) {
  auto bun = create(input("Milk Bun", 250, "Bakery"));
  create(input("Oat Cookie", 200, "Bakery"));
  auto names = [&](std::string q) {
    repo::ProductFilter f;
    f.q = q;
    std::vector<std::string> out;
    for (auto& p : svc_->list(f, false).items) out.push_back(p.name);
    return out;
  };
  EXPECT_EQ(names("milk b"), std::vector<std::string>{"Milk Bun"});
  ProductInput rename;
  rename.name = "Rye Bun";
  ASSERT_TRUE(svc_->update(manager_, bun.id, rename, std::nullopt).ok());
  EXPECT_TRUE(names("milk").empty());
  EXPECT_EQ(names("rye"), std::vector<std::string>{"Rye Bun"});
  EXPECT_EQ(names("ye"), std::vector<std::string>{"Rye Bun"});  // shorter than a trigram
  EXPECT_EQ(names("o"), (std::vector<std::string>{"Oat Cookie"}));
  ProductInput describe;
  describe.description = "with \"quotes\" and 50% rye";
  ASSERT_TRUE(svc_->update(manager_, bun.id, describe, std::nullopt).ok());
  EXPECT_EQ(names("\"quotes\""), std::vector<std::string>{"Rye Bun"});
  EXPECT_EQ(names("50% r"), std::vector<std::string>{"Rye Bun"});
  EXPECT_TRUE(names("50%%").empty());
}

// Case-insensitive means more than ASCII: a French bakery's "Éclair" is found by "éclair"
// and by "ÉCLAIR", and sorts beside "éclair …" (the same folding on both stores).
TEST_F(CatalogueServiceTest, SearchAndNameSortFoldAccentedCapitals) {
  create(input("Éclair Vanille", 350, "Pâtisserie"));
  create(input("éclair au chocolat", 350, "Pâtisserie"));
  auto creme = input("CRÈME BRÛLÉE", 450, "Desserts");
  creme.description = "Vanille de Madagascar";
  create(creme);
  create(input("Zebra cake", 300, "Cakes"));
  create(input("Apple pie", 300, "Cakes"));
  auto names = [&](repo::ProductFilter f) {
    std::vector<std::string> out;
    for (auto& p : svc_->list(f, false).items) out.push_back(p.name);
    return out;
  };
  for (std::string q : {"éclair", "ÉCLAIR", "Éclair"}) {
    repo::ProductFilter f;
    f.q = repo::fold_name(q);
    EXPECT_EQ(names(f), (std::vector<std::string>{"éclair au chocolat", "Éclair Vanille"})) << q;
  }
  for (std::string q : {"crème brûlée", "Crème", "BRÛLÉE"}) {
    repo::ProductFilter f;
    f.q = repo::fold_name(q);
    EXPECT_EQ(names(f), std::vector<std::string>{"CRÈME BRÛLÉE"}) << q;
  }
  repo::ProductFilter vanille;
  vanille.q = repo::fold_name("VANILLE");
  EXPECT_EQ(names(vanille), (std::vector<std::string>{"CRÈME BRÛLÉE", "Éclair Vanille"}));
  repo::ProductFilter category;
  category.q = repo::fold_name("PÂTISSERIE");
  EXPECT_EQ(names(category).size(), 2u);
  // Byte order of the folded names, the same on both stores; the two éclairs together, in
  // the order of their folded names, whichever way round.
  repo::ProductFilter by_name;
  EXPECT_EQ(names(by_name), (std::vector<std::string>{"Apple pie", "CRÈME BRÛLÉE", "Zebra cake",
                                                      "éclair au chocolat", "Éclair Vanille"}));
  by_name.sort = ProductSort::name_desc;
  by_name.limit = 2;
  auto first = svc_->list(by_name, false);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].name, "Éclair Vanille");
  EXPECT_EQ(first.items[1].name, "éclair au chocolat");
  ASSERT_TRUE(first.next);
  by_name.after = first.next;
  auto second = svc_->list(by_name, false);
  ASSERT_EQ(second.items.size(), 2u);
  EXPECT_EQ(second.items[0].name, "Zebra cake");
}

TEST_F(CatalogueServiceTest, InStockFilter) {
  auto milk = make_item("Milk", 100);
  auto latte = input("Latte", 450);
  latte.recipe = std::vector<domain::RecipeLine>{{milk, 200}};
  create(latte);
  create(input("Espresso", 280));
  auto off = input("Mocha", 500);
  off.in_stock = false;
  create(off);
  repo::ProductFilter yes;
  yes.in_stock = true;
  auto in = svc_->list(yes, false).items;
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].name, "Espresso");
  repo::ProductFilter no;
  no.in_stock = false;
  EXPECT_EQ(svc_->list(no, false).items.size(), 2u);
}

// Every sort pages through everything exactly once, in order, ties broken by id — also
// when items are inserted between pages.
TEST_F(CatalogueServiceTest, KeysetPagesAreCompleteAndOrderedForEverySort) {
  std::mt19937 rng(42);
  std::vector<std::string> names = {"Bun", "bun", "Tart", "Cake", "Pie"};
  for (int i = 0; i < 23; ++i) {
    // Few distinct names and prices: many ties.
    auto in = input(names[rng() % names.size()], 100 * static_cast<std::int64_t>(rng() % 3));
    create(in);
  }
  // Some ratings, with ties (the reviews feature writes these columns).
  pool_->transact([&](db::Transaction& tx) {
    tx.exec("UPDATE products SET rating_avg_milli = (price / 100) * 1500, rating_count = 1");
  });
  for (auto sort : {ProductSort::name, ProductSort::name_desc, ProductSort::price,
                    ProductSort::price_desc, ProductSort::newest, ProductSort::rating}) {
    repo::ProductFilter f;
    f.sort = sort;
    f.limit = 4;
    std::vector<domain::Product> seen;
    bool inserted = false;
    for (int guard = 0; guard < 20; ++guard) {
      auto page = svc_->list(f, false);
      seen.insert(seen.end(), page.items.begin(), page.items.end());
      if (!page.next) break;
      f.after = page.next;
      if (!inserted) {  // a concurrent insert between pages must not break the walk
        create(input("Zz late", 999));
        inserted = true;
      }
    }
    std::set<std::string> ids;
    for (auto& p : seen) ids.insert(p.id);
    EXPECT_EQ(ids.size(), seen.size()) << "duplicates, sort " << static_cast<int>(sort);
    EXPECT_GE(seen.size(), 23u);
    auto key = [&](const domain::Product& p) { return repo::cursor_of(p, sort); };
    for (std::size_t i = 1; i < seen.size(); ++i) {
      auto a = key(seen[i - 1]), b = key(seen[i]);
      auto ta = std::tie(a.text, a.number, a.id), tb = std::tie(b.text, b.number, b.id);
      const bool desc = sort == ProductSort::name_desc || sort == ProductSort::price_desc ||
                        sort == ProductSort::newest || sort == ProductSort::rating;
      EXPECT_TRUE(desc ? ta > tb : ta < tb)
          << "out of order at " << i << ", sort " << static_cast<int>(sort);
    }
  }
  EXPECT_EQ(count("products"), 29);
}

}  // namespace
}  // namespace crema::test
