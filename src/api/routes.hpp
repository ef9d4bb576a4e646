#pragma once
/// Every route of the API in one place: each resource file registers its routes here, so
/// the server and the OpenAPI test see exactly the same table.

#include <memory>

#include "api/catalogue_routes.hpp"
#include "api/fulfil_routes.hpp"
#include "api/identity_routes.hpp"
#include "api/inventory_routes.hpp"
#include "api/media_routes.hpp"
#include "api/notify_routes.hpp"
#include "api/openapi.hpp"
#include "api/ops_routes.hpp"
#include "api/order_routes.hpp"
#include "api/payment_routes.hpp"
#include "api/report_routes.hpp"
#include "api/settings_routes.hpp"
#include "api/static_site.hpp"
#include "net/router.hpp"

namespace crema::api {

/// What the handlers need: the services of each feature. Later features add theirs.
struct AppServices {
  std::shared_ptr<OpsContext> ops;
  std::shared_ptr<CatalogueContext> catalogue;
  std::shared_ptr<InventoryContext> inventory;
  std::shared_ptr<MediaContext> media;
  std::shared_ptr<IdentityApi> identity;      ///< accounts, tokens, users, API keys, audit log
  std::shared_ptr<PaymentContext> payments;   ///< checkout, gateway webhooks, refunds
  std::shared_ptr<OrderContext> orders;       ///< orders and the cart
  std::shared_ptr<FulfilContext> fulfil;      ///< delivery, reviews, catering events
  std::shared_ptr<NotifyContext> notify;      ///< notifications and partner webhooks
  std::shared_ptr<ReportsContext> reports;    ///< reports and analytics (SPEC §12)
  std::shared_ptr<SettingsContext> settings;  ///< the shop's settings (SPEC §15.3)
  /// The static files served at /app (SPEC §16); none: /app answers 404.
  std::shared_ptr<const StaticSite> app_site;
};

void register_all_routes(http::Router& router, OpenApi& openapi, AppServices& services);

/// The OpenAPI document of every route, as `GET /openapi.json` serves it (the routes do not
/// depend on the services, so none are needed to describe them).
std::string openapi_document_json();

}  // namespace crema::api
