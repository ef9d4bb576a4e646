#pragma once
/// The reservation module (SPEC §5), for the orders feature and the catalogue: reserve,
/// commit, release and restock a set of stock needs inside the caller's transaction.
///
/// Every change is one conditional UPDATE whose WHERE clause checks the stock (for a
/// reservation `on_hand - reserved >= q`) and whose affected-row count says whether it held
/// — never read-then-write — so concurrent orders never oversell, on SQLite and PostgreSQL
/// alike. Needs are merged per item and applied in item-id order (no deadlocks). Every
/// change writes an inventory log row. A change that takes an item below its
/// low-stock threshold raises one alert per crossing (returned, not published: the caller
/// hands the effects to its unit of work, which publishes them after the commit).
///
/// How orders use it:
///   1. creating an order: reserve_stock(tx, needs, {order_id, actor}) in the transaction
///      that inserts the order; on shortages, answer out_of_stock_error(shortages) and roll
///      back. Keep the needs with the order: commit, release and restock must be given the
///      same needs that were reserved.
///   2. confirming: commit_stock; cancelling a pending order or expiring an unpaid one:
///      release_stock; cancelling a confirmed order: restock_stock.
///   3. work.stock_changed(effects) on the use case's UnitOfWork (service/write_tx.hpp):
///      after the commit, the `inventory_low` events and, when a product's menu entry really
///      changed, `menu_updated` (which also refreshes the menu cache). A reservation that
///      leaves every product as available as it was announces nothing: screens polling the
///      menu are not sent to refetch it.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "db/pool.hpp"
#include "domain/inventory.hpp"
#include "util/error.hpp"

namespace crema::service {

/// Who and what a stock change is for; written into its log rows.
struct StockContext {
  std::string order_id;  ///< "" when none
  std::string actor_id;  ///< "" when none (the system, an expiry job)
  std::string reason;    ///< free text, e.g. "order 20261122-0042"
};

/// What a committed stock change means for the rest of the system.
struct StockEffects {
  /// One stock movement of an item: its available stock (on_hand - reserved) before and
  /// after, and whether on_hand moved.
  struct Move {
    std::string item_id;
    std::int64_t available_before = 0;
    std::int64_t available_after = 0;
    bool on_hand_moved = false;
  };

  std::vector<std::string> item_ids;  ///< items changed (sorted, unique)
  /// Products whose menu entry really changed (SPEC §7: `menu_updated` only then): their
  /// in_stock flipped, their own stock figure moved, or the caller changed the product.
  std::vector<std::string> product_ids;
  std::vector<domain::InventoryItem> low_alerts;  ///< items that just crossed below threshold
  std::vector<Move> moves;                        ///< in the order they were made

  bool empty() const noexcept { return item_ids.empty(); }
  /// Adds another change's effects (for a use case that makes several).
  void merge(StockEffects other);
};

/// An item an order cannot have: what was asked and what is available (thousandths).
struct Shortage {
  std::string item_id;
  std::string name;  ///< "" when there is no such item
  std::string unit;
  std::int64_t requested = 0;
  std::int64_t available = 0;
};

struct ReserveOutcome {
  StockEffects effects;             ///< when every need was reserved
  std::vector<Shortage> shortages;  ///< otherwise: every short item (nothing was reserved)
  bool ok() const noexcept { return shortages.empty(); }
};

/// Reserves every need or none: on any shortage, the reservations already made in this
/// call are undone within `tx` and every short item is listed; the caller then rolls `tx`
/// back (the partners' `menu_updated` outbox row is queued before the first update, so
/// that the items stay locked for as short a time as possible). Quantities must be > 0
/// (std::invalid_argument otherwise).
ReserveOutcome reserve_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                             const StockContext& context);

/// Turns reservations into consumption: on_hand and reserved both drop. An item whose
/// reserved is below the need means the caller's records disagree with the stock → 409
/// conflict (roll back).
crema::Result<StockEffects> commit_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                                         const StockContext& context);

/// Gives reservations back (reserved drops). Same 409 rule as commit_stock.
crema::Result<StockEffects> release_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                                          const StockContext& context);

/// Puts committed stock back on hand (a cancelled confirmed order). 404 for a missing item.
crema::Result<StockEffects> restock_stock(db::Transaction& tx, std::vector<domain::StockNeed> needs,
                                          const StockContext& context);

/// 409 out_of_stock listing each short item: details [{"field": "<inventory item id>",
/// "issue": "Whole milk: 0.5 l needed, 0.2 available"}].
crema::Error out_of_stock_error(const std::vector<Shortage>& shortages);

// ---- building blocks for the inventory and catalogue services -----------------------------

/// Records a change already applied to `after` (the item as it is now): its log row, the
/// movement (domain::movement_of(kind, delta)), the low-stock transition, and the effects.
void record_stock_change(db::Transaction& tx, const domain::InventoryItem& after,
                         domain::LogKind kind, std::int64_t delta, const StockContext& context,
                         StockEffects& effects);

/// The low-stock transition of an item changed without a stock movement (a new threshold,
/// tracking switched): flips its flag and records an alert on a crossing. A product's own
/// item shows on its menu entry (stock_threshold), so that product is counted as changed.
void note_low_state(db::Transaction& tx, const domain::InventoryItem& after, StockEffects& effects);

/// Adds to effects.product_ids the products whose menu entry the movements changed — a
/// tracked product whose own on_hand moved, or whose in_stock flipped (checked exactly, only
/// for the products where a movement crossed what one unit needs) — and queues the
/// partners' `menu_updated` when there is any (call once, before the commit).
void resolve_affected_products(db::Transaction& tx, StockEffects& effects);

}  // namespace crema::service
