// OrderService::place_event_order: the linked order of a confirmed catering event (SPEC §11),
// made in the event's transaction. Kept apart from order_service.cpp (the POST /orders path)
// because its rules differ: no hold expiry, prices fixed by the quote.

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "repo/order_repo.hpp"
#include "service/order_lines.hpp"
#include "service/order_service.hpp"
#include "service/outbox.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace {

// The pre-tax amount x with x + tax(x) == total; when rounding makes that total
// unreachable, the nearest x below and the tax that makes up the difference.
std::pair<std::int64_t, std::int64_t> split_total(std::int64_t total, int bps) {
  const std::int64_t guess = total * 10000 / (10000 + bps);
  for (std::int64_t x = guess - 2; x <= guess + 2; ++x)
    if (x >= 0 && x + domain::tax_on(x, bps) == total) return {x, total - x};
  return {guess, total - guess};
}

}  // namespace

crema::Result<domain::Order> OrderService::place_event_order(
    db::Transaction& tx, const Actor& actor, const std::string& customer_id,
    const std::optional<boost::json::object>& info, const std::vector<OrderLine>& lines,
    std::optional<std::int64_t> quote, const std::string& notes, OrderAfterCommit& fx) {
  auto resolved = resolve_lines(tx.connection(), lines, "items");
  if (!resolved.issues.empty())
    return crema::Error::make(ErrorCode::validation_failed, "The event's items cannot be ordered.",
                              std::move(resolved.issues));
  const auto now = util::now_ms();
  domain::Order order;
  order.id = util::new_uuid_v7();
  order.created_at = order.updated_at = now;
  order.type = domain::OrderType::event;
  order.is_pickup = true;
  order.customer_id = customer_id;
  order.created_by = actor.user_id();
  order.items = std::move(resolved.items);
  auto totals = domain::order_totals(order.items, 0, settings_.tax_rate_bps);
  if (quote) {
    const auto [pre_tax, tax] = split_total(*quote, settings_.tax_rate_bps);
    totals.adjustment = pre_tax - totals.subtotal;
    totals.tax = tax;
    totals.total = *quote;
  }
  order.subtotal = totals.subtotal;
  order.adjustment_amount = totals.adjustment;
  order.tax_amount = totals.tax;
  order.total_amount = totals.total;
  order.currency = settings_.currency;
  order.customer_info = info;
  order.notes = notes;
  order.prep_minutes = resolved.prep_minutes;
  order.estimated_time = domain::estimated_minutes(
      order.prep_minutes, repo::kitchen_queue_minutes(tx.connection(), order.id),
      settings_.kitchen_parallelism);

  order.stock_needs = domain::merge_needs(resolved.needs);
  std::vector<Shortage> shortages = std::move(resolved.switched_off);
  StockEffects effects;
  if (!order.stock_needs.empty()) {
    auto reserved =
        reserve_stock(tx, order.stock_needs, {order.id, actor.user_id(), "catering event"});
    if (!reserved.ok()) {
      shortages.insert(shortages.end(), reserved.shortages.begin(), reserved.shortages.end());
    } else {
      effects = std::move(reserved.effects);
    }
  }
  if (!shortages.empty()) return out_of_stock_error(shortages);

  order.business_date = business_date(now);
  order.order_number =
      domain::order_number(order.business_date, repo::next_order_sequence(tx, order.business_date));
  domain::OrderHistory created{domain::OrderStatus::pending, now, actor.user_id(),
                               "catering event confirmed"};
  repo::insert_new_order(tx, order, created);
  order.history.push_back(created);

  auto data = domain::to_json(order);
  enqueue_webhook_event(tx, "order_created", data);
  enqueue_user_notification(tx, customer_id, "order_placed", data);
  fx.events.add("order_created", std::move(data), watchers(order));
  fx.effects.merge(std::move(effects));
  return order;
}

}  // namespace crema::service
