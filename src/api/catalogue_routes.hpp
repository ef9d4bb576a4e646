#pragma once
/// Catalogue routes (SPEC §4): the café's /menu and /menu/items…, the bakery's /products…,
/// over one product entity.

#include <memory>
#include <string>

#include "api/catalogue_json.hpp"
#include "api/menu_cache.hpp"
#include "api/openapi.hpp"
#include "net/router.hpp"
#include "service/catalogue_service.hpp"
#include "service/product_images.hpp"

namespace crema::api {

struct CatalogueContext {
  service::CatalogueService& catalogue;
  MenuCache& menu;
  std::string currency = "USD";
  ImageJson images;  ///< empty: products show no images
  service::ProductImageService* image_uploads = nullptr;  ///< null: uploads answer 503
};

/// Uploads may be this large (SPEC §2: images 10 MiB).
inline constexpr std::size_t kImageBodyLimit = 10 * 1024 * 1024;

/// Registers the routes; `ctx` may be null when only the route table is wanted (the
/// OpenAPI test): handlers are never called then.
void register_catalogue_routes(http::Router& router, OpenApi& openapi,
                               std::shared_ptr<CatalogueContext> ctx);

/// The GET /menu body for these products (already ordered by category, then name).
std::string encode_menu(const std::vector<domain::Product>& products, const ProductView& view);

}  // namespace crema::api
