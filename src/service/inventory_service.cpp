#include "service/inventory_service.hpp"

#include <algorithm>
#include <map>

#include <boost/json.hpp>

#include "events/bus.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/keyset.hpp"
#include "service/audit.hpp"
#include "service/stock.hpp"
#include "service/write_tx.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace {

using domain::InventoryItem;
using domain::quantity_text;

crema::Error item_not_found(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No inventory item " + id + ".");
}

StockContext context_of(const Actor& actor, std::string reason) {
  return StockContext{{}, actor.user_id(), std::move(reason)};
}

std::string amount(std::int64_t q, const InventoryItem& item) {
  return quantity_text(q) + " " + item.unit;
}

}  // namespace

crema::Result<InventoryItem> InventoryService::create(const Actor& actor,
                                                      const NewInventoryItem& in) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<InventoryItem> {
    auto& tx = work.tx();
    InventoryItem item;
    item.id = util::new_uuid_v7();
    item.name = in.name;
    item.unit = in.unit;
    item.kind = in.kind;
    item.on_hand = in.on_hand;
    item.low_stock_threshold = in.low_stock_threshold;
    item.created_at = item.updated_at = util::now_ms();
    repo::insert_item(tx, item);
    StockEffects effects;
    if (item.on_hand != 0) {
      record_stock_change(tx, item, domain::LogKind::adjust, item.on_hand,
                          context_of(actor, "initial stock"), effects);
    } else {
      note_low_state(tx, item, effects);
    }
    record_audit(tx, actor,
                 {"inventory.create", "inventory_item", item.id,
                  "Created " + item.name + " with " + amount(item.on_hand, item) + " on hand"});
    work.stock_changed(std::move(effects));
    return item;
  });
}

crema::Result<InventoryItem> InventoryService::get(const std::string& id) {
  auto lease = pool_.read();
  auto item = repo::find_item(*lease, id);
  if (!item) return item_not_found(id);
  return std::move(*item);
}

Page<InventoryItem, std::pair<std::string, std::string>> InventoryService::list(
    const InventoryQuery& query) {
  repo::ItemFilter f;
  if (query.q) f.q = repo::fold_name(*query.q);
  f.kind = query.kind;
  f.low_only = query.low_only;
  f.after = query.after;
  f.limit = query.limit;
  auto lease = pool_.read();
  return make_page(repo::list_items(*lease, f), query.limit, [](const InventoryItem& it) {
    return std::make_pair(repo::fold_name(it.name), it.id);
  });
}

crema::Result<InventoryItem> InventoryService::update(const Actor& actor, const std::string& id,
                                                      const InventoryItemPatch& patch,
                                                      std::optional<std::int64_t> expected) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<InventoryItem> {
    auto& tx = work.tx();
    auto cur = repo::lock_item(tx, id);
    if (!cur) return item_not_found(id);
    if (expected && *expected != cur->version)
      return crema::Error::make(ErrorCode::version_conflict,
                                "The item is at version " + std::to_string(cur->version) +
                                    "; reload it and apply the change again.");
    if (patch.name && *patch.name != cur->name && cur->kind == domain::ItemKind::product)
      return crema::Error::make(
          ErrorCode::validation_failed, "One field is invalid.",
          {{"name", "is the name of its product; rename the product instead"}});
    if (patch.on_hand && *patch.on_hand < cur->reserved)
      return crema::Error::make(
          ErrorCode::conflict,
          "on_hand cannot go below what is reserved (" + amount(cur->reserved, *cur) + ").",
          {{"on_hand", "must be at least " + quantity_text(cur->reserved)}});
    repo::ItemChanges c{patch.name.value_or(cur->name), patch.unit.value_or(cur->unit),
                        patch.low_stock_threshold.value_or(cur->low_stock_threshold), cur->tracked,
                        patch.on_hand};
    auto after = repo::update_item(tx, id, c, cur->version, util::now_ms());
    if (!after)  // the row is locked and was checked above
      return crema::Error::make(ErrorCode::conflict, "The item changed meanwhile; try again.");
    StockEffects effects;
    std::string summary = "Updated " + after->name;
    if (patch.on_hand && *patch.on_hand != cur->on_hand) {
      record_stock_change(tx, *after, domain::LogKind::adjust, *patch.on_hand - cur->on_hand,
                          context_of(actor, patch.reason.value_or("stock count")), effects);
      summary += ": on_hand " + amount(cur->on_hand, *cur) + " → " + amount(after->on_hand, *after);
    } else {
      note_low_state(tx, *after, effects);
    }
    // A product's own item shows on the menu (stock, stock_threshold) whatever changed.
    resolve_affected_products(tx, effects);
    record_audit(tx, actor, {"inventory.update", "inventory_item", id, summary});
    work.stock_changed(std::move(effects));
    return *after;
  });
}

