#include "domain/order.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "util/json_or_null.hpp"
#include "util/time.hpp"

namespace crema::domain {

namespace json = boost::json;

std::string_view order_type_name(OrderType t) noexcept { return kOrderTypes.name(t); }
std::optional<OrderType> parse_order_type(std::string_view s) noexcept {
  return kOrderTypes.parse(s);
}
std::string_view order_status_name(OrderStatus s) noexcept { return kOrderStatuses.name(s); }
std::optional<OrderStatus> parse_order_status(std::string_view s) noexcept {
  if (s == kInProgressAlias || s == "in_progress") return OrderStatus::preparing;
  return kOrderStatuses.parse(s);
}
std::string_view payment_status_name(PaymentStatus s) noexcept { return kPaymentStatuses.name(s); }
std::optional<PaymentStatus> parse_payment_status(std::string_view s) noexcept {
  return kPaymentStatuses.parse(s);
}
std::string_view stock_state_name(StockState s) noexcept { return kStockStates.name(s); }
std::optional<StockState> parse_stock_state(std::string_view s) noexcept {
  return kStockStates.parse(s);
}

json::object to_json(const Order& o) {
  json::array items;
  items.reserve(o.items.size());
  for (const auto& it : o.items) {
    json::array mods;
    for (const auto& m : it.modifiers) mods.emplace_back(m);
    items.push_back(
        json::object{{"id", it.id},
                     {"product_id", it.product_id},
                     {"name", it.name},
                     {"unit_price", money_to_major(it.unit_price)},
                     {"quantity", it.quantity},
                     {"modifiers", std::move(mods)},
                     {"options", it.options},
                     {"special_instructions", util::json_text_or_null(it.special_instructions)},
                     {"line_total", money_to_major(it.line_total)}});
  }
  json::array history;
  for (const auto& h : o.history) {
    json::object entry{{"status", order_status_name(h.status)},
                       {"at", util::format_rfc3339(h.at)},
                       {"by", util::json_text_or_null(h.by)}};
    if (!h.reason.empty()) entry["reason"] = h.reason;
    history.push_back(std::move(entry));
  }
  json::value delivery = nullptr;
  if (o.delivery_info || !o.driver_id.empty()) {
    json::object d = o.delivery_info.value_or(json::object{});
    if (!d.contains("address")) d["address"] = nullptr;
    if (!d.contains("eta")) d["eta"] = nullptr;
    // delivery_info.driver_id is the driver profile id (SPEC §8), kept in delivery_info by
    // the assignment; o.driver_id is that driver's user id (older rows have only that).
    const json::value* profile = d.if_contains("driver_id");
    if (o.driver_id.empty()) {
      d["driver_id"] = nullptr;
    } else if (!profile || !profile->is_string()) {
      d["driver_id"] = o.driver_id;
    }
    delivery = std::move(d);
  }
  json::value customer = nullptr;
  if (o.customer_info) customer = *o.customer_info;
  return json::object{{"id", o.id},
                      {"order_number", o.order_number},
                      {"type", order_type_name(o.type)},
                      {"status", order_status_name(o.status)},
                      {"payment_status", payment_status_name(o.payment_status)},
                      {"payment_method", util::json_text_or_null(o.payment_method)},
                      {"customer_id", util::json_text_or_null(o.customer_id)},
                      {"created_by", util::json_text_or_null(o.created_by)},
                      {"items", std::move(items)},
                      {"subtotal", money_to_major(o.subtotal)},
                      {"adjustment_amount", money_to_major(o.adjustment_amount)},
                      {"tax_amount", money_to_major(o.tax_amount)},
                      {"total_amount", money_to_major(o.total_amount)},
                      {"refunded_amount", money_to_major(o.refunded_amount)},
                      {"currency", o.currency},
                      {"customer_info", std::move(customer)},
                      {"delivery_info", std::move(delivery)},
                      {"is_pickup", o.is_pickup},
                      {"table_number", util::json_text_or_null(o.table_number)},
                      {"notes", util::json_text_or_null(o.notes)},
                      {"metadata", o.metadata},
                      {"estimated_time", o.estimated_time},
                      {"scheduled_for", util::json_time_or_null(o.scheduled_for)},
                      {"history", std::move(history)},
                      {"version", o.version},
                      {"created_at", util::format_rfc3339(o.created_at)},
                      {"updated_at", util::format_rfc3339(o.updated_at)},
                      {"confirmed_at", util::json_time_or_null(o.confirmed_at)},
                      {"completed_at", util::json_time_or_null(o.completed_at)},
                      {"cancelled_at", util::json_time_or_null(o.cancelled_at)},
                      {"cancel_reason", util::json_text_or_null(o.cancel_reason)}};
}

bool edge_exists(OrderStatus from, OrderStatus to, bool delivery) noexcept {
  using S = OrderStatus;
  switch (from) {
    case S::pending:
      return to == S::confirmed || to == S::cancelled;
    case S::confirmed:
      return to == S::preparing || to == S::cancelled;
    case S::preparing:
      return to == S::ready || to == S::cancelled;
    case S::ready:
      return delivery ? to == S::out_for_delivery : to == S::completed;
    case S::out_for_delivery:
      return delivery && to == S::delivered;
    case S::delivered:
    case S::completed:
    case S::cancelled:
      return false;
  }
  return false;
}

bool is_final(OrderStatus s) noexcept {
  return s == OrderStatus::completed || s == OrderStatus::delivered || s == OrderStatus::cancelled;
}

bool counts_as_completed(OrderStatus s) noexcept {
  return s == OrderStatus::completed || s == OrderStatus::delivered;
}

bool may_view(const OrderCaller& c) noexcept {
  if (c.api_key) return c.placed_by_key;
  if (auth::is_staff_plus(c.role)) return true;
  if (c.role == auth::Role::driver) return c.assigned_driver;
  return c.owner;
}

Refusal check_transition(const Order& order, OrderStatus to, const OrderCaller& c) noexcept {
  if (!may_view(c)) return Refusal::not_found;
  if (!edge_exists(order.status, to, order.is_delivery())) return Refusal::invalid_transition;
  if (c.api_key) return Refusal::forbidden;
  const bool cancel = to == OrderStatus::cancelled;
  if (auth::is_staff_plus(c.role)) {
    // Cancelling a paid order refunds it: a manager's decision (SPEC §6).
    if (cancel && order.is_paid() && !auth::is_manager_plus(c.role)) return Refusal::forbidden;
    return Refusal::none;
  }
  if (c.role == auth::Role::driver) {
    const bool delivering =
        order.status == OrderStatus::out_for_delivery && to == OrderStatus::delivered;
    return delivering && c.assigned_driver ? Refusal::none : Refusal::forbidden;
  }
  // A customer, on their own order: only a cancellation, and only while pending.
  if (!cancel) return Refusal::forbidden;
  if (order.status != OrderStatus::pending) return Refusal::invalid_transition;
  if (order.is_paid()) return Refusal::forbidden;
  return Refusal::none;
}

crema::Result<std::int64_t> unit_price(const Product& product, std::span<const std::string> codes) {
  std::int64_t price = product.price;
  std::vector<FieldIssue> issues;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const std::string field = "modifiers[" + std::to_string(i) + "]";
    if (std::find(codes.begin(), codes.begin() + static_cast<std::ptrdiff_t>(i), codes[i]) !=
        codes.begin() + static_cast<std::ptrdiff_t>(i)) {
      issues.push_back({field, "is given twice"});
      continue;
    }
    const Modifier* m = product.modifier(codes[i]);
    if (!m) {
      issues.push_back({field, "is not a modifier of " + product.name});
      continue;
    }
    price += m->price_delta;
  }
  if (issues.empty() && price < 0) issues.push_back({"modifiers", "would make the price negative"});
  if (!issues.empty())
    return crema::Error::make(ErrorCode::validation_failed, "Invalid modifiers.",
                              std::move(issues));
  return price;
}

