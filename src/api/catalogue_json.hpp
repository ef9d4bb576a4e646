#pragma once
/// The catalogue's JSON (SPEC §4): products out, product fields in (validated, every issue
/// collected), and the OpenAPI schemas of both.

#include <functional>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "api/input.hpp"
#include "api/openapi.hpp"
#include "domain/product.hpp"
#include "service/catalogue_service.hpp"

namespace crema::api {

/// Turns an image into its `{id, url, thumbnail_url}` (signed URLs); may be empty when the
/// deployment serves no media.
using ImageJson = std::function<boost::json::object(const domain::ProductImage&)>;

struct ProductView {
  bool include_recipe = false;  ///< staff+ only (SPEC §4)
  std::string_view currency = "USD";
  const ImageJson* images = nullptr;
};

/// The product as the API returns it.
boost::json::object product_json(const domain::Product& p, const ProductView& view);

/// Reads product fields. `create`: name, category and price are required. Issues are
/// recorded on `in` (→ 422).
service::ProductInput read_product_input(Input& in, bool create);
/// Reads `{in_stock?, stock?}` of PUT …/stock (at least one).
service::ProductInput read_stock_input(Input& in);
/// Reads `{ingredients: [{inventory_item_id, quantity}]}` of PUT …/recipe (`recipe` accepted too).
service::ProductInput read_recipe_input(Input& in);

/// Registers Product, ProductInput, ProductPatch, ProductStockInput, RecipeInput,
/// ProductPage and Menu.
void add_catalogue_schemas(OpenApi& openapi);

}  // namespace crema::api
