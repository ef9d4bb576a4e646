#include "domain/inventory.hpp"

#include <algorithm>
#include <map>

#include "domain/money.hpp"
#include "util/json_or_null.hpp"
#include "util/time.hpp"

namespace crema::domain {

namespace {
constexpr std::string_view kItemKinds[] = {"ingredient", "product"};
constexpr std::string_view kLogKinds[] = {"reserve", "commit",  "release", "restock",
                                          "adjust",  "receive", "waste"};
}  // namespace

std::string_view item_kind_name(ItemKind kind) noexcept {
  return kItemKinds[static_cast<std::size_t>(kind)];
}

std::optional<ItemKind> parse_item_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kItemKinds); ++i)
    if (kItemKinds[i] == name) return static_cast<ItemKind>(i);
  return std::nullopt;
}

std::string_view log_kind_name(LogKind kind) noexcept {
  return kLogKinds[static_cast<std::size_t>(kind)];
}

std::optional<LogKind> parse_log_kind(std::string_view name) noexcept {
  for (std::size_t i = 0; i < std::size(kLogKinds); ++i)
    if (kLogKinds[i] == name) return static_cast<LogKind>(i);
  return std::nullopt;
}

boost::json::object to_json(const InventoryItem& item) {
  return {{"id", item.id},
          {"name", item.name},
          {"unit", item.unit},
          {"kind", item_kind_name(item.kind)},
          {"on_hand", quantity_to_units(item.on_hand)},
          {"reserved", quantity_to_units(item.reserved)},
          {"available", quantity_to_units(item.available())},
          {"low_stock_threshold", quantity_to_units(item.low_stock_threshold)},
          {"is_low", item.is_low()},
          {"tracked", item.tracked},
          {"version", item.version},
          {"created_at", util::format_rfc3339(item.created_at)},
          {"updated_at", util::format_rfc3339(item.updated_at)}};
}

boost::json::object to_json(const InventoryLog& log) {
  return {{"id", log.id},
          {"inventory_item_id", log.inventory_item_id},
          {"delta", quantity_to_units(log.delta)},
          {"kind", log_kind_name(log.kind)},
          {"reason", log.reason},
          {"order_id", util::json_text_or_null(log.order_id)},
          {"actor_id", util::json_text_or_null(log.actor_id)},
          {"on_hand_after", quantity_to_units(log.on_hand_after)},
          {"reserved_after", quantity_to_units(log.reserved_after)},
          {"created_at", util::format_rfc3339(log.created_at)}};
}

std::vector<StockNeed> merge_needs(std::vector<StockNeed> needs) {
  std::map<std::string, std::int64_t> sums;
  for (auto& n : needs)
    if (n.quantity != 0) sums[std::move(n.item_id)] += n.quantity;
  std::vector<StockNeed> out;
  out.reserve(sums.size());
  for (auto& [id, q] : sums)
    if (q != 0) out.push_back({id, q});
  return out;
}

std::string quantity_text(std::int64_t thousandths) {
  const bool negative = thousandths < 0;
  // Magnitude as unsigned, so INT64_MIN has one too.
  const std::uint64_t m = negative ? 0 - static_cast<std::uint64_t>(thousandths)
                                   : static_cast<std::uint64_t>(thousandths);
  std::string out = negative ? "-" : "";
  out += std::to_string(m / 1000);
  if (auto frac = m % 1000; frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

StockMovement movement_of(LogKind kind, std::int64_t delta) noexcept {
  switch (kind) {
    case LogKind::reserve:
    case LogKind::release:
      return {0, delta};
    case LogKind::commit:
      return {delta, 0};
    case LogKind::restock:
    case LogKind::adjust:
    case LogKind::receive:
    case LogKind::waste:
      break;
  }
  return {delta, delta};
}

bool product_in_stock(const ProductStockInputs& p,
                      const std::map<std::string, std::int64_t>& available) {
  auto figure = [&](const std::string& item_id, std::int64_t current) {
    auto it = available.find(item_id);
    return it == available.end() ? current : it->second;
  };
  if (!p.sale_enabled) return false;
  if (p.track_stock && figure(p.product_id, p.own_available) < 1000) return false;
  for (const auto& line : p.recipe)
    if (line.tracked && figure(line.item_id, line.available) < line.need) return false;
  return true;
}

}  // namespace crema::domain
