#pragma once
/// Orders (SPEC §6) without I/O: the entity, its status machine with who may move it where,
/// pricing in exact minor units, the kitchen estimate and human order numbers.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "auth/roles.hpp"
#include "domain/inventory.hpp"
#include "domain/name_table.hpp"
#include "domain/product.hpp"
#include "util/error.hpp"

namespace crema::domain {

enum class OrderType : std::uint8_t { dine_in, takeaway, online, event };
enum class OrderStatus : std::uint8_t {
  pending,
  confirmed,
  preparing,
  ready,
  out_for_delivery,
  delivered,
  completed,
  cancelled,
};
enum class PaymentStatus : std::uint8_t { pending, paid, failed, refunded, partially_refunded };
/// Where the stock an order reserved stands (see migrations 0040).
enum class StockState : std::uint8_t { reserved, committed, released, restocked, consumed };

inline constexpr NameTable<OrderType, 4> kOrderTypes{{"dine-in", "takeaway", "online", "event"}};
inline constexpr NameTable<OrderStatus, 8> kOrderStatuses{{"pending", "confirmed", "preparing",
                                                           "ready", "out_for_delivery", "delivered",
                                                           "completed", "cancelled"}};
inline constexpr NameTable<PaymentStatus, 5> kPaymentStatuses{
    {"pending", "paid", "failed", "refunded", "partially_refunded"}};
inline constexpr NameTable<StockState, 5> kStockStates{
    {"reserved", "committed", "released", "restocked", "consumed"}};
static_assert(kOrderTypes.size() == static_cast<std::size_t>(OrderType::event) + 1);
static_assert(kOrderStatuses.size() == static_cast<std::size_t>(OrderStatus::cancelled) + 1);
static_assert(kPaymentStatuses.size() ==
              static_cast<std::size_t>(PaymentStatus::partially_refunded) + 1);
static_assert(kStockStates.size() == static_cast<std::size_t>(StockState::consumed) + 1);
/// The café's other spelling of preparing, accepted on input (never written).
inline constexpr std::string_view kInProgressAlias = "in-progress";

std::string_view order_type_name(OrderType t) noexcept;
std::optional<OrderType> parse_order_type(std::string_view s) noexcept;
std::string_view order_status_name(OrderStatus s) noexcept;
/// Also accepts the café's `in-progress` (and `in_progress`) for preparing.
std::optional<OrderStatus> parse_order_status(std::string_view s) noexcept;
std::string_view payment_status_name(PaymentStatus s) noexcept;
std::optional<PaymentStatus> parse_payment_status(std::string_view s) noexcept;
std::string_view stock_state_name(StockState s) noexcept;
std::optional<StockState> parse_stock_state(std::string_view s) noexcept;

/// One line of an order: a snapshot of the product at order time.
struct OrderItem {
  std::string id;
  std::string product_id;
  std::string name;
  std::int64_t unit_price = 0;  ///< minor units: price plus the chosen modifiers' deltas
  std::int64_t quantity = 1;
  std::vector<std::string> modifiers;
  boost::json::object options;
  std::string special_instructions;  ///< "" when none
  std::int64_t line_total = 0;
  int prep_minutes = 0;
};

/// One status an order went through.
struct OrderHistory {
  OrderStatus status = OrderStatus::pending;
  std::int64_t at = 0;
  std::string by;      ///< user id; "" for the system or an API key
  std::string reason;  ///< "" when none
};

struct Order {
  std::string id;
  std::string order_number;
  std::string business_date;  ///< YYYYMMDD
  OrderType type = OrderType::dine_in;
  OrderStatus status = OrderStatus::pending;
  PaymentStatus payment_status = PaymentStatus::pending;
  std::string payment_method;  ///< "" when none given
  std::string customer_id;     ///< "" for walk-in and API-key orders
  std::string created_by;      ///< user id; "" for API keys
  std::string api_key_id;      ///< the key that placed it, "" otherwise
  std::vector<OrderItem> items;
  std::int64_t subtotal = 0;
  std::int64_t adjustment_amount = 0;
  std::int64_t tax_amount = 0;
  std::int64_t total_amount = 0;
  std::int64_t refunded_amount = 0;
  std::string currency = "USD";
  std::optional<boost::json::object> customer_info;  ///< {name, phone, email}
  std::optional<boost::json::object> delivery_info;  ///< {address, …} as given
  std::string driver_id;                             ///< the assigned driver's user id
  bool is_pickup = true;
  std::string table_number;
  std::string notes;
  boost::json::object metadata;
  int prep_minutes = 0;
  int estimated_time = 0;
  std::vector<StockNeed> stock_needs;
  StockState stock_state = StockState::reserved;
  std::vector<OrderHistory> history;
  std::int64_t version = 1;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> confirmed_at, completed_at, cancelled_at, expires_at;
  std::string cancel_reason;
  /// SPEC §15.3: when the customer wants it (nothing: as soon as possible).
  std::optional<std::int64_t> scheduled_for;
  /// The capacity slot it holds (schedule_slots), given back when it is cancelled or expires.
  std::optional<std::int64_t> slot_start;
  /// When it appears to the kitchen: scheduled_for minus its prep time (nothing: at once).
  std::optional<std::int64_t> due_at;

