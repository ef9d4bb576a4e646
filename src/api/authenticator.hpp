#pragma once
/// The http::Authenticator of Crema: `Authorization: Bearer <JWT>` (checked by the auth
/// service: signature, expiry, denylist, account and session), `X-API-Key: <key>`, or
/// `X-Order-Token: <token>` (a guest, SPEC §15.1: service/guest_tokens.hpp). One kind per
/// request; two at once → 401.

#include <memory>

#include "net/dispatcher.hpp"

namespace crema::service {
class AuthService;
class ApiKeyService;
class GuestTokens;
}  // namespace crema::service

namespace crema::api {

class IdentityAuthenticator final : public http::Authenticator {
 public:
  /// `api_keys` may be null: X-API-Key is then refused; so may `guests` (X-Order-Token).
  IdentityAuthenticator(std::shared_ptr<service::AuthService> auth,
                        std::shared_ptr<service::ApiKeyService> api_keys,
                        std::shared_ptr<service::GuestTokens> guests = nullptr);
  crema::Result<std::optional<auth::Principal>> authenticate(const http::Request& req) override;

 private:
  std::shared_ptr<service::AuthService> auth_;
  std::shared_ptr<service::ApiKeyService> api_keys_;
  std::shared_ptr<service::GuestTokens> guests_;
};

}  // namespace crema::api
