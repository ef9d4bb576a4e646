#pragma once
/// The shop's settings (SPEC §15.3): GET /settings (public), PUT /settings (admin; any
/// subset of the fields), PUT /settings/online-ordering (manager+: pause and resume).

#include <memory>

#include "api/openapi.hpp"
#include "net/router.hpp"
#include "service/order_timing.hpp"
#include "service/settings_service.hpp"

namespace crema::api {

struct SettingsContext {
  service::SettingsService& settings;
  service::OrderTiming& timing;  ///< GET /slots
};

/// Registers the settings routes; `ctx` may be null when only the route table is wanted.
void register_settings_routes(http::Router& router, OpenApi& openapi,
                              std::shared_ptr<SettingsContext> ctx);

}  // namespace crema::api
