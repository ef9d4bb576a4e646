#include "media/url_signer.hpp"

#include <sodium.h>

#include <stdexcept>

namespace crema::media {

namespace {
constexpr std::string_view kPurpose = "crema media url v1";
}

UrlSigner::UrlSigner(std::string_view secret) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(kPurpose.data()),
                                kPurpose.size());
  crypto_auth_hmacsha256_final(&st, key_.data());
}

std::string UrlSigner::sign(std::string_view key, std::int64_t expires) const {
  const std::string message = std::string(key) + "\n" + std::to_string(expires);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key_.data(), key_.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&st, mac);
  std::string hex(sizeof mac * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), mac, sizeof mac);
  hex.pop_back();
  return hex;
}

bool UrlSigner::verify(std::string_view key, std::int64_t expires, std::string_view signature,
                       std::int64_t now) const {
  if (now >= expires) return false;
  const std::string want = sign(key, expires);
  if (signature.size() != want.size()) return false;
  return sodium_memcmp(signature.data(), want.data(), want.size()) == 0;
}

std::int64_t UrlSigner::expiry_for(std::int64_t now) noexcept {
  const std::int64_t at_least = now + kMinValiditySeconds;
  return (at_least + 3599) / 3600 * 3600;
}

std::string UrlSigner::url(std::string_view key, std::int64_t now) const {
  const auto expires = expiry_for(now);
  return "/api/v1/media/" + std::string(key) + "?exp=" + std::to_string(expires) +
         "&sig=" + sign(key, expires);
}

}  // namespace crema::media
