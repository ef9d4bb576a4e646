#pragma once
/// Small cryptographic helpers over libsodium: random bytes, SHA-256, HMAC-SHA-256,
/// constant-time comparison, and the encodings tokens travel in (base64url, hex).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace crema::auth {

/// Initialises libsodium once (thread-safe); throws std::runtime_error when it cannot.
void ensure_sodium();

/// `n` bytes from the operating system's CSPRNG.
std::string random_bytes(std::size_t n);

/// `bytes` random bytes as unpadded base64url text (refresh tokens, API keys).
std::string random_token(std::size_t bytes = 32);

/// Unpadded base64url (RFC 4648 §5), as JWTs use.
std::string base64url_encode(std::string_view bytes);
/// Strict decoding: the unpadded URL-safe alphabet only, unused bits zero; nothing otherwise.
std::optional<std::string> base64url_decode(std::string_view text);

/// Lower-case hexadecimal.
std::string hex_encode(std::string_view bytes);
/// Hexadecimal (either case) to bytes; nothing for odd lengths or other characters.
std::optional<std::string> hex_decode(std::string_view hex);

/// SHA-256 of `data` as 64 lower-case hex digits (how tokens are stored).
std::string sha256_hex(std::string_view data);

/// HMAC-SHA-256 of `data` under a key of any length: 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Compares in time that depends only on the length (which is not secret for our uses).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace crema::auth
