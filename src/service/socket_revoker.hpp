#pragma once
/// The service-level hook that ends live WebSocket sessions when credentials change
/// (SPEC §15.4): "revoke all sockets of user X", or of one session, or all but one. Each
/// call publishes an events::Revocation on the event bus, so it reaches every instance (the
/// Redis fan-out carries it when CREMA_REDIS_URL is set) and the sessions concerned close
/// with 4001 within a second. Call it after the transaction that changed the credentials has
/// committed: a client reconnecting at once must already be refused.
///
/// The use cases that call it: logout and a replayed refresh token (one session), password
/// change (all but the caller's session), deactivation, erasure and role change (every
/// socket of the user), and the password reset of SPEC §15.1 (every socket of the user,
/// after revoking every session).

#include <string_view>

namespace crema::events {
class Bus;
}

namespace crema::service {

class SocketRevoker {
 public:
  /// Without a bus (tools, tests that have no feed) the calls do nothing.
  explicit SocketRevoker(const events::Bus* bus = nullptr) noexcept : bus_(bus) {}

  /// Every socket of the user, on every instance.
  void user(std::string_view user_id, std::string_view reason) const;
  /// The sockets opened (or last reauthenticated) with the tokens of one session.
  void session(std::string_view user_id, std::string_view session_id,
               std::string_view reason) const;
  /// Every socket of the user except those of `keep_session_id`.
  void all_but(std::string_view user_id, std::string_view keep_session_id,
               std::string_view reason) const;

 private:
  const events::Bus* bus_;
};

}  // namespace crema::service
