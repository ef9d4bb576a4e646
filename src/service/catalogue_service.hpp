#pragma once
/// Catalogue use cases (SPEC §4): products behind the café's /menu/items and the bakery's
/// /products routes, their stock (the product's own inventory item), recipes and the menu.
/// Every change publishes `menu_updated` after its commit (the menu cache listens).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "domain/product.hpp"
#include "repo/product_repo.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"
#include "util/error.hpp"

namespace crema::events {
class Bus;
}

namespace crema::service {

/// Product fields as a request gives them: for a create the required ones must be there;
/// for an update only the given ones change.
struct ProductInput {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> category;
  std::optional<std::int64_t> price;  ///< minor units
  std::optional<boost::json::object> attributes;
  std::optional<std::vector<domain::Modifier>> modifiers;
  std::optional<int> prep_minutes;
  std::optional<bool> track_stock;
  std::optional<std::int64_t> stock;            ///< thousandths; implies track_stock
  std::optional<std::int64_t> stock_threshold;  ///< thousandths; implies track_stock
  std::optional<bool> in_stock;                 ///< the sale switch
  std::optional<bool> is_active;
  std::optional<std::vector<domain::RecipeLine>> recipe;
};

class CatalogueService {
 public:
  CatalogueService(db::Pool& pool, const events::Bus& bus) : pool_(pool), bus_(bus) {}

  /// 201 product; 422 for unknown inventory items in the recipe or modifiers.
  crema::Result<domain::Product> create(const Actor& actor, const ProductInput& input);
  /// Partial update; 404, 409 version_conflict, 409 conflict (stock below reserved), 422.
  /// `action` names the change in the audit log (product.update, product.stock,
  /// product.recipe).
  crema::Result<domain::Product> update(const Actor& actor, const std::string& id,
                                        const ProductInput& patch,
                                        std::optional<std::int64_t> expected_version,
                                        std::string_view action = "product.update");
  /// Soft delete: is_active false. 404 when there is no such product.
  crema::Result<void> remove(const Actor& actor, const std::string& id);
  /// The product; inactive ones only when `include_inactive` (staff+).
  crema::Result<domain::Product> get(const std::string& id, bool include_inactive);
  /// A page of products; recipes loaded when `with_recipes`.
  Page<domain::Product, repo::ProductCursor> list(const repo::ProductFilter& filter,
                                                  bool with_recipes);
  /// Every active product, by category then name (the menu).
  std::vector<domain::Product> menu();

 private:
  db::Pool& pool_;
  const events::Bus& bus_;
};

}  // namespace crema::service
