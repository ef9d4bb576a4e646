#include "service/socket_revoker.hpp"

#include "events/bus.hpp"
#include "events/revocation.hpp"
#include "obs/log.hpp"

namespace crema::service {

namespace {

void publish(const events::Bus* bus, const events::Revocation& r) {
  if (!bus || r.user_id.empty()) return;
  bus->publish(events::revocation_event(r));
  obs::Log(obs::Level::debug, "websocket credentials revoked")
      .str("user_id", r.user_id)
      .str("reason", r.reason);
}

}  // namespace

void SocketRevoker::user(std::string_view user_id, std::string_view reason) const {
  publish(bus_, events::Revocation::user(std::string(user_id), std::string(reason)));
}

void SocketRevoker::session(std::string_view user_id, std::string_view session_id,
                            std::string_view reason) const {
  // A principal without a session (none is issued without one) has no socket to close.
  if (session_id.empty()) return;
  publish(bus_, events::Revocation::session(std::string(user_id), std::string(session_id),
                                            std::string(reason)));
}

void SocketRevoker::all_but(std::string_view user_id, std::string_view keep_session_id,
                            std::string_view reason) const {
  publish(bus_, events::Revocation::all_but(std::string(user_id), std::string(keep_session_id),
                                            std::string(reason)));
}

}  // namespace crema::service
