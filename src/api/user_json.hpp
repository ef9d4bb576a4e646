#pragma once
/// The User of SPEC §3 as JSON — every public field, never a hash or a secret — and the
/// OpenAPI schemas of users.

#include <boost/json/object.hpp>

#include "api/openapi.hpp"
#include "service/identity_json.hpp"

namespace crema::api {

using service::user_json;

/// Registers the User and Address schemas.
void add_user_schemas(OpenApi& openapi);

}  // namespace crema::api
