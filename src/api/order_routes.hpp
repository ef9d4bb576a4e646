#pragma once
/// Order routes (SPEC §6): POST/GET /orders, GET /orders/{id}, PUT /orders/{id}/status,
/// DELETE /orders/{id}, POST/DELETE /orders/{id}/assign-delivery; and the customer's cart
/// (GET/POST/DELETE /cart).

#include <memory>
#include <string>
#include <vector>

#include <boost/json/array.hpp>

#include "api/input.hpp"
#include "api/openapi.hpp"
#include "net/router.hpp"
#include "service/cart_service.hpp"
#include "service/order_service.hpp"

namespace crema::api {

struct OrderContext {
  service::OrderService& orders;
  service::CartService& cart;
};

/// Registers the order routes; `ctx` may be null when only the route table is wanted.
void register_order_routes(http::Router& router, OpenApi& openapi,
                           std::shared_ptr<OrderContext> ctx);
/// Registers the cart routes; `ctx` may be null when only the route table is wanted.
void register_cart_routes(http::Router& router, OpenApi& openapi,
                          std::shared_ptr<OrderContext> ctx);

/// Reads order lines (`items[i]`: product_id or menu_item_id, quantity 1–100, modifier
/// codes, options ≤ 2 KiB, special_instructions); issues go to `in`. While `in` has issues
/// the lines are only fit for a catalogue check (a bad quantity reads as 1, a bad modifier
/// code stays in its place): never place or store them then.
std::vector<service::OrderLine> read_order_lines(Input& in, const boost::json::array& items,
                                                 std::string_view field);

}  // namespace crema::api
