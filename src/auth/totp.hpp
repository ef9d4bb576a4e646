#pragma once
/// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238), and the base32 text that
/// authenticator apps read secrets in. Crema's codes are 6 digits, 30-second steps,
/// HMAC-SHA-1 (what every authenticator app supports), accepted one step either side.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crema::auth {

enum class OtpHash { sha1, sha256, sha512 };

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpStepSeconds = 30;
inline constexpr int kTotpWindow = 1;  ///< steps accepted before and after the current one
inline constexpr std::size_t kTotpSecretBytes = 20;  ///< 160 bits, RFC 4226's recommendation

/// HOTP value of `counter` under `key`, truncated to `digits` (6 to 9) decimal digits.
std::uint32_t hotp(std::string_view key, std::uint64_t counter, int digits,
                   OtpHash hash = OtpHash::sha1);

/// The zero-padded code text of a HOTP value.
std::string otp_text(std::uint32_t value, int digits);

/// The TOTP code at `unix_seconds` (time step floor((t - t0) / step), t0 = 0).
std::string totp_code(std::string_view key, std::int64_t unix_seconds, int digits = kTotpDigits,
                      std::int64_t step = kTotpStepSeconds, OtpHash hash = OtpHash::sha1);

/// The time step at which `code` is valid, looking `window` steps either side of the one
/// containing `unix_seconds`; nothing when it matches none. Codes are compared in constant
/// time.
std::optional<std::int64_t> totp_match(std::string_view key, std::string_view code,
                                       std::int64_t unix_seconds, int window = kTotpWindow,
                                       int digits = kTotpDigits,
                                       std::int64_t step = kTotpStepSeconds,
                                       OtpHash hash = OtpHash::sha1);

/// RFC 4648 base32, upper case, without padding (what otpauth:// URLs carry).
std::string base32_encode(std::string_view bytes);
/// Base32 in either case, padding and spaces ignored; nothing for other characters.
std::optional<std::string> base32_decode(std::string_view text);

/// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
std::string otpauth_url(std::string_view issuer, std::string_view account,
                        std::string_view secret_base32);

}  // namespace crema::auth
