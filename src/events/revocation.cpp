#include "events/revocation.hpp"

#include <boost/json.hpp>

namespace crema::events {

Revocation Revocation::user(std::string user_id, std::string reason) {
  return Revocation{std::move(user_id), {}, {}, std::move(reason)};
}

Revocation Revocation::session(std::string user_id, std::string session_id, std::string reason) {
  return Revocation{std::move(user_id), std::move(session_id), {}, std::move(reason)};
}

Revocation Revocation::all_but(std::string user_id, std::string keep_session_id,
                               std::string reason) {
  return Revocation{std::move(user_id), {}, std::move(keep_session_id), std::move(reason)};
}

bool Revocation::concerns(std::string_view user, std::string_view session) const noexcept {
  if (user_id.empty() || user != user_id) return false;
  if (!session_id.empty()) return session == session_id;
  if (!keep_session_id.empty()) return session != keep_session_id;
  return true;
}

Event revocation_event(const Revocation& r) {
  boost::json::object data{{"user_id", r.user_id}, {"reason", r.reason}};
  if (!r.session_id.empty()) data["session_id"] = r.session_id;
  if (!r.keep_session_id.empty()) data["keep_session_id"] = r.keep_session_id;
  return Event{std::string(kRevocationEvent), std::move(data), {}, 0, false};
}

std::optional<Revocation> revocation_of(const Event& event) {
  if (event.type != kRevocationEvent || !event.data.is_object()) return std::nullopt;
  const auto& o = event.data.get_object();
  auto text = [&o](std::string_view key) -> std::string {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  Revocation r{text("user_id"), text("session_id"), text("keep_session_id"), text("reason")};
  // A revocation of nobody, or of one session and all but one at once, is not one we sent.
  if (r.user_id.empty() || (!r.session_id.empty() && !r.keep_session_id.empty()))
    return std::nullopt;
  return r;
}

}  // namespace crema::events
