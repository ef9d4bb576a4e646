#include "media/sigv4.hpp"

#include <ctime>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace crema::media {
namespace {

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string scope(std::string_view date, const SigV4Key& key) {
  return std::string(date.substr(0, 8)) + "/" + key.region + "/" + key.service + "/aws4_request";
}

std::string signed_header_names(const std::map<std::string, std::string>& headers) {
  std::string out;
  for (const auto& [name, value] : headers) out += (out.empty() ? "" : ";") + name;
  return out;
}

std::string sign(std::string_view canonical_request, std::string_view date, const SigV4Key& key) {
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(date) + "\n" + scope(date, key) +
                              "\n" + sha256_hex(canonical_request);
  std::string k = hmac("AWS4" + key.secret_key, date.substr(0, 8));
  k = hmac(k, key.region);
  k = hmac(k, key.service);
  k = hmac(k, "aws4_request");
  const std::string sig = hmac(k, to_sign);
  return hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

std::string canonical_request(std::string_view method, std::string_view path,
                              std::string_view query,
                              const std::map<std::string, std::string>& headers,
                              std::string_view payload_hash) {
  std::string out =
      std::string(method) + "\n" + std::string(path) + "\n" + std::string(query) + "\n";
  for (const auto& [name, value] : headers) out += name + ":" + value + "\n";
  out += "\n" + signed_header_names(headers) + "\n" + std::string(payload_hash);
  return out;
}

}  // namespace

std::string sigv4_uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, sizeof digest);
}

std::string sigv4_signature(std::string_view method, std::string_view path, std::string_view query,
                            const std::map<std::string, std::string>& headers,
                            std::string_view payload_hash, std::string_view date,
                            const SigV4Key& key) {
  return sign(canonical_request(method, path, query, headers, payload_hash), date, key);
}

std::string sigv4_authorization(std::string_view method, std::string_view path,
                                std::string_view query,
                                const std::map<std::string, std::string>& headers,
                                std::string_view payload_hash, std::string_view date,
                                const SigV4Key& key) {
  return "AWS4-HMAC-SHA256 Credential=" + key.access_key + "/" + scope(date, key) +
         ",SignedHeaders=" + signed_header_names(headers) +
         ",Signature=" + sigv4_signature(method, path, query, headers, payload_hash, date, key);
}

std::string sigv4_presign_query(std::string_view date, std::int64_t expires_seconds,
                                const SigV4Key& key) {
  return "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
         sigv4_uri_encode(key.access_key + "/" + scope(date, key), false) +
         "&X-Amz-Date=" + std::string(date) + "&X-Amz-Expires=" + std::to_string(expires_seconds) +
         "&X-Amz-SignedHeaders=host";
}

std::string sigv4_presigned_get(std::string_view base, std::string_view host, std::string_view path,
                                std::string_view date, std::int64_t expires_seconds,
                                const SigV4Key& key) {
  const std::string query = sigv4_presign_query(date, expires_seconds, key);
  const std::string signature = sigv4_signature("GET", path, query, {{"host", std::string(host)}},
                                                "UNSIGNED-PAYLOAD", date, key);
  return std::string(base) + std::string(path) + "?" + query + "&X-Amz-Signature=" + signature;
}

std::string amz_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace crema::media
