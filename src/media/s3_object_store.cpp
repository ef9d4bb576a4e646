#include "media/s3_object_store.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <map>
#include <stdexcept>

#include <boost/url/parse.hpp>
#include <curl/curl.h>

#include "obs/trace.hpp"

namespace crema::media {
namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t read_header(char* data, std::size_t size, std::size_t n, void* out) {
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "content-type:";
  if (line.size() > kName.size()) {
    std::string lower(line.substr(0, kName.size()));
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == kName) {
      auto value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() &&
             (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
        value.remove_suffix(1);
      *static_cast<std::string*>(out) = std::string(value);
    }
  }
  return size * n;
}

struct UploadSource {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_body(char* buffer, std::size_t size, std::size_t n, void* in) {
  auto* src = static_cast<UploadSource*>(in);
  const std::size_t count = std::min(size * n, src->data.size() - src->offset);
  std::memcpy(buffer, src->data.data() + src->offset, count);
  src->offset += count;
  return count;
}

}  // namespace

std::optional<std::string> S3ObjectStore::endpoint_problem(const std::string& endpoint) {
  auto url = boost::urls::parse_absolute_uri(endpoint);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty() ||
      !(url->path().empty() || url->path() == "/") || url->has_query() || url->has_userinfo())
    return "CREMA_S3_ENDPOINT must be http(s)://host[:port] with no path (got \"" + endpoint +
           "\")";
  return std::nullopt;
}

S3ObjectStore::S3ObjectStore(S3Settings settings) : settings_(std::move(settings)) {
  if (auto problem = endpoint_problem(settings_.endpoint)) throw std::invalid_argument(*problem);
  host_ = std::string(boost::urls::parse_absolute_uri(settings_.endpoint)->encoded_host_and_port());
  while (!settings_.endpoint.empty() && settings_.endpoint.back() == '/')
    settings_.endpoint.pop_back();
  sig_key_ = SigV4Key{settings_.access_key, settings_.secret_key, settings_.region, "s3"};
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

std::string S3ObjectStore::path_of(std::string_view key) const {
  if (!valid_key(key)) throw std::invalid_argument("invalid object key");
  return "/" + sigv4_uri_encode(settings_.bucket, false) + "/" + sigv4_uri_encode(key, false);
}

S3ObjectStore::Reply S3ObjectStore::request(std::string_view method, std::string_view key,
                                            std::string_view body,
                                            std::string_view content_type) const {
  const std::string path = path_of(key);
  const std::string date = amz_date(std::time(nullptr));
  const std::string payload_hash = sha256_hex(body);
  std::map<std::string, std::string> signed_headers = {
      {"host", host_}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", date}};
  if (!content_type.empty()) signed_headers["content-type"] = std::string(content_type);
  const std::string authorization =
      sigv4_authorization(method, path, "", signed_headers, payload_hash, date, sig_key_);

  obs::ScopedSpan span(method, obs::SpanKind::client);  // SPEC §15.5: a call out is a span
  if (span.active())
    span.attr("http.request.method", method).attr("server.address", host_).attr("rpc.system", "s3");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) throw std::runtime_error("object store: curl_easy_init failed");
  curl_slist* headers = nullptr;
  // Sent, not signed: SigV4 covers only the headers it lists.
  if (const std::string traceparent = obs::traceparent_header_line(); !traceparent.empty())
    headers = curl_slist_append(headers, traceparent.c_str());
  const std::string lines[] = {"Authorization: " + authorization,
                               "x-amz-content-sha256: " + payload_hash, "x-amz-date: " + date,
                               content_type.empty() ? std::string("Content-Type:")
                                                    : "Content-Type: " + std::string(content_type),
                               "Expect:"};
  for (const auto& l : lines) headers = curl_slist_append(headers, l.c_str());
  const std::string url = settings_.endpoint + path;
  Reply reply;
  UploadSource upload{body, 0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.content_type);
  if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (method == "DELETE") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
  }
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    span.fail(curl_easy_strerror(rc));
    throw std::runtime_error(std::string("object store unreachable: ") + curl_easy_strerror(rc));
  }
  if (span.active())
    span.attr("http.response.status_code", static_cast<std::int64_t>(reply.status));
  return reply;
}

void S3ObjectStore::put(std::string_view key, std::string_view bytes,
                        std::string_view content_type) {
  const auto reply = request("PUT", key, bytes, content_type);
  if (reply.status < 200 || reply.status >= 300)
    throw std::runtime_error("object store refused the upload (HTTP " +
                             std::to_string(reply.status) + ")");
}

std::optional<StoredObject> S3ObjectStore::get(std::string_view key) {
  auto reply = request("GET", key, "", "");
  if (reply.status == 404) return std::nullopt;
  if (reply.status < 200 || reply.status >= 300)
    throw std::runtime_error("object store read failed (HTTP " + std::to_string(reply.status) +
                             ")");
  return StoredObject{std::move(reply.body), reply.content_type.empty()
                                                 ? std::string("application/octet-stream")
                                                 : reply.content_type};
}

void S3ObjectStore::remove(std::string_view key) {
  const auto reply = request("DELETE", key, "", "");
  if (reply.status != 404 && (reply.status < 200 || reply.status >= 300))
    throw std::runtime_error("object store delete failed (HTTP " + std::to_string(reply.status) +
                             ")");
}

std::string S3ObjectStore::presigned_url(std::string_view key, std::int64_t now) const {
  const std::int64_t start = now - now % 3600;
  // Valid from the start of this hour for two hours: at least kMinValiditySeconds from now.
  return sigv4_presigned_get(settings_.endpoint, host_, path_of(key), amz_date(start),
                             2 * kMinValiditySeconds, sig_key_);
}

}  // namespace crema::media
