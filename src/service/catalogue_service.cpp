#include "service/catalogue_service.hpp"

#include <algorithm>
#include <set>

#include <boost/json.hpp>

#include "events/bus.hpp"
#include "repo/inventory_repo.hpp"
#include "service/audit.hpp"
#include "service/outbox.hpp"
#include "service/stock.hpp"
#include "service/write_tx.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"
#include "util/validation_error.hpp"

namespace crema::service {

namespace {

using domain::Product;

constexpr std::string_view kProductUnit = "pcs";

crema::Error product_not_found(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No product " + id + ".");
}

// Every inventory item the recipe and the modifiers name must exist, and a product cannot
// consume itself.
crema::Result<void> check_references(db::Transaction& tx, const Product& p, bool recipe_given,
                                     bool modifiers_given) {
  std::vector<std::pair<std::string, std::string>> refs;  // (field path, item id)
  if (recipe_given)
    for (std::size_t i = 0; i < p.recipe.size(); ++i)
      refs.emplace_back("recipe[" + std::to_string(i) + "].inventory_item_id",
                        p.recipe[i].inventory_item_id);
  if (modifiers_given)
    for (std::size_t i = 0; i < p.modifiers.size(); ++i)
      for (std::size_t k = 0; k < p.modifiers[i].consumes.size(); ++k)
        refs.emplace_back("modifiers[" + std::to_string(i) + "].consumes[" + std::to_string(k) +
                              "].inventory_item_id",
                          p.modifiers[i].consumes[k].inventory_item_id);
  if (refs.empty()) return {};
  std::vector<std::string> ids;
  for (const auto& r : refs) ids.push_back(r.second);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::set<std::string> known;
  for (const auto& it : repo::find_items(tx.connection(), ids)) known.insert(it.id);
  std::vector<FieldIssue> issues;
  for (const auto& [path, id] : refs) {
    if (id == p.id) {
      issues.push_back({path, "is this product's own stock; a product cannot consume itself"});
    } else if (!known.count(id)) {
      issues.push_back({path, "no such inventory item"});
    }
  }
  if (issues.empty()) return {};
  return crema::validation_error(std::move(issues));
}

void apply(Product& p, const ProductInput& in) {
  if (in.name) p.name = *in.name;
  if (in.description) p.description = *in.description;
  if (in.category) p.category = *in.category;
  if (in.price) p.price = *in.price;
  if (in.attributes) p.attributes = *in.attributes;
  if (in.modifiers) p.modifiers = *in.modifiers;
  if (in.prep_minutes) p.prep_minutes = *in.prep_minutes;
  if (in.in_stock) p.sale_enabled = *in.in_stock;
  if (in.is_active) p.is_active = *in.is_active;
  if (in.recipe) p.recipe = *in.recipe;
  // Giving stock or a threshold means counting it (SPEC §4: track_stock creates the item).
  if (in.track_stock) {
    p.track_stock = *in.track_stock;
  } else if (in.stock || in.stock_threshold) {
    p.track_stock = true;
  }
}

// Brings the product's own inventory item in line with `p` (SPEC §4): created when
// tracking starts, kept but not counted when it stops, renamed with the product; stock
// and threshold set from the input.
crema::Result<void> sync_own_item(db::Transaction& tx, const Actor& actor, const Product& p,
                                  const ProductInput& in, StockEffects& effects) {
  const auto now = util::now_ms();
  auto own = repo::lock_item(tx, p.id);
  const StockContext context{{}, actor.user_id(), "stock set on the product"};
  if (!own) {
    if (!p.track_stock) return {};
    domain::InventoryItem item;
    item.id = p.id;
    item.name = p.name;
    item.unit = std::string(kProductUnit);
    item.kind = domain::ItemKind::product;
    item.on_hand = in.stock.value_or(0);
    item.low_stock_threshold = in.stock_threshold.value_or(0);
    item.created_at = item.updated_at = now;
    repo::insert_item(tx, item);
    if (item.on_hand != 0) {
      record_stock_change(tx, item, domain::LogKind::adjust, item.on_hand,
                          {{}, actor.user_id(), "initial stock"}, effects);
    } else {
      note_low_state(tx, item, effects);
    }
    return {};
  }
  if (in.stock && *in.stock < own->reserved)
    return crema::Error::make(
        ErrorCode::conflict,
        "stock cannot go below what is reserved for open orders (" +
            domain::quantity_text(own->reserved) + ").",
        {{"stock", "must be at least " + domain::quantity_text(own->reserved)}});
  const std::optional<std::int64_t> new_on_hand =
      in.stock && *in.stock != own->on_hand ? in.stock : std::nullopt;
  repo::ItemChanges c{p.name, own->unit, in.stock_threshold.value_or(own->low_stock_threshold),
                      p.track_stock, new_on_hand};
  if (c.name == own->name && c.low_stock_threshold == own->low_stock_threshold &&
      c.tracked == own->tracked && !new_on_hand)
    return {};
  auto after = repo::update_item(tx, p.id, c, std::nullopt, now);
  if (!after) return crema::Error::make(ErrorCode::conflict, "The stock changed; try again.");
  if (new_on_hand) {
    record_stock_change(tx, *after, domain::LogKind::adjust, *new_on_hand - own->on_hand, context,
                        effects);
  } else {
    note_low_state(tx, *after, effects);
  }
  return {};
}

std::string describe(const ProductInput& in) {
  std::string out;
  auto add = [&](std::string_view field) {
    if (!out.empty()) out += ", ";
    out += field;
  };
  if (in.name) add("name");
  if (in.description) add("description");
  if (in.category) add("category");
  if (in.price) add("price");
  if (in.attributes) add("attributes");
  if (in.modifiers) add("modifiers");
  if (in.prep_minutes) add("prep_minutes");
  if (in.track_stock) add("track_stock");
  if (in.stock) add("stock=" + domain::quantity_text(*in.stock));
  if (in.stock_threshold) add("stock_threshold");
  if (in.in_stock) add(*in.in_stock ? "in_stock=true" : "in_stock=false");
  if (in.is_active) add("is_active");
  if (in.recipe) add("recipe");
  return out.empty() ? "nothing" : out;
}

}  // namespace

crema::Result<Product> CatalogueService::create(const Actor& actor, const ProductInput& in) {
  if (in.track_stock && !*in.track_stock && (in.stock || in.stock_threshold))
    return crema::Error::make(ErrorCode::validation_failed, "One field is invalid.",
                              {{"track_stock", "must be true when stock is given"}});
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<Product> {
    auto& tx = work.tx();
    Product p;
    p.id = util::new_uuid_v7();
    p.created_at = p.updated_at = util::now_ms();
    apply(p, in);
    if (auto ok = check_references(tx, p, true, true); !ok) return std::move(ok).error();
    repo::insert_product(tx, p);
    StockEffects effects;
    if (auto ok = sync_own_item(tx, actor, p, in, effects); !ok) return std::move(ok).error();
    if (!p.recipe.empty()) repo::replace_recipe(tx, p.id, p.recipe);
    record_audit(tx, actor, {"product.create", "product", p.id, "Created " + p.name});
    effects.product_ids.push_back(p.id);
    resolve_affected_products(tx, effects);
    work.stock_changed(std::move(effects));
    auto fresh = repo::find_product(tx.connection(), p.id);
    return std::move(*fresh);
  });
}

