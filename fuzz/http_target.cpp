#include <string>
#include <string_view>

#include <boost/url/parse.hpp>

#include "api/input.hpp"
#include "net/router.hpp"
#include "targets.hpp"

namespace crema::fuzz {
namespace {

const http::Router& routes() {
  static const http::Router* router = [] {
    auto* r = new http::Router();
    // Templates shaped like the real table: literals, parameters, nesting, siblings.
    for (const char* p :
         {"/health", "/ready", "/metrics", "/api/v1/menu", "/api/v1/menu/items/{id}",
          "/api/v1/menu/items/{id}/stock", "/api/v1/products", "/api/v1/products/{id}",
          "/api/v1/products/{id}/images", "/api/v1/products/{id}/images/{image_id}",
          "/api/v1/media/{key}", "/api/v1/orders", "/api/v1/orders/{id}",
          "/api/v1/orders/{id}/status", "/api/v1/users/{id}/export", "/api/v1/users/me",
          "/api/v1/inventory/low", "/api/v1/inventory/{id}", "/ws"}) {
      for (auto m : {http::Method::get, http::Method::post, http::Method::put}) {
        http::Route route;
        route.method = m;
        route.pattern = p;
        route.handler = [](http::Request&) { return http::Response{}; };
        route.doc.summary = "fuzz";
        r->add(std::move(route));
      }
    }
    return r;
  }();
  return *router;
}

}  // namespace

int http_target(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto space = in.find(' ');
  http::Request req;
  req.method = http::parse_method(in.substr(0, space == std::string_view::npos ? 0 : space));
  req.target = std::string(space == std::string_view::npos ? in : in.substr(space + 1));
  auto url = boost::urls::parse_origin_form(req.target);
  if (!url) return 0;
  req.path = http::resolve_api_alias(std::string(url->path()));
  for (auto p : url->params()) req.query.emplace_back(p.key, p.value);
  auto match = routes().match(req.method, req.path);
  for (auto& [name, value] : match.params) req.params.emplace_back(name, std::move(value));
  (void)req.param("id");
  api::Query q(req);
  (void)q.text("q");
  (void)q.integer("limit", 1, 100);
  (void)q.boolean("in_stock");
  (void)q.money("price_min");
  (void)q.one_of("sort", {"name", "-name", "price", "-price", "newest", "rating"});
  (void)q.list_of("status", {"pending", "confirmed", "preparing", "ready", "completed"});
  (void)q.date("from");
  (void)q.time("to");
  if (!q.ok()) (void)q.error();
  return 0;
}

}  // namespace crema::fuzz
