#include <cmath>

#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/enum_lists.hpp"
#include "api/fulfil_routes.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/keyset.hpp"
#include "service/api_key_service.hpp"
#include "service/delivery_service.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kDeliveryTag = "delivery";

Response not_found(std::string_view what, const Request& req) {
  return Response::from(ErrorCode::not_found,
                        "No " + std::string(what) + " " + std::string(req.param("id")) + ".");
}

std::optional<std::string> uuid_query(Query& q, std::string_view name) {
  auto v = q.text(name, 36);
  if (!v) return std::nullopt;
  if (!util::is_uuid(*v)) {
    q.issue(name, "must be a UUID");
    return std::nullopt;
  }
  return repo::lower_ascii(*v);
}

service::DriverInput read_driver(Input& in, bool create) {
  service::DriverInput d;
  // An external driver (a delivery platform's courier, SPEC §15.5) has no account: no
  // user_id, and a name of its own.
  if (create) d.external = in.boolean("external", Need::optional).value_or(false);
  if (create && d.external && in.has({"user_id", "userId"}))
    in.issue("user_id", "must not be given for an external driver");
  if (create && !d.external) d.user_id = in.uuid({"user_id", "userId"}, Need::required);
  d.name = in.text("name", create && d.external ? Need::required : Need::optional, 1, 200);
  d.phone = in.text("phone", Need::optional, 0, 40);
  d.vehicle = in.text("vehicle", create ? Need::required : Need::optional, 1, 200);
  d.is_active = in.boolean({"is_active", "isActive"}, Need::optional);
  return d;
}

Response create_driver(Request& req, FulfilContext& ctx) {
  Input in(req.json);
  auto d = read_driver(in, true);
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.deliveries->create_driver(actor_of(req), d);
  if (!r) return Response::from(std::move(r).error());
  auto res = Response::json(201, service::driver_json(*r));
  res.header("Location", "/api/v1/drivers/" + r->id);
  return res;
}

Response list_drivers(Request& req, FulfilContext& ctx) {
  Query query(req);
  auto active = query.boolean("is_active");
  auto page = keyset_page(query);
  if (!query.ok()) return Response::from(query.error());
  return Response::json(
      200, keyset_page_body(ctx.deliveries->list_drivers(active, page.after, page.limit),
                            service::driver_json));
}

Response get_driver(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return not_found("driver", req);
  auto r = ctx.deliveries->get_driver(*id);
  if (!r) return Response::from(std::move(r).error());
  return Response::json(200, service::driver_json(*r));
}

Response update_driver(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto version = expected_version(req, in);
  auto d = read_driver(in, false);
  if (in.ok() && !d.name && !d.phone && !d.vehicle && !d.is_active && !version)
    in.issue("vehicle", "give at least one of name, phone, vehicle, is_active");
  if (!id) return not_found("driver", req);
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.deliveries->update_driver(actor_of(req), *id, d, version);
  if (!r) return Response::from(std::move(r).error());
  return Response::json(200, service::driver_json(*r));
}

Response list_deliveries(Request& req, FulfilContext& ctx) {
  Query query(req);
  repo::DeliveryFilter f;
  if (auto s = query.one_of("status", enum_list("delivery_status")))
    f.status = domain::kDeliveryStatuses.parse(*s);
  f.driver_id = uuid_query(query, "driver_id");
  f.order_id = uuid_query(query, "order_id");
  auto page = keyset_page(query);
  f.limit = page.limit;
  f.before = std::move(page.after);
  if (!query.ok()) return Response::from(query.error());
  return Response::json(200, keyset_page_body(ctx.deliveries->list(actor_of(req), std::move(f)),
                                              service::delivery_json));
}

Response get_delivery(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return not_found("delivery", req);
  auto r = ctx.deliveries->get(actor_of(req), *id);
  if (!r) return Response::from(std::move(r).error());
  return Response::json(200, service::delivery_json(*r));
}

