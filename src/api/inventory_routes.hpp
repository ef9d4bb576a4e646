#pragma once
/// Inventory routes (SPEC §5): items, adjustments (single and batch), low stock, logs.

#include <memory>

#include "api/openapi.hpp"
#include "net/router.hpp"
#include "service/inventory_service.hpp"

namespace crema::api {

struct InventoryContext {
  service::InventoryService& inventory;
};

/// Registers the routes; `ctx` may be null when only the route table is wanted.
void register_inventory_routes(http::Router& router, OpenApi& openapi,
                               std::shared_ptr<InventoryContext> ctx);

}  // namespace crema::api
