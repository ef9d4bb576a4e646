#pragma once
/// Images in an S3-compatible bucket (CREMA_S3_*; AWS S3, MinIO, Cloudflare R2, Scaleway…):
/// path-style requests (`ENDPOINT/BUCKET/KEY`) signed with AWS Signature Version 4, and
/// presigned GET URLs so clients fetch images from the bucket, not through Crema.

#include <cstdint>
#include <string>

#include "media/object_store.hpp"
#include "media/sigv4.hpp"

namespace crema::media {

struct S3Settings {
  std::string endpoint;  ///< http(s)://host[:port], no path
  std::string bucket;
  std::string region;
  std::string access_key;
  std::string secret_key;
};

class S3ObjectStore final : public ObjectStore {
 public:
  /// Presigned URLs live at least this long; their start is rounded down to the hour so a
  /// product's URLs stay the same for an hour (the cached menu and its ETag do not change
  /// with every request).
  static constexpr std::int64_t kMinValiditySeconds = 3600;

  /// Throws std::invalid_argument when endpoint_problem() has one.
  explicit S3ObjectStore(S3Settings settings);

  /// Why `endpoint` is unusable (not http(s)://host[:port] without a path), or nothing.
  static std::optional<std::string> endpoint_problem(const std::string& endpoint);

  void put(std::string_view key, std::string_view bytes, std::string_view content_type) override;
  std::optional<StoredObject> get(std::string_view key) override;
  void remove(std::string_view key) override;

  /// A presigned GET URL of `key` made at `now` (Unix seconds).
  std::string presigned_url(std::string_view key, std::int64_t now) const;

 private:
  struct Reply {
    long status = 0;
    std::string body;
    std::string content_type;
  };
  Reply request(std::string_view method, std::string_view key, std::string_view body,
                std::string_view content_type) const;
  std::string path_of(std::string_view key) const;

  S3Settings settings_;
  SigV4Key sig_key_;
  std::string host_;  ///< host[:port] as signed
};

}  // namespace crema::media
