#include "support/http_client.hpp"

#include <mutex>
#include <stdexcept>

#include <curl/curl.h>

#include "support/exchange_log.hpp"

namespace crema::test {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Collector {
  HttpResponse* response;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collector*>(user);
  c->response->body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collector*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue, say) starts a new header block.
    c->response->headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    c->response->headers.add(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * n;
}

}  // namespace

HttpClient::HttpClient(std::string base_url, TlsOptions tls)
    : base_url_(std::move(base_url)), tls_(std::move(tls)) {
  global_init();
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  curl_ = curl_easy_init();
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

HttpResponse HttpClient::request(std::string_view method, std::string_view path,
                                 std::string_view body, const RequestHeaders& headers) {
  CURL* h = static_cast<CURL*>(curl_);
  // reset keeps the connection cache, so the next request reuses the connection.
  curl_easy_reset(h);
  HttpResponse response;
  Collector collector{&response};
  const std::string url = base_url_ + std::string(path);
  const std::string method_s(method);

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &collector);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &collector);
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // never a proxy from the environment
  if (!tls_.verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, tls_.ca_file.c_str());

  if (method_s == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method_s == "GET" && body.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_s.c_str());
  }
  bool has_content_type = false;
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Content-Type")) has_content_type = true;
    // "Name;" is libcurl's way of sending a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  if (!body.empty() || method_s == "POST" || method_s == "PUT" || method_s == "PATCH") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    if (method_s != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method_s.c_str());
    if (!has_content_type) {
      bool looks_json = !body.empty() && (body.front() == '{' || body.front() == '[');
      std::string ct = std::string("Content-Type: ") +
                       (looks_json ? "application/json" : "application/octet-stream");
      list = curl_slist_append(list, ct.c_str());
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);

  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(list);
  if (rc != CURLE_OK) {
    throw std::runtime_error(method_s + " " + url + ": " + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  long connects = 0;
  curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
  response.new_connections = connects;
  attach_json(response);
  if (auto* log = recorded_ ? ExchangeLog::active() : nullptr)
    log->record(method_s, path, headers, response);
  return response;
}

}  // namespace crema::test
