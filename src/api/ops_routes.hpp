#pragma once
/// Operations routes (SPEC §13): /health, /ready, /metrics, /openapi.json, /docs.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "api/openapi.hpp"
#include "net/router.hpp"

namespace crema::obs {
class Metrics;
}

namespace crema::api {

/// A readiness check: writes one or more named outcomes ("ok" or what is wrong) into
/// `checks` and returns whether all of them are ok.
using ReadyCheck = std::function<bool(boost::json::object& checks)>;

struct OpsContext {
  obs::Metrics& metrics;
  std::vector<ReadyCheck> ready_checks;
  /// Filled once every route is registered (the document describes them all).
  std::shared_ptr<const std::string> openapi_json;
  /// CREMA_METRICS_TOKEN: /metrics answers only `Authorization: Bearer <token>` ("": anyone
  /// who can reach it).
  std::string metrics_token;
  /// CREMA_METRICS_LISTEN is set: /metrics lives on that second listener only, and the public
  /// one answers 404 for it.
  bool metrics_elsewhere = false;
};

/// /health, /ready, /openapi.json, /docs — and /metrics unless ctx->metrics_elsewhere.
void register_ops_routes(http::Router& router, OpenApi& openapi, std::shared_ptr<OpsContext> ctx);

/// GET /metrics alone (and /health, for the second listener's own probe): the router of
/// the CREMA_METRICS_LISTEN listener.
void register_metrics_routes(http::Router& router, std::shared_ptr<OpsContext> ctx);

}  // namespace crema::api
