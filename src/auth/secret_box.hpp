#pragma once
/// Secrets at rest (TOTP secrets): libsodium's crypto_secretbox (XSalsa20-Poly1305) under
/// CREMA_DATA_KEY, with a fresh random nonce per value stored beside the ciphertext.

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace crema::auth {

class SecretBox {
 public:
  /// From 64 hex digits (Config::data_key_hex); nothing when malformed.
  static std::optional<SecretBox> from_hex(std::string_view key_hex);
  ~SecretBox();
  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;
  SecretBox(SecretBox&&) = default;
  SecretBox& operator=(SecretBox&&) = default;

  /// "v1." + base64url(nonce ‖ ciphertext ‖ tag).
  std::string seal(std::string_view plaintext) const;
  /// The plaintext, or nothing when the text was not sealed under this key or was altered.
  std::optional<std::string> open(std::string_view sealed) const;

 private:
  SecretBox() = default;
  std::array<unsigned char, 32> key_{};
};

}  // namespace crema::auth
