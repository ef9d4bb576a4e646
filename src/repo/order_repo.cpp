#include "repo/order_repo.hpp"

#include <map>

#include <boost/json.hpp>

#include "obs/trace.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/params.hpp"
#include "repo/query.hpp"
#include "repo/trace_repo.hpp"
#include "util/uuid.hpp"

namespace crema::repo {

namespace json = boost::json;

namespace {

constexpr std::string_view kOrderColumns =
    "id, order_number, business_date, type, status, payment_status, payment_method, "
    "customer_id, created_by, api_key_id, subtotal, adjustment_amount, tax_amount, "
    "total_amount, refunded_amount, currency, customer_info, delivery_info, driver_id, "
    "is_pickup, table_number, notes, metadata, prep_minutes, estimated_time, stock_needs, "
    "stock_state, version, created_at, updated_at, confirmed_at, completed_at, cancelled_at, "
    "cancel_reason, expires_at, scheduled_for, slot_start, due_at";

std::optional<json::object> object_or_none(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  auto v = json::parse(*text);
  if (!v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

domain::Order order_of(const db::Row& r) {
  domain::Order o;
  o.id = r.text(0);
  o.order_number = r.text(1);
  o.business_date = r.text(2);
  o.type = domain::parse_order_type(r.text_view(3)).value_or(domain::OrderType::dine_in);
  o.status = domain::parse_order_status(r.text_view(4)).value_or(domain::OrderStatus::pending);
  o.payment_status =
      domain::parse_payment_status(r.text_view(5)).value_or(domain::PaymentStatus::pending);
  o.payment_method = r.opt_text(6).value_or("");
  o.customer_id = r.opt_text(7).value_or("");
  o.created_by = r.opt_text(8).value_or("");
  o.api_key_id = r.opt_text(9).value_or("");
  o.subtotal = r.int64(10);
  o.adjustment_amount = r.int64(11);
  o.tax_amount = r.int64(12);
  o.total_amount = r.int64(13);
  o.refunded_amount = r.int64(14);
  o.currency = r.text(15);
  o.customer_info = object_or_none(r.opt_text(16));
  o.delivery_info = object_or_none(r.opt_text(17));
  o.driver_id = r.opt_text(18).value_or("");
  o.is_pickup = r.boolean(19);
  o.table_number = r.opt_text(20).value_or("");
  o.notes = r.opt_text(21).value_or("");
  o.metadata = object_or_none(r.opt_text(22)).value_or(json::object{});
  o.prep_minutes = static_cast<int>(r.int64(23));
  o.estimated_time = static_cast<int>(r.int64(24));
  o.stock_needs = domain::needs_from_storage(r.text(25));
  o.stock_state = domain::parse_stock_state(r.text_view(26)).value_or(domain::StockState::reserved);
  o.version = r.int64(27);
  o.created_at = r.int64(28);
  o.updated_at = r.int64(29);
  o.confirmed_at = r.opt_int64(30);
  o.completed_at = r.opt_int64(31);
  o.cancelled_at = r.opt_int64(32);
  o.cancel_reason = r.opt_text(33).value_or("");
  o.expires_at = r.opt_int64(34);
  o.scheduled_for = r.opt_int64(35);
  o.slot_start = r.opt_int64(36);
  o.due_at = r.opt_int64(37);
  return o;
}

// Loads the lines and history of these orders (one query each, whatever their number).
void load_children(db::Connection& conn, std::vector<domain::Order>& orders) {
  if (orders.empty()) return;
  std::vector<db::Param> ids;
  std::map<std::string_view, domain::Order*> by_id;
  for (auto& o : orders) {
    ids.emplace_back(std::string_view(o.id));
    by_id[o.id] = &o;
  }
  const std::string in = placeholders(1, ids.size());
  auto items = conn.exec(
      "SELECT order_id, id, product_id, name, unit_price, quantity, modifiers, options, "
      "special_instructions, line_total, prep_minutes FROM order_items WHERE order_id IN (" +
          in + ") ORDER BY order_id, position",
      ids);
  for (auto row : items) {
    auto it = by_id.find(row.text_view(0));
    if (it == by_id.end()) continue;
    domain::OrderItem item;
    item.id = row.text(1);
    item.product_id = row.text(2);
    item.name = row.text(3);
    item.unit_price = row.int64(4);
    item.quantity = row.int64(5);
    const auto mods = json::parse(row.text_view(6));
    for (const auto& m : mods.as_array()) item.modifiers.emplace_back(m.as_string());
    item.options = object_or_none(row.opt_text(7)).value_or(json::object{});
    item.special_instructions = row.opt_text(8).value_or("");
    item.line_total = row.int64(9);
    item.prep_minutes = static_cast<int>(row.int64(10));
    it->second->items.push_back(std::move(item));
  }
  auto history = conn.exec(
      "SELECT order_id, status, at, by_id, reason FROM order_history WHERE order_id IN (" + in +
          ") ORDER BY order_id, at, id",
      ids);
  for (auto row : history) {
    auto it = by_id.find(row.text_view(0));
    if (it == by_id.end()) continue;
    domain::OrderHistory h;
    h.status = domain::parse_order_status(row.text_view(1)).value_or(domain::OrderStatus::pending);
    h.at = row.int64(2);
    h.by = row.opt_text(3).value_or("");
    h.reason = row.opt_text(4).value_or("");
    it->second->history.push_back(std::move(h));
  }
}

std::optional<domain::Order> one(db::Connection& conn, const db::Result& r) {
  if (r.empty()) return std::nullopt;
  std::vector<domain::Order> v{order_of(r.front())};
  load_children(conn, v);
  return std::move(v.front());
}

}  // namespace

std::int64_t next_order_sequence(db::Transaction& tx, std::string_view business_date) {
  if (tx.dialect() == db::Dialect::postgres) {
    // No lock held (migration 0041): the day's first value is a committed row read before
    // nextval runs, so the number is >= 1 and unique within the day.
    static constexpr std::string_view kRead =
        "SELECT nextval('order_number_seq') - first_seq + 1 FROM order_day_starts "
        "WHERE business_date = $1";
    if (auto r = tx.exec(kRead, {business_date}); !r.empty()) return r.front().int64(0);
    // The day's first order. Of two racing first orders one inserts (number 1); the other
    // waits for its commit, finds the row and reads again. A rollback removes the row.
    auto first = tx.exec(
        "INSERT INTO order_day_starts (business_date, first_seq) "
        "VALUES ($1, nextval('order_number_seq')) ON CONFLICT (business_date) DO NOTHING "
        "RETURNING 1",
        {business_date});
    if (!first.empty()) return 1;
    auto again = tx.exec(kRead, {business_date});
    if (again.empty())
      throw db::Error(db::Error::Kind::retryable, "the day's first order number was rolled back");
    return again.front().int64(0);
  }
  auto r = tx.exec(
      "INSERT INTO order_counters (business_date, last_number) VALUES ($1, 1) "
      "ON CONFLICT (business_date) DO UPDATE SET last_number = order_counters.last_number + 1 "
      "RETURNING last_number",
      {business_date});
  return r.front().int64(0);
}

void ask_order_slot(db::Transaction& tx, std::string_view business_date, OrderSlot& slot) {
  slot = {};
  if (tx.dialect() != db::Dialect::postgres) {
    // SQLite: two local calls, no round trip to save.
    slot.sequence = next_order_sequence(tx, business_date);
    slot.queue_minutes = kitchen_queue_minutes(tx.connection(), {});
    slot.ready = true;
    return;
  }
  // Two statements in the same round trip: the queue's has no parameter, so PostgreSQL
  // plans it once per connection (with the date's parameter beside it, it chose a fresh
  // custom plan for most orders).
  tx.connection().exec_soon(
      "SELECT COALESCE(SUM(prep_minutes), 0) FROM orders "
      "WHERE status IN ('confirmed', 'preparing')",
      {}, [&slot](db::Result&& r) { slot.queue_minutes = r.front().int64(0); });
  const db::Param params[] = {business_date};
  tx.connection().exec_soon(
      "SELECT nextval('order_number_seq') - first_seq + 1 FROM order_day_starts "
      "WHERE business_date = $1",
      params, [&slot](db::Result&& r) {
        if (!r.empty()) slot.sequence = r.front().int64(0);
        slot.ready = true;
      });
}

OrderSlot take_order_slot(db::Transaction& tx, std::string_view business_date, OrderSlot& slot) {
  if (!slot.ready) tx.connection().flush_soon();
  if (!slot.ready) throw std::logic_error("take_order_slot without ask_order_slot");
  // No row yet: the day's first order takes the path that creates it.
  if (!slot.sequence) slot.sequence = next_order_sequence(tx, business_date);
  return slot;
}

namespace {

// The JSON text columns of an order and of its lines, kept alive while their parameters
// (string views into them) are used.
struct OrderTexts {
  std::string customer, delivery, metadata, needs;
  std::vector<std::string> modifiers, options;
  explicit OrderTexts(const domain::Order& o)
      : customer(o.customer_info ? json::serialize(*o.customer_info) : ""),
        delivery(o.delivery_info ? json::serialize(*o.delivery_info) : ""),
        metadata(json::serialize(o.metadata)),
        needs(domain::needs_to_storage(o.stock_needs)) {
    for (const auto& it : o.items) {
      json::array mods;
      for (const auto& m : it.modifiers) mods.emplace_back(m);
      modifiers.push_back(json::serialize(mods));
      options.push_back(json::serialize(it.options));
    }
  }
};

// The 38 parameters of an order row, in kOrderColumns order.
void add_order_params(std::vector<db::Param>& p, const domain::Order& o, const OrderTexts& t) {
  p.insert(p.end(), {std::string_view(o.id),
                     std::string_view(o.order_number),
                     std::string_view(o.business_date),
                     domain::order_type_name(o.type),
                     domain::order_status_name(o.status),
                     domain::payment_status_name(o.payment_status),
                     text_or_null(o.payment_method),
                     text_or_null(o.customer_id),
                     text_or_null(o.created_by),
                     text_or_null(o.api_key_id),
                     o.subtotal,
                     o.adjustment_amount,
                     o.tax_amount,
                     o.total_amount,
                     o.refunded_amount,
                     std::string_view(o.currency),
                     text_or_null(t.customer),
                     text_or_null(t.delivery),
                     text_or_null(o.driver_id),
                     o.is_pickup,
                     text_or_null(o.table_number),
                     text_or_null(o.notes),
                     std::string_view(t.metadata),
                     static_cast<std::int64_t>(o.prep_minutes),
                     static_cast<std::int64_t>(o.estimated_time),
                     std::string_view(t.needs),
                     domain::stock_state_name(o.stock_state),
                     o.version,
                     o.created_at,
                     o.updated_at,
                     int_or_null(o.confirmed_at),
                     int_or_null(o.completed_at),
                     int_or_null(o.cancelled_at),
                     text_or_null(o.cancel_reason),
                     int_or_null(o.expires_at),
                     int_or_null(o.scheduled_for),
                     int_or_null(o.slot_start),
                     int_or_null(o.due_at)});
}

// The parameters of line `i` but its order id: id, position, product, name, unit price,
// quantity, modifiers, options, instructions, line total, prep minutes.
void add_item_params(std::vector<db::Param>& p, const domain::Order& o, const OrderTexts& t,
                     std::size_t i) {
  const auto& it = o.items[i];
  p.insert(p.end(),
           {std::string_view(it.id), static_cast<std::int64_t>(i), std::string_view(it.product_id),
            std::string_view(it.name), it.unit_price, it.quantity, std::string_view(t.modifiers[i]),
            std::string_view(t.options[i]), text_or_null(it.special_instructions), it.line_total,
            static_cast<std::int64_t>(it.prep_minutes)});
}

constexpr std::string_view kItemColumns =
    "id, order_id, position, product_id, name, unit_price, quantity, modifiers, options, "
    "special_instructions, line_total, prep_minutes";

const std::string& order_insert_sql() {
  static const std::string sql =
      "INSERT INTO orders (" + std::string(kOrderColumns) +
      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
      "$18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, "
      "$36, $37, $38)";
  return sql;
}

// "($a, $1, $b, …)": a line's VALUES row whose parameters start at `first` (order id: $1).
std::string item_values(std::size_t first) {
  std::string v = "($" + std::to_string(first) + ", $1";
  for (std::size_t k = 1; k < 11; ++k) v += ", $" + std::to_string(first + k);
  return v + ")";
}

}  // namespace

void insert_order(db::Transaction& tx, const domain::Order& o) {
  const OrderTexts texts(o);
  std::vector<db::Param> params;
  add_order_params(params, o, texts);
  tx.exec(order_insert_sql(), params);
  // SPEC §15.5: a traced order remembers its trace, so its payment webhook continues it.
  if (const auto* trace = obs::current_trace()) insert_order_trace(tx, o.id, trace->traceparent());
  static const std::string item_sql =
      "INSERT INTO order_items (" + std::string(kItemColumns) + ") VALUES " + item_values(2);
  for (std::size_t i = 0; i < o.items.size(); ++i) {
    std::vector<db::Param> p{std::string_view(o.id)};
    add_item_params(p, o, texts, i);
    tx.exec(item_sql, p);
  }
}

void insert_new_order(db::Transaction& tx, const domain::Order& o,
                      const domain::OrderHistory& created) {
  if (tx.dialect() != db::Dialect::postgres || o.items.empty()) {
    insert_order(tx, o);
    insert_history(tx, o.id, created);
    return;
  }
  // One statement on PostgreSQL: the order, its history row and every line (the lines' and
  // the history's foreign keys are checked at the end of the statement, after the order).
  const OrderTexts texts(o);
  const std::string history_id = util::new_uuid_v7();
  std::vector<db::Param> params;
  params.reserve(44 + 11 * o.items.size());
  add_order_params(params, o, texts);
  params.insert(params.end(),
                {std::string_view(history_id), domain::order_status_name(created.status),
                 created.at, text_or_null(created.by), text_or_null(created.reason)});
  std::string sql = "WITH o AS (" + order_insert_sql() +
                    "), h AS (INSERT INTO order_history (id, order_id, status, at, by_id, reason) "
                    "VALUES ($39, $1, $40, $41, $42, $43))";
  // SPEC §15.5: a traced order remembers its trace (as insert_order does).
  std::string traceparent;
  if (const auto* trace = obs::current_trace()) {
    traceparent = trace->traceparent();
    params.emplace_back(std::string_view(traceparent));
    sql += ", t AS (INSERT INTO order_traces (order_id, traceparent) VALUES ($1, $" +
           std::to_string(params.size()) + "))";
  }
  sql += " INSERT INTO order_items (" + std::string(kItemColumns) + ") VALUES ";
  for (std::size_t i = 0; i < o.items.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += item_values(params.size() + 1);
    add_item_params(params, o, texts, i);
  }
  // Nothing reads it back: it travels with the use case's next statement (the reservation)
  // or its COMMIT.
  tx.connection().exec_later(sql, params);
}

void insert_history(db::Transaction& tx, std::string_view order_id, const domain::OrderHistory& h) {
  const std::string id = util::new_uuid_v7();
  tx.exec(
      "INSERT INTO order_history (id, order_id, status, at, by_id, reason) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      {std::string_view(id), order_id, domain::order_status_name(h.status), h.at,
       text_or_null(h.by), text_or_null(h.reason)});
}

std::optional<domain::Order> find_order(db::Connection& conn, std::string_view id) {
  static const std::string sql =
      "SELECT " + std::string(kOrderColumns) + " FROM orders WHERE id = $1";
  return one(conn, conn.exec(sql, {id}));
}

std::optional<domain::Order> lock_order(db::Transaction& tx, std::string_view id) {
  static const std::string sqlite =
      "SELECT " + std::string(kOrderColumns) + " FROM orders WHERE id = $1";
  static const std::string pg = sqlite + " FOR UPDATE";
  auto r = tx.exec(tx.dialect() == db::Dialect::postgres ? pg : sqlite, {id});
  return one(tx.connection(), r);
}

void update_order(db::Transaction& tx, const domain::Order& o) {
  tx.exec(
      "UPDATE orders SET status = $2, payment_status = $3, driver_id = $4, estimated_time = $5, "
      "stock_state = $6, version = $7, updated_at = $8, confirmed_at = $9, completed_at = $10, "
      "cancelled_at = $11, cancel_reason = $12, expires_at = $13, slot_start = $14 WHERE id = $1",
      {std::string_view(o.id), domain::order_status_name(o.status),
       domain::payment_status_name(o.payment_status), text_or_null(o.driver_id),
       static_cast<std::int64_t>(o.estimated_time), domain::stock_state_name(o.stock_state),
       o.version, o.updated_at, int_or_null(o.confirmed_at), int_or_null(o.completed_at),
       int_or_null(o.cancelled_at), text_or_null(o.cancel_reason), int_or_null(o.expires_at),
       int_or_null(o.slot_start)});
}

void backdate_order(db::Transaction& tx, std::string_view id, std::int64_t shift_ms,
                    std::string_view business_date, std::string_view order_number) {
  tx.exec(
      "UPDATE orders SET created_at = created_at - $2, updated_at = updated_at - $2, "
      "confirmed_at = confirmed_at - $2, completed_at = completed_at - $2, "
      "cancelled_at = cancelled_at - $2, expires_at = NULL, business_date = $3, "
      "order_number = $4 WHERE id = $1",
      {id, shift_ms, business_date, order_number});
  tx.exec("UPDATE order_history SET at = at - $2 WHERE order_id = $1", {id, shift_ms});
}

std::int64_t kitchen_queue_minutes(db::Connection& conn, std::string_view exclude_id) {
  auto r = conn.exec(
      "SELECT COALESCE(SUM(prep_minutes), 0) FROM orders "
      "WHERE status IN ('confirmed', 'preparing') AND id <> $1",
      {exclude_id});
  return r.front().int64(0);
}

std::vector<domain::Order> list_orders(db::Connection& conn, const OrderFilter& f) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kOrderColumns) + " FROM orders");
  q.where_in("status", f.statuses);
  q.where_eq("type", f.type);
  q.where_eq("payment_status", f.payment_status);
  if (f.from_ms) q.where("created_at >= " + q.param(*f.from_ms));
  if (f.to_ms) q.where("created_at < " + q.param(*f.to_ms));
  q.where_eq("customer_id", f.customer_id);
  q.where_eq("driver_id", f.driver_id);
  q.where_eq("api_key_id", f.api_key_id);
  if (f.due_by) q.where("(due_at IS NULL OR due_at <= " + q.param(*f.due_by) + ")");
  if (f.not_due_at) q.where("due_at > " + q.param(*f.not_due_at));
  if (f.q) q.where("order_number LIKE " + q.text(like_contains(*f.q)) + " ESCAPE '\\'");
  q.page("created_at", "id", f.before, SqlQuery::descending, f.limit);
  auto r = q.exec(conn);
  std::vector<domain::Order> out;
  out.reserve(r.size());
  for (auto row : r) out.push_back(order_of(row));
  load_children(conn, out);
  return out;
}

