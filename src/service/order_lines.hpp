#pragma once
/// Order lines (of a request or a cart) resolved against the catalogue: the priced snapshot
/// of each line, what they need from stock, and every problem found (for a 422).

#include <string_view>
#include <vector>

#include "db/connection.hpp"
#include "domain/order.hpp"
#include "service/order_service.hpp"
#include "service/stock.hpp"

namespace crema::service {

struct ResolvedLines {
  std::vector<domain::OrderItem> items;
  std::vector<domain::StockNeed> needs;  ///< of every line, not merged
  std::vector<FieldIssue> issues;        ///< `<prefix>[i].product_id`, `<prefix>[i].modifiers[k]`
  std::vector<Shortage> switched_off;    ///< products switched off for sale
  int prep_minutes = 0;                  ///< the longest prep_minutes among the lines
};

/// Reads each line's product (active, its modifiers, its recipe) and prices the line with
/// the current price. Field paths start with `prefix` ("items").
ResolvedLines resolve_lines(db::Connection& conn, const std::vector<OrderLine>& lines,
                            std::string_view prefix);

}  // namespace crema::service
