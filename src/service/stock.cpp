#include "service/stock.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <boost/json.hpp>

#include "repo/inventory_repo.hpp"
#include "service/outbox.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace {

void check_positive(const std::vector<domain::StockNeed>& needs) {
  for (const auto& n : needs)
    if (n.quantity <= 0) throw std::invalid_argument("stock needs must be positive quantities");
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Applies one conditional change per need; the first need whose condition fails stops the
// use case with 409 (the caller rolls back).
template <class Apply>
crema::Result<StockEffects> apply_all(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                                      const StockContext& context, domain::LogKind kind,
                                      std::int64_t sign, Apply apply) {
  check_positive(needs);
  const auto merged = domain::merge_needs(std::move(needs));
  const auto now = util::now_ms();
  StockEffects effects;
  for (const auto& n : merged) {
    auto after = apply(n, now);
    if (!after) {
      auto current = repo::find_item(tx.connection(), n.item_id);
      if (!current)
        return crema::Error::make(ErrorCode::not_found, "No inventory item " + n.item_id + ".");
      return crema::Error::make(
          ErrorCode::conflict,
          "Only " + domain::quantity_text(current->reserved) + " " + current->unit + " of " +
              current->name + " is reserved; cannot " + std::string(domain::log_kind_name(kind)) +
              " " + domain::quantity_text(n.quantity) + ".");
    }
    record_stock_change(tx, *after, kind, sign * n.quantity, context, effects);
  }
  resolve_affected_products(tx, effects);
  return effects;
}

}  // namespace

void StockEffects::merge(StockEffects other) {
  item_ids.insert(item_ids.end(), other.item_ids.begin(), other.item_ids.end());
  sort_unique(item_ids);
  product_ids.insert(product_ids.end(), other.product_ids.begin(), other.product_ids.end());
  sort_unique(product_ids);
  for (auto& a : other.low_alerts) low_alerts.push_back(std::move(a));
  for (auto& m : other.moves) moves.push_back(std::move(m));
}

namespace {

// The low-stock bookkeeping of an item as it is now.
void low_state(db::Transaction& tx, const domain::InventoryItem& after, StockEffects& effects);

void add_move(StockEffects& effects, const domain::InventoryItem& after, domain::LogKind kind,
              std::int64_t delta) {
  const auto moved = domain::movement_of(kind, delta);
  effects.moves.push_back(
      {after.id, after.available() - moved.available, after.available(), moved.on_hand != 0});
}

// Which products' menu entries the movements changed (see resolve_affected_products), given
// the products depending on the moved items; queues the partners' menu_updated when any did.
void settle(db::Transaction& tx, StockEffects& effects,
            const std::vector<repo::StockDependent>& dependents) {
  struct Net {
    std::int64_t before = 0, after = 0;
    bool on_hand_moved = false;
  };
  std::map<std::string, Net> net;  // an item moved several times: first before, last after
  for (const auto& m : effects.moves) {
    auto [it, fresh] =
        net.try_emplace(m.item_id, Net{m.available_before, m.available_after, false});
    it->second.after = m.available_after;
    it->second.on_hand_moved = it->second.on_hand_moved || m.on_hand_moved;
  }
  std::vector<std::string> changed, maybe;
  for (const auto& d : dependents) {
    auto it = net.find(d.item_id);
    if (it == net.end()) continue;
    const Net& n = it->second;
    if (d.own && n.on_hand_moved) {
      changed.push_back(d.product_id);  // its stock figure is on the menu
    } else if ((n.before >= d.need) != (n.after >= d.need)) {
      maybe.push_back(d.product_id);  // in_stock may have flipped
    }
  }
  sort_unique(changed);
  sort_unique(maybe);
  std::erase_if(maybe, [&](const std::string& id) {
    return std::binary_search(changed.begin(), changed.end(), id);
  });
  if (!maybe.empty()) {
    // Rare (a movement crossed what one unit needs): whether the product really flipped
    // depends on its other ingredients and its sale switch too.
    std::map<std::string, std::int64_t> before;
    for (const auto& [id, n] : net) before[id] = n.before;
    for (const auto& p : repo::product_stock_inputs(tx.connection(), maybe))
      if (domain::product_in_stock(p) != domain::product_in_stock(p, before))
        changed.push_back(p.product_id);
  }
  effects.product_ids.insert(effects.product_ids.end(), changed.begin(), changed.end());
  sort_unique(effects.product_ids);
  // Partners subscribed to `menu_updated` get it through the outbox, with the change.
  if (!effects.product_ids.empty()) {
    boost::json::array ids;
    for (const auto& id : effects.product_ids) ids.emplace_back(id);
    enqueue_webhook_event(tx, "menu_updated", boost::json::object{{"product_ids", std::move(ids)}});
  }
}

}  // namespace

