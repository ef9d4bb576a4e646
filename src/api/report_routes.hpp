#pragma once
/// Report routes (SPEC §12): GET /reports/sales/daily, /reports/sales/weekly,
/// /reports/products/top, /reports/performance (manager, admin) and GET /admin/sales,
/// /admin/top-products, /admin/customers (admin), each also as `?format=csv`.
/// (GET /admin/orders is registered with the order routes; /admin/audit-log with identity.)

#include <memory>

#include "api/openapi.hpp"
#include "net/router.hpp"
#include "service/report_service.hpp"

namespace crema::api {

struct ReportsContext {
  service::ReportService& reports;
};

/// Registers the report routes; `ctx` may be null when only the route table is wanted.
void register_report_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<ReportsContext> ctx);

}  // namespace crema::api
