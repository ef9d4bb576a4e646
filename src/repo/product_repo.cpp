#include "repo/product_repo.hpp"

#include <boost/json.hpp>

#include "repo/image_repo.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace json = boost::json;

namespace {

// Available stock of an item is on_hand - reserved; a product is in stock when it is
// switched on, its own counted stock has at least one unit, and no counted ingredient of
// its recipe is short of what one unit needs. The ingredient check is a scalar subquery
// with LIMIT 1, not NOT EXISTS: PostgreSQL may turn an EXISTS into a hashed subplan over
// every recipe row, while a page needs only its own 50 products' lines (an index lookup
// each).
constexpr std::string_view kInStock =
    "(p.sale_enabled = TRUE "
    "AND (p.track_stock = FALSE OR COALESCE(own.on_hand - own.reserved, 0) >= 1000) "
    "AND (SELECT 1 FROM product_recipe r JOIN inventory_items i ON i.id = r.inventory_item_id "
    "WHERE r.product_id = p.id AND i.tracked = TRUE AND i.on_hand - i.reserved < r.quantity "
    "LIMIT 1) IS NULL)";

const std::string& select_head() {
  static const std::string s =
      "SELECT p.id, p.name, p.description, p.category, p.price, p.attributes, p.modifiers, "
      "p.prep_minutes, p.track_stock, p.sale_enabled, p.is_active, p.rating_avg_milli, "
      "p.rating_count, p.version, p.created_at, p.updated_at, own.on_hand, own.reserved, "
      "own.low_stock_threshold, " +
      std::string(kInStock) +
      " AS in_stock FROM products p LEFT JOIN inventory_items own ON own.id = p.id ";
  return s;
}

constexpr std::string_view kStoredColumns =
    "id, name, description, category, price, attributes, modifiers, prep_minutes, track_stock, "
    "sale_enabled, is_active, rating_avg_milli, rating_count, version, created_at, updated_at";

// The recipe lines of the products whose ids fill the placeholder list `in`, in order.
std::string recipes_sql_for(std::string_view in) {
  return "SELECT product_id, inventory_item_id, quantity FROM product_recipe WHERE product_id "
         "IN (" +
         std::string(in) + ") ORDER BY product_id, position";
}

std::map<std::string, std::vector<domain::RecipeLine>> recipes_from(const db::Result& r) {
  std::map<std::string, std::vector<domain::RecipeLine>> out;
  for (auto row : r) out[row.text(0)].push_back({row.text(1), row.int64(2)});
  return out;
}

json::object object_of(std::string_view text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

// The stored columns, in kStoredColumns order, starting at column 0.
domain::Product stored_of(const db::Row& row) {
  domain::Product p;
  p.id = row.text(0);
  p.name = row.text(1);
  p.description = row.text(2);
  p.category = row.text(3);
  p.price = row.int64(4);
  p.attributes = object_of(row.text_view(5));
  p.modifiers = domain::modifiers_from_storage(row.text_view(6));
  p.prep_minutes = static_cast<int>(row.int64(7));
  p.track_stock = row.boolean(8);
  p.sale_enabled = row.boolean(9);
  p.is_active = row.boolean(10);
  p.rating_avg_milli = row.int64(11);
  p.rating_count = row.int64(12);
  p.version = row.int64(13);
  p.created_at = row.int64(14);
  p.updated_at = row.int64(15);
  return p;
}

// select_head() columns: the stored ones, then own item figures and in_stock.
domain::Product product_of(const db::Row& row) {
  auto p = stored_of(row);
  if (p.track_stock && !row.is_null(16)) {
    p.stock = row.int64(16);
    p.stock_reserved = row.int64(17);
    p.stock_threshold = row.int64(18);
  }
  p.in_stock = row.boolean(19);
  return p;
}

std::vector<domain::Product> products_of(const db::Result& r) {
  std::vector<domain::Product> out;
  out.reserve(r.size());
  for (auto row : r) out.push_back(product_of(row));
  return out;
}

// The shown images of the products, in one query.
void attach_images(db::Connection& conn, std::vector<domain::Product>& products) {
  if (products.empty()) return;
  std::vector<std::string> ids;
  ids.reserve(products.size());
  for (const auto& p : products) ids.push_back(p.id);
  auto images = images_of(conn, ids);
  if (images.empty()) return;
  for (auto& p : products)
    if (auto it = images.find(p.id); it != images.end()) p.images = std::move(it->second);
}

struct SortSpec {
  std::string_view column;  // p.<column>
  bool descending;
};

SortSpec spec_of(ProductSort s) {
  switch (s) {
    case ProductSort::name:
      return {"name_lower", false};
    case ProductSort::name_desc:
      return {"name_lower", true};
    case ProductSort::price:
      return {"price", false};
    case ProductSort::price_desc:
      return {"price", true};
    case ProductSort::newest:
      return {"created_at", true};
    case ProductSort::rating:
      return {"rating_avg_milli", true};
  }
  return {"name_lower", false};
}

std::vector<db::Param> params_of(const domain::Product& p, std::string& name_lower,
                                 std::string& search, std::string& attributes,
                                 std::string& modifiers) {
  name_lower = fold_name(p.name);
  search = domain::search_text(p.name, p.description, p.category);
  attributes = json::serialize(p.attributes);
  modifiers = domain::modifiers_to_storage(p.modifiers);
  return {std::string_view(p.id),
          std::string_view(p.name),
          std::string_view(name_lower),
          std::string_view(p.description),
          std::string_view(p.category),
          std::string_view(search),
          p.price,
          std::string_view(attributes),
          std::string_view(modifiers),
          static_cast<std::int64_t>(p.prep_minutes),
          p.track_stock,
          p.sale_enabled,
          p.is_active,
          p.rating_avg_milli,
          p.rating_count,
          p.version,
          p.created_at,
          p.updated_at};
}

}  // namespace

bool sort_uses_text(ProductSort sort) noexcept {
  return sort == ProductSort::name || sort == ProductSort::name_desc;
}

ProductCursor cursor_of(const domain::Product& p, ProductSort sort) {
  ProductCursor c;
  c.id = p.id;
  switch (sort) {
    case ProductSort::name:
    case ProductSort::name_desc:
      c.text = fold_name(p.name);
      break;
    case ProductSort::price:
    case ProductSort::price_desc:
      c.number = p.price;
      break;
    case ProductSort::newest:
      c.number = p.created_at;
      break;
    case ProductSort::rating:
      c.number = p.rating_avg_milli;
      break;
  }
  return c;
}

void insert_product(db::Transaction& tx, const domain::Product& p) {
  std::string name_lower, search, attributes, modifiers;
  auto params = params_of(p, name_lower, search, attributes, modifiers);
  tx.exec(
      "INSERT INTO products (id, name, name_lower, description, category, search_text, price, "
      "attributes, modifiers, prep_minutes, track_stock, sale_enabled, is_active, "
      "rating_avg_milli, rating_count, version, created_at, updated_at) VALUES ($1, $2, $3, "
      "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
      params);
}

void update_product(db::Transaction& tx, const domain::Product& p) {
  std::string name_lower, search, attributes, modifiers;
  auto params = params_of(p, name_lower, search, attributes, modifiers);
  tx.exec(
      "UPDATE products SET name = $2, name_lower = $3, description = $4, category = $5, "
      "search_text = $6, price = $7, attributes = $8, modifiers = $9, prep_minutes = $10, "
      "track_stock = $11, sale_enabled = $12, is_active = $13, rating_avg_milli = $14, "
      "rating_count = $15, version = $16, created_at = $17, updated_at = $18 WHERE id = $1",
      params);
}

std::int64_t count_products(db::Connection& conn) {
  return conn.exec("SELECT COUNT(*) FROM products").front().int64(0);
}

std::optional<domain::Product> find_product(db::Connection& conn, std::string_view id) {
  static const std::string sql = select_head() + "WHERE p.id = $1";
  auto r = conn.exec(sql, {id});
  if (r.empty()) return std::nullopt;
  auto p = product_of(r.front());
  std::string ids[] = {p.id};
  auto recipes = recipes_of(conn, ids);
  if (auto it = recipes.find(p.id); it != recipes.end()) p.recipe = std::move(it->second);
  auto images = images_of(conn, ids);
  if (auto it = images.find(p.id); it != images.end()) p.images = std::move(it->second);
  return p;
}

std::map<std::string, domain::Product, std::less<>> products_for_order(
    db::Connection& conn, std::span<const std::string> ids) {
  std::map<std::string, domain::Product, std::less<>> out;
  if (ids.empty()) return out;
  std::vector<db::Param> params(ids.begin(), ids.end());
  const std::string in = placeholders(1, ids.size());
  const std::string products_sql =
      "SELECT " + std::string(kStoredColumns) + " FROM products WHERE id IN (" + in + ")";
  const std::string recipes_sql = recipes_sql_for(in);
  // Both keyed by the ids asked for (a recipe of an unknown id does not exist): one round
  // trip on PostgreSQL.
  const db::Connection::Statement reads[] = {{products_sql, params}, {recipes_sql, params}};
  auto results = conn.exec_all(reads);
  for (auto row : results[0]) {
    auto p = stored_of(row);
    out.emplace(p.id, std::move(p));
  }
  for (auto& [id, lines] : recipes_from(results[1]))
    if (auto it = out.find(id); it != out.end()) it->second.recipe = std::move(lines);
  return out;
}

std::optional<domain::Product> lock_product(db::Transaction& tx, std::string_view id) {
  static const std::string sqlite =
      "SELECT " + std::string(kStoredColumns) + " FROM products WHERE id = $1";
  static const std::string pg = sqlite + " FOR UPDATE";
  auto r = tx.exec(tx.dialect() == db::Dialect::postgres ? pg : sqlite, {id});
  if (r.empty()) return std::nullopt;
  auto p = stored_of(r.front());
  std::string ids[] = {p.id};
  auto recipes = recipes_of(tx.connection(), ids);
  if (auto it = recipes.find(p.id); it != recipes.end()) p.recipe = std::move(it->second);
  return p;
}

std::optional<std::string> trigram_phrase(std::string_view q) {
  std::size_t chars = 0;
  for (unsigned char c : q) chars += (c & 0xC0) != 0x80;
  if (chars < 3) return std::nullopt;
  std::string out = "\"";
  for (char c : q) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

SqlQuery list_products_query(const ProductFilter& f, db::Dialect dialect) {
  SqlQuery q(dialect, select_head());
  if (!f.include_inactive) q.where("p.is_active = TRUE");
  if (f.category) q.where_eq("p.category", std::string_view(*f.category));
  if (f.q) {
    // SQLite: the trigram FTS5 index of migration 0022 for three characters or more;
    // PostgreSQL: LIKE, which its pg_trgm index serves.
    auto phrase = dialect == db::Dialect::sqlite ? trigram_phrase(*f.q) : std::nullopt;
    if (phrase) {
      q.where(
          "p.id IN (SELECT s.product_id FROM product_search s WHERE s.search_id IN "
          "(SELECT rowid FROM product_search_fts WHERE product_search_fts MATCH " +
          q.text(std::move(*phrase)) + "))");
    } else {
      q.where("p.search_text LIKE " + q.text(like_contains(*f.q)) + " ESCAPE '\\'");
    }
  }
  if (f.price_min) q.where("p.price >= " + q.param(*f.price_min));
  if (f.price_max) q.where("p.price <= " + q.param(*f.price_max));
  if (f.in_stock) q.where((*f.in_stock ? "" : "NOT ") + std::string(kInStock));
  const auto spec = spec_of(f.sort);
  const std::string col = "p." + std::string(spec.column);
  const auto dir = spec.descending ? SqlQuery::descending : SqlQuery::ascending;
  if (f.after) {
    const db::Param value = sort_uses_text(f.sort) ? db::Param(std::string_view(f.after->text))
                                                   : db::Param(f.after->number);
    q.after(col, "p.id", value, f.after->id, dir);
  }
  q.order_by(col, "p.id", dir);
  q.limit(static_cast<std::int64_t>(f.limit) + 1);
  return q;
}

namespace {

// PostgreSQL compiles a query with JIT when its estimated cost is high; the availability
// subqueries make the estimate of a 50-row page look like a scan of every product, and
// JIT then costs ~20 ms for a query that runs in 1. Off for the rest of this transaction.
void no_jit(db::Connection& conn) {
  if (conn.dialect() == db::Dialect::postgres) conn.exec("SET LOCAL jit = off");
}

}  // namespace

std::vector<domain::Product> list_products(db::Connection& conn, const ProductFilter& f) {
  no_jit(conn);
  auto q = list_products_query(f, conn.dialect());
  auto products = products_of(q.exec(conn));
  attach_images(conn, products);
  return products;
}

std::vector<domain::Product> menu_products(db::Connection& conn) {
  static const std::string sql =
      select_head() + "WHERE p.is_active = TRUE ORDER BY p.category, p.name_lower, p.id";
  no_jit(conn);
  auto products = products_of(conn.exec(sql));
  attach_images(conn, products);
  return products;
}

void replace_recipe(db::Transaction& tx, std::string_view product_id,
                    const std::vector<domain::RecipeLine>& lines) {
  tx.exec("DELETE FROM product_recipe WHERE product_id = $1", {product_id});
  std::int64_t position = 0;
  for (const auto& l : lines) {
    tx.exec(
        "INSERT INTO product_recipe (product_id, inventory_item_id, quantity, position) "
        "VALUES ($1, $2, $3, $4)",
        {product_id, std::string_view(l.inventory_item_id), l.quantity, position++});
  }
}

std::map<std::string, std::vector<domain::RecipeLine>> recipes_of(
    db::Connection& conn, std::span<const std::string> product_ids) {
  if (product_ids.empty()) return {};
  std::vector<db::Param> params(product_ids.begin(), product_ids.end());
  return recipes_from(conn.exec(recipes_sql_for(placeholders(1, product_ids.size())), params));
}

}  // namespace crema::repo
