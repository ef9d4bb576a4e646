#pragma once
/// The identity and access routes (SPEC §3, §12): /auth/*, /users*, /api-keys*,
/// /admin/audit-log. Each resource file registers its own; this header bundles the
/// services they share.

#include <memory>
#include <string>

#include "api/openapi.hpp"
#include "net/router.hpp"

namespace crema::db {
class Pool;
}

namespace crema::service {
class AuthService;
class UserService;
class ApiKeyService;
class UserExportRegistry;
class AccountRecovery;
}  // namespace crema::service

namespace crema::api {

/// What the identity handlers call. Members may be null only in tests that build the route
/// table without serving it (the OpenAPI test).
struct IdentityApi {
  std::shared_ptr<service::AuthService> auth;
  std::shared_ptr<service::UserService> users;
  std::shared_ptr<service::ApiKeyService> api_keys;
  /// Forgotten passwords and the resets admins send (SPEC §15.1).
  std::shared_ptr<service::AccountRecovery> recovery;
  /// The data export's sections: later features add theirs with exports->add(name, fn).
  std::shared_ptr<service::UserExportRegistry> exports;
  db::Pool* pool = nullptr;      ///< for reads that need no use case of their own (audit log)
  std::string timezone = "UTC";  ///< CREMA_TIMEZONE, for YYYY-MM-DD filters
};

void register_identity_routes(http::Router& router, OpenApi& openapi,
                              std::shared_ptr<IdentityApi> api);

void register_auth_routes(http::Router& router, OpenApi& openapi, std::shared_ptr<IdentityApi> api);
void register_user_routes(http::Router& router, OpenApi& openapi, std::shared_ptr<IdentityApi> api);
void register_api_key_routes(http::Router& router, OpenApi& openapi,
                             std::shared_ptr<IdentityApi> api);
void register_audit_routes(http::Router& router, OpenApi& openapi,
                           std::shared_ptr<IdentityApi> api);

/// The name of the refresh-token cookie (scoped to /api/v1/auth).
inline constexpr std::string_view kRefreshCookie = "crema_refresh";

}  // namespace crema::api