std::map<std::string, CustomerContact> customer_contacts(db::Connection& conn,
                                                         const std::vector<std::string>& ids) {
  std::map<std::string, CustomerContact> out;
  if (ids.empty()) return out;
  std::vector<db::Param> params;
  params.reserve(ids.size());
  for (const auto& id : ids) params.emplace_back(std::string_view(id));
  auto rows = conn.exec(
      "SELECT id, name, email, phone FROM users WHERE id IN (" + placeholders(1, ids.size()) + ")",
      params);
  for (auto row : rows) out[row.text(0)] = {row.text(1), row.text(2), row.opt_text(3).value_or("")};
  return out;
}

std::vector<std::string> orders_due_for_expiry(db::Connection& conn, std::int64_t now, int limit) {
  auto r = conn.exec(
      "SELECT id FROM orders WHERE expires_at IS NOT NULL AND expires_at <= $1 "
      "ORDER BY expires_at LIMIT $2",
      {now, static_cast<std::int64_t>(limit)});
  std::vector<std::string> out;
  for (auto row : r) out.push_back(row.text(0));
  return out;
}

std::optional<std::string> find_cart(db::Connection& conn, std::string_view user_id) {
  auto r = conn.exec("SELECT items FROM carts WHERE user_id = $1", {user_id});
  if (r.empty()) return std::nullopt;
  return r.front().text(0);
}

