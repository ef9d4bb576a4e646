#pragma once
/// SQL of the catalogue (SPEC §4): products, their recipes, and the derived availability.
/// `in_stock` is computed in SQL from the product's switch, its own inventory item and its
/// recipe's ingredients, so listings can filter on it and page through it by keyset.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"
#include "domain/product.hpp"
#include "repo/query.hpp"

namespace crema::repo {

/// The sorts of GET /products.
enum class ProductSort : std::uint8_t { name, name_desc, price, price_desc, newest, rating };

/// The keyset position after a product: its sort value (text for the name sorts, a number
/// for the others) and its id.
struct ProductCursor {
  std::string text;
  std::int64_t number = 0;
  std::string id;
};

struct ProductFilter {
  std::optional<std::string> q;         ///< lower-cased substring of name/description/category
  std::optional<std::string> category;  ///< exact
  std::optional<std::int64_t> price_min, price_max;  ///< minor units, inclusive
  std::optional<bool> in_stock;
  bool include_inactive = false;
  ProductSort sort = ProductSort::name;
  std::optional<ProductCursor> after;
  int limit = 50;
};

/// Whether a sort's cursor uses `text` (the name sorts) rather than `number`.
bool sort_uses_text(ProductSort sort) noexcept;
/// The cursor of a product under a sort.
ProductCursor cursor_of(const domain::Product& p, ProductSort sort);

void insert_product(db::Transaction& tx, const domain::Product& p);
/// Writes every stored column of `p` (the caller holds the row lock and sets the version).
void update_product(db::Transaction& tx, const domain::Product& p);

/// How many products the catalogue has (inactive ones included).
std::int64_t count_products(db::Connection& conn);
/// The product with its derived fields (stock, in_stock), recipe and shown images.
std::optional<domain::Product> find_product(db::Connection& conn, std::string_view id);
/// What pricing an order needs of these products, by id: the stored fields and the recipe
/// (no derived stock figures, no images), in two statements whatever the number of lines.
/// Unknown ids are absent.
std::map<std::string, domain::Product, std::less<>> products_for_order(
    db::Connection& conn, std::span<const std::string> ids);
/// Locks the product row until the transaction ends (FOR UPDATE on PostgreSQL) and returns
/// its stored fields (derived fields unset, recipe loaded).
std::optional<domain::Product> lock_product(db::Transaction& tx, std::string_view id);

/// A page of GET /products (up to limit + 1 rows), derived fields and images included,
/// recipes not.
/// Call it inside a (read) transaction: on PostgreSQL it turns JIT off for that transaction.
std::vector<domain::Product> list_products(db::Connection& conn, const ProductFilter& filter);
/// Every active product for the menu, by category, then name, then id (in a transaction,
/// as list_products).
std::vector<domain::Product> menu_products(db::Connection& conn);

void replace_recipe(db::Transaction& tx, std::string_view product_id,
                    const std::vector<domain::RecipeLine>& lines);
/// The recipes of these products, by product id.
std::map<std::string, std::vector<domain::RecipeLine>> recipes_of(
    db::Connection& conn, std::span<const std::string> product_ids);

/// The FTS5 query of a `q` for SQLite's trigram index: the text as one quoted phrase
/// (a substring match), or nothing when it is shorter than a trigram (then LIKE scans).
std::optional<std::string> trigram_phrase(std::string_view q);

/// The statement list_products runs for a filter on a store (bench/ prints its EXPLAIN
/// output). Its text parameters point into the filter and the query.
SqlQuery list_products_query(const ProductFilter& filter, db::Dialect dialect);

}  // namespace crema::repo
