#pragma once
/// Fuzz targets (issue 10): each takes arbitrary bytes and drives one of Crema's input
/// paths, and must never crash, hang, leak or trip a sanitizer. They are compiled twice:
/// into libFuzzer binaries (scripts/fuzz.sh, clang) and into the unit tests, which replay
/// every file of fuzz/corpus/ and fuzz/regressions/ on every CI run (GCC, ASan+UBSan).

#include <cstddef>
#include <cstdint>

namespace crema::fuzz {

/// An access token as received in `Authorization: Bearer …` (auth::JwtCodec::verify).
int jwt(const std::uint8_t* data, std::size_t size);
/// A request line's method and target: origin-form parsing, the /api alias, the route table
/// match with its path parameters, and the query validators every list route uses.
int http_target(const std::uint8_t* data, std::size_t size);
/// A JSON request body: the dispatcher's parse, then the field readers request DTOs are
/// made of (text, money, quantities, UUIDs, enums, nested items, free objects).
int json_input(const std::uint8_t* data, std::size_t size);

}  // namespace crema::fuzz