namespace {

// One adjustment inside a transaction: the item after it, or why it cannot be applied.
crema::Result<InventoryItem> apply_adjustment(db::Transaction& tx, const Actor& actor,
                                              const Adjustment& a, StockEffects& effects) {
  auto after = repo::add_on_hand(tx, a.item_id, a.delta, util::now_ms());
  if (!after) {
    auto cur = repo::find_item(tx.connection(), a.item_id);
    if (!cur) return item_not_found(a.item_id);
    return crema::Error::make(
        ErrorCode::conflict,
        cur->name + ": on_hand " + amount(cur->on_hand, *cur) + " " +
            (a.delta < 0 ? "minus " + quantity_text(-a.delta) : "plus " + quantity_text(a.delta)) +
            " would fall below the " + amount(cur->reserved, *cur) + " reserved.");
  }
  record_stock_change(
      tx, *after, a.kind, a.delta,
      context_of(actor, a.reason.empty() ? std::string(domain::log_kind_name(a.kind)) : a.reason),
      effects);
  return std::move(*after);
}

std::string adjustment_summary(const InventoryItem& after, const Adjustment& a) {
  return std::string(domain::log_kind_name(a.kind)) + " " + after.name + " by " +
         quantity_text(a.delta) + " " + after.unit +
         (a.reason.empty() ? "" : " (" + a.reason + ")");
}

}  // namespace

crema::Result<InventoryItem> InventoryService::adjust(const Actor& actor, const Adjustment& a) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<InventoryItem> {
    auto& tx = work.tx();
    StockEffects effects;
    auto after = apply_adjustment(tx, actor, a, effects);
    if (!after) return std::move(after).error();
    resolve_affected_products(tx, effects);
    record_audit(tx, actor,
                 {"inventory.adjust", "inventory_item", a.item_id, adjustment_summary(*after, a)});
    work.stock_changed(std::move(effects));
    return std::move(*after);
  });
}

crema::Result<std::vector<InventoryItem>> InventoryService::adjust_batch(
    const Actor& actor, const std::vector<Adjustment>& adjustments) {
  using Items = std::vector<InventoryItem>;
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<Items> {
    auto& tx = work.tx();
    // Unknown items first, all of them: a 422 the client can fix in one go.
    std::vector<std::string> ids;
    for (const auto& a : adjustments) ids.push_back(a.item_id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::map<std::string, bool> known;
    for (const auto& it : repo::find_items(tx.connection(), ids)) known[it.id] = true;
    std::vector<FieldIssue> missing;
    for (std::size_t i = 0; i < adjustments.size(); ++i)
      if (!known.count(adjustments[i].item_id))
        missing.push_back(
            {"adjustments[" + std::to_string(i) + "].inventory_item_id", "no such inventory item"});
    if (!missing.empty())
      return crema::Error::make(ErrorCode::validation_failed,
                                std::to_string(missing.size()) + " adjustments name no item.",
                                std::move(missing));

    StockEffects effects;
    Items items;
    std::vector<FieldIssue> refused;
    for (std::size_t i = 0; i < adjustments.size(); ++i) {
      auto after = apply_adjustment(tx, actor, adjustments[i], effects);
      if (!after) {
        refused.push_back({"adjustments[" + std::to_string(i) + "].delta", after.error().message});
        continue;
      }
      record_audit(tx, actor,
                   {"inventory.adjust", "inventory_item", adjustments[i].item_id,
                    adjustment_summary(*after, adjustments[i]) + " (batch)"});
      items.push_back(std::move(*after));
    }
    if (!refused.empty())
      return crema::Error::make(ErrorCode::conflict,
                                "Nothing was changed: " + std::to_string(refused.size()) +
                                    " of the adjustments would take stock below what is "
                                    "reserved.",
                                std::move(refused));
    resolve_affected_products(tx, effects);
    // An item adjusted twice appears once, as it is after the batch.
    Items latest;
    for (const auto& a : adjustments) {
      auto it = std::find_if(items.rbegin(), items.rend(),
                             [&](const InventoryItem& x) { return x.id == a.item_id; });
      if (std::none_of(latest.begin(), latest.end(),
                       [&](const InventoryItem& x) { return x.id == a.item_id; }))
        latest.push_back(*it);
    }
    work.stock_changed(std::move(effects));
    return latest;
  });
}

crema::Result<Page<domain::InventoryLog, repo::Keyset>> InventoryService::logs(
    const std::string& item_id, std::optional<repo::Keyset> before, int limit) {
  return pool_.read_transact(
      [&](db::Transaction& tx) -> crema::Result<Page<domain::InventoryLog, repo::Keyset>> {
        if (!repo::find_item(tx.connection(), item_id)) return item_not_found(item_id);
        return make_page(repo::list_logs(tx.connection(), item_id, before, limit), limit,
                         [](const domain::InventoryLog& l) {
                           return repo::Keyset{l.created_at, l.id};
                         });
      });
}

void add_inventory_export_section(UserExportRegistry& registry) {
  registry.add("inventory_logs",
               [](db::Connection& conn, const std::string& user_id) -> boost::json::value {
                 boost::json::array out;
                 std::optional<repo::Keyset> after;
                 constexpr int kPage = 1000;
                 while (true) {
                   auto rows = repo::list_logs_by_actor(conn, user_id, after, kPage);
                   const bool more = rows.size() > static_cast<std::size_t>(kPage);
                   if (more) rows.pop_back();
                   for (const auto& l : rows) out.push_back(domain::to_json(l));
                   if (!more || rows.empty()) break;
                   after = repo::Keyset{rows.back().created_at, rows.back().id};
                 }
                 return out;
               });
}

}  // namespace crema::service
