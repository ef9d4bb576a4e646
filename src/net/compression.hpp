#pragma once
/// Response compression (SPEC §13): JSON bodies of 1 KiB or more are sent compressed when the
/// client asks (`Accept-Encoding`: Brotli preferred, then gzip), with `Vary: Accept-Encoding`.
/// zlib and Brotli are Debian's (zlib1g, libbrotli1). No Beast here.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace crema::http {

enum class Encoding : std::uint8_t { identity, gzip, br };

/// Bodies smaller than this are sent as they are (SPEC §13: 1 KiB or more is compressed).
inline constexpr std::size_t kCompressMinBytes = 1024;

/// The coding to answer with for an `Accept-Encoding` header value: the acceptable coding
/// (q > 0) with the highest q among br and gzip (`*` stands for both), br on a tie;
/// identity when neither is acceptable or the header is absent.
Encoding choose_encoding(std::string_view accept_encoding) noexcept;

/// The `Content-Encoding` token of a coding ("br", "gzip"; "" for identity).
std::string_view encoding_name(Encoding e) noexcept;

/// How hard to work: `fast` for answers compressed per request, `best` for bodies compressed
/// once and sent many times (the cached menu).
enum class Effort : std::uint8_t { fast, best };

/// `body` compressed with `e` (gzip: RFC 1952 through zlib; br: RFC 7932). Throws
/// std::runtime_error when the library fails (out of memory). identity returns `body`.
std::string compress(std::string_view body, Encoding e, Effort effort = Effort::fast);

/// Whether a response of this status and Content-Type is compressed when large enough:
/// JSON (application/json, application/*+json) with a body.
bool compressible(int status, std::string_view content_type) noexcept;

/// Compresses `res` in place for the request's Accept-Encoding when it is compressible, at
/// least kCompressMinBytes long and not already encoded; adds `Vary: Accept-Encoding` to every
/// answer whose body is that large (compressed or not, the representation depends on the
/// header). Error bodies must be rendered before (Dispatcher::finish).
void compress_response(const Request& req, Response& res);

}  // namespace crema::http
