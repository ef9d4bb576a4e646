#pragma once
/// The User of SPEC §3 as JSON — every public field, never a hash or a secret — and the
/// OpenAPI schemas of users.

#include <boost/json/object.hpp>

#include "api/openapi.hpp"
#include "repo/user_repo.hpp"

namespace crema::api {

/// {id, name, email, phone, role, addresses, marketing_opt_in, is_active,
///  two_factor_enabled, metadata, version, created_at, updated_at}
boost::json::object user_json(const repo::UserRecord& user);

/// Registers the User and Address schemas.
void add_user_schemas(OpenApi& openapi);

}  // namespace crema::api
