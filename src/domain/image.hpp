#pragma once
/// Image types as their bytes say (SPEC §4: an upload's type is checked by its content,
/// never by its name or declared type).

#include <optional>
#include <string_view>

namespace crema::domain {

enum class ImageType { jpeg, png, webp };

/// The type of an image from its first bytes (magic numbers), or nothing.
std::optional<ImageType> sniff_image(std::string_view bytes) noexcept;
/// "image/jpeg", "image/png", "image/webp".
std::string_view content_type_of(ImageType type) noexcept;
/// "jpg", "png", "webp".
std::string_view extension_of(ImageType type) noexcept;

}  // namespace crema::domain
