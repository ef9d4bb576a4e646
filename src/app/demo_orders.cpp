#include "app/demo_orders.hpp"

#include <random>
#include <stdexcept>
#include <vector>

#include "app/orders_module.hpp"
#include "repo/order_repo.hpp"
#include "repo/product_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/order_service.hpp"
#include "util/time.hpp"
#include "util/zoned_date.hpp"

namespace crema::app {

namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

service::Actor actor_for(db::Pool& pool, const char* email, auth::Role role) {
  auto user = repo::find_user_by_email(*pool.read(), email);
  if (!user) throw std::runtime_error(std::string("no demo account ") + email);
  auth::Principal p;
  p.user_id = user->id;
  p.role = role;
  return service::Actor{p, "127.0.0.1", "seed-demo"};
}

}  // namespace

int seed_demo_orders(db::Pool& pool, events::Bus& bus, const Config& config, int days) {
  service::OrderService orders(pool, bus, order_settings(config));
  const auto barista = actor_for(pool, "barista@crema.demo", auth::Role::staff);
  const auto baker = actor_for(pool, "baker@crema.demo", auth::Role::staff);
  const auto customer = actor_for(pool, "customer@crema.demo", auth::Role::customer);
  // Drinks made to order: the pastries' counted stock stays as seeded (24 croissants…),
  // while the orders draw on milk, beans and syrups.
  std::vector<domain::Product> products;
  for (auto& p :
       pool.read_transact([](db::Transaction& tx) { return repo::menu_products(tx.connection()); }))
    if (!p.track_stock) products.push_back(std::move(p));
  if (products.empty()) return 0;

  std::mt19937 rng(20261122);  // the same history on every run
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  auto chance = [&](int percent) { return static_cast<int>(pick(100)) < percent; };
  int placed = 0;
  for (int day = days; day >= 0; --day) {
    const int count = 6 + static_cast<int>(pick(4));
    for (int k = 0; k < count; ++k) {
      service::OrderRequest r;
      const bool online = chance(30);
      const auto& who = online ? customer : (chance(50) ? barista : baker);
      r.type = online ? domain::OrderType::online
                      : (chance(40) ? domain::OrderType::dine_in : domain::OrderType::takeaway);
      if (r.type == domain::OrderType::dine_in) r.table_number = std::to_string(1 + pick(12));
      const std::size_t lines = 1 + pick(3);
      for (std::size_t i = 0; i < lines; ++i) {
        const auto& p = products[pick(products.size())];
        service::OrderLine line;
        line.product_id = p.id;
        line.quantity = 1 + static_cast<std::int64_t>(pick(2));
        if (!p.modifiers.empty() && chance(40))
          line.modifiers.push_back(p.modifiers[pick(p.modifiers.size())].code);
        r.items.push_back(std::move(line));
      }
      r.items_given = true;
      r.payment_method = online ? "stripe" : (chance(50) ? "card" : "cash");
      auto made = orders.place(who, r, {});
      if (!made) continue;  // the demo stock ran short for this one: skip it
      ++placed;
      const std::string& id = made->id;
      // Past days: most orders went all the way, a few were cancelled. Today: a live queue.
      using S = domain::OrderStatus;
      std::vector<S> path;
      if (day > 0) {
        if (chance(12)) {
          path = {S::cancelled};
        } else {
          path = {S::confirmed, S::preparing, S::ready, S::completed};
        }
      } else {
        static const std::vector<S> kFull = {S::confirmed, S::preparing, S::ready, S::completed};
        path.assign(kFull.begin(), kFull.begin() + static_cast<std::ptrdiff_t>(pick(5)));
      }
      for (S s : path)
        if (!orders.change_status(barista, id, s, s == S::cancelled ? "changed their mind" : "",
                                  {}))
          break;
      if (day > 0) {
        // Moved back to its day, at some hour of its opening (8:00 to 18:00 in the shop's
        // zone), under a number of that day.
        const auto compact = orders.business_date(util::now_ms() - day * kDayMs);
        const auto start = util::day_start_ms(
            compact.substr(0, 4) + "-" + compact.substr(4, 2) + "-" + compact.substr(6, 2),
            config.timezone);
        if (!start) continue;
        const std::int64_t at = *start + static_cast<std::int64_t>(8 * 60 + pick(600)) * 60'000;
        pool.transact([&](db::Transaction& tx) {
          auto order = repo::lock_order(tx, id);
          if (!order) return;
          const std::int64_t shift = order->created_at - at;
          const auto date = orders.business_date(at);
          const auto number = domain::order_number(date, repo::next_order_sequence(tx, date));
          repo::backdate_order(tx, id, shift, date, number);
        });
      }
    }
  }
  return placed;
}

}  // namespace crema::app
