#include "net/compression.hpp"

#include <zlib.h>

#include <stdexcept>

#include <brotli/encode.h>

#include "net/dispatcher.hpp"
#include "net/header_text.hpp"

namespace crema::http {

namespace {

// The q of one `coding;q=0.5` element: 1000 for 1, 0 for 0, in thousandths; -1 when the
// parameter is malformed (the element is then ignored).
int quality(std::string_view params) noexcept {
  int q = 1000;
  while (!params.empty()) {
    auto semi = params.find(';');
    auto p = trim_ows(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.size() < 2 || (p[0] | 0x20) != 'q' || p[1] != '=') continue;
    auto v = trim_ows(p.substr(2));
    if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
    int whole = v[0] - '0';
    int frac = 0;
    int digits = 0;
    if (v.size() > 1) {
      if (v[1] != '.') return -1;
      for (std::size_t i = 2; i < v.size(); ++i) {
        if (v[i] < '0' || v[i] > '9' || ++digits > 3) return -1;
        frac = frac * 10 + (v[i] - '0');
      }
    }
    while (digits++ < 3) frac *= 10;
    q = whole * 1000 + frac;
    if (q > 1000) return -1;
  }
  return q;
}

std::string gzip(std::string_view body, Effort effort) {
  z_stream z{};
  // 15 + 16: a 32 KiB window with the gzip header and trailer (RFC 1952).
  if (deflateInit2(&z, effort == Effort::best ? 9 : 6, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(body.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const auto written = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
  out.resize(written);
  return out;
}

std::string brotli(std::string_view body, Effort effort) {
  std::size_t size = BrotliEncoderMaxCompressedSize(body.size());
  if (size == 0) size = body.size() + 1024;
  std::string out(size, '\0');
  // Quality 5 compresses about as fast as gzip -6 and smaller; 11 (the densest) is kept for
  // bodies compressed once and served many times.
  const int q = effort == Effort::best ? 11 : 5;
  if (!BrotliEncoderCompress(q, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, body.size(),
                             reinterpret_cast<const std::uint8_t*>(body.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data())))
    throw std::runtime_error("brotli: compression failed");
  out.resize(size);
  return out;
}

}  // namespace

Encoding choose_encoding(std::string_view header) noexcept {
  int br = -1, gz = -1, any = -1;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto element = trim_ows(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto semi = element.find(';');
    auto coding = trim_ows(element.substr(0, semi));
    const int q =
        quality(semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1));
    if (q < 0) continue;
    if (iequals_ascii(coding, "br")) {
      br = q;
    } else if (iequals_ascii(coding, "gzip") || iequals_ascii(coding, "x-gzip")) {
      gz = q;
    } else if (coding == "*") {
      any = q;
    }
  }
  if (br < 0) br = any;
  if (gz < 0) gz = any;
  if (br <= 0 && gz <= 0) return Encoding::identity;
  return br >= gz ? Encoding::br : Encoding::gzip;
}

std::string_view encoding_name(Encoding e) noexcept {
  switch (e) {
    case Encoding::gzip:
      return "gzip";
    case Encoding::br:
      return "br";
    case Encoding::identity:
      break;
  }
  return "";
}

std::string compress(std::string_view body, Encoding e, Effort effort) {
  switch (e) {
    case Encoding::gzip:
      return gzip(body, effort);
    case Encoding::br:
      return brotli(body, effort);
    case Encoding::identity:
      break;
  }
  return std::string(body);
}

bool compressible(int status, std::string_view content_type) noexcept {
  if (status < 200 || status == 204 || status == 304) return false;
  return is_json_content_type(content_type);
}

void compress_response(const Request& req, Response& res) {
  // A streamed body (the CSV exports) is sent as produced, uncompressed, on purpose: one
  // deflate stream across chunks would hold compressor state per export and delay every
  // chunk; CSV is not JSON and was never compressed here (SPEC §13 names JSON bodies).
  if (res.stream) return;
  if (!compressible(res.status, res.content_type)) return;
  const std::string_view body = res.body_view();
  if (body.size() < kCompressMinBytes) return;
  // Encoded already, or its producer chose among copies it keeps (the cached menu).
  for (const auto& [name, value] : res.headers)
    if (iequals_ascii(name, "Content-Encoding") ||
        (iequals_ascii(name, "Vary") && value == "Accept-Encoding"))
      return;
  res.header("Vary", "Accept-Encoding");
  const auto accept = req.header("accept-encoding");
  if (!accept) return;
  const Encoding e = choose_encoding(*accept);
  if (e == Encoding::identity) return;
  res.body = compress(body, e);
  res.shared_body.reset();
  res.header("Content-Encoding", std::string(encoding_name(e)));
}

}  // namespace crema::http
