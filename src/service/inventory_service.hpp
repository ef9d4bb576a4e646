#pragma once
/// Inventory use cases (SPEC §5): items, manual adjustments (single and all-or-nothing
/// batches), low stock and the log. Stock movements of orders go through service/stock.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/pool.hpp"
#include "domain/inventory.hpp"
#include "repo/keyset.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"
#include "service/user_export.hpp"
#include "util/error.hpp"

namespace crema::events {
class Bus;
}

namespace crema::service {

struct NewInventoryItem {
  std::string name;
  std::string unit;
  domain::ItemKind kind = domain::ItemKind::ingredient;
  std::int64_t on_hand = 0;              ///< thousandths
  std::int64_t low_stock_threshold = 0;  ///< thousandths
};

/// PUT /inventory/{id}: the fields given change, the others stay.
struct InventoryItemPatch {
  std::optional<std::string> name;
  std::optional<std::string> unit;
  std::optional<std::int64_t> low_stock_threshold;
  std::optional<std::int64_t> on_hand;  ///< logged as an `adjust` row
  std::optional<std::string> reason;    ///< for that log row
};

/// One manual stock change: delta on on_hand, never below what is reserved.
struct Adjustment {
  std::string item_id;
  std::int64_t delta = 0;                          ///< thousandths, not 0
  domain::LogKind kind = domain::LogKind::adjust;  ///< adjust, receive (> 0) or waste (< 0)
  std::string reason;
};

struct InventoryQuery {
  std::optional<std::string> q;
  std::optional<domain::ItemKind> kind;
  bool low_only = false;
  std::optional<std::pair<std::string, std::string>> after;  ///< (name_lower, id)
  int limit = 50;
};

class InventoryService {
 public:
  InventoryService(db::Pool& pool, const events::Bus& bus) : pool_(pool), bus_(bus) {}

  crema::Result<domain::InventoryItem> create(const Actor& actor, const NewInventoryItem& item);
  crema::Result<domain::InventoryItem> get(const std::string& id);
  Page<domain::InventoryItem, std::pair<std::string, std::string>> list(
      const InventoryQuery& query);
  /// 404, 409 version_conflict, 409 conflict (on_hand below reserved), 422 (renaming a
  /// product's own item: rename the product).
  crema::Result<domain::InventoryItem> update(const Actor& actor, const std::string& id,
                                              const InventoryItemPatch& patch,
                                              std::optional<std::int64_t> expected_version);
  /// 404 unknown item; 409 conflict when on_hand would fall below reserved.
  crema::Result<domain::InventoryItem> adjust(const Actor& actor, const Adjustment& adjustment);
  /// All or nothing: 422 listing unknown items, 409 listing every adjustment that would take
  /// on_hand below reserved; otherwise every item after the batch, in the batch's order.
  crema::Result<std::vector<domain::InventoryItem>> adjust_batch(
      const Actor& actor, const std::vector<Adjustment>& adjustments);
  /// Newest first; 404 for an unknown item.
  crema::Result<Page<domain::InventoryLog, repo::Keyset>> logs(const std::string& item_id,
                                                               std::optional<repo::Keyset> before,
                                                               int limit);

 private:
  db::Pool& pool_;
  const events::Bus& bus_;
};

/// Adds the "inventory_logs" section to the user data export (GET /users/{id}/export):
/// every stock change the user made (inventory log rows with their actor_id), oldest first.
void add_inventory_export_section(UserExportRegistry& registry);

}  // namespace crema::service
