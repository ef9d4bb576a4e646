#pragma once
/// SQL of inventory items and their log (SPEC §5). Stock changes are conditional updates
/// that check their own condition in the WHERE clause and report the row after the change,
/// so concurrent requests never oversell (no read-then-write).

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/pool.hpp"
#include "domain/inventory.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

void insert_item(db::Transaction& tx, const domain::InventoryItem& item);
std::optional<domain::InventoryItem> find_item(db::Connection& conn, std::string_view id);
/// The item, its row locked until the transaction ends (FOR UPDATE on PostgreSQL; SQLite's
/// write transaction holds the database already).
std::optional<domain::InventoryItem> lock_item(db::Transaction& tx, std::string_view id);
/// The items among `ids` that exist (any order).
std::vector<domain::InventoryItem> find_items(db::Connection& conn,
                                              std::span<const std::string> ids);

struct ItemFilter {
  std::optional<std::string> q;  ///< lower-cased substring of the name
  std::optional<domain::ItemKind> kind;
  bool low_only = false;  ///< counted items with available below the threshold
  std::optional<std::pair<std::string, std::string>> after;  ///< keyset: (name_lower, id)
  int limit = 50;
};
/// By name, then id; up to filter.limit + 1 rows (the extra one says there is more).
std::vector<domain::InventoryItem> list_items(db::Connection& conn, const ItemFilter& filter);

// ---- stock changes: each returns the item after the change, or nothing when its
// condition did not hold (or there is no such item) ----------------------------------------

/// reserved += q where on_hand - reserved >= q.
std::optional<domain::InventoryItem> reserve(db::Transaction& tx, std::string_view id,
                                             std::int64_t q, std::int64_t now);
/// reserve() plus its inventory log row (`log` gives id, delta, kind, reason, order and
/// actor; the after-figures come from the update). On PostgreSQL one statement (a
/// data-modifying CTE), so an order's lock on a busy item is followed only by its commit.
std::optional<domain::InventoryItem> reserve_logged(db::Transaction& tx, std::string_view id,
                                                    std::int64_t q, std::int64_t now,
                                                    const domain::InventoryLog& log);
/// Undo of a reservation made earlier in the same transaction (reserved -= q, no check).
void unreserve(db::Transaction& tx, std::string_view id, std::int64_t q, std::int64_t now);
/// on_hand -= q, reserved -= q where reserved >= q.
std::optional<domain::InventoryItem> commit(db::Transaction& tx, std::string_view id,
                                            std::int64_t q, std::int64_t now);
/// reserved -= q where reserved >= q.
std::optional<domain::InventoryItem> release(db::Transaction& tx, std::string_view id,
                                             std::int64_t q, std::int64_t now);
/// on_hand += q.
std::optional<domain::InventoryItem> restock(db::Transaction& tx, std::string_view id,
                                             std::int64_t q, std::int64_t now);
/// on_hand += delta where on_hand + delta >= reserved; a manual change, so version + 1.
std::optional<domain::InventoryItem> add_on_hand(db::Transaction& tx, std::string_view id,
                                                 std::int64_t delta, std::int64_t now);
/// on_hand = value where value >= reserved; version + 1.
std::optional<domain::InventoryItem> set_on_hand(db::Transaction& tx, std::string_view id,
                                                 std::int64_t value, std::int64_t now);
void set_low_alerted(db::Transaction& tx, std::string_view id, bool alerted);

/// The editable fields, all written at once; version + 1. Nothing when the item is gone,
/// (with `expected_version`) its version differs, or the new on_hand is below reserved.
struct ItemChanges {
  std::string name;
  std::string unit;
  std::int64_t low_stock_threshold = 0;
  bool tracked = true;
  std::optional<std::int64_t> on_hand;  ///< nothing: unchanged
};
std::optional<domain::InventoryItem> update_item(db::Transaction& tx, std::string_view id,
                                                 const ItemChanges& changes,
                                                 std::optional<std::int64_t> expected_version,
                                                 std::int64_t now);

void insert_log(db::Transaction& tx, const domain::InventoryLog& log);
/// Removes a log row written earlier in the same transaction (a reservation undone).
void delete_log(db::Transaction& tx, std::string_view id);
/// Newest first; rows strictly before `before` (created_at, id); up to limit + 1 rows.
std::vector<domain::InventoryLog> list_logs(db::Connection& conn, std::string_view item_id,
                                            const std::optional<repo::Keyset>& before, int limit);
/// The changes a user made (actor_id), oldest first, strictly after `after` (created_at,
/// id); up to limit + 1 rows. For the user's data export.
std::vector<domain::InventoryLog> list_logs_by_actor(db::Connection& conn,
                                                     std::string_view actor_id,
                                                     const std::optional<repo::Keyset>& after,
                                                     int limit);

/// A product whose menu entry follows an inventory item: a product that tracks stock and is
/// the item (`own`: its stock figure, and in stock while one unit is available), or one with
/// the item in its recipe (in stock while `need` is available).
struct StockDependent {
  std::string product_id;
  std::string item_id;
  std::int64_t need = 0;
  bool own = false;
};
/// The products depending on these items, as above.
std::vector<StockDependent> stock_dependents(db::Connection& conn,
                                             std::span<const std::string> item_ids);
/// The same read through exec_soon (PostgreSQL: sent in front of the next statement);
/// `done` gets the rows then.
void stock_dependents_soon(db::Connection& conn, std::span<const std::string> item_ids,
                           std::function<void(std::vector<StockDependent>&&)> done);
/// What decides each of these products' in_stock, as it is now (in the caller's
/// transaction); products that do not exist are left out.
std::vector<domain::ProductStockInputs> product_stock_inputs(
    db::Connection& conn, std::span<const std::string> product_ids);

/// `$first, $first+1, …` for an IN list of n values.
std::string placeholders(std::size_t first, std::size_t n);

/// Lower-case ASCII (ids, codes).
std::string lower_ascii(std::string_view s);

/// A name folded for case-insensitive search and sorting (util::fold_case: ASCII and the
/// common European letters), as stored in the name_lower columns.
std::string fold_name(std::string_view s);

/// `s` with LIKE's wildcards escaped with `\` (use `ESCAPE '\'`), wrapped in `%…%`.
std::string like_contains(std::string_view s);

/// How many tracked items are below their low-stock threshold now (what GET
/// /inventory/low lists): the `inventory_low_stock_items` gauge.
std::int64_t count_low_stock(db::Connection& conn);

}  // namespace crema::repo