void record_stock_change(db::Transaction& tx, const domain::InventoryItem& after,
                         domain::LogKind kind, std::int64_t delta, const StockContext& context,
                         StockEffects& effects) {
  domain::InventoryLog log;
  log.id = util::new_uuid_v7();
  log.inventory_item_id = after.id;
  log.delta = delta;
  log.kind = kind;
  log.reason = context.reason;
  log.order_id = context.order_id;
  log.actor_id = context.actor_id;
  log.on_hand_after = after.on_hand;
  log.reserved_after = after.reserved;
  log.created_at = after.updated_at;
  repo::insert_log(tx, log);

  add_move(effects, after, kind, delta);
  low_state(tx, after, effects);
}

void note_low_state(db::Transaction& tx, const domain::InventoryItem& after,
                    StockEffects& effects) {
  // A product's own item: its threshold (or tracking) is part of the product's menu entry.
  if (after.kind == domain::ItemKind::product) effects.product_ids.push_back(after.id);
  low_state(tx, after, effects);
}

namespace {

void low_state(db::Transaction& tx, const domain::InventoryItem& after, StockEffects& effects) {
  effects.item_ids.push_back(after.id);
  // The row is locked by the change just made until the commit, so no other transaction
  // can flip the flag meanwhile: exactly one alert per crossing.
  if (auto flip = domain::low_transition(after.low_alerted, after.is_low())) {
    repo::set_low_alerted(tx, after.id, *flip);
    if (*flip) {
      auto alerted = after;
      alerted.low_alerted = true;
      // The alert's messages commit with the crossing (SPEC §10): one `low_stock`
      // notification per manager and admin, and the partners' `inventory_low` webhooks.
      const auto item = domain::to_json(alerted);
      enqueue_role_notification(tx, {"manager", "admin"}, "low_stock", {{"item", item}});
      enqueue_webhook_event(tx, "inventory_low", item);
      effects.low_alerts.push_back(std::move(alerted));
    }
  }
}

}  // namespace

void resolve_affected_products(db::Transaction& tx, StockEffects& effects) {
  sort_unique(effects.item_ids);
  std::vector<std::string> moved;
  for (const auto& m : effects.moves) moved.push_back(m.item_id);
  sort_unique(moved);
  settle(tx, effects, repo::stock_dependents(tx.connection(), moved));
}