Response update_delivery(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  std::optional<domain::DeliveryStatus> status;
  if (auto s = in.one_of("status", Need::optional, enum_list("delivery_status_update")))
    status = domain::kDeliveryStatuses.parse(*s);
  std::optional<std::int64_t> eta;
  if (auto text = in.text("eta", Need::optional, 1, 40)) {
    eta = util::parse_rfc3339(*text);
    if (!eta) in.issue("eta", "must be an RFC 3339 time");
  }
  auto reason = in.text("reason", Need::optional, 0, 500);
  if (in.ok() && !status && !eta) in.issue("status", "give status, eta or both");
  if (!id) return not_found("delivery", req);
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.deliveries->update(actor_of(req), *id, status, eta, reason.value_or(""));
  if (!r) return Response::from(std::move(r).error());
  return Response::json(200, service::delivery_json(*r));
}

std::optional<double> coordinate(Input& in, std::string_view name, double limit) {
  const auto* v = in.raw(Field(name));
  if (!v) {
    in.issue(Field(name), "is required");
    return std::nullopt;
  }
  if (!v->is_number()) {
    in.issue(Field(name), "must be a number");
    return std::nullopt;
  }
  const double x = v->to_number<double>();
  if (!std::isfinite(x) || x < -limit || x > limit) {
    in.issue(Field(name), "must be between " + std::to_string(static_cast<int>(-limit)) + " and " +
                              std::to_string(static_cast<int>(limit)));
    return std::nullopt;
  }
  return x;
}

Response locate(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto lat = coordinate(in, "lat", 90);
  auto lng = coordinate(in, "lng", 180);
  if (!id) return not_found("delivery", req);
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.deliveries->locate(actor_of(req), *id, *lat, *lng);
  if (!r) return Response::from(std::move(r).error());
  return Response::no_content();
}

void add_delivery_schemas(OpenApi& openapi) {
  openapi.add_schema("Driver", R"json({
    "type": "object", "required": ["id", "user_id", "external", "name", "vehicle", "is_active"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "user_id": {"type": ["string", "null"], "format": "uuid", "description": "null for an external driver"},
      "external": {"type": "boolean", "description": "a delivery platform's courier, without an account; API keys with deliveries:write assign and move only these"},
      "name": {"type": "string"},
      "phone": {"type": ["string", "null"]},
      "vehicle": {"type": "string"},
      "is_active": {"type": "boolean"},
      "version": {"type": "integer"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  })json");
  openapi.add_page_schema("DriverPage", "Driver");
  openapi.add_schema("DriverInput", R"json({
    "type": "object", "required": ["vehicle"],
    "properties": {
      "external": {"type": "boolean", "description": "true: a delivery platform's courier without an account (then no user_id, and a name is required); default false"},
      "user_id": {"type": "string", "format": "uuid", "description": "a user with role driver; required unless external"},
      "name": {"type": "string", "description": "default: the user's name; required for an external driver"},
      "phone": {"type": "string", "description": "default: the user's phone"},
      "vehicle": {"type": "string"},
      "is_active": {"type": "boolean", "description": "true when left out"}
    }
  })json");
  openapi.add_schema("DriverPatch", R"json({
    "type": "object",
    "properties": {
      "name": {"type": "string"}, "phone": {"type": "string"}, "vehicle": {"type": "string"},
      "is_active": {"type": "boolean"}, "version": {"type": "integer"}
    }
  })json");
  openapi.add_schema("Delivery", R"json({
    "type": "object", "required": ["id", "order_id", "driver_id", "status"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "order_id": {"type": "string", "format": "uuid"},
      "driver_id": {"type": "string", "format": "uuid", "description": "the driver profile"},
      "status": {"type": "string", "enum": "$delivery_status"},
      "eta": {"type": ["string", "null"], "format": "date-time"},
      "last_location": {"type": ["object", "null"], "properties": {"lat": {"type": "number"}, "lng": {"type": "number"}, "at": {"type": "string", "format": "date-time"}}},
      "failure_reason": {"type": "string"},
      "version": {"type": "integer"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  })json");
  openapi.add_page_schema("DeliveryPage", "Delivery");
  openapi.add_schema("DeliveryStatusChange", R"json({
    "type": "object",
    "properties": {
      "status": {"type": "string", "enum": "$delivery_status_update"},
      "eta": {"type": "string", "format": "date-time"},
      "reason": {"type": "string", "maxLength": 500}
    }
  })json");
  openapi.add_schema("DeliveryLocation", R"json({
    "type": "object", "required": ["lat", "lng"],
    "properties": {
      "lat": {"type": "number", "minimum": -90, "maximum": 90},
      "lng": {"type": "number", "minimum": -180, "maximum": 180}
    }
  })json");
}

}  // namespace

