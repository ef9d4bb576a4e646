#include "app/identity_module.hpp"

#include <stdexcept>

#include "api/authenticator.hpp"
#include "api/request_guard.hpp"
#include "auth/denylist.hpp"
#include "auth/jwt.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/redis_stores.hpp"
#include "auth/secret_box.hpp"
#include "events/redis_client.hpp"
#include "service/account_recovery.hpp"
#include "service/api_key_service.hpp"
#include "service/auth_service.hpp"
#include "service/guest_tokens.hpp"
#include "service/user_export.hpp"
#include "service/user_service.hpp"

namespace crema::app {

struct IdentityModule::Parts {
  std::unique_ptr<auth::JwtCodec> jwt;
  std::unique_ptr<auth::SecretBox> secrets;
  std::unique_ptr<auth::TokenDenylist> denylist;
  std::unique_ptr<auth::RateLimiter> limiter;        ///< shared (Redis) or in process
  std::unique_ptr<auth::RateLimiter> local_limiter;  ///< in process, for the I/O threads
  std::shared_ptr<events::RedisClient> redis;
  std::unique_ptr<api::RequestGuard> guard;
  std::shared_ptr<api::IdentityApi> api;
  std::unique_ptr<api::IdentityAuthenticator> authenticator;
};

IdentityModule::IdentityModule(const Config& config, db::Pool& pool, const events::Bus* bus)
    : parts_(std::make_unique<Parts>()) {
  if (config.jwt_secret.size() < 32)
    throw std::runtime_error("CREMA_JWT_SECRET must be at least 32 bytes");
  auto box = auth::SecretBox::from_hex(config.data_key_hex);
  if (!box) throw std::runtime_error("CREMA_DATA_KEY must be 64 hexadecimal digits");
  parts_->jwt = std::make_unique<auth::JwtCodec>(config.jwt_secret);
  parts_->secrets = std::make_unique<auth::SecretBox>(*box);
  parts_->local_limiter = std::make_unique<auth::MemoryRateLimiter>();
  if (config.redis_url.empty()) {
    parts_->denylist = std::make_unique<auth::MemoryTokenDenylist>();
    parts_->limiter = std::make_unique<auth::MemoryRateLimiter>();
  } else {
    auto endpoint = events::RedisEndpoint::parse(config.redis_url);
    if (!endpoint)
      throw std::runtime_error("CREMA_REDIS_URL must be redis://[:password@]host[:port][/db]");
    parts_->redis = std::make_shared<events::RedisClient>(*endpoint);
    parts_->denylist = std::make_unique<auth::RedisTokenDenylist>(parts_->redis);
    parts_->limiter = std::make_unique<auth::RedisRateLimiter>(parts_->redis);
  }
  api::RateLimits limits;
  limits.auth_per_min = config.auth_rate_per_min;
  limits.public_per_min = config.public_rate_per_min;
  limits.user_per_min = config.user_rate_per_min;
  parts_->guard =
      std::make_unique<api::RequestGuard>(limits, *parts_->limiter, *parts_->local_limiter,
                                          config.require_admin_2fa, config.require_2fa_roles);

  auto api = std::make_shared<api::IdentityApi>();
  const service::SocketRevoker sockets(bus);
  api->auth = std::make_shared<service::AuthService>(
      pool, *parts_->jwt, *parts_->secrets, *parts_->denylist, *parts_->limiter, config.argon2,
      sockets, static_cast<std::int64_t>(config.session_max_days) * 24 * 3600 * 1000);
  service::RecoverySettings recovery;
  recovery.public_url = config.public_url.empty() ? "http://localhost:8080" : config.public_url;
  recovery.reset_valid_ms = static_cast<std::int64_t>(config.password_reset_minutes) * 60 * 1000;
  api->recovery =
      std::make_shared<service::AccountRecovery>(pool, config.argon2, sockets, recovery);
  // A new account gets its verify_email mail in the transaction that creates it.
  api->auth->on_registered([recovery = api->recovery](db::Transaction& tx,
                                                      const repo::UserRecord& user,
                                                      std::int64_t now_ms) {
    recovery->queue_verification(tx, user, now_ms);
  });
  api->api_keys = std::make_shared<service::ApiKeyService>(pool);
  api->exports = std::make_shared<service::UserExportRegistry>();
  service::add_identity_export_sections(*api->exports);
  api->users = std::make_shared<service::UserService>(pool, *api->exports, sockets);
  api->pool = &pool;
  api->timezone = config.timezone;
  parts_->api = api;
  parts_->authenticator = std::make_unique<api::IdentityAuthenticator>(
      api->auth, api->api_keys, std::make_shared<service::GuestTokens>(pool));
}

IdentityModule::~IdentityModule() = default;

std::shared_ptr<api::IdentityApi> IdentityModule::api() const { return parts_->api; }

http::Authenticator& IdentityModule::authenticator() { return *parts_->authenticator; }

http::Guard& IdentityModule::guard() { return *parts_->guard; }

auth::TokenDenylist& IdentityModule::denylist() { return *parts_->denylist; }

}  // namespace crema::app
