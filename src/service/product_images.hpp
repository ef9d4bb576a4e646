#pragma once
/// Product images (SPEC §4): an upload is checked by its bytes, stored as the original, and
/// recorded `pending`; a background job then makes the thumbnail (at most 320 px) and the
/// web copy (at most 1600 px, WebP) and marks it `ready`. Both steps publish menu_updated.

#include <functional>
#include <string>
#include <string_view>

#include "db/pool.hpp"
#include "domain/product.hpp"
#include "service/actor.hpp"
#include "util/error.hpp"

namespace crema::events {
class Bus;
}
namespace crema::media {
class ObjectStore;
}

namespace crema::service {

class ProductImageService {
 public:
  /// Receives the id of an image whose copies are to be made (the background worker).
  using Enqueue = std::function<void(const std::string& image_id)>;

  static constexpr int kThumbnailSide = 320;
  static constexpr int kWebSide = 1600;
  /// Larger images are refused (422): decoding them would take too much memory.
  static constexpr std::int64_t kMaxPixels = 50'000'000;

  ProductImageService(db::Pool& pool, media::ObjectStore& store, const events::Bus& bus)
      : pool_(pool), store_(store), bus_(bus) {}

  void set_enqueue(Enqueue enqueue) { enqueue_ = std::move(enqueue); }

  /// 201 image (pending); 404 no such product; 415 not a JPEG, PNG or WebP by its bytes;
  /// 422 unreadable or too large.
  crema::Result<domain::ProductImage> add(const Actor& actor, const std::string& product_id,
                                          std::string_view bytes);

  /// Makes the copies of a pending image and marks it ready (or failed when it cannot be
  /// decoded). Does nothing for an image that is not pending. Database faults are thrown.
  void process(const std::string& image_id);

  /// Pending images (for the worker after a restart), oldest first.
  std::vector<std::string> pending(int limit);

 private:
  db::Pool& pool_;
  media::ObjectStore& store_;
  const events::Bus& bus_;
  Enqueue enqueue_;
};

}  // namespace crema::service
