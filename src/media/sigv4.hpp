#pragma once
/// AWS Signature Version 4 for S3-compatible object stores (SPEC §13): the Authorization
/// header of a request, and presigned URLs (the signature in the query string) that let a
/// browser fetch an object directly from the bucket until they expire.
///
/// Pure functions over strings, so they are checked against AWS's published examples.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace crema::media {

struct SigV4Key {
  std::string access_key;
  std::string secret_key;
  std::string region;
  std::string service = "s3";
};

/// RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else %XX
/// (upper case); '/' kept when `keep_slash` (paths), encoded otherwise (query values).
std::string sigv4_uri_encode(std::string_view s, bool keep_slash);

/// Lower-case hex SHA-256 of `data` (the x-amz-content-sha256 of a payload).
std::string sha256_hex(std::string_view data);

/// The value of the Authorization header. `path` is the canonical (already encoded) URI
/// path, `query` the canonical query string (sorted, encoded; "" for none), `headers` the
/// signed headers by lower-case name (host and x-amz-date at least), `amz_date`
/// "YYYYMMDDTHHMMSSZ", `payload_hash` the body's sha256_hex (or "UNSIGNED-PAYLOAD").
std::string sigv4_authorization(std::string_view method, std::string_view path,
                                std::string_view query,
                                const std::map<std::string, std::string>& headers,
                                std::string_view payload_hash, std::string_view amz_date,
                                const SigV4Key& key);

/// The signature alone (hex) for the same inputs; used to check a request.
std::string sigv4_signature(std::string_view method, std::string_view path, std::string_view query,
                            const std::map<std::string, std::string>& headers,
                            std::string_view payload_hash, std::string_view amz_date,
                            const SigV4Key& key);

/// A presigned GET URL: `base` is "scheme://host[:port]", `path` the encoded object path,
/// valid `expires_seconds` (1 to 604800) from `amz_date`. Only `host` is signed.
std::string sigv4_presigned_get(std::string_view base, std::string_view host, std::string_view path,
                                std::string_view amz_date, std::int64_t expires_seconds,
                                const SigV4Key& key);

/// The canonical query string of a presigned GET before its signature is appended (the
/// X-Amz-* parameters, sorted and encoded).
std::string sigv4_presign_query(std::string_view amz_date, std::int64_t expires_seconds,
                                const SigV4Key& key);

/// "YYYYMMDDTHHMMSSZ" for Unix seconds.
std::string amz_date(std::int64_t unix_seconds);

}  // namespace crema::media
