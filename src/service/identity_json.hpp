#pragma once
/// The JSON shapes of identity records, shared by the routes and the data export: the User
/// of SPEC §3 (never a hash or a secret), API keys (never the key) and sessions (never a
/// token).

#include <boost/json/object.hpp>

#include "repo/api_key_repo.hpp"
#include "repo/session_repo.hpp"
#include "repo/user_repo.hpp"

namespace crema::service {

/// {id, name, email, phone, role, addresses, marketing_opt_in, is_active,
///  two_factor_enabled, metadata, version, created_at, updated_at}
boost::json::object user_json(const repo::UserRecord& user);

/// {id, name, prefix, scopes, tier, created_by, created_at, revoked_at}
boost::json::object api_key_json(const repo::ApiKeyRecord& key);

/// {id, created_at, last_used_at, expires_at, revoked_at, revoke_reason, ip, user_agent}
boost::json::object session_json(const repo::SessionRecord& session);

}  // namespace crema::service