crema::Result<Product> CatalogueService::update(const Actor& actor, const std::string& id,
                                                const ProductInput& in,
                                                std::optional<std::int64_t> expected,
                                                std::string_view action) {
  if (in.track_stock && !*in.track_stock && (in.stock || in.stock_threshold))
    return crema::Error::make(ErrorCode::validation_failed, "One field is invalid.",
                              {{"track_stock", "must be true when stock is given"}});
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<Product> {
    auto& tx = work.tx();
    auto cur = repo::lock_product(tx, id);
    if (!cur) return product_not_found(id);
    if (expected && *expected != cur->version)
      return crema::Error::make(ErrorCode::version_conflict,
                                "The product is at version " + std::to_string(cur->version) +
                                    "; reload it and apply the change again.");
    Product next = *cur;
    apply(next, in);
    if (auto ok = check_references(tx, next, in.recipe.has_value(), in.modifiers.has_value()); !ok)
      return std::move(ok).error();
    StockEffects effects;
    if (auto ok = sync_own_item(tx, actor, next, in, effects); !ok) return std::move(ok).error();
    if (in.recipe) repo::replace_recipe(tx, id, next.recipe);
    next.version = cur->version + 1;
    next.updated_at = util::now_ms();
    repo::update_product(tx, next);
    record_audit(
        tx, actor,
        {std::string(action), "product", id, "Changed " + describe(in) + " of " + next.name});
    effects.product_ids.push_back(id);
    resolve_affected_products(tx, effects);
    work.stock_changed(std::move(effects));
    auto fresh = repo::find_product(tx.connection(), id);
    return std::move(*fresh);
  });
}

crema::Result<void> CatalogueService::remove(const Actor& actor, const std::string& id) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<void> {
    auto& tx = work.tx();
    auto cur = repo::lock_product(tx, id);
    if (!cur) return product_not_found(id);
    if (!cur->is_active) return {};  // already hidden: nothing changes
    Product next = *cur;
    next.is_active = false;
    next.version = cur->version + 1;
    next.updated_at = util::now_ms();
    repo::update_product(tx, next);
    record_audit(tx, actor, {"product.delete", "product", id, "Deleted (hid) " + next.name});
    // Partners learn of the hidden product with the change (the bus event follows the commit).
    boost::json::array ids;
    ids.emplace_back(id);
    enqueue_webhook_event(tx, "menu_updated", boost::json::object{{"product_ids", std::move(ids)}});
    work.menu_changed(id);
    return {};
  });
}

crema::Result<Product> CatalogueService::get(const std::string& id, bool include_inactive) {
  auto lease = pool_.read();
  auto p = repo::find_product(*lease, id);
  if (!p || (!p->is_active && !include_inactive)) return product_not_found(id);
  return std::move(*p);
}

Page<Product, repo::ProductCursor> CatalogueService::list(const repo::ProductFilter& filter,
                                                          bool with_recipes) {
  auto page = pool_.read_transact([&](db::Transaction& tx) {
    auto p = make_page(repo::list_products(tx.connection(), filter), filter.limit,
                       [&](const Product& x) { return repo::cursor_of(x, filter.sort); });
    if (with_recipes && !p.items.empty()) {
      std::vector<std::string> ids;
      for (const auto& x : p.items) ids.push_back(x.id);
      auto recipes = repo::recipes_of(tx.connection(), ids);
      for (auto& x : p.items)
        if (auto it = recipes.find(x.id); it != recipes.end()) x.recipe = std::move(it->second);
    }
    return p;
  });
  return page;
}

std::vector<Product> CatalogueService::menu() {
  return pool_.read_transact(
      [](db::Transaction& tx) { return repo::menu_products(tx.connection()); });
}

}  // namespace crema::service
