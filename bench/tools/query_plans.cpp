// crema_query_plans: fills a database with N generated products (and ingredients, recipes,
// tracked stock), then prints, in Markdown, the statement GET /products runs for each
// typical query with its EXPLAIN output and its median time. bench/query_plans.sh runs it
// on SQLite and PostgreSQL and writes docs/QUERY_PLANS.md.
//
//   crema_query_plans DATABASE_URL [PRODUCTS]     (default 100000)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "domain/product.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/product_repo.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace {

using namespace crema;

const char* const kAdjectives[] = {"Golden",   "Rustic", "Velvet",  "Toasted", "Honey",  "Spiced",
                                   "Dark",     "Salted", "Wild",    "Smoky",   "Citrus", "Maple",
                                   "Hazelnut", "Almond", "Vanilla", "Sour",    "Sweet",  "Iced"};
const char* const kNouns[] = {"Latte",  "Croissant", "Loaf",    "Bun",      "Tart",
                              "Cookie", "Muffin",    "Scone",   "Brioche",  "Espresso",
                              "Mocha",  "Cake",      "Roll",    "Baguette", "Danish",
                              "Bagel",  "Pie",       "Brownie", "Cortado"};
const char* const kCategories[] = {"Coffee",  "Tea",         "Pastries",  "Breads", "Cakes",
                                   "Cookies", "Sandwiches",  "Salads",    "Juices", "Seasonal",
                                   "Vegan",   "Gluten free", "Breakfast", "Lunch",  "Desserts",
                                   "Snacks",  "Catering",    "Kids",      "Retail", "Merch"};

void generate(db::Pool& pool, int products) {
  std::mt19937_64 rng(20261122);
  const auto now = util::now_ms();
  std::vector<std::string> ingredients;
  pool.transact([&](db::Transaction& tx) {
    for (int i = 0; i < 60; ++i) {
      domain::InventoryItem it;
      it.id = util::new_uuid_v7();
      it.name = "Ingredient " + std::to_string(i);
      it.unit = "kg";
      // A few are short, so in_stock has something to filter.
      it.on_hand = i % 15 == 0 ? 10 : 1'000'000;
      it.created_at = it.updated_at = now;
      repo::insert_item(tx, it);
      ingredients.push_back(it.id);
    }
  });
  constexpr int kBatch = 5000;
  for (int done = 0; done < products; done += kBatch) {
    pool.transact([&](db::Transaction& tx) {
      for (int i = done; i < std::min(products, done + kBatch); ++i) {
        domain::Product p;
        p.id = util::new_uuid_v7();
        p.name = std::string(kAdjectives[rng() % std::size(kAdjectives)]) + " " +
                 kNouns[rng() % std::size(kNouns)] + " " + std::to_string(i);
        p.category = kCategories[rng() % std::size(kCategories)];
        p.description = "Made in house with " +
                        std::string(kAdjectives[rng() % std::size(kAdjectives)]) +
                        " ingredients, batch " + std::to_string(rng() % 1000);
        p.price = 150 + static_cast<std::int64_t>(rng() % 2000);
        p.rating_avg_milli = static_cast<std::int64_t>(rng() % 5001);
        p.rating_count = static_cast<std::int64_t>(rng() % 200);
        p.is_active = rng() % 50 != 0;  // 2% deleted
        p.created_at = now - static_cast<std::int64_t>(rng() % (365LL * 86'400'000));
        p.updated_at = p.created_at;
        p.track_stock = rng() % 5 == 0;
        repo::insert_product(tx, p);
        if (p.track_stock) {
          domain::InventoryItem own;
          own.id = p.id;
          own.name = p.name;
          own.unit = "pcs";
          own.kind = domain::ItemKind::product;
          own.on_hand = static_cast<std::int64_t>(rng() % 30) * 1000;
          own.created_at = own.updated_at = now;
          repo::insert_item(tx, own);
        }
        if (rng() % 10 < 3) {
          std::vector<domain::RecipeLine> recipe;
          const auto n = 1 + rng() % 3;
          for (std::size_t k = 0; k < n; ++k) {
            const auto& item = ingredients[(rng() % ingredients.size())];
            if (std::none_of(recipe.begin(), recipe.end(),
                             [&](auto& l) { return l.inventory_item_id == item; }))
              recipe.push_back({item, 100});
          }
          repo::replace_recipe(tx, p.id, recipe);
        }
      }
    });
  }
  pool.write()->exec("ANALYZE");
}

struct Scenario {
  const char* title;
  repo::ProductFilter filter;
};

