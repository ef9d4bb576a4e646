#include "repo/inventory_repo.hpp"

#include <map>

#include "repo/keyset.hpp"
#include "repo/params.hpp"
#include "repo/query.hpp"
#include "util/text_case.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kInventoryColumns =
    "id, name, unit, kind, on_hand, reserved, low_stock_threshold, tracked, low_alerted, "
    "version, created_at, updated_at";

domain::InventoryItem item_of(const db::Row& row) {
  domain::InventoryItem it;
  it.id = row.text(0);
  it.name = row.text(1);
  it.unit = row.text(2);
  it.kind = domain::parse_item_kind(row.text_view(3)).value_or(domain::ItemKind::ingredient);
  it.on_hand = row.int64(4);
  it.reserved = row.int64(5);
  it.low_stock_threshold = row.int64(6);
  it.tracked = row.boolean(7);
  it.low_alerted = row.boolean(8);
  it.version = row.int64(9);
  it.created_at = row.int64(10);
  it.updated_at = row.int64(11);
  return it;
}

std::optional<domain::InventoryItem> first_item(const db::Result& r) {
  if (r.empty()) return std::nullopt;
  return item_of(r.front());
}

std::string select_sql(std::string_view where) {
  std::string sql = "SELECT ";
  sql += kInventoryColumns;
  sql += " FROM inventory_items ";
  sql += where;
  return sql;
}

// "UPDATE inventory_items SET <set> WHERE <where> RETURNING <columns>"
std::string update_sql(std::string_view set, std::string_view where) {
  std::string sql = "UPDATE inventory_items SET ";
  sql += set;
  sql += " WHERE ";
  sql += where;
  sql += " RETURNING ";
  sql += kInventoryColumns;
  return sql;
}

}  // namespace

std::string placeholders(std::size_t first, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += ", ";
    out += "$" + std::to_string(first + i);
  }
  return out;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  return out;
}

std::string fold_name(std::string_view s) { return util::fold_case(s); }

