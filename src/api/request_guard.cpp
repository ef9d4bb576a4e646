#include "api/request_guard.hpp"

#include <algorithm>

#include "db/types.hpp"
#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace {

struct Budget {
  std::string key;
  int limit = 0;
};

bool is_auth_route(std::string_view pattern) {
  return std::find(kAuthRoutes.begin(), kAuthRoutes.end(), pattern) != kAuthRoutes.end();
}

}  // namespace

RequestGuard::RequestGuard(RateLimits limits, auth::RateLimiter& shared, auth::RateLimiter& local,
                           bool require_admin_2fa)
    : limits_(limits), require_admin_2fa_(require_admin_2fa), shared_(shared), local_(local) {}

bool RequestGuard::admin_without_2fa_mutating(const http::Request& req, const http::Route& route) {
  if (!req.principal || req.principal->is_api_key() || req.principal->role != auth::Role::admin ||
      req.principal->two_factor)
    return false;
  const auto m = req.method;
  if (m != http::Method::post && m != http::Method::put && m != http::Method::patch &&
      m != http::Method::del)
    return false;
  static constexpr std::string_view kAllowed[] = {
      "/api/v1/auth/login",    "/api/v1/auth/refresh",   "/api/v1/auth/logout",
      "/api/v1/auth/password", "/api/v1/auth/2fa/setup", "/api/v1/auth/2fa/enable"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), route.pattern) == std::end(kAllowed);
}

// A conditional GET may be answered 304, and 304 answers are never limited: it is charged
// after the handler, once the answer is known.
bool RequestGuard::conditional(const http::Request& req) {
  return (req.method == http::Method::get || req.method == http::Method::head) &&
         (req.header("if-none-match") || req.header("if-modified-since"));
}

std::optional<http::Response> RequestGuard::charge(const http::Request& req,
                                                   const http::Route& route, bool may_block) {
  Budget budgets[2];
  std::size_t n = 0;
  // A budget that is off costs nothing (benchmarks run with the limits off).
  auto add = [&](std::string_view prefix, const std::string& id, int limit) {
    if (limit > 0) budgets[n++] = {std::string(prefix) + id, limit};
  };
  const bool auth_route = is_auth_route(route.pattern);
  if (req.principal) {
    const auto& p = *req.principal;
    if (p.is_api_key()) {
      add("key:", p.api_key_id,
          p.api_key_tier == "partner" ? limits_.partner_key_per_min : limits_.standard_key_per_min);
    } else {
      add("user:", p.user_id, limits_.user_per_min);
    }
    // Signing in and refreshing cost the same per IP whoever asks, except an admin creating
    // accounts (audited, and already trusted with every account).
    if (auth_route && !(!p.is_api_key() && p.role == auth::Role::admin))
      add("auth:", req.client_ip, limits_.auth_per_min);
  } else if (auth_route) {
    add("auth:", req.client_ip, limits_.auth_per_min);
  } else {
    add("ip:", req.client_ip, limits_.public_per_min);
  }
  if (n == 0) return std::nullopt;

  auth::RateLimiter& limiter = may_block || !shared_.blocking() ? shared_ : local_;
  const std::int64_t now = util::now_ms();
  for (std::size_t i = 0; i < n; ++i) {
    auth::RateDecision d;
    try {
      d = limiter.take(budgets[i].key, budgets[i].limit, kWindowMs, now);
    } catch (const std::exception& e) {
      // A shared limiter that cannot answer lets the request through: the service stays up
      // (the login lockout and the denylist, which fail closed, still protect accounts).
      std::int64_t last = last_failure_log_ms_.load();
      if (now - last > 10'000 && last_failure_log_ms_.compare_exchange_strong(last, now))
        obs::Log(obs::Level::warn, "rate limiter unavailable; not limiting").str("error", e.what());
      continue;
    }
    if (!d.allowed) {
      const int seconds =
          static_cast<int>(std::max<std::int64_t>(1, (d.retry_after_ms + 999) / 1000));
      return http::Response::from(crema::Error::too_many(
          "Too many requests; retry in " + std::to_string(seconds) + " s.", seconds));
    }
  }
  return std::nullopt;
}

std::optional<http::Response> RequestGuard::before(http::Request& req, const http::Route& route,
                                                   bool may_block) {
  if (route.rate_limited && !conditional(req)) {
    if (auto refused = charge(req, route, may_block)) return refused;
  }
  if (require_admin_2fa_ && admin_without_2fa_mutating(req, route))
    return http::Response::from(
        ErrorCode::forbidden,
        "Admin accounts must turn on two-factor authentication before making changes "
        "(POST /api/v1/auth/2fa/setup, then /api/v1/auth/2fa/enable).");
  return std::nullopt;
}

void RequestGuard::after(http::Request& req, const http::Route& route, http::Response& res,
                         bool may_block) {
  if (!route.rate_limited || !conditional(req) || res.status == 304) return;
  if (auto refused = charge(req, route, may_block)) res = std::move(*refused);
}

}  // namespace crema::api
