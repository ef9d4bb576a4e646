#include "app/demo_seed.hpp"

#include <cstdio>
#include <map>
#include <stdexcept>

#include "app/demo_orders.hpp"
#include "auth/password.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"
#include "repo/delivery_repo.hpp"
#include "repo/product_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/catalogue_service.hpp"
#include "service/inventory_service.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::app {

namespace {

using domain::Modifier;
using domain::RecipeLine;

struct DemoUser {
  const char* name;
  const char* email;
  auth::Role role;
};

constexpr DemoUser kUsers[] = {
    {"Ada Owner", "admin@crema.demo", auth::Role::admin},
    {"Marco Manager", "manager@crema.demo", auth::Role::manager},
    {"Bea Barista", "barista@crema.demo", auth::Role::staff},
    {"Ben Baker", "baker@crema.demo", auth::Role::staff},
    {"Dan Driver", "driver@crema.demo", auth::Role::driver},
    {"Cleo Customer", "customer@crema.demo", auth::Role::customer},
};

struct DemoItem {
  const char* key;
  const char* name;
  const char* unit;
  std::int64_t on_hand;    // thousandths
  std::int64_t threshold;  // thousandths
};

constexpr DemoItem kItems[] = {
    {"milk", "Whole milk", "l", 40'000, 8'000},
    {"oat", "Oat milk", "l", 12'000, 3'000},
    {"beans", "Espresso beans (house blend)", "kg", 9'500, 2'000},
    {"decaf", "Decaf beans", "kg", 2'000, 500},
    {"chocolate", "Chocolate sauce", "l", 2'500, 500},
    {"vanilla", "Vanilla syrup", "l", 1'500, 300},
    {"caramel", "Caramel syrup", "l", 1'200, 300},
    {"chai", "Chai concentrate", "l", 3'000, 750},
    {"matcha", "Matcha powder", "kg", 400, 100},
    {"cups", "Takeaway cups", "pcs", 600'000, 100'000},
};

struct DemoProduct {
  const char* name;
  const char* category;
  const char* description;
  std::int64_t price;  // minor units
  int prep_minutes;
  std::vector<std::pair<const char*, std::int64_t>> recipe;  // item key, thousandths
  bool coffee_modifiers;
  std::int64_t stock;  // thousandths; < 0: not tracked
  std::int64_t threshold;
};

}  // namespace

int run_seed_demo(const Config& config) {
  if (config.production()) {
    std::fprintf(stderr, "crema: seed-demo refuses to run with CREMA_ENV=production\n");
    return 1;
  }
  std::unique_ptr<db::Pool> pool;
  try {
    db::PoolOptions options;
    options.size = 2;
    pool = db::Pool::open(config.database_url, options);
    db::migrate(*pool);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crema: cannot open the database: %s\n", e.what());
    return 1;
  }
  try {
    // The demo accounts this database has (scripts/run.sh --demo shows them every time).
    auto print_accounts = [&] {
      bool any = false;
      for (const auto& u : kUsers) {
        if (!repo::find_user_by_email(*pool->read(), u.email)) continue;
        if (!any) std::printf("demo accounts (password \"%s\"):\n", kDemoPassword);
        any = true;
        std::printf("  %-22s %s\n", u.email, std::string(auth::role_name(u.role)).c_str());
      }
    };
    if (repo::count_products(*pool->read()) > 0) {
      std::printf("the catalogue already has products; seed-demo left it alone\n");
      print_accounts();
      return 0;
    }

    // Staff and a customer; existing accounts (an admin made by create-admin) are kept.
    std::string admin_id;
    for (const auto& u : kUsers) {
      auto existing = repo::find_user_by_email(*pool->read(), u.email);
      if (existing) {
        if (u.role == auth::Role::admin) admin_id = existing->id;
        continue;
      }
      repo::UserRecord user;
      user.id = util::new_uuid_v7();
      user.name = u.name;
      user.email = u.email;
      user.password_hash = auth::hash_password(kDemoPassword, config.argon2);
      user.role = u.role;
      user.email_verified = true;  // the demo's addresses receive nothing: taken as verified
      user.created_at = user.updated_at = util::now_ms();
      pool->transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), user); });
      if (u.role == auth::Role::admin) admin_id = user.id;
    }
    auth::Principal principal;
    principal.user_id = admin_id;
    principal.role = auth::Role::admin;
    const service::Actor actor{principal, "127.0.0.1", "seed-demo"};

    events::Bus bus;  // nobody listens: a running server sees the change within its cache age
    service::InventoryService inventory(*pool, bus);
    service::CatalogueService catalogue(*pool, bus);

    std::map<std::string, std::string> item_ids;
    for (const auto& it : kItems) {
      auto made = inventory.create(
          actor, {it.name, it.unit, domain::ItemKind::ingredient, it.on_hand, it.threshold});
      if (!made) throw std::runtime_error(made.error().message);
      item_ids[it.key] = made->id;
    }
    auto line = [&](const char* key, std::int64_t q) { return RecipeLine{item_ids.at(key), q}; };
    const std::vector<Modifier> coffee_modifiers = {
        {"size_small", "Small (8 oz)", -40, {}},
        {"size_large", "Large (16 oz)", 80, {line("milk", 100), line("beans", 9)}},
        {"oat_milk", "Oat milk", 50, {line("oat", 150)}},
        {"decaf", "Decaf", 0, {line("decaf", 18)}},
        {"extra_shot", "Extra shot", 90, {line("beans", 9)}},
        {"vanilla", "Vanilla syrup", 60, {line("vanilla", 20)}},
        {"caramel", "Caramel syrup", 60, {line("caramel", 20)}},
        {"takeaway", "Takeaway cup", 0, {line("cups", 1000)}},
    };
    // One product per row reads better than clang-format's one field per line.
    // clang-format off
    const std::vector<DemoProduct> products = {
        {"Espresso", "Coffee", "A double shot of our house blend.", 280, 2,
         {{"beans", 18}}, true, -1, 0},
        {"Americano", "Coffee", "Espresso lengthened with hot water.", 320, 2,
         {{"beans", 18}}, true, -1, 0},
        {"Cappuccino", "Coffee", "Espresso, steamed milk and a thick cap of foam.", 420, 3,
         {{"beans", 18}, {"milk", 150}}, true, -1, 0},
        {"Latte", "Coffee", "Espresso and silky steamed milk.", 450, 3,
         {{"beans", 18}, {"milk", 220}}, true, -1, 0},
        {"Flat White", "Coffee", "Ristretto shots with a thin layer of velvety milk.", 430, 3,
         {{"beans", 18}, {"milk", 120}}, true, -1, 0},
        {"Mocha", "Coffee", "Espresso, chocolate and steamed milk.", 490, 4,
         {{"beans", 18}, {"milk", 180}, {"chocolate", 30}}, true, -1, 0},
        {"Caramel Macchiato", "Coffee", "Vanilla, milk, espresso and a caramel drizzle.", 510, 4,
         {{"beans", 18}, {"milk", 200}, {"vanilla", 15}, {"caramel", 15}}, true, -1, 0},
        {"Chai Latte", "Tea", "Spiced chai with steamed milk.", 440, 3,
         {{"chai", 60}, {"milk", 180}}, false, -1, 0},
        {"Matcha Latte", "Tea", "Ceremonial matcha whisked into steamed milk.", 480, 3,
         {{"matcha", 4}, {"milk", 200}}, false, -1, 0},
        {"Butter Croissant", "Pastries", "Laminated with French butter, baked every morning.", 320,
         0, {}, false, 24'000, 6'000},
        {"Pain au Chocolat", "Pastries", "Croissant dough around two bars of dark chocolate.", 360,
         0, {}, false, 18'000, 5'000},
        {"Almond Croissant", "Pastries", "Twice-baked with frangipane and toasted almonds.", 390, 0,
         {}, false, 12'000, 4'000},
        {"Cinnamon Bun", "Pastries", "Cardamom dough, cinnamon sugar, a sticky glaze.", 380, 0, {},
         false, 16'000, 4'000},
        {"Blueberry Muffin", "Pastries", "Buttermilk muffin packed with blueberries.", 320, 0, {},
         false, 20'000, 5'000},
        {"Country Sourdough", "Breads", "Naturally leavened, 36-hour fermentation, 900 g.", 750, 0,
         {}, false, 10'000, 3'000},
        {"Baguette", "Breads", "Crisp crust, open crumb.", 320, 0, {}, false, 20'000, 5'000},
        {"Seeded Rye", "Breads", "Dark rye with sunflower, pumpkin and flax seeds.", 680, 0, {},
         false, 8'000, 2'000},
    };
    // clang-format on
    for (const auto& d : products) {
      service::ProductInput in;
      in.name = d.name;
      in.category = d.category;
      in.description = d.description;
      in.price = d.price;
      in.prep_minutes = d.prep_minutes;
      std::vector<RecipeLine> recipe;
      for (const auto& [key, q] : d.recipe) recipe.push_back(line(key, q));
      in.recipe = std::move(recipe);
      if (d.coffee_modifiers) {
        in.modifiers = coffee_modifiers;
        in.attributes = boost::json::object{
            {"sizes", boost::json::array{"small", "regular", "large"}}, {"temperature", "hot"}};
      } else if (d.stock >= 0) {
        in.attributes = boost::json::object{{"baked", "daily"}};
        in.stock = d.stock;
        in.stock_threshold = d.threshold;
      }
      auto made = catalogue.create(actor, in);
      if (!made) throw std::runtime_error(std::string(d.name) + ": " + made.error().message);
    }
    std::printf("seeded the demo café: %zu inventory items, %zu products\n", std::size(kItems),
                products.size());
    std::printf("seeded %d demo orders over the last few days\n",
                seed_demo_orders(*pool, bus, config));
    // The demo driver gets a driver profile, so deliveries can be assigned (SPEC §8).
    if (auto dan = repo::find_user_by_email(*pool->read(), "driver@crema.demo");
        dan && dan->role == auth::Role::driver &&
        !repo::find_driver_by_user(*pool->read(), dan->id)) {
      repo::DriverRow d;
      d.id = util::new_uuid_v7();
      d.user_id = dan->id;
      d.name = dan->name;
      d.vehicle = "cargo bike";
      d.created_at = d.updated_at = util::now_ms();
      pool->transact([&](db::Transaction& tx) { repo::insert_driver(tx, d); });
    }
    print_accounts();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crema: seed-demo failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace crema::app
