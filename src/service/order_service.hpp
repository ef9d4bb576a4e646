#pragma once
/// Order use cases (SPEC §6): placing an order (pricing, stock reservation, order number,
/// history, Idempotency-Key) in one transaction, reading and listing with ownership, status
/// changes and cancellation with their stock movements, delivery assignment, and the expiry
/// of unpaid online orders. Events (order_created, order_updated, order_completed,
/// order_cancelled, and the stock's inventory_low/menu_updated) are published after commit.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "domain/order.hpp"
#include "repo/keyset.hpp"
#include "repo/order_repo.hpp"
#include "service/actor.hpp"
#include "service/idempotency.hpp"
#include "service/page.hpp"
#include "service/stock.hpp"
#include "util/error.hpp"

namespace date {
class time_zone;
}

namespace crema::events {
class Bus;
}

namespace crema::service {

class UnitOfWork;

/// The business settings orders use.
struct OrderSettings {
  int tax_rate_bps = 0;
  std::string currency = "USD";
  std::string timezone = "UTC";  ///< IANA zone of business days (order numbers)
  int hold_minutes = 15;         ///< unpaid online orders are held this long
  int kitchen_parallelism = 2;
  bool require_verified_email = false;  ///< CREMA_REQUIRE_VERIFIED_EMAIL (SPEC §15.1)
  bool guest_checkout = true;           ///< CREMA_GUEST_CHECKOUT (SPEC §15.1)
};

/// One line as a request (or a cart) gives it, already checked for shape.
struct OrderLine {
  std::string product_id;
  std::int64_t quantity = 1;
  std::vector<std::string> modifiers;
  boost::json::object options;
  std::string special_instructions;
  int position = -1;  ///< its index in the request, for field paths (-1: its index here)
};

/// A line as stored in a cart, and back.
boost::json::object line_to_json(const OrderLine& line);
OrderLine line_from_json(const boost::json::object& o);

/// An order request, already checked for shape by the API layer.
struct OrderRequest {
  std::optional<domain::OrderType> type;  ///< nothing: online for customers and API keys
  std::vector<OrderLine> items;
  bool use_cart = false;
  bool items_given = false;
  std::optional<boost::json::object> customer_info;  ///< {name, phone, email}
  std::optional<boost::json::object> delivery_info;  ///< {address, …}
  std::optional<bool> is_pickup;
  std::string payment_method;
  std::string notes;
  std::string table_number;
  boost::json::object metadata;
  std::optional<std::int64_t> scheduled_for;  ///< SPEC §15.3 (online orders)
};

/// Called in the transaction that cancels a paid order (SPEC §6, §9): books the refund of
/// what is left of its payments and sets the order's payment_status and refunded_amount
/// (the gateway calls follow after the commit); an error refuses the cancellation.
using PaidCancelHook =
    std::function<crema::Result<void>(db::Transaction&, const Actor&, domain::Order&)>;

/// The shop's rules of time for a new order (SPEC §15.3; service/order_timing.hpp), called
/// in the transaction that places it, once its lines are priced and before anything is
/// written: it may refuse it (409 shop_closed, 422, 409 slot_full; nothing is written) and
/// may set its timing fields. Catering events' orders are not asked.
using PlacementRule = std::function<crema::Result<void>(db::Transaction&, const Actor&,
                                                        domain::Order&, std::int64_t now_ms)>;

/// A placed order as answered: the body of the 201 (the first answer, for a replay).
struct PlacedOrder {
  std::string id;
  std::string body;  ///< JSON text of the order as GET /orders/{id} returns it
  bool replayed = false;
};

class OrderService {
 public:
  OrderService(db::Pool& pool, const events::Bus& bus, OrderSettings settings);

  const OrderSettings& settings() const noexcept { return settings_; }

  /// The issues of a request that need no transaction or that read the catalogue: the role's
  /// rules (customers order online only, API keys need customer_info, a delivery needs an
  /// address, a cart only for customers) and each line's product and modifiers. Used by the
  /// API layer to list every problem at once when it found some itself.
  std::vector<FieldIssue> precheck(const Actor& actor, const OrderRequest& request);

