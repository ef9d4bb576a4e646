// Secrets at rest: crypto_secretbox under CREMA_DATA_KEY with a random nonce per value.
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "auth/secret_box.hpp"

namespace crema::auth {
namespace {

const std::string kKeyHex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(SecretBox, SealsAndOpens) {
  auto box = SecretBox::from_hex(kKeyHex);
  ASSERT_TRUE(box);
  const std::string secret = "12345678901234567890";
  const std::string sealed = box->seal(secret);
  EXPECT_EQ(sealed.rfind("v1.", 0), 0u);
  EXPECT_EQ(sealed.find(secret), std::string::npos);
  EXPECT_EQ(box->open(sealed).value(), secret);
  EXPECT_EQ(box->open(box->seal("")).value(), "");
}

TEST(SecretBox, EveryValueGetsItsOwnNonce) {
  auto box = SecretBox::from_hex(kKeyHex);
  const std::string a = box->seal("same");
  const std::string b = box->seal("same");
  EXPECT_NE(a, b);
  // The nonce is the first 24 bytes of the payload.
  EXPECT_NE(base64url_decode(a.substr(3))->substr(0, 24),
            base64url_decode(b.substr(3))->substr(0, 24));
}

TEST(SecretBox, RefusesTamperingAndOtherKeys) {
  auto box = SecretBox::from_hex(kKeyHex);
  const std::string sealed = box->seal("top secret");
  auto raw = *base64url_decode(sealed.substr(3));
  for (std::size_t i = 0; i < raw.size(); i += 7) {
    std::string flipped = raw;
    flipped[i] = static_cast<char>(flipped[i] ^ 1);
    EXPECT_FALSE(box->open("v1." + base64url_encode(flipped))) << "byte " << i;
  }
  auto other = SecretBox::from_hex(std::string(64, 'a'));
  EXPECT_FALSE(other->open(sealed));
  EXPECT_FALSE(box->open("v2." + sealed.substr(3)));
  EXPECT_FALSE(box->open("v1.short"));
  EXPECT_FALSE(box->open(""));
}

TEST(SecretBox, KeysMustBe32HexBytes) {
  EXPECT_FALSE(SecretBox::from_hex(""));
  EXPECT_FALSE(SecretBox::from_hex(std::string(62, 'a')));
  EXPECT_FALSE(SecretBox::from_hex(std::string(64, 'g')));
  EXPECT_TRUE(SecretBox::from_hex(std::string(64, 'A')));
}

}  // namespace
}  // namespace crema::auth
