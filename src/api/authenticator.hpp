#pragma once
/// The http::Authenticator of Crema: `Authorization: Bearer <JWT>` (checked by the auth
/// service: signature, expiry, denylist, account and session) or `X-API-Key: <key>`.

#include <memory>

#include "net/dispatcher.hpp"

namespace crema::service {
class AuthService;
class ApiKeyService;
}  // namespace crema::service

namespace crema::api {

class IdentityAuthenticator final : public http::Authenticator {
 public:
  /// `api_keys` may be null: X-API-Key is then refused.
  IdentityAuthenticator(std::shared_ptr<service::AuthService> auth,
                        std::shared_ptr<service::ApiKeyService> api_keys);
  crema::Result<std::optional<auth::Principal>> authenticate(const http::Request& req) override;

 private:
  std::shared_ptr<service::AuthService> auth_;
  std::shared_ptr<service::ApiKeyService> api_keys_;
};

}  // namespace crema::api