  /// Places an order: 201 body, 422 (every issue), 409 out_of_stock listing each short
  /// item (nothing written), 409 conflict for an Idempotency-Key reused with another body.
  /// Without credentials (guest checkout, SPEC §15.1; 401 with CREMA_GUEST_CHECKOUT=0) an
  /// online order with customer_info's name and an email or phone, whose 201 body also
  /// carries `guest_token` (service/guest_tokens.hpp) — kept with the Idempotency-Key like
  /// the rest of the answer, so a replay gives the same token.
  crema::Result<PlacedOrder> place(const Actor& actor, const OrderRequest& request,
                                   const std::optional<IdempotencyKey>& idempotency);

  /// The order for the owner, staff+, the assigned driver (or the API key that placed it);
  /// 404 for anyone else.
  crema::Result<domain::Order> get(const Actor& actor, const std::string& id);

  /// A payment change (SPEC §9) in the caller's unit of work, on the order it locked, whose
  /// payment_status the caller set: with `confirm`, a pending order is confirmed exactly as
  /// PUT /status does (apply_status: reservation committed, history, outbox rows);
  /// otherwise the order is written with its new payment state (`order_updated`).
  crema::Result<void> record_payment(UnitOfWork& work, const Actor& actor, domain::Order& order,
                                     bool confirm);
  /// Whether the actor may see the order (owner, staff+, assigned driver, placing API key).
  bool may_view(const Actor& actor, const domain::Order& order) const {
    return domain::may_view(caller_of(actor, order));
  }
  /// Whether the actor is the driver assigned to the order.
  bool is_assigned_driver(const Actor& actor, const domain::Order& order) const {
    return caller_of(actor, order).assigned_driver;
  }
  /// Set once at wiring, before serving (payments).
  void set_paid_cancel_hook(PaidCancelHook hook) { paid_cancel_hook_ = std::move(hook); }
  /// Set once at wiring, before serving (the shop's hours and slots).
  void set_placement_rule(PlacementRule rule) { placement_rule_ = std::move(rule); }

  /// GET /orders: customers see their own, drivers their deliveries, API keys what they
  /// placed, staff+ everything (filter.customer_id only applies to them).
  Page<domain::Order, repo::Keyset> list(const Actor& actor, repo::OrderFilter filter);
  /// The accounts' contact details (repo::customer_contacts), for the CSV export.
  std::map<std::string, repo::CustomerContact> customer_contacts(
      const std::vector<std::string>& ids);

  /// PUT /orders/{id}/status and DELETE /orders/{id} (to = cancelled): 404, 403, 409
  /// invalid_transition, 409 version_conflict; commits the reservation on confirmation,
  /// releases (pending) or restocks (confirmed) it on cancellation.
  crema::Result<domain::Order> change_status(const Actor& actor, const std::string& id,
                                             domain::OrderStatus to, const std::string& reason,
                                             std::optional<std::int64_t> expected_version);

  /// Assigns a driver (a driver profile id, SPEC §8) to a delivery order that is ready or
  /// earlier, creating its delivery (`assigned`), or unassigns with nothing (the delivery
  /// still `assigned` is withdrawn; one picked up is 409): 404, 409, 422 for an unknown or
  /// inactive driver.
  crema::Result<domain::Order> assign_delivery(const Actor& actor, const std::string& id,
                                               const std::optional<std::string>& driver_id);

  /// Cancels held online orders whose hold ended at or before `now_ms`, releasing their
  /// stock; returns how many.
  int expire_due(std::int64_t now_ms);
  /// SPEC §15.3: announces `order_due` (on the kitchen's `orders` topic only, never to the
  /// customer) for the scheduled orders whose time has come (due_at ≤ `now_ms`); each order
  /// is claimed once, however many instances run the job. Returns how many.
  int announce_due_orders(std::int64_t now_ms);
  /// Forgets Idempotency-Keys older than 24 hours (as of `now_ms`); returns how many.
  std::int64_t prune_idempotency_keys(std::int64_t now_ms);

