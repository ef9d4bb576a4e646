#include "auth/totp.hpp"

#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/crypto.hpp"

namespace crema::auth {

namespace {

const EVP_MD* digest_of(OtpHash h) {
  switch (h) {
    case OtpHash::sha1:
      return EVP_sha1();
    case OtpHash::sha256:
      return EVP_sha256();
    case OtpHash::sha512:
      return EVP_sha512();
  }
  return EVP_sha1();
}

constexpr std::uint32_t kPow10[] = {1,      10,      100,      1000,      10000,
                                    100000, 1000000, 10000000, 100000000, 1000000000};

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void percent_encode(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == '@';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

}  // namespace

std::uint32_t hotp(std::string_view key, std::uint64_t counter, int digits, OtpHash hash) {
  if (digits < 6 || digits > 9) throw std::invalid_argument("HOTP digits must be 6 to 9");
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (!HMAC(digest_of(hash), key.data(), static_cast<int>(key.size()), message, sizeof message, mac,
            &mac_len))
    throw std::runtime_error("HMAC failed");
  // RFC 4226 §5.3 dynamic truncation.
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  return binary % kPow10[digits];
}

std::string otp_text(std::uint32_t value, int digits) {
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0 && value > 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out;
}

std::string totp_code(std::string_view key, std::int64_t unix_seconds, int digits,
                      std::int64_t step, OtpHash hash) {
  const std::int64_t counter = unix_seconds / step;  // t0 = 0; times before 1970 are not ours
  return otp_text(hotp(key, static_cast<std::uint64_t>(counter), digits, hash), digits);
}

std::optional<std::int64_t> totp_match(std::string_view key, std::string_view code,
                                       std::int64_t unix_seconds, int window, int digits,
                                       std::int64_t step, OtpHash hash) {
  if (code.size() != static_cast<std::size_t>(digits)) return std::nullopt;
  for (char c : code)
    if (c < '0' || c > '9') return std::nullopt;
  const std::int64_t current = unix_seconds / step;
  std::optional<std::int64_t> matched;
  // Every candidate is computed and compared, so the time taken does not say which matched.
  for (std::int64_t s = current - window; s <= current + window; ++s) {
    if (s < 0) continue;
    const std::string candidate =
        otp_text(hotp(key, static_cast<std::uint64_t>(s), digits, hash), digits);
    if (constant_time_equal(candidate, code) && !matched) matched = s;
  }
  return matched;
}

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == '=' || ch == ' ' || ch == '-') continue;
    const char up = ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch;
    const auto pos = kBase32.find(up);
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string otpauth_url(std::string_view issuer, std::string_view account,
                        std::string_view secret_base32) {
  std::string out = "otpauth://totp/";
  percent_encode(out, issuer);
  out += ':';
  percent_encode(out, account);
  out += "?secret=";
  out += secret_base32;
  out += "&issuer=";
  percent_encode(out, issuer);
  out += "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
  return out;
}

}  // namespace crema::auth
