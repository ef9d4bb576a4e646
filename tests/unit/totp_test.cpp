// HOTP and TOTP against the published test vectors of RFC 4226 (appendix D) and RFC 6238
// (appendix B: 8 digits, SHA-1/SHA-256/SHA-512 with their own seeds), then Crema's 6-digit,
// ±1-step use and the base32 / otpauth:// texts.
#include <gtest/gtest.h>

#include "auth/totp.hpp"

namespace crema::auth {
namespace {

const std::string kSeed20 = "12345678901234567890";
const std::string kSeed32 = "12345678901234567890123456789012";
const std::string kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

TEST(Totp, Rfc4226HotpVectors) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t c = 0; c < 10; ++c)
    EXPECT_EQ(otp_text(hotp(kSeed20, c, 6), 6), expected[c]) << "counter " << c;
}

TEST(Totp, Rfc6238Vectors) {
  struct Row {
    std::int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Row rows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(totp_code(kSeed20, r.time, 8, 30, OtpHash::sha1), r.sha1) << r.time;
    EXPECT_EQ(totp_code(kSeed32, r.time, 8, 30, OtpHash::sha256), r.sha256) << r.time;
    EXPECT_EQ(totp_code(kSeed64, r.time, 8, 30, OtpHash::sha512), r.sha512) << r.time;
    // The matcher finds each vector at its own step.
    EXPECT_EQ(totp_match(kSeed20, r.sha1, r.time, 0, 8, 30, OtpHash::sha1), r.time / 30);
    EXPECT_EQ(totp_match(kSeed64, r.sha512, r.time, 1, 8, 30, OtpHash::sha512), r.time / 30);
  }
}

TEST(Totp, SixDigitCodesAreTheLastSixOfTheEightDigitOnes) {
  // Truncation is modulo 10^digits, so the RFC's 8-digit vectors give the 6-digit codes.
  EXPECT_EQ(totp_code(kSeed20, 59), "287082");
  EXPECT_EQ(totp_code(kSeed20, 1111111109), "081804");
  EXPECT_EQ(totp_code(kSeed20, 2000000000), "279037");
}

TEST(Totp, AcceptsOneStepEitherSideAndNothingFurther) {
  const std::int64_t t = 1'795'338'900;
  const std::int64_t step = t / 30;
  const std::string now = totp_code(kSeed20, t);
  const std::string before = totp_code(kSeed20, t - 30);
  const std::string after = totp_code(kSeed20, t + 30);
  const std::string too_old = totp_code(kSeed20, t - 60);
  const std::string too_new = totp_code(kSeed20, t + 60);
  EXPECT_EQ(totp_match(kSeed20, now, t), step);
  EXPECT_EQ(totp_match(kSeed20, before, t), step - 1);
  EXPECT_EQ(totp_match(kSeed20, after, t), step + 1);
  if (too_old != now && too_old != before && too_old != after) {
    EXPECT_FALSE(totp_match(kSeed20, too_old, t));
  }
  if (too_new != now && too_new != before && too_new != after) {
    EXPECT_FALSE(totp_match(kSeed20, too_new, t));
  }
  // Wrong shapes never match.
  for (const char* bad : {"", "12345", "1234567", "12345a", " 12345", "-12345"})
    EXPECT_FALSE(totp_match(kSeed20, bad, t)) << bad;
  // Another secret does not produce the same code at the same time (for this vector).
  EXPECT_NE(totp_code("another secret....xx", t), now);
}

TEST(Totp, Base32RoundTripsAndReadsWhatAppsShow) {
  // RFC 4648 §10 vectors.
  EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(base32_encode("f"), "MY");
  EXPECT_EQ(base32_decode("MZXW6YTBOI").value(), "foobar");
  EXPECT_EQ(base32_decode("mzxw 6ytb oi======").value(), "foobar");
  EXPECT_FALSE(base32_decode("MZXW1"));  // 1 is not in the alphabet
  EXPECT_EQ(base32_encode(kSeed20), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(base32_decode(base32_encode(kSeed64)).value(), kSeed64);
}

TEST(Totp, OtpauthUrl) {
  EXPECT_EQ(otpauth_url("Crema", "ada@example.com", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Crema:ada@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Crema"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(otpauth_url("Café Crema", "a b", "X").substr(0, 31), "otpauth://totp/Caf%C3%A9%20Crem");
}

}  // namespace
}  // namespace crema::auth
