#pragma once
/// Image work with libvips: reading an upload's dimensions without decoding it, and making
/// the WebP copies (SPEC §4: a thumbnail of at most 320 px and a web copy of at most
/// 1600 px). Thread-safe; call init_images() once at start.

#include <optional>
#include <string>
#include <string_view>

namespace crema::media {

/// Starts libvips (idempotent): at most one of its worker threads per call, no operation
/// cache (uploads are not seen twice).
void init_images();

struct ImageInfo {
  int width = 0;
  int height = 0;
};

/// An upload's size from its header, or nothing when libvips cannot read it.
std::optional<ImageInfo> probe_image(std::string_view bytes);

/// A WebP copy whose longer side is at most `max_side` (never enlarged), metadata
/// stripped. Throws std::runtime_error with libvips' message when the image cannot be read.
std::string webp_copy(std::string_view bytes, int max_side, int quality);

}  // namespace crema::media