  /// THE status transition of an order — every status change goes through it: PUT
  /// /orders/{id}/status and DELETE /orders/{id}, the expiry of unpaid orders, a payment's
  /// confirmation, deliveries and catering events. On an order the caller locked and whose
  /// move it checked (domain::check_transition, or its own rule): the stock (confirm →
  /// commit; cancel → release while reserved, restock when confirmed, nothing once the
  /// kitchen started), the paid-cancel hook (refunds), times, history, audit, the delivery
  /// settled with it, the outbox rows, and the order_updated / order_cancelled /
  /// order_completed events on `work`. `stock_reason` is the inventory log's reason
  /// ("" → "order <number>").
  crema::Result<void> apply_status(UnitOfWork& work, const Actor& actor, domain::Order& o,
                                   domain::OrderStatus to, const std::string& reason,
                                   const std::string& stock_reason = {});
  /// Who hears about an order: staff, "order:<id>", its customer, its driver (and a driver
  /// it was just taken from).
  static std::vector<std::string> watchers(const domain::Order& o,
                                           const std::string& previous_driver = {});
  /// A catering event's order (SPEC §11), inside the event's unit of work: type event,
  /// owned by `customer_id`, the lines at catalogue prices, stock reserved (409
  /// out_of_stock with the short items), no hold expiry; with a quote, adjustment_amount
  /// makes total_amount equal it. Built by create_order, like POST /orders.
  crema::Result<domain::Order> place_event_order(UnitOfWork& work, const Actor& actor,
                                                 const std::string& customer_id,
                                                 const std::optional<boost::json::object>& info,
                                                 const std::vector<OrderLine>& lines,
                                                 std::optional<std::int64_t> quote,
                                                 const std::string& notes);

  /// The hub's rule for "order:<id>": staff+ always; a customer for their own order; a
  /// driver for the order they deliver.
  bool may_watch(const auth::Principal& principal, std::string_view channel);

  /// The business date (YYYYMMDD in CREMA_TIMEZONE) of an instant.
  std::string business_date(std::int64_t at_ms) const;

  /// The bus the orders' unit of work publishes on (for use cases that change orders in
  /// their own transaction: payments).
  const events::Bus& bus() const noexcept { return bus_; }

 private:
  /// What distinguishes one kind of new order from another; the rest is create_order's.
  struct NewOrder {
    domain::OrderType type = domain::OrderType::online;
    bool is_pickup = true;
    std::string customer_id;  ///< "" for a walk-in or an API key's order
    std::string api_key_id;
    std::optional<boost::json::object> customer_info;  ///< none: the customer's account's
    std::optional<boost::json::object> delivery_info;  ///< kept for a delivery only
    std::string payment_method, notes, table_number;
    boost::json::object metadata;
    std::optional<std::int64_t> quote;       ///< the total to reach (catering events)
    std::string history_reason;              ///< the first history row's reason
    std::string stock_reason;                ///< the reservation's inventory log reason
    std::string_view lines_field = "items";  ///< field path prefix of the lines' issues
    std::string invalid_lines_message;       ///< "" → "N fields are invalid."
    bool placement_rule = false;             ///< asks the PlacementRule (POST /orders)
    std::optional<std::int64_t> scheduled_for;
  };
  /// Called with the new order and its JSON after its insert, before its outbox rows and
  /// its reservation: the use case's own statements that belong with the insert.
  using WithInsert = std::function<void(const domain::Order&, const boost::json::object&)>;
  /// THE one place an order is built: resolves the lines against the catalogue, prices
  /// them (or splits a quote), takes the day's number and the kitchen queue, inserts the
  /// order with its first history row, queues its outbox rows, and reserves its stock
  /// last (the statement order docs/ARCHITECTURE.md "Orders" describes), then adds
  /// `order_created` and the stock's effects to `work`. 422 for lines that cannot be
  /// ordered, 409 out_of_stock listing every short item.
  crema::Result<domain::Order> create_order(UnitOfWork& work, const Actor& actor, NewOrder spec,
                                            const std::vector<OrderLine>& lines, std::int64_t now,
                                            const WithInsert& with_insert = {});

  domain::OrderCaller caller_of(const Actor& actor, const domain::Order& order) const;

  db::Pool& pool_;
  const events::Bus& bus_;
  OrderSettings settings_;
  const date::time_zone* zone_ = nullptr;
  PaidCancelHook paid_cancel_hook_;
  PlacementRule placement_rule_;
};

}  // namespace crema::service