void save_cart(db::Transaction& tx, std::string_view user_id, std::string_view items_json,
               std::int64_t now) {
  tx.exec(
      "INSERT INTO carts (user_id, items, updated_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (user_id) DO UPDATE SET items = excluded.items, updated_at = "
      "excluded.updated_at",
      {user_id, items_json, now});
}

void delete_cart(db::Transaction& tx, std::string_view user_id) {
  tx.exec("DELETE FROM carts WHERE user_id = $1", {user_id});
}

namespace {

// delivery_info keeps what the books and the driver history need (eta, driver) and loses
// everything else — where, whom, and any key a client put there: rewritten here rather than
// in SQL, whose JSON functions differ by store. "" when there was none.
std::string delivery_without_contact(const std::optional<std::string>& text) {
  if (!text) return {};
  boost::system::error_code ec;
  auto v = json::parse(*text, ec);
  if (ec || !v.is_object()) return {};
  json::object kept;
  for (const char* allowed : {"eta", "driver_id"})
    if (const auto* x = v.as_object().if_contains(allowed)) kept[allowed] = *x;
  return json::serialize(kept);
}

}  // namespace

std::int64_t clear_guest_contacts(db::Transaction& tx, std::int64_t ended_before,
                                  std::int64_t now_ms, int limit) {
  auto rows = tx.exec(
      "SELECT id, delivery_info FROM orders WHERE customer_id IS NULL AND pii_cleared_at IS NULL "
      "AND updated_at < $1 AND status IN ('completed', 'delivered', 'cancelled') "
      "ORDER BY updated_at LIMIT $2",
      {ended_before, static_cast<std::int64_t>(limit)});
  for (const auto& row : rows) {
    const std::string delivery = delivery_without_contact(row.opt_text(1));
    tx.exec(
        "UPDATE orders SET customer_info = NULL, delivery_info = $1, notes = NULL, "
        "metadata = '{}', pii_cleared_at = $2 WHERE id = $3",
        {delivery.empty() ? db::Param(nullptr) : db::Param(std::string_view(delivery)), now_ms,
         row.text_view(0)});
    tx.exec(
        "UPDATE order_items SET options = '{}', special_instructions = NULL WHERE order_id = $1",
        {row.text_view(0)});
    // Where the courier last was is, for a delivered order, the customer's door.
    tx.exec(
        "UPDATE deliveries SET last_lat = NULL, last_lng = NULL, failure_reason = NULL "
        "WHERE order_id = $1",
        {row.text_view(0)});
  }
  return static_cast<std::int64_t>(rows.size());
}

std::int64_t anonymise_customer_orders(db::Transaction& tx, std::string_view customer_id) {
  delete_cart(tx, customer_id);
  std::int64_t changed = 0;
  auto rows = tx.exec("SELECT id, delivery_info FROM orders WHERE customer_id = $1", {customer_id});
  for (const auto& row : rows) {
    const std::string delivery = delivery_without_contact(row.opt_text(1));
    changed += tx.exec(
                     "UPDATE orders SET customer_info = $1, delivery_info = $2, notes = NULL, "
                     "metadata = '{}' WHERE id = $3",
                     {std::string_view(R"({"name":"Erased user","phone":null,"email":null})"),
                      delivery.empty() ? db::Param(nullptr) : db::Param(std::string_view(delivery)),
                      row.text_view(0)})
                   .affected();
  }
  tx.exec(
      "UPDATE order_items SET options = '{}', special_instructions = NULL "
      "WHERE order_id IN (SELECT id FROM orders WHERE customer_id = $1)",
      {customer_id});
  return changed;
}

}  // namespace crema::repo
