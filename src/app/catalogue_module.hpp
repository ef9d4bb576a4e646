#pragma once
/// The catalogue and inventory feature as the server wires it: its services, the menu
/// cache kept fresh by the event bus, product images (object store, signed URLs, the
/// background worker) and the contexts its routes receive.

#include <memory>

#include "api/routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"
#include "jobs/image_worker.hpp"
#include "media/object_store.hpp"
#include "media/s3_object_store.hpp"
#include "media/url_signer.hpp"
#include "service/catalogue_service.hpp"
#include "service/inventory_service.hpp"
#include "service/product_images.hpp"

namespace crema::app {

class CatalogueModule {
 public:
  CatalogueModule(db::Pool& pool, events::Bus& bus, const Config& config);
  ~CatalogueModule();
  CatalogueModule(const CatalogueModule&) = delete;
  CatalogueModule& operator=(const CatalogueModule&) = delete;

  /// Hands the route contexts to the route table and starts the image worker.
  void provide(api::AppServices& services);

  /// How long a menu body may be served without an invalidation: short while changes made
  /// by other instances could go unannounced (no Redis, or Redis unreachable), long while
  /// Redis carries them.
  void set_cross_instance_invalidation(bool reliable) noexcept;

  api::MenuCache& menu_cache() noexcept { return menu_cache_; }

 private:
  service::InventoryService inventory_;
  service::CatalogueService catalogue_;
  api::MenuCache menu_cache_;
  std::string currency_;
  // Files under CREMA_MEDIA_DIR, or the S3-compatible bucket when CREMA_S3_* are set (then
  // s3_ points at the same store, for presigned URLs).
  std::unique_ptr<media::ObjectStore> store_;
  media::S3ObjectStore* s3_ = nullptr;
  media::UrlSigner signer_;
  service::ProductImageService images_;
  jobs::ImageWorker image_worker_;
};

}  // namespace crema::app
