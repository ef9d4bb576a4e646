#include "support/decompress.hpp"

#include <zlib.h>

#include <brotli/decode.h>

namespace crema::test {

namespace {

std::optional<std::string> gunzip(std::string_view body) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - z.avail_out);
  }
  const bool whole = rc == Z_STREAM_END && z.avail_in == 0;
  inflateEnd(&z);
  if (!whole) return std::nullopt;
  return out;
}

std::optional<std::string> unbrotli(std::string_view body) {
  auto* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!state) return std::nullopt;
  std::string out;
  std::size_t in_left = body.size();
  const auto* in = reinterpret_cast<const std::uint8_t*>(body.data());
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
    std::uint8_t chunk[16384];
    std::size_t out_left = sizeof chunk;
    std::uint8_t* next = chunk;
    rc = BrotliDecoderDecompressStream(state, &in_left, &in, &out_left, &next, nullptr);
    out.append(reinterpret_cast<const char*>(chunk), sizeof chunk - out_left);
  }
  BrotliDecoderDestroyInstance(state);
  if (rc != BROTLI_DECODER_RESULT_SUCCESS || in_left != 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> decode_body(std::string_view coding, std::string_view body) {
  if (coding.empty() || coding == "identity") return std::string(body);
  if (coding == "gzip") return gunzip(body);
  if (coding == "br") return unbrotli(body);
  return std::nullopt;
}

}  // namespace crema::test
