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
};

void register_ops_routes(http::Router& router, OpenApi& openapi,
                         std::shared_ptr<OpsContext> ctx);

}  // namespace crema::api
