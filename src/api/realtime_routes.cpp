#include "api/realtime_routes.hpp"

namespace crema::api {

namespace {

constexpr std::string_view kDescription =
    "Upgrades the connection to a WebSocket (RFC 6455); it does not answer with JSON. "
    "Authenticate **before** the upgrade with the access token, either as the query "
    "parameter `token` or as the `Sec-WebSocket-Protocol` value `bearer.<token>` (the "
    "server echoes that subprotocol back). No token or a bad one: `401` with the usual "
    "error body and no upgrade. A request without `Upgrade: websocket`: `426`.\n\n"
    "Every message is a JSON text frame `{\"type\", \"data\", \"at\"}` where `data` is the "
    "resource as its GET route returns it. The first frame is always `{\"type\": \"hello\", "
    "\"data\": {\"user_id\", \"role\", \"channels\"}}`; the role's channels are subscribed "
    "before it is sent (staff, manager, admin: `orders`, `inventory`, `menu`; customer: "
    "`user:<id>`; driver: `driver:<id>`). Send `{\"action\": \"subscribe\" | "
    "\"unsubscribe\", \"channel\": \"order:<id>\"}` to change them within what the role may "
    "see; the answer is a `subscribed` / `unsubscribed` frame, or an `error` frame "
    "(`forbidden`, `bad_request`) that leaves the connection open. The server pings every "
    "30 s and drops a client that misses two pongs; a client too slow to read its frames "
    "is closed with 1008; on shutdown clients are closed with 1001.";

http::Response needs_upgrade(http::Request&) {
  auto res = http::Response::from(
      ErrorCode::bad_request,
      "This route upgrades to a WebSocket: send Connection: Upgrade and Upgrade: websocket.");
  res.status = 426;
  res.header("Upgrade", "websocket");
  return res;
}

}  // namespace

void register_realtime_routes(http::Router& router, OpenApi&) {
  for (const char* pattern : {"/ws", "/api/v1/ws"}) {
    router.add({.method = http::Method::get,
                .pattern = pattern,
                .handler = needs_upgrade,
                .access = auth::Access::any_user(),
                .websocket = true,
                .doc = {.summary = "The real-time feed: upgrades to a WebSocket",
                        .description = kDescription,
                        .tag = "real-time",
                        .success_status = 101,
                        .query = {{.name = "token",
                                   .description = "The access token (or send the "
                                                  "Sec-WebSocket-Protocol bearer.<token>)"}},
                        .errors = {426}}});
  }
}

}  // namespace crema::api
