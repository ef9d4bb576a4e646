#include "net/middleware.hpp"

#include <sodium.h>

#include <atomic>
#include <cstdio>

#include "net/compression.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"

namespace crema::http {

// ---- request id -------------------------------------------------------------------------

bool RequestIdMiddleware::acceptable(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string RequestIdMiddleware::generate() {
  // A random 64-bit prefix per thread and a counter: unique, cheap, not predictable across
  // restarts. Formatted by hand: snprintf was a visible share of a small request.
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local std::uint64_t prefix = 0;
  thread_local std::uint64_t counter = 0;
  if (prefix == 0) {
    while (prefix == 0) randombytes_buf(&prefix, sizeof prefix);
  }
  char buf[40];
  char* p = buf;
  for (int shift = 60; shift >= 0; shift -= 4) *p++ = kHex[(prefix >> shift) & 0xf];
  *p++ = '-';
  std::uint64_t n = ++counter;
  char digits[16];
  int k = 0;
  do {
    digits[k++] = kHex[n & 0xf];
    n >>= 4;
  } while (n != 0);
  while (k > 0) *p++ = digits[--k];
  return std::string(buf, static_cast<std::size_t>(p - buf));
}

std::optional<std::pair<std::string_view, std::string_view>> RequestIdMiddleware::parse_traceparent(
    std::string_view v) noexcept {
  auto hex = [](std::string_view s) {
    bool nonzero = false;
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::optional<bool>();
      nonzero = nonzero || c != '0';
    }
    return std::optional<bool>(nonzero);
  };
  // 2 + 1 + 32 + 1 + 16 + 1 + 2; a future version may append "-…" fields.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  const auto version = v.substr(0, 2);
  if (!hex(version) || version == "ff") return std::nullopt;
  if (version == "00" && v.size() != 55) return std::nullopt;
  if (v.size() > 55 && v[55] != '-') return std::nullopt;
  const auto trace = v.substr(3, 32);
  const auto span = v.substr(36, 16);
  const auto t = hex(trace);
  const auto s = hex(span);
  if (!t || !*t || !s || !*s || !hex(v.substr(53, 2))) return std::nullopt;
  return std::make_pair(trace, span);
}

std::optional<Response> RequestIdMiddleware::on_request(Exchange& ex) {
  auto& req = ex.request;
  if (req.request_id.empty()) {
    auto incoming = req.header("x-request-id");
    req.request_id = incoming && acceptable(*incoming) ? std::string(*incoming) : generate();
  }
  if (auto traceparent = req.header("traceparent")) {
    if (auto ids = parse_traceparent(*traceparent)) {
      req.trace_id.assign(ids->first);
      req.parent_span_id.assign(ids->second);
    }
  }
  return std::nullopt;
}

void RequestIdMiddleware::on_response(Exchange& ex, Response& res) {
  res.header("X-Request-Id", ex.request.request_id);
}

// ---- security headers -------------------------------------------------------------------

void SecurityHeadersMiddleware::on_response(Exchange& ex, Response& res) {
  res.header("X-Content-Type-Options", "nosniff");
  res.header("X-Frame-Options", "DENY");
  res.header("Referrer-Policy", "no-referrer");
  bool has_csp = false;
  bool has_cache_control = false;
  for (const auto& [name, value] : res.headers) {
    has_csp = has_csp || name == "Content-Security-Policy";
    has_cache_control = has_cache_control || name == "Cache-Control";
  }
  // Pages (the docs) set their own policy; everything else is data that must never run.
  if (!has_csp) res.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  if (!has_cache_control) res.header("Cache-Control", "no-store");
  if (ex.request.secure)
    res.header("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
}

// ---- CORS -------------------------------------------------------------------------------

bool CorsMiddleware::allowed(std::string_view origin) const noexcept {
  for (const auto& o : origins_)
    if (o == origin) return true;
  return false;
}

std::optional<Response> CorsMiddleware::on_request(Exchange& ex) {
  auto& req = ex.request;
  if (req.method != Method::options) return std::nullopt;
  auto origin = req.header("origin");
  auto wanted = req.header("access-control-request-method");
  if (!origin || !wanted) return std::nullopt;  // not a preflight
  if (!allowed(*origin)) return Response::from(ErrorCode::forbidden, "This origin is not allowed.");
  Response res = Response::no_content();
  std::string methods;
  if (ex.match.route) {
    methods = std::string(method_name(ex.match.route->method));
  } else {
    for (auto m : ex.match.allowed) {
      if (!methods.empty()) methods += ", ";
      methods += method_name(m);
    }
  }
  if (methods.empty()) methods = "GET, POST, PUT, DELETE";
  res.header("Access-Control-Allow-Methods", methods);
  res.header("Access-Control-Allow-Headers",
             "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-API-Key, "
             "X-Request-Id");
  res.header("Access-Control-Max-Age", "600");
  return res;
}

void CorsMiddleware::on_response(Exchange& ex, Response& res) {
  auto origin = ex.request.header("origin");
  if (!origin || !allowed(*origin)) return;
  res.header("Access-Control-Allow-Origin", std::string(*origin));
  res.header("Access-Control-Allow-Credentials", "true");
  res.header("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, ETag, Location");
  res.header("Vary", "Origin");
}

// ---- metrics and access log -------------------------------------------------------------

namespace {
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

void MetricsMiddleware::on_response(Exchange& ex, Response& res) {
  const Route* route = ex.match.route;
  metrics_.observe_request(route, route ? std::string_view(route->pattern) : kUnmatchedRoute,
                           method_name(ex.request.method), res.status, seconds_since(ex.started));
}

void AccessLogMiddleware::on_response(Exchange& ex, Response& res) {
  if (!obs::log_enabled(obs::Level::info)) return;
  const auto& req = ex.request;
  obs::Log line(obs::Level::info, "request");
  line.str("request_id", req.request_id)
      .str("method", method_name(req.method))
      .str("route", ex.match.route ? std::string_view(ex.match.route->pattern) : kUnmatchedRoute)
      .num("status", res.status)
      .real("duration_ms", seconds_since(ex.started) * 1000.0);
  if (req.principal && !req.principal->user_id.empty()) {
    line.str("user_id", req.principal->user_id);
  } else {
    line.null("user_id");
  }
  if (req.principal && req.principal->is_api_key())
    line.str("api_key_id", req.principal->api_key_id);
  line.str("ip", req.client_ip);
  if (!req.trace_id.empty()) line.str("trace_id", req.trace_id).str("span_id", req.parent_span_id);
}

void CompressionMiddleware::on_response(Exchange& ex, Response& res) {
  compress_response(ex.request, res);
}

}  // namespace crema::http
