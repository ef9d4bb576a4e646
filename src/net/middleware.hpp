#pragma once
/// The middleware chain: steps that see every request and every response, including the
/// ones the server answers itself (400, 404, 413…). They run on the I/O thread, so they
/// must never block.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/http_types.hpp"
#include "net/router.hpp"
#include "util/net_address.hpp"

namespace crema::obs {
class Metrics;
}

namespace crema::http {

/// What a middleware knows about the exchange besides the request.
struct Exchange {
  Request& request;
  const Match& match;
  std::chrono::steady_clock::time_point started;
};

class Middleware {
 public:
  virtual ~Middleware() = default;
  /// May answer the request itself (a CORS preflight, a rate limit); nothing further runs.
  virtual std::optional<Response> on_request(Exchange&) { return std::nullopt; }
  /// Sees every response, in reverse order of the chain.
  virtual void on_response(Exchange&, Response&) {}
};

/// Accepts a well-formed incoming X-Request-Id, otherwise makes one; echoes it back.
class RequestIdMiddleware final : public Middleware {
 public:
  std::optional<Response> on_request(Exchange&) override;
  void on_response(Exchange&, Response&) override;
  /// A new, unique, unguessable-enough id ("3f9c0a1b7d2e4c55-1a").
  static std::string generate();
  static bool acceptable(std::string_view id) noexcept;
  /// A W3C Trace Context `traceparent` (version-traceid-spanid-flags, lower-case hex, ids
  /// not all zero, version not ff; version 00 exactly 55 characters): its trace id and span
  /// id, or nothing.
  static std::optional<std::pair<std::string_view, std::string_view>> parse_traceparent(
      std::string_view value) noexcept;
};

/// nosniff, DENY, no-referrer, a Content-Security-Policy, no-store on API answers, and
/// HSTS when the request came over TLS (directly or through the trusted proxy).
class SecurityHeadersMiddleware final : public Middleware {
 public:
  void on_response(Exchange&, Response&) override;
};

/// CREMA_CORS_ORIGINS: allowed origins get Access-Control-Allow-Origin; preflights from
/// them get 204, from others 403.
class CorsMiddleware final : public Middleware {
 public:
  explicit CorsMiddleware(std::vector<std::string> origins) : origins_(std::move(origins)) {}
  std::optional<Response> on_request(Exchange&) override;
  void on_response(Exchange&, Response&) override;

 private:
  bool allowed(std::string_view origin) const noexcept;
  std::vector<std::string> origins_;
};

/// Counts and times every request (http_requests_total, http_request_duration_seconds).
class MetricsMiddleware final : public Middleware {
 public:
  explicit MetricsMiddleware(obs::Metrics& metrics) : metrics_(metrics) {}
  void on_response(Exchange&, Response&) override;

 private:
  obs::Metrics& metrics_;
};

/// One JSON line per request: ts, level, request_id, method, route, status, duration_ms,
/// user_id, ip.
class AccessLogMiddleware final : public Middleware {
 public:
  void on_response(Exchange&, Response&) override;
};

/// SPEC §13: JSON answers of 1 KiB or more compressed (br, else gzip) for clients that ask,
/// with Vary: Accept-Encoding (net/compression.hpp). Handlers' answers are compressed where
/// they ran (Dispatcher::invoke, on the worker pool); this catches the rest (a large error
/// body, the server's own answers).
class CompressionMiddleware final : public Middleware {
 public:
  void on_response(Exchange&, Response&) override;
};

/// The route label for requests that matched no route (bounded metric cardinality).
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

}  // namespace crema::http
