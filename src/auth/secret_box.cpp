#include "auth/secret_box.hpp"

#include <sodium.h>

#include "auth/crypto.hpp"

namespace crema::auth {

namespace {
constexpr std::string_view kPrefix = "v1.";
static_assert(crypto_secretbox_KEYBYTES == 32);
}  // namespace

std::optional<SecretBox> SecretBox::from_hex(std::string_view key_hex) {
  auto raw = hex_decode(key_hex);
  if (!raw || raw->size() != crypto_secretbox_KEYBYTES) return std::nullopt;
  SecretBox box;
  std::copy(raw->begin(), raw->end(), box.key_.begin());
  sodium_memzero(raw->data(), raw->size());
  return box;
}

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string buf = random_bytes(crypto_secretbox_NONCEBYTES);
  buf.resize(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
  auto* nonce = reinterpret_cast<unsigned char*>(buf.data());
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, key_.data());
  return std::string(kPrefix) + base64url_encode(buf);
}

std::optional<std::string> SecretBox::open(std::string_view sealed) const {
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto raw = base64url_decode(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return std::nullopt;
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  const auto* boxed = nonce + crypto_secretbox_NONCEBYTES;
  const std::size_t boxed_len = raw->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(boxed_len - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), boxed, boxed_len,
                                 nonce, key_.data()) != 0)
    return std::nullopt;
  return plain;
}

}  // namespace crema::auth
