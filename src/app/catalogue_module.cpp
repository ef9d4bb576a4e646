#include "app/catalogue_module.hpp"

#include <boost/json.hpp>

#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::app {

namespace {
// Without a reliable cross-instance message, a change made elsewhere (another instance, a
// `crema seed-demo` on the same database) shows within this bound (SPEC §4: one second).
constexpr std::int64_t kUnannouncedMaxAgeMs = 1000;
// With Redis carrying invalidations, the bound only covers a lost message. It stays far
// below the hour a signed image URL lives, so a cached menu never hands out dead links.
constexpr std::int64_t kAnnouncedMaxAgeMs = 60'000;
}  // namespace

namespace {
std::unique_ptr<media::ObjectStore> make_store(const Config& config) {
  if (config.s3_endpoint.empty()) return std::make_unique<media::FileObjectStore>(config.media_dir);
  return std::make_unique<media::S3ObjectStore>(
      media::S3Settings{config.s3_endpoint, config.s3_bucket, config.s3_region,
                        config.s3_access_key, config.s3_secret_key});
}
}  // namespace

CatalogueModule::CatalogueModule(db::Pool& pool, events::Bus& bus, const Config& config)
    : inventory_(pool, bus),
      catalogue_(pool, bus),
      currency_(config.currency),
      store_(make_store(config)),
      s3_(dynamic_cast<media::S3ObjectStore*>(store_.get())),
      signer_(config.jwt_secret),
      images_(pool, *store_, bus),
      image_worker_(images_) {
  menu_cache_.set_max_age_ms(kUnannouncedMaxAgeMs);
  bus.subscribe([this](const events::Event& e) {
    if (e.type == "menu_updated") menu_cache_.invalidate();
  });
  images_.set_enqueue([this](const std::string& id) { image_worker_.enqueue(id); });
  if (s3_ != nullptr)
    obs::Log(obs::Level::info, "images in an S3-compatible bucket")
        .str("endpoint", config.s3_endpoint)
        .str("bucket", config.s3_bucket);
}

CatalogueModule::~CatalogueModule() { image_worker_.stop(); }

void CatalogueModule::provide(api::AppServices& services) {
  api::ImageJson image_json = [this](const domain::ProductImage& img) {
    const bool ready = img.status == domain::ProductImage::Status::ready;
    const auto now = util::now_ms() / 1000;
    // With a bucket, clients fetch images from it directly (presigned); otherwise through
    // GET /media/{key} with Crema's own signature.
    auto url = [&](const std::string& key) {
      return s3_ != nullptr ? s3_->presigned_url(key, now) : signer_.url(key, now);
    };
    return boost::json::object{{"id", img.id},
                               {"url", url(ready ? img.web_key : img.original_key)},
                               {"thumbnail_url", url(ready ? img.thumbnail_key : img.original_key)},
                               {"status", domain::image_status_name(img.status)},
                               {"width", img.width},
                               {"height", img.height}};
  };
  services.catalogue = std::make_shared<api::CatalogueContext>(
      api::CatalogueContext{catalogue_, menu_cache_, currency_, std::move(image_json), &images_});
  services.inventory = std::make_shared<api::InventoryContext>(api::InventoryContext{inventory_});
  services.media = std::make_shared<api::MediaContext>(api::MediaContext{*store_, signer_});
  // The stock changes a user made belong in their data export (GDPR right of access).
  if (services.identity && services.identity->exports)
    service::add_inventory_export_section(*services.identity->exports);
  image_worker_.start();
}

void CatalogueModule::set_cross_instance_invalidation(bool reliable) noexcept {
  menu_cache_.set_max_age_ms(reliable ? kAnnouncedMaxAgeMs : kUnannouncedMaxAgeMs);
  // Messages may have been missed while it was not reliable.
  if (reliable) menu_cache_.invalidate();
}

}  // namespace crema::app
