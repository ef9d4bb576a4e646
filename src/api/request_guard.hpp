#pragma once
/// The rate limits of SPEC §3 as a dispatcher guard, checked after authentication and
/// before any handler (so before any password hashing):
///  * per IP: login, register, refresh, the password reset routes and email verification
///    together
///    (CREMA_AUTH_RATE_PER_MIN), other
///    unauthenticated requests (CREMA_PUBLIC_RATE_PER_MIN);
///  * per user: authenticated requests (CREMA_USER_RATE_PER_MIN);
///  * per API key: 600 (standard) or 6,000 (partner) per minute.
/// Routes with rate_limited=false (/health, /ready, /metrics) and 304 answers are never
/// counted: every request is charged before its handler (bad credentials included), and a
/// 304 is given back once answered. A limit of 0 is off. Refusals are 429 with Retry-After.
///
/// With Redis configured the counters are shared by every instance; Redis is only called
/// where blocking is allowed (the worker pool). Routes served on the I/O thread (static,
/// memory-only ones such as /openapi.json) are counted by this instance's own limiter.
///
/// The per-account login lockout is not here: it needs the email, so the login use case
/// checks it, still before hashing.
///
/// The guard also enforces CREMA_REQUIRE_2FA_ROLES (and CREMA_REQUIRE_ADMIN_2FA, which adds
/// admin): a mutation (POST, PUT, PATCH, DELETE) by an account of those roles that has no
/// 2FA is 403 two_factor_required — except its own /auth/* routes that let it sign in, out,
/// change or reset its password, verify its email and enrol (so it can comply).

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include "auth/rate_limiter.hpp"
#include "net/dispatcher.hpp"

namespace crema::api {

struct RateLimits {
  int auth_per_min = 30;
  int public_per_min = 600;
  int user_per_min = 1200;
  int standard_key_per_min = 600;
  int partner_key_per_min = 6000;
};

/// The routes counted against the per-IP auth budget: signing in, and the routes that
/// take a mailed token or send one (SPEC §15.1).
inline constexpr std::array<std::string_view, 6> kAuthRoutes = {
    "/api/v1/auth/login",           "/api/v1/auth/register",       "/api/v1/auth/refresh",
    "/api/v1/auth/password/forgot", "/api/v1/auth/password/reset", "/api/v1/auth/verify-email"};

class RequestGuard final : public http::Guard {
 public:
  /// `shared` counts where blocking is allowed (Redis when configured); `local` (never
  /// blocking) counts on the I/O thread. They may be the same limiter.
  /// `two_factor_roles`: bit (1 << Role) per role whose mutations need 2FA;
  /// `require_admin_2fa` adds admin.
  RequestGuard(RateLimits limits, auth::RateLimiter& shared, auth::RateLimiter& local,
               bool require_admin_2fa = false, std::uint8_t two_factor_roles = 0);

  std::optional<http::Response> before(http::Request& req, const http::Route& route,
                                       bool may_block) override;
  void after(http::Request& req, const http::Route& route, http::Response& res,
             bool may_block) override;

  static constexpr std::int64_t kWindowMs = 60'000;

 private:
  struct Budget {
    std::string key;
    int limit = 0;
  };
  /// The budgets a request is charged to (at most two).
  std::size_t budgets_of(const http::Request& req, const http::Route& route,
                         Budget (&budgets)[2]) const;
  auth::RateLimiter& limiter_for(bool may_block);
  void log_limiter_failure(const std::exception& e, std::int64_t now);
  /// Charges the request to its budgets (and stamps req.rate_charged_ms); a 429 when one is
  /// spent.
  std::optional<http::Response> charge(http::Request& req, const http::Route& route,
                                       bool may_block);
  /// Gives a charged request back (a 304).
  void refund(const http::Request& req, const http::Route& route, bool may_block);

  bool mutating_without_2fa(const http::Request& req, const http::Route& route) const;

  RateLimits limits_;
  std::uint8_t two_factor_roles_ = 0;
  auth::RateLimiter& shared_;
  auth::RateLimiter& local_;
  std::atomic<std::int64_t> last_failure_log_ms_{0};
};

}  // namespace crema::api