  /// An online order that is not picked up: it ends at delivered, not completed.
  bool is_delivery() const noexcept { return type == OrderType::online && !is_pickup; }
  /// Paid, in whole or still partly (a cancellation refunds it: manager+ only).
  bool is_paid() const noexcept {
    return payment_status == PaymentStatus::paid ||
           payment_status == PaymentStatus::partially_refunded;
  }
};

/// The order as GET /orders/{id} returns it (and order_* events carry it).
boost::json::object to_json(const Order& order);

// ---- the status machine ---------------------------------------------------------------------

/// Whether the machine has the edge from → to for an order of this kind (pending → confirmed
/// → preparing → ready → completed, or ready → out_for_delivery → delivered for delivery
/// orders; pending, confirmed and preparing → cancelled).
bool edge_exists(OrderStatus from, OrderStatus to, bool delivery) noexcept;
/// completed, delivered or cancelled: nothing moves it any more.
bool is_final(OrderStatus s) noexcept;
/// completed or delivered (SPEC §6: delivered counts as completed everywhere).
bool counts_as_completed(OrderStatus s) noexcept;

/// Who asks, in relation to one order.
struct OrderCaller {
  auth::Role role = auth::Role::customer;
  bool api_key = false;
  bool owner = false;            ///< the order's customer
  bool assigned_driver = false;  ///< the driver assigned to deliver it
  bool placed_by_key = false;    ///< the API key that placed it
};

/// Whether the caller may see the order at all (anyone else gets 404).
bool may_view(const OrderCaller& caller) noexcept;

/// Why a transition is refused.
enum class Refusal : std::uint8_t { none, not_found, invalid_transition, forbidden };

/// The verdict on moving `order` to `to` (cancellation included): not_found when the caller
/// may not see it, invalid_transition when the machine has no such edge (or the caller's
/// only right is one the order's state no longer allows, like a customer cancelling after
/// pending), forbidden when the caller's role may not make this move (a staff member
/// cancelling a paid order, a driver doing anything but delivering their own order).
Refusal check_transition(const Order& order, OrderStatus to, const OrderCaller& caller) noexcept;

// ---- pricing ------------------------------------------------------------------------------

/// The unit price of a product with these modifiers (price + each delta). 422 naming
/// `modifiers[i]` for an unknown or repeated code, or when the result would be negative.
crema::Result<std::int64_t> unit_price(const Product& product,
                                       std::span<const std::string> modifier_codes);

struct Totals {
  std::int64_t subtotal = 0;
  std::int64_t adjustment = 0;
  std::int64_t tax = 0;
  std::int64_t total = 0;
};
/// Subtotal of the lines (unit price × quantity each), the adjustment, tax in basis points
/// on subtotal + adjustment (rounded half away from zero once per order), and the total.
Totals order_totals(std::span<const OrderItem> items, std::int64_t adjustment, int tax_bps);

/// estimated_time in whole minutes (SPEC §6): own + queue / parallelism, rounded up, so never
/// less than the order's own prep time.
int estimated_minutes(int own_prep, std::int64_t queue_prep, int parallelism) noexcept;
/// estimated_time of an order scheduled for `scheduled_for` (SPEC §15.3): whole minutes from
/// `now_ms` to then, rounded up; 0 once it is past.
int minutes_until(std::int64_t scheduled_for, std::int64_t now_ms) noexcept;

/// "20261122-0042": the business date (YYYYMMDD) and that day's sequence (4 digits or more).
std::string order_number(std::string_view business_date, std::int64_t sequence);

/// Stock needs as stored ([[item id, thousandths], …]) and back.
std::string needs_to_storage(const std::vector<StockNeed>& needs);
std::vector<StockNeed> needs_from_storage(std::string_view text);

}  // namespace crema::domain
