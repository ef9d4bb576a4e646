#pragma once
/// Builds identity and access from the configuration: the token codec, the secret box, the
/// in-process (or Redis) limiter and denylist, the services, the authenticator and the
/// request guard. server_app hands its pieces to the routes and the dispatcher.

#include <memory>

#include "api/identity_routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "net/dispatcher.hpp"

namespace crema::auth {
class TokenDenylist;
}

namespace crema::events {
class Bus;
}

namespace crema::app {

class IdentityModule {
 public:
  /// Throws std::runtime_error when a secret is unusable (the JWT secret or data key).
  /// `bus`: where revocations of live WebSocket sessions are published (SPEC §15.4).
  IdentityModule(const Config& config, db::Pool& pool, const events::Bus* bus);
  ~IdentityModule();
  IdentityModule(const IdentityModule&) = delete;
  IdentityModule& operator=(const IdentityModule&) = delete;

  /// The services the identity routes call.
  std::shared_ptr<api::IdentityApi> api() const;
  /// Bearer tokens and API keys → principal (Dispatcher::set_authenticator).
  http::Authenticator& authenticator();
  /// The rate limits (Dispatcher::set_guard).
  http::Guard& guard();
  /// The access-token denylist (the scheduler prunes it).
  auth::TokenDenylist& denylist();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace crema::app
