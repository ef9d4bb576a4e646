#include "service/order_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include <boost/json.hpp>
#include <date/tz.h>

#include "domain/money.hpp"
#include "domain/report.hpp"
#include "events/bus.hpp"
#include "obs/log.hpp"
#include "repo/delivery_repo.hpp"
#include "repo/keyset.hpp"
#include "repo/product_repo.hpp"
#include "repo/schedule_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/audit.hpp"
#include "service/delivery_service.hpp"
#include "service/guest_tokens.hpp"
#include "service/order_lines.hpp"
#include "service/outbox.hpp"
#include "service/stock.hpp"
#include "service/write_tx.hpp"
#include "util/json_text.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"
#include "util/validation_error.hpp"
#include "util/zoned_date.hpp"

namespace crema::service {

namespace json = boost::json;
using domain::Order;
using domain::OrderStatus;
using domain::OrderType;

namespace {

constexpr std::string_view kPlaceRoute = "POST /orders";
constexpr int kExpiryBatch = 100;

crema::Error no_such_order(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No order " + id + ".");
}

std::vector<OrderLine> cart_lines(db::Connection& conn, const std::string& user_id) {
  std::vector<OrderLine> lines;
  auto text = repo::find_cart(conn, user_id);
  if (!text) return lines;
  auto v = json::parse(*text);
  for (const auto& e : v.as_array()) lines.push_back(line_from_json(e.as_object()));
  return lines;
}

// Who hears about an order.
std::vector<std::string> topics_of(const Order& o, const std::string& previous_driver = {}) {
  std::vector<std::string> t{"orders", "order:" + o.id};
  if (!o.customer_id.empty()) t.push_back("user:" + o.customer_id);
  if (!o.driver_id.empty()) t.push_back("driver:" + o.driver_id);
  if (!previous_driver.empty() && previous_driver != o.driver_id)
    t.push_back("driver:" + previous_driver);
  return t;
}

bool is_customer(const Actor& a) { return a.is_role(auth::Role::customer); }

// The outbox side of an order event (SPEC §10), in the event's transaction: one signed
// delivery per partner webhook subscribed to each event type, and the customer's message —
// to their account, or for a guest order to the email in customer_info.
// What an order's notification templates read: the order as GET returns it, and the words
// they need beside it — `customer_name`, `total` (money text) and `when` (a scheduled
// order's time on the shop's clock, SPEC §15.3).
json::object order_message(const Order& o, const json::object& data, const std::string& zone) {
  json::object p = data;
  std::string name;
  if (o.customer_info)
    if (const auto* n = o.customer_info->if_contains("name"); n && n->is_string())
      name = n->get_string();
  p["customer_name"] = name.empty() ? std::string("there") : name;
  p["total"] = domain::money_text(o.total_amount);
  p["when"] = o.scheduled_for ? "We will have it ready for " +
                                    util::local_time_text(*o.scheduled_for, zone) + "."
                              : std::string("We will let you know when it is ready.");
  return p;
}

void queue_order_messages(db::Transaction& tx, const Order& o, const json::object& data,
                          std::initializer_list<std::string_view> event_types,
                          std::string notification, const std::string& zone = "UTC") {
  for (auto type : event_types) enqueue_webhook_event(tx, type, data);
  if (notification.empty()) return;
  auto message = order_message(o, data, zone);
  // SPEC §15.1: an account's by the channel it chose; a guest's by email, or SMS when only
  // a phone was given.
  if (!o.customer_id.empty()) {
    enqueue_preferred_notification(tx, o.customer_id, std::move(notification), message);
    return;
  }
  auto contact = [&o](std::string_view field) -> std::string_view {
    const json::value* v = o.customer_info ? o.customer_info->if_contains(field) : nullptr;
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
  };
  enqueue_contact_notification(tx, contact("email"), contact("phone"), std::move(notification),
                               std::move(message));
}

// Which message a customer gets when their order moves to `to`.
std::string status_notification(OrderStatus to) {
  if (to == OrderStatus::out_for_delivery || to == OrderStatus::delivered) return "delivery_update";
  return "order_status_changed";
}
bool is_api_key(const Actor& a) { return a.principal && a.principal->is_api_key(); }

// The pre-tax amount x with x + tax(x) == total; when rounding makes that total
// unreachable, the nearest x below and the tax that makes up the difference.
std::pair<std::int64_t, std::int64_t> split_total(std::int64_t total, int bps) {
  const std::int64_t guess = total * 10000 / (10000 + bps);
  for (std::int64_t x = guess - 2; x <= guess + 2; ++x)
    if (x >= 0 && x + domain::tax_on(x, bps) == total) return {x, total - x};
  return {guess, total - guess};
}

}  // namespace

json::object line_to_json(const OrderLine& line) {
  json::array mods;
  for (const auto& m : line.modifiers) mods.emplace_back(m);
  json::object o{{"product_id", line.product_id},
                 {"quantity", line.quantity},
                 {"modifiers", std::move(mods)},
                 {"options", line.options}};
  if (!line.special_instructions.empty()) o["special_instructions"] = line.special_instructions;
  return o;
}

OrderLine line_from_json(const json::object& o) {
  OrderLine line;
  if (auto* v = o.if_contains("product_id"); v && v->is_string()) line.product_id = v->get_string();
  if (auto* v = o.if_contains("quantity"); v && v->is_number())
    line.quantity = v->to_number<std::int64_t>();
  if (auto* v = o.if_contains("modifiers"); v && v->is_array())
    for (const auto& m : v->get_array())
      if (m.is_string()) line.modifiers.emplace_back(m.get_string());
  if (auto* v = o.if_contains("options"); v && v->is_object()) line.options = v->get_object();
  if (auto* v = o.if_contains("special_instructions"); v && v->is_string())
    line.special_instructions = v->get_string();
  return line;
}

OrderService::OrderService(db::Pool& pool, const events::Bus& bus, OrderSettings settings)
    : pool_(pool), bus_(bus), settings_(std::move(settings)) {
  try {
    zone_ = date::locate_zone(settings_.timezone);
  } catch (const std::exception&) {
    zone_ = date::locate_zone("UTC");
  }
}

std::string OrderService::business_date(std::int64_t at_ms) const {
  const date::sys_time<std::chrono::milliseconds> tp{std::chrono::milliseconds(at_ms)};
  const auto local = zone_->to_local(tp);
  const date::year_month_day ymd{date::floor<date::days>(local)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

domain::OrderCaller OrderService::caller_of(const Actor& actor, const Order& o) const {
  domain::OrderCaller c;
  if (!actor.principal) return c;
  const auto& p = *actor.principal;
  c.role = p.role;
  if (p.is_guest()) {
    // An X-Order-Token holder owns its one order, as a customer owns theirs (SPEC §15.1).
    c.owner = o.id == p.order_id;
    return c;
  }
  c.api_key = p.is_api_key();
  if (c.api_key) {
    c.placed_by_key = !o.api_key_id.empty() && o.api_key_id == p.api_key_id;
    return c;
  }
  c.owner = !o.customer_id.empty() && o.customer_id == p.user_id;
  c.assigned_driver = !o.driver_id.empty() && o.driver_id == p.user_id;
  return c;
}

namespace {

// The rules of who may order what (SPEC §3, §6), without the database.
std::vector<FieldIssue> rule_issues(const Actor& actor, const OrderRequest& r) {
  std::vector<FieldIssue> issues;
  const bool customer = is_customer(actor);
  const bool key = is_api_key(actor);
  const bool guest = actor.anonymous();
  std::optional<OrderType> type = r.type;
  if (!type && (customer || key || guest)) type = OrderType::online;
  if (!type) {
    issues.push_back({"type", "is required (dine-in, takeaway or online)"});
  } else if (*type == OrderType::event) {
    issues.push_back({"type", "event orders are made by confirming a catering event"});
  } else if ((customer || key || guest) && *type != OrderType::online) {
    issues.push_back({"type", customer ? "customers may only place online orders"
                              : key    ? "orders placed with an API key are online orders"
                                       : "guests place online orders"});
  }
  const bool pickup = r.is_pickup.value_or(true);
  if (type && *type != OrderType::online && !pickup)
    issues.push_back({"is_pickup", "only online orders are delivered"});
  if (type && *type == OrderType::online && !pickup) {
    const json::value* address =
        r.delivery_info ? r.delivery_info->if_contains("address") : nullptr;
    if (!address || !address->is_string() || address->get_string().empty())
      issues.push_back({"delivery_info.address", "is required for a delivery"});
  }
  if (key) {
    const json::value* name = r.customer_info ? r.customer_info->if_contains("name") : nullptr;
    if (!name || !name->is_string() || name->get_string().empty())
      issues.push_back({"customer_info.name", "is required for an order placed with an API key"});
  }
  if (guest) {
    // SPEC §15.1: a guest order needs someone to tell about it.
    auto given = [&r](std::string_view field) {
      const json::value* v = r.customer_info ? r.customer_info->if_contains(field) : nullptr;
      return v && v->is_string() && !v->get_string().empty();
    };
    if (!given("name"))
      issues.push_back({"customer_info.name", "is required for an order without an account"});
    if (!given("email") && !given("phone"))
      issues.push_back({"customer_info.email",
                        "an email or a phone (customer_info.phone) is required for an order "
                        "without an account"});
  }
  if (r.scheduled_for && type && *type != OrderType::online)
    issues.push_back({"scheduled_for", "only online orders are scheduled"});
  if (r.use_cart) {
    if (!customer) issues.push_back({"use_cart", "only customers have a cart"});
    if (r.items_given) issues.push_back({"items", "give items or use_cart, not both"});
  } else if (!r.items_given) {
    issues.push_back({"items", "is required"});
  }
  return issues;
}

}  // namespace

std::vector<FieldIssue> OrderService::precheck(const Actor& actor, const OrderRequest& r) {
  auto issues = rule_issues(actor, r);
  if (!r.items.empty()) {
    auto lease = pool_.read();
    auto resolved = resolve_lines(*lease, r.items, "items");
    issues.insert(issues.end(), resolved.issues.begin(), resolved.issues.end());
  }
  return issues;
}

crema::Result<PlacedOrder> OrderService::place(const Actor& actor, const OrderRequest& r,
                                               const std::optional<IdempotencyKey>& idem) {
  if (actor.is_guest() || (actor.anonymous() && !settings_.guest_checkout))
    return crema::Error::make(ErrorCode::unauthorized, "Sign in first.");
  if (settings_.require_verified_email && is_customer(actor) && !actor.principal->email_verified)
    return crema::Error::make(ErrorCode::email_not_verified,
                              "Verify your email address before ordering online: open the link "
                              "of the mail (POST /api/v1/auth/verify-email/resend sends another).");
  // SPEC §6: one 422 lists the rules' issues and the lines' catalogue issues together.
  if (!rule_issues(actor, r).empty()) return crema::validation_error(precheck(actor, r));
  const bool customer = is_customer(actor);
  const Idempotency key(actor, kPlaceRoute, idem);
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<PlacedOrder> {
    auto& tx = work.tx();
    const auto now = util::now_ms();
    PlacedOrder placed;
    if (auto earlier = key.claim(tx, now)) {
      if (!*earlier) return std::move(*earlier).error();
      placed.body = std::move((*earlier)->body);
      placed.replayed = true;
      if (auto v = json::parse(placed.body); v.is_object())
        if (auto* id = v.as_object().if_contains("id"); id && id->is_string())
          placed.id = id->get_string();
      return placed;
    }

    std::vector<OrderLine> cart;
    if (r.use_cart) {
      cart = cart_lines(tx.connection(), actor.user_id());
      if (cart.empty()) return crema::validation_error({{"use_cart", "the cart is empty"}});
    }
    NewOrder spec;
    spec.type = r.type.value_or(OrderType::online);
    spec.is_pickup = r.is_pickup.value_or(true);
    spec.customer_id = customer ? actor.user_id() : "";
    if (is_api_key(actor)) spec.api_key_id = actor.principal->api_key_id;
    spec.customer_info = r.customer_info;
    spec.delivery_info = r.delivery_info;
    spec.payment_method = r.payment_method;
    spec.notes = r.notes;
    spec.table_number = r.table_number;
    spec.metadata = r.metadata;
    spec.stock_reason = "order placed";
    spec.lines_field = r.use_cart ? "cart" : "items";
    spec.placement_rule = true;
    spec.scheduled_for = r.scheduled_for;
    auto order = create_order(work, actor, std::move(spec), r.use_cart ? cart : r.items, now,
                              [&](const Order& o, const json::object& data) {
                                if (r.use_cart) repo::delete_cart(tx, actor.user_id());
                                placed.id = o.id;
                                if (actor.anonymous()) {
                                  // Shown once: only its hash is kept, and this answer with
                                  // the Idempotency-Key for its replays (docs/SECURITY.md).
                                  json::object answer = data;
                                  answer["guest_token"] =
                                      issue_guest_token(tx.connection(), o.id, now);
                                  placed.body = util::to_json(answer);
                                } else {
                                  placed.body = util::to_json(data);
                                }
                                key.complete(tx, 201, placed.body);
                              });
    if (!order) return std::move(order).error();
    return placed;
  });
}

crema::Result<Order> OrderService::create_order(UnitOfWork& work, const Actor& actor, NewOrder spec,
                                                const std::vector<OrderLine>& lines,
                                                std::int64_t now, const WithInsert& with_insert) {
  auto& tx = work.tx();
  // Reads the rest of the use case needs, sent with pricing's reads in one round trip on
  // PostgreSQL: the order number and kitchen queue, and the partners' subscriptions.
  const std::string order_business_date = business_date(now);
  repo::OrderSlot slot;
  repo::ask_order_slot(tx, order_business_date, slot);
  read_webhooks_soon(tx);
  auto resolved = resolve_lines(tx.connection(), lines, spec.lines_field);
  if (!resolved.issues.empty()) {
    if (spec.invalid_lines_message.empty())
      return crema::validation_error(std::move(resolved.issues));
    return crema::Error::make(ErrorCode::validation_failed, std::move(spec.invalid_lines_message),
                              std::move(resolved.issues));
  }

  Order order;
  order.id = util::new_uuid_v7();
  order.created_at = order.updated_at = now;
  order.type = spec.type;
  order.is_pickup = spec.is_pickup;
  order.payment_method = std::move(spec.payment_method);
  order.customer_id = std::move(spec.customer_id);
  order.created_by = actor.user_id();
  order.api_key_id = std::move(spec.api_key_id);
  order.items = std::move(resolved.items);
  auto totals = domain::order_totals(order.items, 0, settings_.tax_rate_bps);
  if (spec.quote) {
    const auto [pre_tax, tax] = split_total(*spec.quote, settings_.tax_rate_bps);
    totals.adjustment = pre_tax - totals.subtotal;
    totals.tax = tax;
    totals.total = *spec.quote;
  }
  order.subtotal = totals.subtotal;
  order.adjustment_amount = totals.adjustment;
  order.tax_amount = totals.tax;
  order.total_amount = totals.total;
  order.currency = settings_.currency;
  order.customer_info = std::move(spec.customer_info);
  if (!order.customer_info && !order.customer_id.empty()) {
    if (auto user = repo::find_user_by_id(tx.connection(), order.customer_id)) {
      json::object info{{"name", user->name}, {"email", user->email}};
      info["phone"] = user->phone ? json::value(*user->phone) : json::value(nullptr);
      order.customer_info = std::move(info);
    }
  }
  if (order.is_delivery()) order.delivery_info = std::move(spec.delivery_info);
  order.table_number = std::move(spec.table_number);
  order.notes = std::move(spec.notes);
  order.metadata = std::move(spec.metadata);
  order.prep_minutes = resolved.prep_minutes;
  if (order.type == OrderType::online)
    order.expires_at = now + static_cast<std::int64_t>(settings_.hold_minutes) * 60'000;
  order.scheduled_for = spec.scheduled_for;
  if (spec.placement_rule && placement_rule_)
    if (auto admitted = placement_rule_(tx, actor, order, now); !admitted)
      return std::move(admitted).error();

  order.stock_needs = domain::merge_needs(resolved.needs);
  order.business_date = order_business_date;
  const auto taken = repo::take_order_slot(tx, order.business_date, slot);
  order.order_number = domain::order_number(order.business_date, *taken.sequence);
  // A scheduled order counts to its time (the placement rule set it, by the shop's clock).
  if (!order.scheduled_for)
    order.estimated_time = domain::estimated_minutes(order.prep_minutes, taken.queue_minutes,
                                                     settings_.kitchen_parallelism);
  else if (!placement_rule_)
    order.estimated_time = domain::minutes_until(*order.scheduled_for, now);
  domain::OrderHistory created{OrderStatus::pending, now, actor.user_id(),
                               std::move(spec.history_reason)};
  repo::insert_new_order(tx, order, created);
  order.history.push_back(created);

  auto data = domain::to_json(order);
  if (with_insert) with_insert(order, data);
  queue_order_messages(tx, order, data, {"order_created"}, "order_placed", settings_.timezone);

  // The reservation comes last: its conditional updates lock the inventory rows every
  // order of the same product (or of the same ingredient, through recipes) needs, so those
  // locks are held for these statements and the commit only, not for the whole order.
  // A refusal rolls everything above back (on SQLite the day's counter too; on
  // PostgreSQL the order number drawn is skipped).
  std::vector<Shortage> shortages = std::move(resolved.switched_off);
  StockEffects effects;
  if (!order.stock_needs.empty()) {
    auto reserved =
        reserve_stock(tx, order.stock_needs, {order.id, actor.user_id(), spec.stock_reason});
    if (!reserved.ok()) {
      shortages.insert(shortages.end(), reserved.shortages.begin(), reserved.shortages.end());
    } else {
      effects = std::move(reserved.effects);
    }
  }
  if (!shortages.empty()) return out_of_stock_error(shortages);
  work.publish("order_created", std::move(data), topics_of(order));
  work.stock_changed(std::move(effects));
  return order;
}

// A confirmed catering event's order (SPEC §11), in the event's transaction: no hold
// expiry (not online), prices fixed by the quote.
crema::Result<Order> OrderService::place_event_order(UnitOfWork& work, const Actor& actor,
                                                     const std::string& customer_id,
                                                     const std::optional<json::object>& info,
                                                     const std::vector<OrderLine>& lines,
                                                     std::optional<std::int64_t> quote,
                                                     const std::string& notes) {
  NewOrder spec;
  spec.type = OrderType::event;
  spec.customer_id = customer_id;
  spec.customer_info = info;
  spec.notes = notes;
  spec.quote = quote;
  spec.history_reason = "catering event confirmed";
  spec.stock_reason = "catering event";
  spec.invalid_lines_message = "The event's items cannot be ordered.";
  return create_order(work, actor, std::move(spec), lines, util::now_ms());
}

crema::Result<void> OrderService::record_payment(UnitOfWork& work, const Actor& actor, Order& o,
                                                 bool confirm) {
  if (confirm && o.status == OrderStatus::pending)
    return apply_status(work, actor, o, OrderStatus::confirmed, "paid");
  // Only the payment changed: order_updated (SPEC §7: any status or payment change).
  o.version += 1;
  o.updated_at = util::now_ms();
  if (o.is_paid()) o.expires_at.reset();
  repo::update_order(work.tx(), o);
  auto data = domain::to_json(o);
  queue_order_messages(work.tx(), o, data, {"order_updated"}, {});
  work.publish("order_updated", std::move(data), topics_of(o));
  return {};
}

crema::Result<Order> OrderService::get(const Actor& actor, const std::string& id) {
  auto lease = pool_.read();
  auto order = repo::find_order(*lease, id);
  if (!order || !domain::may_view(caller_of(actor, *order))) return no_such_order(id);
  return std::move(*order);
}

Page<Order, repo::Keyset> OrderService::list(const Actor& actor, repo::OrderFilter filter) {
  const auto& p = *actor.principal;
  if (p.is_api_key()) {
    filter.api_key_id = p.api_key_id;
  } else if (p.role == auth::Role::customer) {
    filter.customer_id = p.user_id;
  } else if (p.role == auth::Role::driver) {
    filter.driver_id = p.user_id;
  }
  const int limit = filter.limit;
  auto rows = pool_.read_transact(
      [&](db::Transaction& tx) { return repo::list_orders(tx.connection(), filter); });
  return make_page(std::move(rows), limit, [](const Order& o) {
    return repo::Keyset{o.created_at, o.id};
  });
}

std::map<std::string, repo::CustomerContact> OrderService::customer_contacts(
    const std::vector<std::string>& ids) {
  return repo::customer_contacts(*pool_.read(), ids);
}

crema::Result<Order> OrderService::change_status(const Actor& actor, const std::string& id,
                                                 OrderStatus to, const std::string& reason,
                                                 std::optional<std::int64_t> expected) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<Order> {
    auto cur = repo::lock_order(work.tx(), id);
    if (!cur) return no_such_order(id);
    Order& o = *cur;
    const auto caller = caller_of(actor, o);
    if (!domain::may_view(caller)) return no_such_order(id);
    if (expected && *expected != o.version)
      return crema::Error::make(ErrorCode::version_conflict,
                                "The order is at version " + std::to_string(o.version) + ", not " +
                                    std::to_string(*expected) + ".");
    switch (domain::check_transition(o, to, caller)) {
      case domain::Refusal::none:
        break;
      case domain::Refusal::not_found:
        return no_such_order(id);
      case domain::Refusal::invalid_transition:
        return crema::Error::make(ErrorCode::invalid_transition,
                                  "Order " + o.order_number + " cannot go from " +
                                      std::string(domain::order_status_name(o.status)) + " to " +
                                      std::string(domain::order_status_name(to)) + ".");
      case domain::Refusal::forbidden:
        return crema::Error::make(
            ErrorCode::forbidden,
            to == OrderStatus::cancelled && o.is_paid()
                ? "A paid order may only be cancelled by a manager or an admin."
                : "Your role may not move this order to " +
                      std::string(domain::order_status_name(to)) + ".");
    }
    if (auto moved = apply_status(work, actor, o, to, reason); !moved)
      return std::move(moved).error();
    return std::move(o);
  });
}