std::string param_text(const db::Param& p) {
  if (std::holds_alternative<std::nullptr_t>(p)) return "NULL";
  if (auto* i = std::get_if<std::int64_t>(&p)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&p)) return *b ? "true" : "false";
  if (auto* s = std::get_if<std::string_view>(&p)) return "'" + std::string(*s) + "'";
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: crema_query_plans DATABASE_URL [PRODUCTS]\n");
    return 2;
  }
  const int products = argc > 2 ? std::atoi(argv[2]) : 100'000;
  db::PoolOptions options;
  options.size = 1;
  auto pool = db::Pool::open(argv[1], options);
  db::migrate(*pool);
  const auto have = pool->read()->exec("SELECT COUNT(*) FROM products").front().int64(0);
  if (have < products) {
    std::fprintf(stderr, "generating %d products…\n", products - static_cast<int>(have));
    generate(*pool, products - static_cast<int>(have));
  }
  const bool pg = pool->dialect() == db::Dialect::postgres;

  // A cursor deep in the name order: the 50,000th active product.
  auto deep = pool->read()->exec(
      "SELECT name_lower, id FROM products WHERE is_active = TRUE ORDER BY name_lower, id "
      "LIMIT 1 OFFSET 50000");
  repo::ProductCursor deep_cursor;
  if (!deep.empty()) {
    deep_cursor.text = deep.front().text(0);
    deep_cursor.id = deep.front().text(1);
  }

  std::vector<Scenario> scenarios;
  auto add = [&](const char* title, auto&& set) {
    Scenario s{title, {}};
    set(s.filter);
    scenarios.push_back(std::move(s));
  };
  using F = repo::ProductFilter;
  using S = repo::ProductSort;
  add("first page, default sort (name)", [](F&) {});
  add("a page deep in the name order (keyset cursor)", [&](F& f) { f.after = deep_cursor; });
  add("sort=-name", [](F& f) { f.sort = S::name_desc; });
  add("sort=price", [](F& f) { f.sort = S::price; });
  add("sort=-price, next page (cursor)", [](F& f) {
    f.sort = S::price_desc;
    f.after = repo::ProductCursor{"", 1500, "ffffffff-ffff-7fff-bfff-ffffffffffff"};
  });
  add("sort=newest", [](F& f) { f.sort = S::newest; });
  add("sort=rating", [](F& f) { f.sort = S::rating; });
  add("category=Pastries", [](F& f) { f.category = "Pastries"; });
  add("category=Pastries&sort=price", [](F& f) {
    f.category = "Pastries";
    f.sort = S::price;
  });
  add("q=hazelnut brownie (rare: 1 in ~340)", [](F& f) { f.q = "hazelnut brownie"; });
  add("q=croissant (common)", [](F& f) { f.q = "croissant"; });
  add("q=pistachio (matches nothing)", [](F& f) { f.q = "pistachio"; });
  add("price_min=5&price_max=6&sort=price", [](F& f) {
    f.price_min = 500;
    f.price_max = 600;
    f.sort = S::price;
  });
  add("in_stock=true", [](F& f) { f.in_stock = true; });
  add("in_stock=false (rare)", [](F& f) { f.in_stock = false; });

  std::printf(
      "### %s, %lld products\n\n", pg ? "PostgreSQL 15" : "SQLite 3.40",
      static_cast<long long>(pool->read()->exec("SELECT COUNT(*) FROM products").front().int64(0)));
  for (auto& s : scenarios) {
    s.filter.limit = 50;
    auto q = repo::list_products_query(s.filter, pool->dialect());
    // Median of 7 runs, after one warm-up.
    std::vector<double> ms;
    std::size_t rows = 0;
    for (int i = 0; i < 8; ++i) {
      // As the service runs it: repo::list_products in a read transaction.
      auto t0 = std::chrono::steady_clock::now();
      rows = pool->read_transact([&](db::Transaction& tx) {
        return repo::list_products(tx.connection(), s.filter).size();
      });
      auto t1 = std::chrono::steady_clock::now();
      if (i > 0) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::string params;
    for (std::size_t i = 0; i < q.params().size(); ++i)
      params += (i ? ", $" : "$") + std::to_string(i + 1) + " = " + param_text(q.params()[i]);
    std::printf("#### %s\n\n%zu rows in %.2f ms (median of 7). Parameters: %s\n\n```text\n",
                s.title, rows, ms[ms.size() / 2], params.c_str());
    pool->read_transact([&](db::Transaction& tx) {
      if (pg) {
        tx.exec("SET LOCAL jit = off");
        for (auto row : tx.exec("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + q.sql(),
                                q.params()))
          std::printf("%s\n", row.text(0).c_str());
      } else {
        for (auto row : tx.exec("EXPLAIN QUERY PLAN " + q.sql(), q.params()))
          std::printf("%s\n", row.text(3).c_str());
      }
    });
    std::printf("```\n\n");
  }
  return 0;
}
