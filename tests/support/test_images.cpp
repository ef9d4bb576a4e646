#include "support/test_images.hpp"

#include <vips/vips.h>

#include <stdexcept>

#include "media/image_processor.hpp"

namespace crema::test {

std::string make_image(int width, int height, const std::string& format) {
  media::init_images();
  VipsImage* x = nullptr;
  // An x/y gradient, so the encoders have something to encode.
  if (vips_xyz(&x, width, height, nullptr) != 0) throw std::runtime_error(vips_error_buffer());
  VipsImage* band = nullptr;
  VipsImage* bands[3] = {x, x, x};
  if (vips_bandjoin(bands, &band, 3, nullptr) != 0) throw std::runtime_error(vips_error_buffer());
  VipsImage* rgb = nullptr;
  if (vips_cast(band, &rgb, VIPS_FORMAT_UCHAR, nullptr) != 0)
    throw std::runtime_error(vips_error_buffer());
  void* buf = nullptr;
  std::size_t len = 0;
  int rc = 0;
  if (format == "png") {
    rc = vips_pngsave_buffer(rgb, &buf, &len, nullptr);
  } else if (format == "jpeg") {
    rc = vips_jpegsave_buffer(rgb, &buf, &len, nullptr);
  } else {
    rc = vips_webpsave_buffer(rgb, &buf, &len, nullptr);
  }
  g_object_unref(rgb);
  g_object_unref(band);
  g_object_unref(x);
  if (rc != 0) throw std::runtime_error(vips_error_buffer());
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

}  // namespace crema::test
