#pragma once
/// The table-driven router: METHOD + path template (`/api/v1/orders/{id}`) → handler, with
/// what the route accepts and who may call it declared beside it. No Beast here.

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/roles.hpp"
#include "net/http_types.hpp"

namespace crema::http {

using Handler = std::function<Response(Request&)>;
/// An answer from memory, or nothing to run the handler as usual (see Route::fast_path).
using FastPath = std::function<std::optional<Response>(const Request&)>;

/// What a route's body may be.
enum class BodyKind : std::uint8_t {
  none,  ///< no body expected; one is ignored
  json,  ///< application/json (other types → 415; malformed → 400)
  raw,   ///< any of `content_types`, handed over as bytes (image uploads, webhooks)
};

inline constexpr std::size_t kDefaultBodyLimit = 1024 * 1024;

/// One query parameter, for the OpenAPI document.
struct QueryDoc {
  std::string_view name;
  std::string_view type = "string";  ///< string, integer, number, boolean
  std::string_view description;
  bool required = false;
  std::vector<std::string_view> values;  ///< the allowed values, when a fixed set (an enum)
};

/// An answer of a route with a body of its own (not the one error shape), for the OpenAPI
/// document: GET /ready's 503 is its readiness report.
struct ResponseDoc {
  int status = 200;
  std::string_view schema;  ///< a components schema name, or an inline JSON schema
  std::string_view description;
};

/// The route's OpenAPI operation, generated into /openapi.json.
struct RouteDoc {
  std::string_view summary;      ///< required: the test fails a route without it
  std::string_view description;  ///< optional longer text (CommonMark)
  std::string_view tag;
  std::string_view request_schema;   ///< a components schema name, or an inline JSON schema
  std::string_view response_schema;  ///< likewise; empty for 204
  std::string_view response_type = "application/json";
  /// Further media types the success answer may come in, with the same schema (the image
  /// types GET /media/{key} serves).
  std::vector<std::string_view> more_response_types;
  int success_status = 200;
  /// The JSON body may be left out (DELETE /users/me's confirmation).
  bool body_optional = false;
  std::vector<QueryDoc> query;
  std::vector<int> errors;  ///< extra error statuses beyond the ones derived
  /// Request headers the route reads, documented as header parameters: any of
  /// "Idempotency-Key", "If-Match", "If-None-Match" (which also documents 304).
  std::vector<std::string_view> headers;
  /// The route also answers `?format=csv` with text/csv (SPEC §12).
  bool csv = false;
  /// Other answers with a body that is not an error (they replace a derived error status).
  std::vector<ResponseDoc> responses;
};

struct Route {
  Method method = Method::get;
  std::string pattern;  ///< full path template, e.g. /api/v1/orders/{id}
  Handler handler;
  /// Optional, for offloaded routes with a cache: tried on the I/O thread before the hop to
  /// the worker pool; an answer skips the hop. It runs before authentication, so it must
  /// decline (nothing) whenever the answer could depend on the caller or its credentials,
  /// and it must never block.
  FastPath fast_path;
  auth::Access access = auth::Access::public_();
  BodyKind body = BodyKind::none;
  std::size_t body_limit = kDefaultBodyLimit;
  std::vector<std::string> content_types;  ///< for BodyKind::raw
  /// Run on the blocking worker pool (anything touching the database). Handlers that only
  /// read memory may run inline on the I/O thread.
  bool offload = true;
  /// Counted by the per-IP / per-user rate limits (false for /health, /ready, /metrics).
  bool rate_limited = true;
  /// false: the dispatcher reads no credentials for this route (the route checks its own:
  /// /metrics' CREMA_METRICS_TOKEN, which is not a user's token).
  bool credentials = true;
  /// A GET that upgrades to a WebSocket (net/ws_session.cpp): the server authenticates and
  /// upgrades an upgrade request itself; the handler answers only plain requests.
  bool websocket = false;
  /// Also answers its path with one '/' added (a mount people type either way: `/app/`).
  /// Routes have no trailing-slash twins otherwise (`/api/v1/orders/` is a 404).
  bool trailing_slash = false;
  RouteDoc doc;
};

/// The outcome of matching a request line.
struct Match {
  const Route* route = nullptr;  ///< the route, when path and method matched
  std::vector<std::pair<std::string_view, std::string>> params;
  /// Methods allowed on the path when it matched but the method did not (→ 405 with Allow).
  std::vector<Method> allowed;
  bool path_found() const noexcept { return route != nullptr || !allowed.empty(); }
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  /// Adds a route; throws std::logic_error on a duplicate METHOD + template or a bad template.
  const Route& add(Route route);

  /// Matches a decoded path. Literal segments win over parameters; a parameter segment
  /// never matches an empty segment.
  Match match(Method method, std::string_view path) const;

  /// Every route, in registration order (for the OpenAPI document and its test).
  const std::vector<std::unique_ptr<Route>>& routes() const noexcept { return routes_; }

 private:
  struct Node;
  bool match_node(const Node& node, std::string_view rest, Method method, Match& out) const;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

/// Resolves the `/api/` alias: `/api/orders` → `/api/v1/orders`; other paths unchanged.
std::string resolve_api_alias(std::string_view path);

}  // namespace crema::http