// The one transition of an order's status, on a locked order whose move was checked.
crema::Result<void> OrderService::apply_status(UnitOfWork& work, const Actor& actor, Order& o,
                                               OrderStatus to, const std::string& reason,
                                               const std::string& stock_reason) {
  auto& tx = work.tx();
  const auto now = util::now_ms();
  const OrderStatus from = o.status;
  StockEffects effects;
  const StockContext context{o.id, actor.user_id(),
                             stock_reason.empty() ? "order " + o.order_number : stock_reason};
  if (to == OrderStatus::confirmed) {
    if (o.stock_state == domain::StockState::reserved && !o.stock_needs.empty()) {
      auto done = commit_stock(tx, o.stock_needs, context);
      if (!done) return std::move(done).error();
      effects.merge(std::move(*done));
    }
    o.stock_state = domain::StockState::committed;
    o.confirmed_at = now;
  } else if (to == OrderStatus::cancelled) {
    if (o.is_paid() && paid_cancel_hook_) {
      // SPEC §6/§9: cancelling a paid order refunds it, in this transaction.
      if (auto refunded = paid_cancel_hook_(tx, actor, o); !refunded)
        return std::move(refunded).error();
    }
    if (o.stock_state == domain::StockState::reserved) {
      if (!o.stock_needs.empty()) {
        auto done = release_stock(tx, o.stock_needs, context);
        if (!done) return std::move(done).error();
        effects.merge(std::move(*done));
      }
      o.stock_state = domain::StockState::released;
    } else if (o.stock_state == domain::StockState::committed) {
      // Once the kitchen has started, what it used is gone (SPEC §5).
      if (from == OrderStatus::confirmed) {
        if (!o.stock_needs.empty()) {
          auto done = restock_stock(tx, o.stock_needs, context);
          if (!done) return std::move(done).error();
          effects.merge(std::move(*done));
        }
        o.stock_state = domain::StockState::restocked;
      } else {
        o.stock_state = domain::StockState::consumed;
      }
    }
    o.cancelled_at = now;
    o.cancel_reason = reason;
  } else if (domain::counts_as_completed(to)) {
    o.completed_at = now;
  }
  o.status = to;
  o.expires_at.reset();
  if (to == OrderStatus::cancelled && o.slot_start) {
    // Its place in the slot goes back (SPEC §15.3: held until cancelled or expired).
    repo::release_schedule_slot(tx, *o.slot_start, o.is_pickup ? "pickup" : "delivery");
    o.slot_start.reset();
  }
  if (to == OrderStatus::confirmed && o.scheduled_for && *o.scheduled_for > now) {
    o.estimated_time = domain::minutes_until(*o.scheduled_for, now);  // SPEC §15.3
  } else {
    o.estimated_time = (to == OrderStatus::confirmed || to == OrderStatus::preparing)
                           ? domain::estimated_minutes(
                                 o.prep_minutes, repo::kitchen_queue_minutes(tx.connection(), o.id),
                                 settings_.kitchen_parallelism)
                           : 0;
  }
  o.version += 1;
  o.updated_at = now;
  repo::update_order(tx, o);
  domain::OrderHistory h{to, now, actor.user_id(), reason};
  repo::insert_history(tx, o.id, h);
  o.history.push_back(h);
  // A delivery in progress ends with its order (SPEC §8).
  settle_delivery_with_order(work, o, to);
  record_audit(tx, actor,
               {to == OrderStatus::cancelled ? "order.cancel" : "order.status", "order", o.id,
                "Order " + o.order_number + ": " + std::string(domain::order_status_name(from)) +
                    " → " + std::string(domain::order_status_name(to))});
  auto data = domain::to_json(o);
  const auto topics = topics_of(o);
  work.publish("order_updated", data, topics);
  if (to == OrderStatus::cancelled) work.publish("order_cancelled", data, topics);
  if (domain::counts_as_completed(to)) work.publish("order_completed", data, topics);
  queue_order_messages(tx, o, data, {"order_updated"}, status_notification(to), settings_.timezone);
  if (to == OrderStatus::cancelled) queue_order_messages(tx, o, data, {"order_cancelled"}, {});
  if (domain::counts_as_completed(to)) queue_order_messages(tx, o, data, {"order_completed"}, {});
  work.stock_changed(std::move(effects));
  return {};
}

