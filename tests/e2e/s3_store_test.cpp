// Black-box test of product images in an S3-compatible bucket (CREMA_S3_*, SPEC §13): a fake
// object store started by the test checks the AWS Signature V4 of every request Crema makes
// (uploads, the worker's reads, its copies) and of the presigned URLs clients fetch.

#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "domain/image.hpp"
#include "e2e/e2e_support.hpp"
#include "e2e/identity_support.hpp"
#include "media/sigv4.hpp"
#include "support/auth_helper.hpp"
#include "support/fake_endpoint.hpp"
#include "support/test_images.hpp"

namespace crema::test::e2e {
namespace {

using namespace std::chrono_literals;

const media::SigV4Key kKey{"AKIDCREMATEST", "s3cr3t/key+for-the-fake-store", "eu-test-1", "s3"};

std::map<std::string, std::string> parse_query(const std::string& q) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos < q.size()) {
    auto amp = q.find('&', pos);
    if (amp == std::string::npos) amp = q.size();
    const auto part = q.substr(pos, amp - pos);
    const auto eq = part.find('=');
    out[part.substr(0, eq)] = eq == std::string::npos ? "" : part.substr(eq + 1);
    pos = amp + 1;
  }
  return out;
}

struct FakeRequest {
  std::string method, path, query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};
struct FakeResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

FakeRequest split(const RecordedRequest& r) {
  const auto q = r.target.find('?');
  return {r.method, r.target.substr(0, q), q == std::string::npos ? "" : r.target.substr(q + 1),
          r.headers, r.body};
}

/// An in-memory bucket that answers only correctly signed requests (403 otherwise).
class FakeBucket {
 public:
  FakeResponse handle(const FakeRequest& r) {
    const bool presigned = r.query.find("X-Amz-Signature=") != std::string::npos;
    if (!(presigned ? presigned_ok(r) : header_signature_ok(r))) {
      std::lock_guard lock(mutex_);
      ++rejected_;
      return {403, "application/xml", "<Error><Code>SignatureDoesNotMatch</Code></Error>"};
    }
    std::lock_guard lock(mutex_);
    if (r.method == "PUT") {
      objects_[r.path] = {r.body, r.headers.count("content-type") ? r.headers.at("content-type")
                                                                  : "application/octet-stream"};
      return {200, "application/xml", ""};
    }
    if (r.method == "DELETE") {
      objects_.erase(r.path);
      return {204, "application/xml", ""};
    }
    auto it = objects_.find(r.path);
    if (it == objects_.end())
      return {404, "application/xml", "<Error><Code>NoSuchKey</Code></Error>"};
    return {200, it->second.second, it->second.first};
  }
  int rejected() {
    std::lock_guard lock(mutex_);
    return rejected_;
  }
  std::size_t objects() {
    std::lock_guard lock(mutex_);
    return objects_.size();
  }

 private:
  static bool header_signature_ok(const FakeRequest& r) {
    auto auth = r.headers.find("authorization");
    if (auth == r.headers.end()) return false;
    const std::string& a = auth->second;
    const auto sh = a.find("SignedHeaders=");
    const auto sig = a.find("Signature=");
    if (sh == std::string::npos || sig == std::string::npos) return false;
    const std::string names = a.substr(sh + 14, a.find(',', sh) - sh - 14);
    std::map<std::string, std::string> signed_headers;
    std::size_t pos = 0;
    while (pos <= names.size()) {
      auto semi = names.find(';', pos);
      if (semi == std::string::npos) semi = names.size();
      const auto name = names.substr(pos, semi - pos);
      if (!r.headers.count(name)) return false;
      signed_headers[name] = r.headers.at(name);
      pos = semi + 1;
    }
    if (!signed_headers.count("host") || !signed_headers.count("x-amz-date")) return false;
    // The payload hash must be the body's, and what was signed.
    if (r.headers.count("x-amz-content-sha256") == 0 ||
        r.headers.at("x-amz-content-sha256") != media::sha256_hex(r.body))
      return false;
    const auto expected =
        media::sigv4_signature(r.method, r.path, "", signed_headers, media::sha256_hex(r.body),
                               r.headers.at("x-amz-date"), kKey);
    return a.substr(sig + 10) == expected;
  }

  static bool presigned_ok(const FakeRequest& r) {
    if (r.method != "GET") return false;
    const auto sig_at = r.query.find("&X-Amz-Signature=");
    if (sig_at == std::string::npos) return false;
    const std::string canonical = r.query.substr(0, sig_at);
    const std::string signature = r.query.substr(sig_at + 17);
    auto q = parse_query(canonical);
    const auto expected = media::sigv4_signature(
        "GET", r.path, canonical, {{"host", r.headers.count("host") ? r.headers.at("host") : ""}},
        "UNSIGNED-PAYLOAD", q["X-Amz-Date"], kKey);
    if (signature != expected) return false;
    // Not expired: X-Amz-Date + X-Amz-Expires is still ahead.
    std::tm tm{};
    if (!strptime(q["X-Amz-Date"].c_str(), "%Y%m%dT%H%M%SZ", &tm)) return false;
    const auto start = timegm(&tm);
    return start + std::stoll(q["X-Amz-Expires"]) > std::time(nullptr);
  }

