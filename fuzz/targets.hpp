#pragma once
/// Fuzz targets (issue 10): each takes arbitrary bytes and drives one of Crema's input
/// paths, and must never crash, hang, leak or trip a sanitizer. They are compiled twice:
/// into libFuzzer binaries (scripts/fuzz.sh, clang) and into the unit tests, which replay
/// every file of fuzz/corpus/ and fuzz/regressions/ on every CI run (GCC, ASan+UBSan).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace crema::fuzz {

/// An access token as received in `Authorization: Bearer …` (auth::JwtCodec::verify).
int jwt(const std::uint8_t* data, std::size_t size);
/// A request line's method and target: origin-form parsing, the /api alias, the route table
/// match with its path parameters, and the query validators every list route uses.
int http_target(const std::uint8_t* data, std::size_t size);
/// A JSON request body: the dispatcher's parse, then the field readers request DTOs are
/// made of (text, money, quantities, UUIDs, enums, nested items, free objects).
int json_input(const std::uint8_t* data, std::size_t size);

/// A JSON request body through the real route handler of every route that takes one
/// (POST/PUT/PATCH/DELETE with a JSON body, found in the real route table), in-process on an
/// SQLite store seeded with the demo café, dispatched as the server does (route checks,
/// rate-limit guard, JSON parse, handler, services, SQL). Aborts, printing the call, when
/// an answer is a 5xx (a 503 only where the route documents it). The input is either
///   binary:   ROUTE FLAGS PICK BODY...  (ROUTE: index into the table, modulo its size)
///   readable: "@METHOD /pattern FLAGS PICK\n" BODY...  (FLAGS, PICK: hex; the seeds' form)
/// FLAGS bits 0-2: the caller (a role the route admits, admin first; 7: a customer
/// anyway; public routes: nobody or a customer); bit 3: If-Match "1"; bit 4: an
/// Idempotency-Key. PICK: which id of the store fills the path parameters, from 0xe0 on a
/// malformed or unknown one. The store is reset to its seeded state every 1,000 inputs.
int dto(const std::uint8_t* data, std::size_t size);
/// The status the dto target's call was answered with (nothing for an input too short).
std::optional<int> dto_status(const std::uint8_t* data, std::size_t size);
/// Puts the dto target's store back to its seeded state (as it does every 1,000 inputs).
void dto_reset();
/// "METHOD /pattern" of every route the dto target calls.
std::vector<std::string> dto_routes();
/// "METHOD /pattern" of the mutating routes it leaves out, each for a stated reason (no body,
/// raw bytes).
std::vector<std::string> dto_skipped_routes();

}  // namespace crema::fuzz
