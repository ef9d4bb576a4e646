#pragma once
/// Inventory rules without I/O (SPEC §5): items, available stock, low-stock state, the kinds
/// of log rows, and the needs an order places on stock. Quantities are integer thousandths.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace crema::domain {

enum class ItemKind : std::uint8_t { ingredient, product };

std::string_view item_kind_name(ItemKind kind) noexcept;
std::optional<ItemKind> parse_item_kind(std::string_view name) noexcept;

/// What an inventory log row records (SPEC §5).
enum class LogKind : std::uint8_t { reserve, commit, release, restock, adjust, receive, waste };

std::string_view log_kind_name(LogKind kind) noexcept;
std::optional<LogKind> parse_log_kind(std::string_view name) noexcept;

/// Whether an item with these figures is low: counted, and available below the threshold.
constexpr bool is_low(bool tracked, std::int64_t on_hand, std::int64_t reserved,
                      std::int64_t threshold) noexcept {
  return tracked && on_hand - reserved < threshold;
}

/// The new value of an item's "low alert raised" flag when it differs from `alerted`:
/// true once per dip below the threshold (that is the alert), false once stock is back.
constexpr std::optional<bool> low_transition(bool alerted, bool low) noexcept {
  if (alerted == low) return std::nullopt;
  return low;
}

/// An inventory item (ingredient or finished good).
struct InventoryItem {
  std::string id;
  std::string name;
  std::string unit;
  ItemKind kind = ItemKind::ingredient;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t low_stock_threshold = 0;
  bool tracked = true;       ///< false while its product's track_stock is off
  bool low_alerted = false;  ///< the current dip below the threshold was announced
  std::int64_t version = 1;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;

  std::int64_t available() const noexcept { return on_hand - reserved; }
  bool is_low() const noexcept {
    return domain::is_low(tracked, on_hand, reserved, low_stock_threshold);
  }
};

/// The item as GET /inventory/{id} returns it (and the `inventory_low` event carries it).
boost::json::object to_json(const InventoryItem& item);

/// One inventory log row (SPEC §5). `delta` is the change of available stock for reserve and
/// release, and of on_hand for every other kind.
struct InventoryLog {
  std::string id;
  std::string inventory_item_id;
  std::int64_t delta = 0;
  LogKind kind = LogKind::adjust;
  std::string reason;
  std::string order_id;  ///< "" when none
  std::string actor_id;  ///< "" when none
  std::int64_t on_hand_after = 0;
  std::int64_t reserved_after = 0;
  std::int64_t created_at = 0;
};

/// The log row as GET /inventory/{id}/logs returns it.
boost::json::object to_json(const InventoryLog& log);

/// One thing needed from stock: an item and a quantity in thousandths (> 0).
struct StockNeed {
  std::string item_id;
  std::int64_t quantity = 0;
  bool operator==(const StockNeed&) const = default;
};

/// Sums needs on the same item and sorts them by item id: one conditional update per item,
/// always in the same order, so two concurrent orders never deadlock on PostgreSQL.
/// Needs of zero are dropped.
std::vector<StockNeed> merge_needs(std::vector<StockNeed> needs);

/// What one log row's movement did to an item: the change of on_hand and of available stock
/// (on_hand - reserved). A reservation moves only available stock; a commit only on_hand
/// (what was reserved is consumed); every other kind moves both.
struct StockMovement {
  std::int64_t on_hand = 0;
  std::int64_t available = 0;
};
StockMovement movement_of(LogKind kind, std::int64_t delta) noexcept;

/// What decides whether a product is in stock (SPEC §4): its sale switch, its own counted
/// stock (its own item has the product's id) and each counted recipe ingredient, with the
/// available stock of each (thousandths).
struct ProductStockInputs {
  std::string product_id;
  bool sale_enabled = true;
  bool track_stock = false;
  std::int64_t own_available = 0;  ///< 0 without an own item (as the SQL's COALESCE)
  struct Line {
    std::string item_id;
    std::int64_t need = 0;  ///< what one unit takes
    std::int64_t available = 0;
    bool tracked = true;
  };
  std::vector<Line> recipe;
};

/// A product's `in_stock`, exactly as the repositories' SQL derives it, with `available`
/// replacing the figures of some items (item id → available stock): what they were before
/// a change, to tell whether it changed the product's availability.
bool product_in_stock(const ProductStockInputs& p,
                      const std::map<std::string, std::int64_t>& available = {});

/// Exact decimal text of a quantity in thousandths: 2125 → "2.125", 500 → "0.5", 3000 → "3".
std::string quantity_text(std::int64_t thousandths);

}  // namespace crema::domain