crema::Result<Order> OrderService::assign_delivery(const Actor& actor, const std::string& id,
                                                   const std::optional<std::string>& driver_id) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<Order> {
    auto& tx = work.tx();
    auto cur = repo::lock_order(tx, id);
    if (!cur) return no_such_order(id);
    Order& o = *cur;
    if (!o.is_delivery())
      return crema::Error::make(ErrorCode::conflict,
                                "Order " + o.order_number + " is not a delivery order.");
    std::optional<repo::DriverRow> driver;
    if (driver_id) {
      if (o.status != OrderStatus::pending && o.status != OrderStatus::confirmed &&
          o.status != OrderStatus::preparing && o.status != OrderStatus::ready)
        return crema::Error::make(ErrorCode::invalid_transition,
                                  "Order " + o.order_number + " is " +
                                      std::string(domain::order_status_name(o.status)) +
                                      "; a driver is assigned while it is ready or earlier.");
      driver = repo::find_driver(tx.connection(), *driver_id);
      std::optional<repo::UserRecord> user;
      if (driver && !driver->external)
        user = repo::find_user_by_id(tx.connection(), driver->user_id);
      // An external driver (a platform's courier, SPEC §15.5) has no account to check.
      const bool usable =
          driver && driver->is_active &&
          (driver->external || (user && user->role == auth::Role::driver && user->is_active));
      if (!usable) return crema::validation_error({{"driver_id", "is not an active driver"}});
      if (actor.is_api_key() && !driver->external)
        return crema::Error::make(ErrorCode::forbidden,
                                  "An API key assigns only external drivers.");
    } else if (o.driver_id.empty()) {
      return crema::Error::make(ErrorCode::conflict,
                                "Order " + o.order_number + " has no driver assigned.");
    }
    const auto now = util::now_ms();
    // The delivery in progress (only ever `assigned` here: a picked-up order is out for
    // delivery) is withdrawn — ended as failed, so its driver hears of it and the record
    // stays; a new one is created for the new driver.
    std::optional<repo::DeliveryRow> withdrawn = repo::active_delivery_of(tx.connection(), o.id);
    if (withdrawn && actor.is_api_key()) {
      auto current = repo::find_driver(tx.connection(), withdrawn->driver_id);
      if (!current || !current->external)
        return crema::Error::make(ErrorCode::forbidden,
                                  "Order " + o.order_number +
                                      " is with one of the shop's drivers; an API key cannot "
                                      "reassign it.");
    }
    if (withdrawn) {
      if (withdrawn->status != domain::DeliveryStatus::assigned)
        return crema::Error::make(ErrorCode::invalid_transition,
                                  "Order " + o.order_number +
                                      " is on its way; its driver reports the delivery failed "
                                      "instead.");
      withdrawn->status = domain::DeliveryStatus::failed;
      withdrawn->failure_reason = driver_id ? "reassigned" : "unassigned";
      withdrawn->version += 1;
      withdrawn->updated_at = now;
      repo::update_delivery(tx, *withdrawn);
    }
    const std::string previous = o.driver_id;
    json::object info = o.delivery_info.value_or(json::object{});
    info.erase("eta");
    std::optional<repo::DeliveryRow> delivery;
    if (driver) {
      repo::DeliveryRow d;
      d.id = util::new_uuid_v7();
      d.order_id = o.id;
      d.driver_id = driver->id;
      d.status = domain::DeliveryStatus::assigned;
      d.created_at = d.updated_at = now;
      repo::insert_delivery(tx, d);
      // The driver's user id (who may read the order, whose socket hears it); an external
      // driver has no account, so its profile id, which no user id ever equals, stands in.
      o.driver_id = driver->external ? driver->id : driver->user_id;
      info["driver_id"] = driver->id;
      delivery = std::move(d);
    } else {
      o.driver_id.clear();
      info.erase("driver_id");
    }
    o.delivery_info = info;
    repo::set_order_delivery_info(tx, o.id, o.delivery_info);
    o.version += 1;
    o.updated_at = now;
    repo::update_order(tx, o);
    record_audit(tx, actor,
                 {driver_id ? "order.assign_delivery" : "order.unassign_delivery", "order", o.id,
                  driver_id ? "Order " + o.order_number + " assigned to driver " + *driver_id
                            : "Order " + o.order_number + " unassigned"});
    auto data = domain::to_json(o);
    queue_order_messages(tx, o, data, {"order_updated"}, {});
    const auto topics = topics_of(o, previous);
    work.publish("order_updated", std::move(data), topics);
    if (withdrawn) work.publish("delivery_updated", delivery_json(*withdrawn), topics);
    if (delivery) work.publish("delivery_updated", delivery_json(*delivery), topics);
    return std::move(o);
  });
}

