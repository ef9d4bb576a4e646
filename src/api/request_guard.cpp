#include "api/request_guard.hpp"

#include <algorithm>

#include "auth/roles.hpp"
#include "db/types.hpp"
#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace {

bool is_auth_route(std::string_view pattern) {
  return std::find(kAuthRoutes.begin(), kAuthRoutes.end(), pattern) != kAuthRoutes.end();
}

}  // namespace

RequestGuard::RequestGuard(RateLimits limits, auth::RateLimiter& shared, auth::RateLimiter& local,
                           bool require_admin_2fa, std::uint8_t two_factor_roles)
    : limits_(limits),
      two_factor_roles_(static_cast<std::uint8_t>(
          two_factor_roles |
          (require_admin_2fa ? 1u << static_cast<unsigned>(auth::Role::admin) : 0u))),
      shared_(shared),
      local_(local) {}

bool RequestGuard::mutating_without_2fa(const http::Request& req, const http::Route& route) const {
  if (!req.principal || req.principal->is_api_key() || req.principal->is_guest() ||
      req.principal->two_factor ||
      !((two_factor_roles_ >> static_cast<unsigned>(req.principal->role)) & 1u))
    return false;
  const auto m = req.method;
  if (m != http::Method::post && m != http::Method::put && m != http::Method::patch &&
      m != http::Method::del)
    return false;
  static constexpr std::string_view kAllowed[] = {
      "/api/v1/auth/login",           "/api/v1/auth/refresh",
      "/api/v1/auth/logout",          "/api/v1/auth/password",
      "/api/v1/auth/password/forgot", "/api/v1/auth/password/reset",
      "/api/v1/auth/verify-email",    "/api/v1/auth/verify-email/resend",
      "/api/v1/auth/2fa/setup",       "/api/v1/auth/2fa/enable"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), route.pattern) == std::end(kAllowed);
}

std::size_t RequestGuard::budgets_of(const http::Request& req, const http::Route& route,
                                     Budget (&budgets)[2]) const {
  std::size_t n = 0;
  // A budget that is off costs nothing (benchmarks run with the limits off).
  auto add = [&](std::string_view prefix, const std::string& id, int limit) {
    if (limit > 0) budgets[n++] = {std::string(prefix) + id, limit};
  };
  const bool auth_route = is_auth_route(route.pattern);
  if (req.principal && !req.principal->is_guest()) {
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
    // Anonymous callers and guests (an X-Order-Token holder, SPEC §15.1) share the IP's
    // public budget.
    add("ip:", req.client_ip, limits_.public_per_min);
  }
  return n;
}

auth::RateLimiter& RequestGuard::limiter_for(bool may_block) {
  return may_block || !shared_.blocking() ? shared_ : local_;
}

void RequestGuard::log_limiter_failure(const std::exception& e, std::int64_t now) {
  std::int64_t last = last_failure_log_ms_.load();
  if (now - last > 10'000 && last_failure_log_ms_.compare_exchange_strong(last, now))
    obs::Log(obs::Level::warn, "rate limiter unavailable; not limiting").str("error", e.what());
}

std::optional<http::Response> RequestGuard::charge(http::Request& req, const http::Route& route,
                                                   bool may_block) {
  Budget budgets[2];
  const std::size_t n = budgets_of(req, route, budgets);
  if (n == 0) return std::nullopt;

  auth::RateLimiter& limiter = limiter_for(may_block);
  const std::int64_t now = util::now_ms();
  for (std::size_t i = 0; i < n; ++i) {
    auth::RateDecision d;
    try {
      d = limiter.take(budgets[i].key, budgets[i].limit, kWindowMs, now);
    } catch (const std::exception& e) {
      // A shared limiter that cannot answer lets the request through: the service stays up
      // (the login lockout and the denylist, which fail closed, still protect accounts).
      log_limiter_failure(e, now);
      continue;
    }
    if (!d.allowed) {
      const int seconds =
          static_cast<int>(std::max<std::int64_t>(1, (d.retry_after_ms + 999) / 1000));
      return http::Response::from(crema::Error::too_many(
          "Too many requests; retry in " + std::to_string(seconds) + " s.", seconds));
    }
  }
  req.rate_charged_ms = now;
  return std::nullopt;
}

// 304 answers are never limited, but a conditional GET is charged before its handler runs
// like any request (so a flood of them, or of bad credentials on them, is limited): the
// charge is given back once the answer is known to be 304.
void RequestGuard::refund(const http::Request& req, const http::Route& route, bool may_block) {
  Budget budgets[2];
  const std::size_t n = budgets_of(req, route, budgets);
  auth::RateLimiter& limiter = limiter_for(may_block);
  for (std::size_t i = 0; i < n; ++i) {
    try {
      limiter.refund(budgets[i].key, kWindowMs, req.rate_charged_ms);
    } catch (const std::exception& e) {
      log_limiter_failure(e, util::now_ms());
    }
  }
}

std::optional<http::Response> RequestGuard::before(http::Request& req, const http::Route& route,
                                                   bool may_block) {
  if (route.rate_limited && req.rate_charged_ms == 0) {
    if (auto refused = charge(req, route, may_block)) return refused;
  }
  if (two_factor_roles_ != 0 && mutating_without_2fa(req, route))
    return http::Response::from(
        ErrorCode::two_factor_required,
        std::string(auth::role_name(req.principal->role)) +
            " accounts must turn on two-factor authentication before making changes (POST "
            "/api/v1/auth/2fa/setup, then /api/v1/auth/2fa/enable).");
  return std::nullopt;
}

void RequestGuard::after(http::Request& req, const http::Route& route, http::Response& res,
                         bool may_block) {
  if (!route.rate_limited || res.status != 304 || req.rate_charged_ms == 0) return;
  refund(req, route, may_block);
  req.rate_charged_ms = 0;
}

}  // namespace crema::api
