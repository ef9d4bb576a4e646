#pragma once
/// UUID version 7 ids (RFC 9562): time-ordered, 48-bit Unix milliseconds then random bits.

#include <cstdint>
#include <string>
#include <string_view>

namespace crema::util {

/// A new UUID v7 in canonical lower-case form (36 characters). Within this process the
/// ids are strictly increasing, also for many ids in the same millisecond.
std::string new_uuid_v7();

/// True for the canonical 8-4-4-4-12 hex form of any UUID (either letter case).
bool is_uuid(std::string_view text) noexcept;

/// True for a canonical UUID whose version is 7 and whose variant is RFC 9562's.
bool is_uuid_v7(std::string_view text) noexcept;

/// The Unix milliseconds in a UUID v7 (no check; call is_uuid_v7 first).
std::int64_t uuid_v7_unix_ms(std::string_view text) noexcept;

}  // namespace crema::util