void register_delivery_routes(http::Router& router, OpenApi& openapi,
                              std::shared_ptr<FulfilContext> ctx) {
  add_delivery_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  using auth::Role;
  const auto drivers_and_managers =
      auth::Access::roles_of({Role::driver, Role::manager, Role::admin});
  // ... and a delivery platform's API key, for its external drivers (SPEC §15.5).
  const auto with_platforms = drivers_and_managers.with_scope(service::kDeliveriesWriteScope);
  const std::vector<http::QueryDoc> page_query = {
      {.name = "limit", .type = "integer", .description = "1 to 200, default 50"},
      {.name = "cursor", .description = "next_cursor of the previous page"}};
  router.add({.method = Method::post,
              .pattern = "/api/v1/drivers",
              .handler = with(create_driver),
              .access = auth::Access::manager_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Create a driver profile: a user with role driver, or an "
                                 "external driver (a delivery platform's courier)",
                      .tag = kDeliveryTag,
                      .request_schema = "DriverInput",
                      .response_schema = "Driver",
                      .success_status = 201,
                      .errors = {409, 422}}});
  auto driver_query = page_query;
  driver_query.push_back({.name = "is_active", .type = "boolean", .description = "filter"});
  router.add({.method = Method::get,
              .pattern = "/api/v1/drivers",
              .handler = with(list_drivers),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Drivers, newest first",
                      .tag = kDeliveryTag,
                      .response_schema = "DriverPage",
                      .query = driver_query}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/drivers/{id}",
              .handler = with(get_driver),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "A driver", .tag = kDeliveryTag, .response_schema = "Driver"}});
  router.add({.method = Method::put,
              .pattern = "/api/v1/drivers/{id}",
              .handler = with(update_driver),
              .access = auth::Access::manager_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Update a driver (name, phone, vehicle, is_active; versioned)",
                      .tag = kDeliveryTag,
                      .request_schema = "DriverPatch",
                      .response_schema = "Driver",
                      .errors = {409, 422},
                      .headers = {"If-Match"}}});
  auto delivery_query = page_query;
  delivery_query.push_back({.name = "status", .values = enum_list("delivery_status")});
  delivery_query.push_back({.name = "driver_id", .description = "managers and admins"});
  delivery_query.push_back({.name = "order_id", .description = "one order's deliveries"});
  router.add({.method = Method::get,
              .pattern = "/api/v1/deliveries",
              .handler = with(list_deliveries),
              .access = with_platforms,
              .doc = {.summary = "Deliveries, newest first (drivers: their own; API keys with "
                                 "deliveries:write: those of external drivers)",
                      .tag = kDeliveryTag,
                      .response_schema = "DeliveryPage",
                      .query = delivery_query}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/deliveries/{id}",
              .handler = with(get_delivery),
              .access = with_platforms,
              .doc = {.summary = "A delivery (its driver, managers, admins; API keys with "
                                 "deliveries:write: an external driver's)",
                      .tag = kDeliveryTag,
                      .response_schema = "Delivery"}});
  router.add({.method = Method::put,
              .pattern = "/api/v1/deliveries/{id}/status",
              .handler = with(update_delivery),
              .access = with_platforms,
              .body = http::BodyKind::json,
              .doc = {.summary = "Report a delivery's status and/or ETA",
                      .description = "picked_up moves a ready order out for delivery; "
                                     "delivered delivers it; failed sends it back to ready, "
                                     "unassigned. Each change is a `delivery_updated` event. "
                                     "An API key with deliveries:write moves the deliveries "
                                     "of external drivers only (another: 403).",
                      .tag = kDeliveryTag,
                      .request_schema = "DeliveryStatusChange",
                      .response_schema = "Delivery",
                      .errors = {403, 409, 422}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/deliveries/{id}/location",
              .handler = with(locate),
              .access = auth::Access::roles_of({Role::driver}),
              .body = http::BodyKind::json,
              .doc = {.summary = "Report the driver's location (at most one per second)",
                      .description = "Broadcast as `delivery_location` to the order's watchers.",
                      .tag = kDeliveryTag,
                      .request_schema = "DeliveryLocation",
                      .success_status = 204,
                      .errors = {409, 422}}});
}

}  // namespace crema::api
