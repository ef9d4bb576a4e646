// Access tokens: what verify() accepts, and every forgery it must refuse.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "auth/crypto.hpp"
#include "auth/jwt.hpp"

namespace crema::auth {
namespace {

constexpr std::string_view kJwtSecret = "0123456789abcdef0123456789abcdef-test-secret";
constexpr std::int64_t kNow = 1'795'338'900;

AccessClaims claims() {
  AccessClaims c;
  c.sub = "01939a1b-0000-7000-8000-000000000001";
  c.role = Role::staff;
  c.iat = kNow;
  c.exp = kNow + kAccessTokenSeconds;
  c.jti = "jti-1";
  c.sid = "session-1";
  return c;
}

// A token with any header and payload, signed with HMAC-SHA-256 under `secret` (as an
// attacker who knows the secret, or a sloppy implementation, would make it).
std::string forge(std::string_view header, std::string_view payload,
                  std::string_view secret = kJwtSecret) {
  std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(hmac_sha256(secret, input));
}

std::string payload_json(const AccessClaims& c) {
  return boost::json::serialize(boost::json::object{{"sub", c.sub},
                                                    {"role", role_name(c.role)},
                                                    {"iat", c.iat},
                                                    {"exp", c.exp},
                                                    {"jti", c.jti},
                                                    {"sid", c.sid}});
}

TEST(Jwt, SignedTokensVerifyWithEveryClaim) {
  JwtCodec codec{std::string(kJwtSecret)};
  const std::string token = codec.sign(claims());
  auto out = codec.verify(token, kNow + 10);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->sub, claims().sub);
  EXPECT_EQ(out->role, Role::staff);
  EXPECT_EQ(out->iat, kNow);
  EXPECT_EQ(out->exp, kNow + 900);
  EXPECT_EQ(out->jti, "jti-1");
  EXPECT_EQ(out->sid, "session-1");
  // The header is the fixed HS256 one.
  EXPECT_EQ(base64url_decode(token.substr(0, token.find('.'))).value(),
            R"({"alg":"HS256","typ":"JWT"})");
  // A hand-made token with the same header and payload is accepted too: the test's forge()
  // makes real tokens, so the refusals below are about what they change.
  EXPECT_TRUE(codec.verify(forge(R"({"alg":"HS256","typ":"JWT"})", payload_json(claims())), kNow));
  EXPECT_TRUE(codec.verify(forge(R"({"alg":"HS256"})", payload_json(claims())), kNow));
}

TEST(Jwt, RefusesOtherAlgorithmsWhateverTheSignature) {
  JwtCodec codec{std::string(kJwtSecret)};
  const std::string payload = payload_json(claims());
  // alg none, with and without a signature part.
  const std::string none_input =
      base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + base64url_encode(payload);
  EXPECT_FALSE(codec.verify(none_input + ".", kNow));
  EXPECT_FALSE(codec.verify(none_input, kNow));
  EXPECT_FALSE(codec.verify(forge(R"({"alg":"none","typ":"JWT"})", payload), kNow));
  EXPECT_FALSE(codec.verify(forge(R"({"alg":"None"})", payload), kNow));
  // Other algorithms, even with a valid HMAC-SHA-256 over the input.
  for (const char* header :
       {R"({"alg":"HS512","typ":"JWT"})", R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"ES256"})",
        R"({"alg":"hs256"})", R"({"typ":"JWT"})", R"({"alg":["HS256"]})"}) {
    auto out = codec.verify(forge(header, payload), kNow);
    EXPECT_FALSE(out) << header;
    if (!out) {
      EXPECT_EQ(out.error().code, ErrorCode::unauthorized);
    }
  }
  // Extra header members (key ids, URLs to fetch keys from, critical extensions).
  for (const char* header : {R"({"alg":"HS256","kid":"1"})", R"({"alg":"HS256","jku":"http://x"})",
                             R"({"alg":"HS256","crit":["exp"]})", R"({"alg":"HS256","typ":"JWS"})"})
    EXPECT_FALSE(codec.verify(forge(header, payload), kNow)) << header;
}