std::string like_contains(std::string_view s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

void insert_item(db::Transaction& tx, const domain::InventoryItem& it) {
  const std::string lower = fold_name(it.name);
  tx.exec(
      "INSERT INTO inventory_items (id, name, name_lower, unit, kind, on_hand, reserved, "
      "low_stock_threshold, tracked, low_alerted, version, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
      {std::string_view(it.id), std::string_view(it.name), std::string_view(lower),
       std::string_view(it.unit), domain::item_kind_name(it.kind), it.on_hand, it.reserved,
       it.low_stock_threshold, it.tracked, it.low_alerted, it.version, it.created_at,
       it.updated_at});
}

std::optional<domain::InventoryItem> find_item(db::Connection& conn, std::string_view id) {
  static const std::string sql = select_sql("WHERE id = $1");
  return first_item(conn.exec(sql, {id}));
}

std::optional<domain::InventoryItem> lock_item(db::Transaction& tx, std::string_view id) {
  static const std::string sqlite = select_sql("WHERE id = $1");
  static const std::string pg = select_sql("WHERE id = $1 FOR UPDATE");
  return first_item(tx.exec(tx.dialect() == db::Dialect::postgres ? pg : sqlite, {id}));
}

std::vector<domain::InventoryItem> find_items(db::Connection& conn,
                                              std::span<const std::string> ids) {
  std::vector<domain::InventoryItem> out;
  if (ids.empty()) return out;
  std::vector<db::Param> params(ids.begin(), ids.end());
  auto r = conn.exec(select_sql("WHERE id IN (" + placeholders(1, ids.size()) + ")"), params);
  out.reserve(r.size());
  for (auto row : r) out.push_back(item_of(row));
  return out;
}

std::vector<domain::InventoryItem> list_items(db::Connection& conn, const ItemFilter& f) {
  SqlQuery q(conn.dialect(), select_sql(""));
  if (f.kind) q.where_eq("kind", domain::item_kind_name(*f.kind));
  if (f.q) q.where("name_lower LIKE " + q.text(like_contains(*f.q)) + " ESCAPE '\\'");
  if (f.low_only) q.where("tracked = TRUE AND on_hand - reserved < low_stock_threshold");
  if (f.after)
    q.after("name_lower", "id", std::string_view(f.after->first), f.after->second,
            SqlQuery::ascending);
  q.order_by("name_lower", "id", SqlQuery::ascending);
  q.limit(static_cast<std::int64_t>(f.limit) + 1);
  auto r = q.exec(conn);
  std::vector<domain::InventoryItem> out;
  out.reserve(r.size());
  for (auto row : r) out.push_back(item_of(row));
  return out;
}

std::optional<domain::InventoryItem> reserve(db::Transaction& tx, std::string_view id,
                                             std::int64_t q, std::int64_t now) {
  static const std::string sql = update_sql("reserved = reserved + $2, updated_at = $3",
                                            "id = $1 AND on_hand - reserved >= $2");
  return first_item(tx.exec(sql, {id, q, now}));
}

std::optional<domain::InventoryItem> reserve_logged(db::Transaction& tx, std::string_view id,
                                                    std::int64_t q, std::int64_t now,
                                                    const domain::InventoryLog& log) {
  if (tx.dialect() != db::Dialect::postgres) {
    auto after = reserve(tx, id, q, now);
    if (!after) return after;
    auto row = log;
    row.inventory_item_id = after->id;
    row.on_hand_after = after->on_hand;
    row.reserved_after = after->reserved;
    row.created_at = after->updated_at;
    insert_log(tx, row);
    return after;
  }
  // One data-modifying statement: the conditional update and, when it held, its log row.
  static const std::string sql =
      "WITH u AS (" +
      update_sql("reserved = reserved + $2, updated_at = $3",
                 "id = $1 AND on_hand - reserved >= $2") +
      "), l AS (INSERT INTO inventory_logs (id, inventory_item_id, delta, kind, reason, "
      "order_id, actor_id, on_hand_after, reserved_after, created_at) "
      "SELECT $4, id, $5, $6, $7, $8, $9, on_hand, reserved, $3 FROM u) "
      "SELECT " +
      std::string(kInventoryColumns) + " FROM u";
  return first_item(tx.exec(
      sql, {id, q, now, std::string_view(log.id), log.delta, domain::log_kind_name(log.kind),
            std::string_view(log.reason), text_or_null(log.order_id), text_or_null(log.actor_id)}));
}

void unreserve(db::Transaction& tx, std::string_view id, std::int64_t q, std::int64_t now) {
  tx.exec("UPDATE inventory_items SET reserved = reserved - $2, updated_at = $3 WHERE id = $1",
          {id, q, now});
}

std::optional<domain::InventoryItem> commit(db::Transaction& tx, std::string_view id,
                                            std::int64_t q, std::int64_t now) {
  static const std::string sql =
      update_sql("on_hand = on_hand - $2, reserved = reserved - $2, updated_at = $3",
                 "id = $1 AND reserved >= $2");
  return first_item(tx.exec(sql, {id, q, now}));
}

std::optional<domain::InventoryItem> release(db::Transaction& tx, std::string_view id,
                                             std::int64_t q, std::int64_t now) {
  static const std::string sql =
      update_sql("reserved = reserved - $2, updated_at = $3", "id = $1 AND reserved >= $2");
  return first_item(tx.exec(sql, {id, q, now}));
}

std::optional<domain::InventoryItem> restock(db::Transaction& tx, std::string_view id,
                                             std::int64_t q, std::int64_t now) {
  static const std::string sql = update_sql("on_hand = on_hand + $2, updated_at = $3", "id = $1");
  return first_item(tx.exec(sql, {id, q, now}));
}

std::optional<domain::InventoryItem> add_on_hand(db::Transaction& tx, std::string_view id,
                                                 std::int64_t delta, std::int64_t now) {
  static const std::string sql =
      update_sql("on_hand = on_hand + $2, version = version + 1, updated_at = $3",
                 "id = $1 AND on_hand + $2 >= reserved");
  return first_item(tx.exec(sql, {id, delta, now}));
}

std::optional<domain::InventoryItem> set_on_hand(db::Transaction& tx, std::string_view id,
                                                 std::int64_t value, std::int64_t now) {
  static const std::string sql = update_sql("on_hand = $2, version = version + 1, updated_at = $3",
                                            "id = $1 AND $2 >= reserved");
  return first_item(tx.exec(sql, {id, value, now}));
}

void set_low_alerted(db::Transaction& tx, std::string_view id, bool alerted) {
  tx.exec("UPDATE inventory_items SET low_alerted = $2 WHERE id = $1", {id, alerted});
}

std::optional<domain::InventoryItem> update_item(db::Transaction& tx, std::string_view id,
                                                 const ItemChanges& c,
                                                 std::optional<std::int64_t> expected_version,
                                                 std::int64_t now) {
  static const std::string sql = update_sql(
      "name = $2, name_lower = $3, unit = $4, low_stock_threshold = $5, tracked = $6, "
      "on_hand = COALESCE(CAST($9 AS BIGINT), on_hand), version = version + 1, updated_at = $7",
      "id = $1 AND (CAST($8 AS BIGINT) IS NULL OR version = $8) "
      "AND COALESCE(CAST($9 AS BIGINT), on_hand) >= reserved");
  const std::string lower = fold_name(c.name);
  db::Param expected = nullptr;
  if (expected_version) expected = *expected_version;
  db::Param on_hand = nullptr;
  if (c.on_hand) on_hand = *c.on_hand;
  return first_item(
      tx.exec(sql, {id, std::string_view(c.name), std::string_view(lower), std::string_view(c.unit),
                    c.low_stock_threshold, c.tracked, now, expected, on_hand}));
}

void insert_log(db::Transaction& tx, const domain::InventoryLog& l) {
  tx.exec(
      "INSERT INTO inventory_logs (id, inventory_item_id, delta, kind, reason, order_id, "
      "actor_id, on_hand_after, reserved_after, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {std::string_view(l.id), std::string_view(l.inventory_item_id), l.delta,
       domain::log_kind_name(l.kind), std::string_view(l.reason), text_or_null(l.order_id),
       text_or_null(l.actor_id), l.on_hand_after, l.reserved_after, l.created_at});
}