Totals order_totals(std::span<const OrderItem> items, std::int64_t adjustment, int tax_bps) {
  Totals t;
  for (const auto& it : items) t.subtotal += it.unit_price * it.quantity;
  t.adjustment = adjustment;
  t.tax = tax_on(t.subtotal + adjustment, tax_bps);
  t.total = t.subtotal + adjustment + t.tax;
  return t;
}

int estimated_minutes(int own_prep, std::int64_t queue_prep, int parallelism) noexcept {
  if (parallelism < 1) parallelism = 1;
  // SPEC §6: the kitchen shares out the orders ahead; this order's own prep is not shared.
  const std::int64_t queue = std::max<std::int64_t>(0, queue_prep);
  return std::max(0, own_prep) + static_cast<int>((queue + parallelism - 1) / parallelism);
}

int minutes_until(std::int64_t scheduled_for, std::int64_t now_ms) noexcept {
  if (scheduled_for <= now_ms) return 0;
  return static_cast<int>((scheduled_for - now_ms + 59'999) / 60'000);
}

std::string order_number(std::string_view business_date, std::int64_t sequence) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(sequence));
  std::string out(business_date);
  out += '-';
  out += buf;
  return out;
}

std::string needs_to_storage(const std::vector<StockNeed>& needs) {
  json::array out;
  for (const auto& n : needs) out.push_back(json::array{json::value(n.item_id), n.quantity});
  return json::serialize(out);
}

std::vector<StockNeed> needs_from_storage(std::string_view text) {
  std::vector<StockNeed> out;
  auto v = json::parse(text);
  for (const auto& e : v.as_array()) {
    const auto& pair = e.as_array();
    out.push_back({std::string(pair.at(0).as_string()), pair.at(1).to_number<std::int64_t>()});
  }
  return out;
}

}  // namespace crema::domain
