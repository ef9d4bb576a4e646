#include "domain/image.hpp"

namespace crema::domain {

std::optional<ImageType> sniff_image(std::string_view b) noexcept {
  using namespace std::string_view_literals;
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF"sv) return ImageType::jpeg;
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n"sv) return ImageType::png;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF"sv && b.substr(8, 4) == "WEBP"sv)
    return ImageType::webp;
  return std::nullopt;
}

std::string_view content_type_of(ImageType type) noexcept {
  switch (type) {
    case ImageType::jpeg: return "image/jpeg";
    case ImageType::png: return "image/png";
    case ImageType::webp: return "image/webp";
  }
  return "application/octet-stream";
}

std::string_view extension_of(ImageType type) noexcept {
  switch (type) {
    case ImageType::jpeg: return "jpg";
    case ImageType::png: return "png";
    case ImageType::webp: return "webp";
  }
  return "bin";
}

}  // namespace crema::domain