void delete_log(db::Transaction& tx, std::string_view id) {
  tx.exec("DELETE FROM inventory_logs WHERE id = $1", {id});
}

namespace {

constexpr std::string_view kSelectLogs =
    "SELECT id, inventory_item_id, delta, kind, reason, order_id, actor_id, on_hand_after, "
    "reserved_after, created_at FROM inventory_logs";

std::vector<domain::InventoryLog> logs_of(const db::Result& r) {
  std::vector<domain::InventoryLog> out;
  out.reserve(r.size());
  for (auto row : r) {
    domain::InventoryLog l;
    l.id = row.text(0);
    l.inventory_item_id = row.text(1);
    l.delta = row.int64(2);
    l.kind = domain::parse_log_kind(row.text_view(3)).value_or(domain::LogKind::adjust);
    l.reason = row.text(4);
    l.order_id = row.opt_text(5).value_or("");
    l.actor_id = row.opt_text(6).value_or("");
    l.on_hand_after = row.int64(7);
    l.reserved_after = row.int64(8);
    l.created_at = row.int64(9);
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

std::vector<domain::InventoryLog> list_logs(db::Connection& conn, std::string_view item_id,
                                            const std::optional<repo::Keyset>& before, int limit) {
  SqlQuery q(conn.dialect(), std::string(kSelectLogs));
  q.where_eq("inventory_item_id", item_id);
  q.page("created_at", "id", before, SqlQuery::descending, limit);
  return logs_of(q.exec(conn));
}

std::vector<domain::InventoryLog> list_logs_by_actor(db::Connection& conn,
                                                     std::string_view actor_id,
                                                     const std::optional<repo::Keyset>& after,
                                                     int limit) {
  SqlQuery q(conn.dialect(), std::string(kSelectLogs));
  q.where_eq("actor_id", actor_id);
  q.page("created_at", "id", after, SqlQuery::ascending, limit);
  return logs_of(q.exec(conn));
}

namespace {
std::string stock_dependents_sql(std::size_t n) {
  const std::string in = placeholders(1, n);
  return "SELECT product_id, inventory_item_id, quantity, 0 FROM product_recipe "
         "WHERE inventory_item_id IN (" +
         in +
         ") UNION ALL "
         "SELECT id, id, 1000, 1 FROM products WHERE track_stock = TRUE AND id IN (" +
         in + ")";
}

std::vector<StockDependent> dependents_of(const db::Result& r) {
  std::vector<StockDependent> out;
  out.reserve(r.size());
  for (auto row : r) out.push_back({row.text(0), row.text(1), row.int64(2), row.int64(3) != 0});
  return out;
}
}  // namespace

std::vector<StockDependent> stock_dependents(db::Connection& conn,
                                             std::span<const std::string> item_ids) {
  if (item_ids.empty()) return {};
  std::vector<db::Param> params(item_ids.begin(), item_ids.end());
  return dependents_of(conn.exec(stock_dependents_sql(item_ids.size()), params));
}

void stock_dependents_soon(db::Connection& conn, std::span<const std::string> item_ids,
                           std::function<void(std::vector<StockDependent>&&)> done) {
  if (item_ids.empty()) return done({});
  std::vector<db::Param> params(item_ids.begin(), item_ids.end());
  conn.exec_soon(stock_dependents_sql(item_ids.size()), params,
                 [done = std::move(done)](db::Result&& r) { done(dependents_of(r)); });
}

std::vector<domain::ProductStockInputs> product_stock_inputs(
    db::Connection& conn, std::span<const std::string> product_ids) {
  if (product_ids.empty()) return {};
  std::vector<db::Param> params(product_ids.begin(), product_ids.end());
  const std::string in = placeholders(1, product_ids.size());
  std::vector<domain::ProductStockInputs> out;
  std::map<std::string, std::size_t> at;
  for (auto row : conn.exec(
           "SELECT p.id, p.sale_enabled, p.track_stock, COALESCE(own.on_hand - own.reserved, 0) "
           "FROM products p LEFT JOIN inventory_items own ON own.id = p.id WHERE p.id IN (" +
               in + ")",
           params)) {
    domain::ProductStockInputs p;
    p.product_id = row.text(0);
    p.sale_enabled = row.boolean(1);
    p.track_stock = row.boolean(2);
    p.own_available = row.int64(3);
    at[p.product_id] = out.size();
    out.push_back(std::move(p));
  }
  for (auto row : conn.exec(
           "SELECT r.product_id, r.inventory_item_id, r.quantity, i.on_hand - i.reserved, "
           "i.tracked FROM product_recipe r JOIN inventory_items i ON i.id = r.inventory_item_id "
           "WHERE r.product_id IN (" +
               in + ")",
           params)) {
    auto it = at.find(row.text(0));
    if (it == at.end()) continue;
    out[it->second].recipe.push_back({row.text(1), row.int64(2), row.int64(3), row.boolean(4)});
  }
  return out;
}

std::int64_t count_low_stock(db::Connection& conn) {
  return conn
      .exec(
          "SELECT COUNT(*) FROM inventory_items "
          "WHERE tracked = TRUE AND on_hand - reserved < low_stock_threshold")
      .front()
      .int64(0);
}

}  // namespace crema::repo
