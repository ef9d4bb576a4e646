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
    "\"data\": {\"user_id\", \"role\", \"channels\", \"expires_at\"}}` (`expires_at`: "
    "when the access token expires); the role's channels are subscribed before it is sent "
    "(staff, manager, admin: `orders`, `inventory`, `menu`; customer: `user:<id>`; driver: "
    "`driver:<id>`; a guest with `?order_token=`: `user_id` null, `role` `guest`, the one "
    "channel `order:<id>` of its order, which it may not leave for any other).\n\n"
    "Actions a client may send:\n"
    "* `{\"action\": \"subscribe\" | \"unsubscribe\", \"channel\": \"order:<id>\"}` changes "
    "the channels within what the role may see; the answer is a `subscribed` / "
    "`unsubscribed` frame, or an `error` frame (`forbidden`, `bad_request`) that leaves the "
    "connection open.\n"
    "* `{\"action\": \"reauth\", \"token\": \"<new access token>\"}` renews the socket's "
    "credentials without a gap (send it before `expires_at`, with the token `POST "
    "/auth/refresh` gave): the answer is `{\"type\": \"reauthenticated\", \"data\": "
    "{\"user_id\", \"expires_at\"}}`. An invalid, expired or revoked token, another user's, "
    "or one of another role closes the socket with 4001. When the check cannot be made "
    "(`rate_limited`, `unavailable`) an `error` frame answers and the socket keeps its "
    "current credentials.\n\n"
    "Limits: a message over 4 KiB, or more than 20 messages (pings included) within a "
    "second, closes the socket with 1008; so does a client too slow to read its frames. The "
    "server pings every 30 s and drops a client that misses two pongs.\n\n"
    "Close codes: **1001** the server is shutting down (reconnect); **1008** the client "
    "broke a limit; **4001** the credentials ended: the access token expired (no leeway), "
    "or was revoked by a logout (that session's sockets), a password change (the other "
    "sessions' sockets), a password reset, deactivation, erasure or role change (all the "
    "user's sockets), on every instance, within a second; or a `reauth` was refused: "
    "reconnect with a fresh access token. **4002**: the user opened more sockets than "
    "`CREMA_WS_PER_USER` (10, on all instances together) and this was their oldest: do not "
    "reconnect "
    "automatically.";

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
                .access = auth::Access::any_user().with_order_token(),
                .websocket = true,
                .doc = {.summary = "The real-time feed: upgrades to a WebSocket",
                        .description = kDescription,
                        .tag = "real-time",
                        .success_status = 101,
                        .query = {{.name = "token",
                                   .description = "The access token (or send the "
                                                  "Sec-WebSocket-Protocol bearer.<token>)"},
                                  {.name = "order_token",
                                   .description = "A guest's order token (the guest_token of "
                                                  "POST /orders, SPEC §15.1) instead: hello "
                                                  "has user_id null, role guest and the one "
                                                  "channel order:<id>"}},
                        .errors = {426}}});
  }
}

}  // namespace crema::api
