#pragma once
/// A change of credentials that ends live WebSocket sessions (SPEC §15.4): a logout, a
/// password change or reset, a deactivation, an erasure, a role change. It travels like an
/// event — published on the bus after its transaction commits, carried to the other
/// instances by the Redis fan-out — under the internal type kRevocationEvent, on no topic,
/// so no client ever receives it; the hub (events/hub.hpp) hands it to the sessions of its
/// user, and each session decides on its own thread whether it is concerned (a `reauth`
/// may have moved it to another session of the same user).

#include <optional>
#include <string>
#include <string_view>

#include "events/event.hpp"

namespace crema::events {

/// The bus type of a revocation. Never delivered to a client: it has no topic.
inline constexpr std::string_view kRevocationEvent = "credentials_revoked";

struct Revocation {
  std::string user_id;
  /// Set: only the sockets authenticated with this session's tokens (a logout).
  std::string session_id;
  /// Set: every socket of the user except this session's (a password change keeps the
  /// session that changed it).
  std::string keep_session_id;
  /// Why, for the close frame's reason ("signed out", "password changed"…).
  std::string reason;

  /// Every socket of the user.
  static Revocation user(std::string user_id, std::string reason);
  /// The sockets of one session of the user.
  static Revocation session(std::string user_id, std::string session_id, std::string reason);
  /// Every socket of the user but those of `keep_session_id`.
  static Revocation all_but(std::string user_id, std::string keep_session_id, std::string reason);

  /// Whether a socket of `user_id`, authenticated for `session_id`, is to be closed.
  bool concerns(std::string_view user_id, std::string_view session_id) const noexcept;
};

/// The event that carries `r` (type kRevocationEvent, no topic).
Event revocation_event(const Revocation& r);
/// The revocation an event carries; nullopt when it is not a (well-formed) one.
std::optional<Revocation> revocation_of(const Event& event);

}  // namespace crema::events
