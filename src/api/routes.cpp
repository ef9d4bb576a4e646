#include "api/routes.hpp"

#include <boost/json/serialize.hpp>

#include "api/realtime_routes.hpp"
#include "obs/metrics.hpp"

namespace crema::api {

void register_all_routes(http::Router& router, OpenApi& openapi, AppServices& services) {
  register_ops_routes(router, openapi, services.ops);
  register_catalogue_routes(router, openapi, services.catalogue);
  register_inventory_routes(router, openapi, services.inventory);
  register_media_routes(router, openapi, services.media);
  register_identity_routes(router, openapi, services.identity);
  register_realtime_routes(router, openapi);
  register_payment_routes(router, openapi, services.payments);
  register_order_routes(router, openapi, services.orders);
  register_cart_routes(router, openapi, services.orders);
  register_fulfil_routes(router, openapi, services.fulfil);
  register_notify_routes(router, openapi, services.notify);
  register_report_routes(router, openapi, services.reports);
  register_static_routes(router, openapi, "/app", services.app_site);
}

std::string openapi_document_json() {
  obs::Metrics metrics;
  http::Router router;
  OpenApi openapi;
  AppServices services{std::make_shared<OpsContext>(OpsContext{metrics, {}, nullptr})};
  register_all_routes(router, openapi, services);
  return boost::json::serialize(openapi.document(router));
}

}  // namespace crema::api
