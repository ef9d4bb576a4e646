#include "media/image_processor.hpp"

#include <vips/vips.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace crema::media {

namespace {

struct Unref {
  void operator()(VipsImage* image) const noexcept { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, Unref>;

std::string vips_failure() {
  std::string message = vips_error_buffer();
  vips_error_clear();
  while (!message.empty() && message.back() == '\n') message.pop_back();
  return message.empty() ? "libvips failed" : message;
}

}  // namespace

void init_images() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("crema") != 0) throw std::runtime_error("libvips: " + vips_failure());
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
  });
}

std::optional<ImageInfo> probe_image(std::string_view bytes) {
  init_images();
  // Reads the header only; "" options = defaults. Access is sequential: nothing is decoded.
  ImagePtr image(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                            VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!image) {
    vips_error_clear();
    return std::nullopt;
  }
  return ImageInfo{vips_image_get_width(image.get()), vips_image_get_height(image.get())};
}

std::string webp_copy(std::string_view bytes, int max_side, int quality) {
  init_images();
  VipsImage* raw = nullptr;
  // vips_thumbnail_buffer takes a non-const pointer but does not write through it.
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &raw, max_side,
                            "height", max_side, "size", VIPS_SIZE_DOWN, nullptr) != 0)
    throw std::runtime_error(vips_failure());
  ImagePtr thumb(raw);
  void* out = nullptr;
  std::size_t len = 0;
  if (vips_webpsave_buffer(thumb.get(), &out, &len, "Q", quality, "strip", TRUE, nullptr) != 0)
    throw std::runtime_error(vips_failure());
  std::string result(static_cast<const char*>(out), len);
  g_free(out);
  return result;
}

}  // namespace crema::media
