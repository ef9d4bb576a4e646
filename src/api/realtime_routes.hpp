#pragma once
/// GET /ws and GET /api/v1/ws (SPEC §7): the WebSocket feed. The upgrade itself is done by
/// the HTTP server (net/ws_session.cpp); these rows put the routes in the table and the
/// OpenAPI document, and answer requests that do not ask for an upgrade.

#include "api/openapi.hpp"
#include "net/router.hpp"

namespace crema::api {

void register_realtime_routes(http::Router& router, OpenApi& openapi);

}  // namespace crema::api
