#include "app/identity_module.hpp"

#include <stdexcept>

#include "api/authenticator.hpp"
#include "auth/denylist.hpp"
#include "auth/jwt.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/secret_box.hpp"
#include "service/auth_service.hpp"

namespace crema::app {

struct IdentityModule::Parts {
  std::unique_ptr<auth::JwtCodec> jwt;
  std::unique_ptr<auth::SecretBox> secrets;
  std::unique_ptr<auth::TokenDenylist> denylist;
  std::unique_ptr<auth::RateLimiter> limiter;
  std::shared_ptr<api::IdentityApi> api;
  std::unique_ptr<api::IdentityAuthenticator> authenticator;
};

IdentityModule::IdentityModule(const Config& config, db::Pool& pool)
    : parts_(std::make_unique<Parts>()) {
  if (config.jwt_secret.size() < 32)
    throw std::runtime_error("CREMA_JWT_SECRET must be at least 32 bytes");
  auto box = auth::SecretBox::from_hex(config.data_key_hex);
  if (!box) throw std::runtime_error("CREMA_DATA_KEY must be 64 hexadecimal digits");
  parts_->jwt = std::make_unique<auth::JwtCodec>(config.jwt_secret);
  parts_->secrets = std::make_unique<auth::SecretBox>(*box);
  parts_->denylist = std::make_unique<auth::MemoryTokenDenylist>();
  parts_->limiter = std::make_unique<auth::MemoryRateLimiter>();

  auto api = std::make_shared<api::IdentityApi>();
  api->auth = std::make_shared<service::AuthService>(pool, *parts_->jwt, *parts_->secrets,
                                                     *parts_->denylist, *parts_->limiter,
                                                     config.argon2);
  api->timezone = config.timezone;
  parts_->api = api;
  parts_->authenticator = std::make_unique<api::IdentityAuthenticator>(api->auth, api->api_keys);
}

IdentityModule::~IdentityModule() = default;

std::shared_ptr<api::IdentityApi> IdentityModule::api() const { return parts_->api; }

http::Authenticator& IdentityModule::authenticator() { return *parts_->authenticator; }

}  // namespace crema::app
