#pragma once
/// Decoding of compressed answers (SPEC §13) for the tests: gzip through zlib, Brotli through
/// Debian's libbrotlidec.

#include <optional>
#include <string>
#include <string_view>

namespace crema::test {

/// The body a Content-Encoding ("gzip", "br"; "" or "identity": as it is) stands for; nothing
/// when it does not decode (or the coding is unknown).
std::optional<std::string> decode_body(std::string_view content_encoding, std::string_view body);

}  // namespace crema::test
