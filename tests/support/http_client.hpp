#pragma once
/// A small blocking HTTP/1.1 client over libcurl for black-box tests: one keep-alive
/// connection reused across requests, optional TLS.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/http_message.hpp"

namespace crema::test {

/// Request header fields, e.g. {{"Origin", "https://shop.example"}}.
using RequestHeaders = std::vector<std::pair<std::string, std::string>>;

/// How the client treats the server's certificate.
struct TlsOptions {
  bool verify = true;   ///< false: accept any certificate (self-signed test certificates)
  std::string ca_file;  ///< PEM file of the CA (or the self-signed certificate) to trust
};

/// One client = one libcurl easy handle = one reused connection (keep-alive).
class HttpClient {
 public:
  /// `base_url` like http://127.0.0.1:41234 (no trailing slash needed).
  explicit HttpClient(std::string base_url, TlsOptions tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends one request to base_url + path and reads the whole response. When a body is sent
  /// (always for POST, PUT and PATCH) without a Content-Type in `headers`, the client sends
  /// application/json if the body starts with '{' or '[', else application/octet-stream.
  /// HEAD reads no body. Throws std::runtime_error on a transport failure (refused, reset,
  /// timeout), with libcurl's message; any HTTP status is a normal return.
  HttpResponse request(std::string_view method, std::string_view path, std::string_view body = {},
                       const RequestHeaders& headers = {});

  HttpResponse get(std::string_view path, const RequestHeaders& headers = {}) {
    return request("GET", path, {}, headers);
  }
  HttpResponse head(std::string_view path, const RequestHeaders& headers = {}) {
    return request("HEAD", path, {}, headers);
  }
  HttpResponse post(std::string_view path, std::string_view body,
                    const RequestHeaders& headers = {}) {
    return request("POST", path, body, headers);
  }

  /// The whole-request timeout (default 10 s).
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  /// The base URL.
  const std::string& base_url() const noexcept { return base_url_; }
  /// false: this client's exchanges are not recorded for the OpenAPI answer check
  /// (support/exchange_log.hpp) — for a client of something that is not the public API the
  /// document describes (a fake S3 bucket, the CREMA_METRICS_LISTEN listener).
  void set_recorded(bool recorded) noexcept { recorded_ = recorded; }

 private:
  std::string base_url_;
  TlsOptions tls_;
  std::chrono::milliseconds timeout_{10000};
  bool recorded_ = true;
  void* curl_ = nullptr;  // CURL*, kept out of the header
};

}  // namespace crema::test
