#pragma once
// A migrated database of the store under test, an event bus that records what was
// published, actors of each role, and helpers to make inventory items and products.

#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "db/db_fixture.hpp"
#include "db/migrations.hpp"
#include "domain/money.hpp"
#include "events/bus.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/actor.hpp"
#include "service/catalogue_service.hpp"
#include "service/inventory_service.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::test {

inline service::Actor actor_of_role(auth::Role role, std::string id = "user-1") {
  auth::Principal p;
  p.user_id = std::move(id);
  p.role = role;
  return service::Actor{p, "203.0.113.9", "req-t"};
}

/// A new account of `role` in the database (the orders and reviews need real users), as an
/// actor.
inline service::Actor insert_user_of_role(db::Pool& pool, auth::Role role) {
  repo::UserRecord u;
  u.id = util::new_uuid_v7();
  u.name = "User " + u.id.substr(30);
  u.email = u.id + "@example.com";
  u.password_hash = "not-a-hash";
  u.role = role;
  u.created_at = u.updated_at = util::now_ms();
  pool.transact([&](db::Transaction& tx) { repo::insert_user(tx.connection(), u); });
  return actor_of_role(role, u.id);
}

/// Whole units → thousandths.
constexpr std::int64_t units(std::int64_t n) { return n * 1000; }

class CatalogueDbTest : public DbTest {
 protected:
  void SetUp() override {
    DbTest::SetUp();
    if (!pool_) return;
    db::migrate(*pool_);
    bus_.subscribe([this](const events::Event& e) {
      std::lock_guard lock(events_mutex_);
      events_.push_back(e);
    });
  }

  /// Inserts an ingredient directly (no service, no log).
  std::string make_item(std::string name, std::int64_t on_hand, std::int64_t threshold = 0,
                        std::string unit = "l") {
    domain::InventoryItem it;
    it.id = util::new_uuid_v7();
    it.name = std::move(name);
    it.unit = std::move(unit);
    it.on_hand = on_hand;
    it.low_stock_threshold = threshold;
    it.created_at = it.updated_at = util::now_ms();
    pool_->transact([&](db::Transaction& tx) { repo::insert_item(tx, it); });
    return it.id;
  }

  /// A product made through the catalogue service, as an admin; throws when it is refused.
  /// `stock` (thousandths): its own tracked stock; none: not tracked.
  std::string make_product(std::string name, std::string category, std::int64_t price,
                           std::optional<std::int64_t> stock = std::nullopt) {
    service::ProductInput in;
    in.name = std::move(name);
    in.category = std::move(category);
    in.price = price;
    in.stock = stock;
    auto p = service::CatalogueService(*pool_, bus_).create(admin_, in);
    if (!p) throw std::runtime_error("product refused: " + p.error().message);
    return p->id;
  }

  domain::InventoryItem item(const std::string& id) {
    auto lease = pool_->read();
    auto it = repo::find_item(*lease, id);
    if (!it) throw std::runtime_error("no item " + id);
    return *it;
  }

  std::vector<events::Event> events_of(std::string_view type) {
    std::lock_guard lock(events_mutex_);
    std::vector<events::Event> out;
    for (const auto& e : events_)
      if (e.type == type) out.push_back(e);
    return out;
  }
  void clear_events() {
    std::lock_guard lock(events_mutex_);
    events_.clear();
  }

  std::int64_t logs_of(const std::string& item_id, std::string_view kind = {}) {
    auto lease = pool_->read();
    if (kind.empty())
      return lease
          ->exec("SELECT COUNT(*) FROM inventory_logs WHERE inventory_item_id = $1", {item_id})
          .front()
          .int64(0);
    return lease
        ->exec("SELECT COUNT(*) FROM inventory_logs WHERE inventory_item_id = $1 AND kind = $2",
               {item_id, kind})
        .front()
        .int64(0);
  }

  events::Bus bus_;
  std::mutex events_mutex_;
  std::vector<events::Event> events_;
  service::Actor admin_ = actor_of_role(auth::Role::admin, "admin-1");
  service::Actor manager_ = actor_of_role(auth::Role::manager, "manager-1");
  service::Actor staff_ = actor_of_role(auth::Role::staff, "staff-1");
};

}  // namespace crema::test