ReserveOutcome reserve_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                             const StockContext& context) {
  check_positive(needs);
  const auto merged = domain::merge_needs(std::move(needs));
  const auto now = util::now_ms();
  ReserveOutcome out;
  // The products depending on these items, read before the first conditional update locks
  // an item (from there to the commit, other orders of the same items wait): the read rides
  // in front of the first reservation (exec_soon) instead of taking a round trip of its own,
  // delivered by the end of this function at the latest. Whether any of them really changed
  // is known only after the updates; usually none did, and nothing more is written.
  for (const auto& n : merged) out.effects.item_ids.push_back(n.item_id);
  sort_unique(out.effects.item_ids);
  std::vector<repo::StockDependent> dependents;
  repo::stock_dependents_soon(
      tx.connection(), out.effects.item_ids,
      [&dependents](std::vector<repo::StockDependent>&& rows) { dependents = std::move(rows); });
  struct Reserved {
    domain::InventoryItem after;
    std::int64_t quantity;
    std::string log_id;
  };
  std::vector<Reserved> done;
  done.reserve(merged.size());
  for (const auto& n : merged) {
    if (out.shortages.empty()) {
      domain::InventoryLog log;
      log.id = util::new_uuid_v7();
      log.delta = -n.quantity;
      log.kind = domain::LogKind::reserve;
      log.reason = context.reason;
      log.order_id = context.order_id;
      log.actor_id = context.actor_id;
      if (auto after = repo::reserve_logged(tx, n.item_id, n.quantity, now, log)) {
        done.push_back({std::move(*after), n.quantity, std::move(log.id)});
        continue;
      }
    }
    // Short (or, after a first shortage, only checked for the error's list: nothing more
    // is reserved once the order is refused).
    auto current = repo::find_item(tx.connection(), n.item_id);
    if (!current) {
      out.shortages.push_back({n.item_id, "", "", n.quantity, 0});
    } else if (!out.shortages.empty() && current->available() >= n.quantity) {
      continue;
    } else {
      out.shortages.push_back({n.item_id, current->name, current->unit, n.quantity,
                               std::max<std::int64_t>(0, current->available())});
    }
  }
  tx.connection().flush_soon();  // `out` is returned (moved) below: nothing may point into it
  if (!out.shortages.empty()) {
    for (const auto& r : done) {
      repo::unreserve(tx, r.after.id, r.quantity, now);
      repo::delete_log(tx, r.log_id);
    }
    out.effects = {};
    return out;
  }
  // The log rows went in with the updates; what is left is the low-stock bookkeeping and
  // what the reservations did to the menu.
  for (const auto& r : done) {
    add_move(out.effects, r.after, domain::LogKind::reserve, -r.quantity);
    low_state(tx, r.after, out.effects);
  }
  sort_unique(out.effects.item_ids);
  settle(tx, out.effects, dependents);
  return out;
}

crema::Result<StockEffects> commit_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                                         const StockContext& context) {
  return apply_all(tx, std::move(needs), context, domain::LogKind::commit, -1,
                   [&](const domain::StockNeed& n, std::int64_t now) {
                     return repo::commit(tx, n.item_id, n.quantity, now);
                   });
}

crema::Result<StockEffects> release_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                                          const StockContext& context) {
  return apply_all(tx, std::move(needs), context, domain::LogKind::release, 1,
                   [&](const domain::StockNeed& n, std::int64_t now) {
                     return repo::release(tx, n.item_id, n.quantity, now);
                   });
}

crema::Result<StockEffects> restock_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                                          const StockContext& context) {
  return apply_all(tx, std::move(needs), context, domain::LogKind::restock, 1,
                   [&](const domain::StockNeed& n, std::int64_t now) {
                     return repo::restock(tx, n.item_id, n.quantity, now);
                   });
}

crema::Error out_of_stock_error(const std::vector<Shortage>& shortages) {
  std::vector<FieldIssue> details;
  details.reserve(shortages.size());
  for (const auto& s : shortages) {
    std::string issue;
    if (s.name.empty()) {
      issue = "no such inventory item";
    } else {
      issue = s.name + ": " + domain::quantity_text(s.requested) + " " + s.unit + " needed, " +
              domain::quantity_text(s.available) + " available";
    }
    details.push_back({s.item_id, std::move(issue)});
  }
  return crema::Error::make(ErrorCode::out_of_stock,
                            shortages.size() == 1
                                ? "One item is out of stock."
                                : std::to_string(shortages.size()) + " items are out of stock.",
                            std::move(details));
}

}  // namespace crema::service
