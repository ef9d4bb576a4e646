#pragma once
/// SQL of orders (SPEC §6): orders with their lines and history, the per-day order numbers,
/// the kitchen queue and customers' carts (idempotency keys: repo/idempotency_repo.hpp).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/pool.hpp"
#include "domain/order.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

/// The next order number of a business day, in the caller's transaction. SQLite: 1, 2, …
/// from a per-day counter row (gap-free). PostgreSQL: from a sequence, so concurrent orders
/// never wait on one row; rising and unique within the day, with a gap where an order
/// rolled back.
std::int64_t next_order_sequence(db::Transaction& tx, std::string_view business_date);

/// A new order's number within its day (as next_order_sequence) and the prep minutes of the
/// kitchen queue ahead of it (as kitchen_queue_minutes; the new order is not in it yet).
/// ask_order_slot asks for both in one statement that PostgreSQL sends with the
/// transaction's next statement (exec_soon); take_order_slot gives the answer (reading it
/// then if it has not come yet). `slot` must stay alive until then.
struct OrderSlot {
  bool ready = false;
  std::optional<std::int64_t> sequence;  ///< none: the day's first order (take_order_slot)
  std::int64_t queue_minutes = 0;
};
void ask_order_slot(db::Transaction& tx, std::string_view business_date, OrderSlot& slot);
OrderSlot take_order_slot(db::Transaction& tx, std::string_view business_date, OrderSlot& slot);

/// Inserts the order row and its lines (not its history).
void insert_order(db::Transaction& tx, const domain::Order& order);
void insert_history(db::Transaction& tx, std::string_view order_id,
                    const domain::OrderHistory& entry);
/// A new order: its row, its lines and its first history row. On PostgreSQL one statement,
/// sent with the transaction's next statement or its COMMIT (Connection::exec_later): no
/// round trip of its own.
void insert_new_order(db::Transaction& tx, const domain::Order& order,
                      const domain::OrderHistory& created);

/// The order with its lines and history.
std::optional<domain::Order> find_order(db::Connection& conn, std::string_view id);
/// Same, its row locked until the transaction ends (FOR UPDATE on PostgreSQL).
std::optional<domain::Order> lock_order(db::Transaction& tx, std::string_view id);
/// Writes the order's changing columns (status, payment, driver, estimate, stock state,
/// times, reason, expiry, version, updated_at); the caller holds its lock.
void update_order(db::Transaction& tx, const domain::Order& order);

/// Moves an order and its history `shift_ms` back in time under a number of its earlier
/// business day (for `crema seed-demo`'s past days); the caller holds its lock.
void backdate_order(db::Transaction& tx, std::string_view id, std::int64_t shift_ms,
                    std::string_view business_date, std::string_view order_number);

/// The prep minutes of the orders confirmed or preparing now, other than `exclude_id`.
std::int64_t kitchen_queue_minutes(db::Connection& conn, std::string_view exclude_id);

struct OrderFilter {
  std::vector<std::string> statuses;  ///< any of these (empty: all)
  std::optional<std::string> type;
  std::optional<std::string> payment_status;
  std::optional<std::int64_t> from_ms;  ///< created_at >= (inclusive)
  std::optional<std::int64_t> to_ms;    ///< created_at < (exclusive)
  std::optional<std::string> customer_id;
  std::optional<std::string> driver_id;
  std::optional<std::string> api_key_id;
  std::optional<std::string> q;  ///< substring of the order number
  /// ?due=true: unscheduled orders and scheduled ones due by then (due_at ≤).
  std::optional<std::int64_t> due_by;
  /// ?due=false: scheduled orders not due yet at then (due_at >).
  std::optional<std::int64_t> not_due_at;
  std::optional<repo::Keyset> before;  ///< keyset (created_at, id)
  int limit = 50;
};
/// Newest first, up to limit + 1 orders with their lines and history.
std::vector<domain::Order> list_orders(db::Connection& conn, const OrderFilter& filter);

/// The name, email and phone ("" when none) of the accounts with these ids (the CSV
/// export's customer columns when an order carries no customer_info of its own).
struct CustomerContact {
  std::string name, email, phone;
};
std::map<std::string, CustomerContact> customer_contacts(db::Connection& conn,
                                                         const std::vector<std::string>& ids);

/// Ids of held orders whose hold ended at or before `now`, oldest first.
std::vector<std::string> orders_due_for_expiry(db::Connection& conn, std::int64_t now, int limit);

// ---- carts ----------------------------------------------------------------------------------

/// The cart's lines as stored (JSON text), when the user has one.
std::optional<std::string> find_cart(db::Connection& conn, std::string_view user_id);
void save_cart(db::Transaction& tx, std::string_view user_id, std::string_view items_json,
               std::int64_t now);
void delete_cart(db::Transaction& tx, std::string_view user_id);

/// Retention (SPEC §15.5): clears the contact details of up to `limit` orders placed without
/// an account (guests, API keys, walk-ins) that ended (completed, delivered, cancelled)
/// before `ended_before` — customer_info, notes, metadata, the delivery address (eta and
/// driver stay), line options and instructions, the courier's last position — and stamps
/// pii_cleared_at = `now_ms`, oldest first. Returns how many orders.
std::int64_t clear_guest_contacts(db::Transaction& tx, std::int64_t ended_before,
                                  std::int64_t now_ms, int limit);

/// GDPR erasure (SPEC §3): the customer's orders stay for the books, but their personal
/// fields go — customer_info becomes {"name": "Erased user"}, delivery_info keeps only
/// `eta` and `driver_id` (address, contact and any key a client added are removed), notes
/// and metadata are cleared, and every line loses its options and special instructions —
/// and the cart is deleted. Returns the orders changed.
std::int64_t anonymise_customer_orders(db::Transaction& tx, std::string_view customer_id);

}  // namespace crema::repo
