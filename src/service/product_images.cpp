#include "service/product_images.hpp"

#include <boost/json.hpp>

#include "domain/image.hpp"
#include "events/bus.hpp"
#include "media/image_processor.hpp"
#include "media/object_store.hpp"
#include "obs/log.hpp"
#include "repo/image_repo.hpp"
#include "repo/product_repo.hpp"
#include "service/audit.hpp"
#include "service/write_tx.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

crema::Result<domain::ProductImage> ProductImageService::add(const Actor& actor,
                                                             const std::string& product_id,
                                                             std::string_view bytes) {
  auto type = domain::sniff_image(bytes);
  if (!type)
    return crema::Error::make(ErrorCode::unsupported_media_type,
                              "The image must be a JPEG, PNG or WebP file (checked by its "
                              "content).");
  auto info = media::probe_image(bytes);
  if (!info || info->width <= 0 || info->height <= 0)
    return crema::Error::make(ErrorCode::validation_failed, "The image cannot be read.",
                              {{"image", "is not a readable image"}});
  if (static_cast<std::int64_t>(info->width) * info->height > kMaxPixels)
    return crema::Error::make(ErrorCode::validation_failed, "The image is too large.",
                              {{"image", "must have at most 50 megapixels"}});
  {
    auto lease = pool_.read();
    if (!repo::find_product(*lease, product_id))
      return crema::Error::make(ErrorCode::not_found, "No product " + product_id + ".");
  }
  domain::ProductImage img;
  img.id = util::new_uuid_v7();
  img.product_id = product_id;
  img.original_key = img.id + "-original." + std::string(domain::extension_of(*type));
  img.content_type = std::string(domain::content_type_of(*type));
  img.width = info->width;
  img.height = info->height;
  img.created_at = util::now_ms();
  // The bytes first: a row never names an object that is not there. A failed insert
  // removes them again.
  store_.put(img.original_key, bytes, img.content_type);
  try {
    auto out =
        in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<domain::ProductImage> {
          auto& tx = work.tx();
          if (!repo::lock_product(tx, product_id))
            return crema::Error::make(ErrorCode::not_found, "No product " + product_id + ".");
          img.position = repo::next_image_position(tx.connection(), product_id);
          repo::insert_image(tx, img);
          record_audit(tx, actor,
                       {"product.image", "product", product_id,
                        "Added image " + img.id + " (" + std::to_string(img.width) + "x" +
                            std::to_string(img.height) + ")"});
          // The menu lists the product's images: its cache is rebuilt; the worker makes the copies.
          work.menu_changed(product_id);
          work.after_commit([this, id = img.id] {
            if (enqueue_) enqueue_(id);
          });
          return img;
        });
    if (!out) {
      store_.remove(img.original_key);
      return out;
    }
  } catch (...) {
    store_.remove(img.original_key);
    throw;
  }
  return img;
}

void ProductImageService::process(const std::string& image_id) {
  std::optional<domain::ProductImage> img;
  {
    auto lease = pool_.read();
    img = repo::find_image(*lease, image_id);
  }
  if (!img || img->status != domain::ProductImage::Status::pending) return;
  const std::string thumb_key = img->id + "-thumb.webp";
  const std::string web_key = img->id + "-web.webp";
  bool ok = false;
  try {
    auto original = store_.get(img->original_key);
    if (!original) throw std::runtime_error("the original is missing from the media store");
    store_.put(thumb_key, media::webp_copy(original->bytes, kThumbnailSide, 80), "image/webp");
    store_.put(web_key, media::webp_copy(original->bytes, kWebSide, 82), "image/webp");
    ok = true;
  } catch (const std::exception& e) {
    obs::Log(obs::Level::warn, "image processing failed")
        .str("image_id", img->id)
        .str("error", e.what());
  }
  auto done = in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<void> {
    if (ok) {
      repo::set_image_ready(work.tx(), img->id, thumb_key, web_key, util::now_ms());
    } else {
      repo::set_image_failed(work.tx(), img->id, util::now_ms());
    }
    work.menu_changed(img->product_id);
    return {};
  });
  (void)done;  // always a value: nothing here refuses
}

std::vector<std::string> ProductImageService::pending(int limit) {
  auto lease = pool_.read();
  return repo::pending_image_ids(*lease, limit);
}

}  // namespace crema::service
