#pragma once
/// Real images for tests, made with libvips: a gradient of any size as PNG, JPEG or WebP.

#include <string>

namespace crema::test {

/// A width × height RGB gradient encoded as "png", "jpeg" or "webp".
std::string make_image(int width, int height, const std::string& format = "png");

}  // namespace crema::test
