// The customer's cart (SPEC §6): GET prices it now, POST {items} replaces it, DELETE
// empties it. POST /orders {"use_cart": true} turns it into an order.

#include <boost/json.hpp>

#include "api/order_routes.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kCartTag = "cart";

const std::string& user_of(const Request& req) { return req.principal->user_id; }

Response get_cart(Request& req, OrderContext& ctx) {
  return Response::json(200, ctx.cart.get(user_of(req)));
}

Response put_cart(Request& req, OrderContext& ctx) {
  Input in(req.json);
  std::vector<service::OrderLine> lines;
  if (const auto* arr = in.array("items", Need::required, 0, 100))
    lines = read_order_lines(in, *arr, "items");
  if (!in.ok()) return Response::from(in.error());
  auto cart = ctx.cart.replace(user_of(req), lines);
  if (!cart) return Response::from(std::move(cart).error());
  return Response::json(200, *cart);
}

Response clear_cart(Request& req, OrderContext& ctx) {
  ctx.cart.clear(user_of(req));
  return Response::no_content();
}

}  // namespace

void register_cart_routes(http::Router& router, OpenApi& openapi,
                          std::shared_ptr<OrderContext> ctx) {
  openapi.add_schema("CartInput", R"json({
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "maxItems": 100, "items": {"$ref": "#/components/schemas/OrderLineInput"}}}
  })json");
  openapi.add_schema("Cart", R"json({
    "type": "object", "required": ["items", "subtotal", "tax_amount", "total_amount", "currency"],
    "properties": {
      "items": {"type": "array", "items": {"type": "object", "properties": {
        "product_id": {"type": "string"}, "name": {"type": "string"}, "quantity": {"type": "integer"},
        "modifiers": {"type": "array", "items": {"type": "string"}}, "options": {"type": "object", "additionalProperties": true},
        "unit_price": {"type": ["number", "null"]}, "line_total": {"type": ["number", "null"]},
        "available": {"type": "boolean", "description": "false when the product is gone or a modifier no longer exists"},
        "in_stock": {"type": "boolean"}}}},
      "subtotal": {"type": "number"},
      "tax_amount": {"type": "number"},
      "total_amount": {"type": "number"},
      "currency": {"type": "string"}
    }
  })json");
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  const auto customers = auth::Access::roles_of({auth::Role::customer});
  router.add({.method = Method::get,
              .pattern = "/api/v1/cart",
              .handler = with(get_cart),
              .access = customers,
              .doc = {.summary = "The caller's cart, priced with current prices and stock",
                      .tag = kCartTag,
                      .response_schema = "Cart"}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/cart",
              .handler = with(put_cart),
              .access = customers,
              .body = http::BodyKind::json,
              .doc = {.summary = "Replace the cart",
                      .tag = kCartTag,
                      .request_schema = "CartInput",
                      .response_schema = "Cart",
                      .errors = {422}}});
  router.add({.method = Method::del,
              .pattern = "/api/v1/cart",
              .handler = with(clear_cart),
              .access = customers,
              .doc = {.summary = "Empty the cart", .tag = kCartTag, .success_status = 204}});
}

}  // namespace crema::api