  std::mutex mutex_;
  std::map<std::string, std::pair<std::string, std::string>> objects_;
  int rejected_ = 0;
};

TEST(S3ObjectStore, ImagesGoToTheBucketSignedAndClientsFetchThemByPresignedUrls) {
  CREMA_E2E_REQUIRE_STORE();
  FakeBucket bucket;
  FakeHttpEndpoint s3([&](const RecordedRequest& r, int) {
    const auto res = bucket.handle(split(r));
    FakeHttpEndpoint::Answer a;
    a.status = res.status;
    a.body = res.body;
    a.content_type = res.content_type;
    return a;
  });
  const std::string s3_base = "http://127.0.0.1:" + std::to_string(s3.port());
  auto shared = SharedServer::start(identity_server({{"CREMA_S3_ENDPOINT", s3_base},
                                                     {"CREMA_S3_BUCKET", "crema-images"},
                                                     {"CREMA_S3_REGION", kKey.region},
                                                     {"CREMA_S3_ACCESS_KEY", kKey.access_key},
                                                     {"CREMA_S3_SECRET_KEY", kKey.secret_key}}));
  CREMA_E2E_REQUIRE(shared);
  AuthHelper auth(*shared->server);
  auto client = client_for(*shared->server);
  auto product =
      client->post("/api/v1/products", R"({"name":"Bucket tart","category":"Photos","price":4})",
                   auth.bearer("manager"));
  ASSERT_EQ(product.status, 201) << product.describe();
  const std::string product_id(product.object().at("id").as_string());

  auto up = client->request(
      "POST", "/api/v1/products/" + product_id + "/images", make_image(2000, 1000, "png"),
      {{"Content-Type", "image/png"}, {"Authorization", "Bearer " + auth.token("manager")}});
  ASSERT_EQ(up.status, 201) << up.describe();
  const std::string image_id(up.object().at("id").as_string());

  boost::json::object image;
  for (int i = 0; i < 200 && image.empty(); ++i) {
    auto res = client->get("/api/v1/products/" + product_id);
    for (const auto& img : res.object().at("images").as_array())
      if (img.at("id").as_string() == image_id && img.at("status") == "ready")
        image = img.as_object();
    if (image.empty()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_FALSE(image.empty()) << shared->server->stdout_text();
  EXPECT_EQ(bucket.rejected(), 0) << "Crema sent a request with a wrong signature";
  EXPECT_EQ(bucket.objects(), 3u) << "the original, the thumbnail and the web copy";

  // The URLs point into the bucket, presigned; the bucket serves them.
  const std::string url(image.at("url").as_string());
  ASSERT_EQ(url.rfind(s3_base + "/crema-images/", 0), 0u) << url;
  EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos) << url;
  HttpClient from_bucket(s3_base);
  from_bucket.set_recorded(false);  // the bucket's answers are not Crema's API
  auto web = from_bucket.get(url.substr(s3_base.size()));
  ASSERT_EQ(web.status, 200) << web.describe();
  EXPECT_EQ(domain::sniff_image(web.body), domain::ImageType::webp);
  auto thumb =
      from_bucket.get(std::string(image.at("thumbnail_url").as_string()).substr(s3_base.size()));
  EXPECT_EQ(thumb.status, 200);

  // A tampered URL is refused by the bucket.
  std::string tampered = url.substr(s3_base.size());
  tampered.replace(tampered.find("X-Amz-Expires=") + 14, 4, "9999");
  EXPECT_EQ(from_bucket.get(tampered).status, 403);
  EXPECT_EQ(bucket.rejected(), 1);
}

TEST(S3ObjectStore, PartialOrMalformedSettingsStopTheStart) {
  CREMA_E2E_REQUIRE_STORE();
  auto db = fresh_database();
  auto partial = run_crema({"serve"}, {{"CREMA_DATABASE_URL", db->url()},
                                       {"CREMA_LISTEN", "127.0.0.1:0"},
                                       {"CREMA_S3_ENDPOINT", "http://127.0.0.1:9"}});
  EXPECT_EQ(partial.exit_code, 2) << partial.err;
  EXPECT_NE(partial.err.find("set together"), std::string::npos) << partial.err;
  auto bad = run_crema({"serve"}, {{"CREMA_DATABASE_URL", db->url()},
                                   {"CREMA_LISTEN", "127.0.0.1:0"},
                                   {"CREMA_S3_ENDPOINT", "http://127.0.0.1:9/some/path"},
                                   {"CREMA_S3_BUCKET", "b"},
                                   {"CREMA_S3_REGION", "r"},
                                   {"CREMA_S3_ACCESS_KEY", "a"},
                                   {"CREMA_S3_SECRET_KEY", "s"}});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("CREMA_S3_ENDPOINT must be"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace crema::test::e2e
