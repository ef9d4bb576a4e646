// AWS Signature Version 4 (media/sigv4.hpp) against the examples AWS publishes for S3
// ("Signature Calculations for the Authorization Header" and "Authenticating Requests: Using
// Query Parameters"): credentials AKIAIOSFODNN7EXAMPLE, bucket examplebucket, us-east-1,
// 2013-05-24T00:00:00Z.
#include <gtest/gtest.h>

#include "media/sigv4.hpp"

namespace crema::media {
namespace {

const SigV4Key kKey{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1",
                    "s3"};
constexpr const char* kDate = "20130524T000000Z";
constexpr const char* kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(SigV4, GetObjectHeaderSignatureMatchesAwsExample) {
  EXPECT_EQ(sha256_hex(""), kEmptyHash);
  const std::map<std::string, std::string> headers = {{"host", "examplebucket.s3.amazonaws.com"},
                                                      {"range", "bytes=0-9"},
                                                      {"x-amz-content-sha256", kEmptyHash},
                                                      {"x-amz-date", kDate}};
  EXPECT_EQ(sigv4_authorization("GET", "/test.txt", "", headers, kEmptyHash, kDate, kKey),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PresignedUrlMatchesAwsExample) {
  EXPECT_EQ(sigv4_presigned_get("https://examplebucket.s3.amazonaws.com",
                                "examplebucket.s3.amazonaws.com", "/test.txt", kDate, 86400, kKey),
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, EncodesLikeSigV4AndFormatsDates) {
  EXPECT_EQ(sigv4_uri_encode("a b/c~d$e", true), "a%20b/c~d%24e");
  EXPECT_EQ(sigv4_uri_encode("a b/c", false), "a%20b%2Fc");
  EXPECT_EQ(amz_date(1369353600), kDate);
  // Any change to what is signed changes the signature.
  const std::map<std::string, std::string> headers = {{"host", "h"}, {"x-amz-date", kDate}};
  const auto a = sigv4_signature("GET", "/k", "", headers, kEmptyHash, kDate, kKey);
  EXPECT_NE(a, sigv4_signature("GET", "/k2", "", headers, kEmptyHash, kDate, kKey));
  EXPECT_NE(a, sigv4_signature("PUT", "/k", "", headers, kEmptyHash, kDate, kKey));
  SigV4Key other = kKey;
  other.secret_key += "x";
  EXPECT_NE(a, sigv4_signature("GET", "/k", "", headers, kEmptyHash, kDate, other));
}

}  // namespace
}  // namespace crema::media
