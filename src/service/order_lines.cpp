#include "service/order_lines.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "repo/product_repo.hpp"
#include "util/uuid.hpp"

namespace crema::service {

ResolvedLines resolve_lines(db::Connection& conn, const std::vector<OrderLine>& lines,
                            std::string_view prefix) {
  ResolvedLines out;
  std::vector<std::string> ids;
  for (const auto& line : lines) ids.push_back(line.product_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const auto products = repo::products_for_order(conn, ids);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& line = lines[i];
    const std::size_t at = line.position < 0 ? i : static_cast<std::size_t>(line.position);
    const std::string base = std::string(prefix) + "[" + std::to_string(at) + "]";
    const auto it = products.find(line.product_id);
    const domain::Product* product = it == products.end() ? nullptr : &it->second;
    if (!product) {
      out.issues.push_back({base + ".product_id", "no such product"});
      continue;
    }
    if (!product->is_active) {
      out.issues.push_back({base + ".product_id", product->name + " is not on sale any more"});
      continue;
    }
    auto price = domain::unit_price(*product, line.modifiers);
    if (!price) {
      for (const auto& d : price.error().details)
        out.issues.push_back({base + "." + d.field, d.issue});
      continue;
    }
    auto needs = domain::stock_needs(*product, line.modifiers, line.quantity);
    if (!needs) {
      for (const auto& d : needs.error().details)
        out.issues.push_back({base + "." + d.field, d.issue});
      continue;
    }
    if (!product->sale_enabled)
      out.switched_off.push_back({product->id, product->name + " (switched off for sale)", "pcs",
                                  line.quantity * 1000, 0});
    out.needs.insert(out.needs.end(), needs->begin(), needs->end());
    domain::OrderItem item;
    item.id = util::new_uuid_v7();
    item.product_id = product->id;
    item.name = product->name;
    item.unit_price = *price;
    item.quantity = line.quantity;
    item.modifiers = line.modifiers;
    item.options = line.options;
    item.special_instructions = line.special_instructions;
    item.line_total = *price * line.quantity;
    item.prep_minutes = product->prep_minutes;
    out.prep_minutes = std::max(out.prep_minutes, product->prep_minutes);
    out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace crema::service
