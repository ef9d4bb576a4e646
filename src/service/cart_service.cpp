#include "service/cart_service.hpp"

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/order_repo.hpp"
#include "service/order_lines.hpp"
#include "util/time.hpp"
#include "util/validation_error.hpp"

namespace crema::service {

namespace json = boost::json;

namespace {

// Whether stock covers these needs now (an untracked product needs nothing).
bool covered(db::Connection& conn, const std::vector<domain::StockNeed>& needs) {
  const auto merged = domain::merge_needs(needs);
  if (merged.empty()) return true;
  std::vector<std::string> ids;
  for (const auto& n : merged) ids.push_back(n.item_id);
  const auto items = repo::find_items(conn, ids);
  for (const auto& n : merged) {
    bool ok = false;
    for (const auto& it : items)
      if (it.id == n.item_id) ok = !it.tracked || it.available() >= n.quantity;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

json::object CartService::get(const std::string& user_id) {
  return pool_.read_transact([&](db::Transaction& tx) {
    auto& conn = tx.connection();
    std::vector<OrderLine> lines;
    if (auto text = repo::find_cart(conn, user_id)) {
      const auto stored = json::parse(*text);
      for (const auto& e : stored.as_array()) lines.push_back(line_from_json(e.as_object()));
    }
    json::array items;
    std::vector<domain::OrderItem> priced;
    for (const auto& line : lines) {
      auto r = resolve_lines(conn, {line}, "items");
      json::object out = line_to_json(line);
      if (!r.issues.empty()) {
        out["available"] = false;
        out["issue"] = r.issues.front().issue;
        out["unit_price"] = nullptr;
        out["line_total"] = nullptr;
        out["in_stock"] = false;
      } else {
        const auto& item = r.items.front();
        out["name"] = item.name;
        out["available"] = true;
        out["unit_price"] = domain::money_to_major(item.unit_price);
        out["line_total"] = domain::money_to_major(item.line_total);
        out["in_stock"] = r.switched_off.empty() && covered(conn, r.needs);
        priced.push_back(item);
      }
      items.push_back(std::move(out));
    }
    const auto totals = domain::order_totals(priced, 0, settings_.tax_rate_bps);
    json::object body{{"items", std::move(items)},
                      {"subtotal", domain::money_to_major(totals.subtotal)},
                      {"tax_amount", domain::money_to_major(totals.tax)},
                      {"total_amount", domain::money_to_major(totals.total)},
                      {"currency", settings_.currency}};
    return body;
  });
}

crema::Result<json::object> CartService::replace(const std::string& user_id,
                                                 const std::vector<OrderLine>& lines) {
  {
    auto lease = pool_.read();
    auto r = resolve_lines(*lease, lines, "items");
    if (!r.issues.empty()) return crema::validation_error(std::move(r.issues));
  }
  json::array stored;
  for (const auto& l : lines) stored.push_back(line_to_json(l));
  const std::string text = json::serialize(stored);
  pool_.transact([&](db::Transaction& tx) { repo::save_cart(tx, user_id, text, util::now_ms()); });
  return get(user_id);
}

void CartService::clear(const std::string& user_id) {
  pool_.transact([&](db::Transaction& tx) { repo::delete_cart(tx, user_id); });
}

}  // namespace crema::service