int OrderService::expire_due(std::int64_t now_ms) {
  std::vector<std::string> due;
  {
    auto lease = pool_.read();
    due = repo::orders_due_for_expiry(*lease, now_ms, kExpiryBatch);
  }
  // The server itself cancels: through the one transition every cancellation takes (stock,
  // history, audit as "system", outbox rows, its delivery withdrawn, events).
  Actor expiry;
  expiry.system = true;
  const std::string reason =
      "expired: not paid within " + std::to_string(settings_.hold_minutes) + " minutes";
  int expired = 0;
  for (const auto& id : due) {
    auto out = in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<void> {
      auto cur = repo::lock_order(work.tx(), id);
      // Confirmed, paid or cancelled meanwhile: nothing to do.
      if (!cur || cur->status != OrderStatus::pending || !cur->expires_at ||
          *cur->expires_at > now_ms || cur->is_paid())
        return crema::Error::make(ErrorCode::conflict, "not due");
      return apply_status(work, expiry, *cur, OrderStatus::cancelled, reason,
                          "order " + cur->order_number + " expired");
    });
    if (out) ++expired;
  }
  return expired;
}

int OrderService::announce_due_orders(std::int64_t now_ms) {
  int announced = 0;
  {
    auto lease = pool_.read();
    if (!repo::any_due_orders(*lease, now_ms)) return 0;
  }
  // Batches of at most 100 until none is left (a backlog after a restart drains at once).
  for (;;) {
    auto out = in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<int> {
      const auto ids = repo::claim_due_orders(work.tx(), now_ms, 100);
      for (const auto& id : ids)
        if (auto o = repo::find_order(work.tx().connection(), id))
          work.publish("order_due", domain::to_json(*o), {"orders"});
      return static_cast<int>(ids.size());
    });
    const int n = out ? *out : 0;
    announced += n;
    if (n < 100) return announced;
  }
}

std::int64_t OrderService::prune_idempotency_keys(std::int64_t now_ms) {
  return service::prune_idempotency_keys(pool_, now_ms);
}

bool OrderService::may_watch(const auth::Principal& principal, std::string_view channel) {
  if (principal.is_api_key()) return false;
  if (principal.is_staff_plus()) return true;
  constexpr std::string_view kPrefix = "order:";
  if (!channel.starts_with(kPrefix)) return false;
  const std::string id(channel.substr(kPrefix.size()));
  auto lease = pool_.read();
  auto order = repo::find_order(*lease, id);
  if (!order) return false;
  Actor actor{principal, {}, {}};
  return domain::may_view(caller_of(actor, *order));
}

std::vector<std::string> OrderService::watchers(const Order& o, const std::string& previous) {
  return topics_of(o, previous);
}

}  // namespace crema::service
