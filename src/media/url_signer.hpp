#pragma once
/// Signed, expiring media URLs (SPEC §4: GET /media/{key} for anyone holding one; a bad or
/// expired signature is 403). The signature is HMAC-SHA-256 over the key and the expiry,
/// under a key derived from the JWT secret (so no new secret to manage, and rotating the
/// JWT secret revokes every URL).
///
/// Expiries are rounded up to a whole hour, so a product's URLs stay the same for an hour:
/// the cached menu body (and its ETag) does not change with every request.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace crema::media {

class UrlSigner {
 public:
  /// How long a URL is valid at least; expiries are rounded up to the next whole hour.
  static constexpr std::int64_t kMinValiditySeconds = 3600;

  /// `secret`: the JWT secret (any length; a key is derived from it).
  explicit UrlSigner(std::string_view secret);

  /// The hex signature of `key` expiring at `expires` (Unix seconds).
  std::string sign(std::string_view key, std::int64_t expires) const;
  /// True when `signature` is right for key and expiry and `now` is before the expiry.
  bool verify(std::string_view key, std::int64_t expires, std::string_view signature,
              std::int64_t now) const;
  /// The expiry a URL made at `now` gets: now + kMinValiditySeconds, rounded up to the hour.
  static std::int64_t expiry_for(std::int64_t now) noexcept;
  /// "/api/v1/media/<key>?exp=<expiry>&sig=<signature>".
  std::string url(std::string_view key, std::int64_t now) const;

 private:
  std::array<unsigned char, 32> key_{};
};

}  // namespace crema::media