TEST(Jwt, RefusesBadSignaturesAndOtherSecrets) {
  JwtCodec codec{std::string(kJwtSecret)};
  std::string token = codec.sign(claims());
  // Another secret.
  JwtCodec other{"another-secret-of-at-least-32-bytes!!"};
  EXPECT_FALSE(codec.verify(other.sign(claims()), kNow));
  // One signature character changed (keeping the base64url valid).
  std::string bad = token;
  char& last_sig = bad[bad.size() - 2];
  last_sig = last_sig == 'A' ? 'B' : 'A';
  EXPECT_FALSE(codec.verify(bad, kNow));
  // The payload changed (role escalated) but the old signature kept.
  AccessClaims admin = claims();
  admin.role = Role::admin;
  const std::string forged_payload = base64url_encode(payload_json(admin));
  const auto d1 = token.find('.');
  const auto d2 = token.find('.', d1 + 1);
  std::string swapped = token.substr(0, d1 + 1) + forged_payload + token.substr(d2);
  EXPECT_FALSE(codec.verify(swapped, kNow));
  // No signature, a truncated one, padding, and non-base64url characters.
  EXPECT_FALSE(codec.verify(token.substr(0, d2 + 1), kNow));
  EXPECT_FALSE(codec.verify(token.substr(0, token.size() - 4), kNow));
  EXPECT_FALSE(codec.verify(token + "=", kNow));
  std::string plus = token;
  plus[d2 + 3] = '+';
  EXPECT_FALSE(codec.verify(plus, kNow));
}

TEST(Jwt, RefusesMalformedTokens) {
  JwtCodec codec{std::string(kJwtSecret)};
  const std::string good = codec.sign(claims());
  for (std::string t : {std::string(), std::string("abc"), std::string("a.b"),
                        std::string("a.b.c.d"), std::string(".."), good + ".x",
                        std::string(5000, 'a'), forge("not json", payload_json(claims())),
                        forge(R"(["alg","HS256"])", payload_json(claims())),
                        forge(R"({"alg":"HS256"})", "[]"), forge(R"({"alg":"HS256"})", "{}")})
    EXPECT_FALSE(codec.verify(t, kNow)) << t;
}

TEST(Jwt, RequiresEveryClaimWithTheRightType) {
  JwtCodec codec{std::string(kJwtSecret)};
  auto base = boost::json::parse(payload_json(claims())).as_object();
  for (const char* name : {"sub", "role", "iat", "exp", "jti", "sid"}) {
    auto missing = base;
    missing.erase(name);
    EXPECT_FALSE(codec.verify(forge(R"({"alg":"HS256"})", boost::json::serialize(missing)), kNow))
        << "without " << name;
  }
  auto bad_role = base;
  bad_role["role"] = "owner";
  EXPECT_FALSE(codec.verify(forge(R"({"alg":"HS256"})", boost::json::serialize(bad_role)), kNow));
  auto text_exp = base;
  text_exp["exp"] = std::to_string(kNow + 900);
  EXPECT_FALSE(codec.verify(forge(R"({"alg":"HS256"})", boost::json::serialize(text_exp)), kNow));
  auto real_exp = base;
  real_exp["exp"] = static_cast<double>(kNow + 900);
  EXPECT_FALSE(codec.verify(forge(R"({"alg":"HS256"})", boost::json::serialize(real_exp)), kNow));
}

TEST(Jwt, ExpiryAndLifetime) {
  JwtCodec codec{std::string(kJwtSecret)};
  const std::string token = codec.sign(claims());
  EXPECT_TRUE(codec.verify(token, kNow + 899));
  auto expired = codec.verify(token, kNow + 900);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::unauthorized);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
  EXPECT_FALSE(codec.verify(token, kNow + 100000));
  // Issued in the future beyond the clock-skew allowance.
  EXPECT_FALSE(codec.verify(token, kNow - JwtCodec::kLeewaySeconds - 1));
  EXPECT_TRUE(codec.verify(token, kNow - JwtCodec::kLeewaySeconds + 1));
  // Longer-lived than 15 minutes, even if signed with the right key.
  AccessClaims long_lived = claims();
  long_lived.exp = kNow + 24 * 3600;
  EXPECT_FALSE(codec.verify(codec.sign(long_lived), kNow));
  AccessClaims backwards = claims();
  backwards.exp = kNow - 1;
  EXPECT_FALSE(codec.verify(codec.sign(backwards), kNow - 10));
}

}  // namespace
}  // namespace crema::auth
