#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/enum_lists.hpp"
#include "api/fulfil_routes.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "repo/inventory_repo.hpp"
#include "service/event_service.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kEventTag = "events";
constexpr std::size_t kMaxItems = 100;

Response no_such_event(const Request& req) {
  return Response::from(ErrorCode::not_found,
                        "No event request " + std::string(req.param("id")) + ".");
}

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 4 || i == 7) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  y = std::stoi(std::string(s.substr(0, 4)));
  m = std::stoi(std::string(s.substr(5, 2)));
  d = std::stoi(std::string(s.substr(8, 2)));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap) && y >= 1970;
}

// `phone_in`: staff+ enter the request of a customer without an account, so the customer is
// who customer_info says: a name and a phone or an email, required.
std::optional<json::object> read_event_customer_info(Input& in, bool phone_in) {
  const Field f{"customer_info", "customerInfo"};
  if (!in.has(f)) {
    if (phone_in)
      in.issue(f, "is required for a phone-in request: the customer's name and a phone or email");
    return std::nullopt;
  }
  const auto* raw = in.raw(f);
  if (!raw->is_object()) {
    in.issue(f, "must be an object");
    return std::nullopt;
  }
  Input c = in.child(*raw, in.path(f));
  auto name = c.text("name", Need::optional, 1, 200);
  auto phone = c.text("phone", Need::optional, 1, 40);
  auto email = c.text("email", Need::optional, 3, 254);
  if (phone_in) {
    if (!name && !c.has("name")) c.issue("name", "is required for a phone-in request");
    if (!c.has("phone") && !c.has("email")) c.issue("phone", "a phone or an email is required");
  }
  return json::object{{"name", name ? json::value(*name) : json::value(nullptr)},
                      {"phone", phone ? json::value(*phone) : json::value(nullptr)},
                      {"email", email ? json::value(*email) : json::value(nullptr)}};
}

std::optional<std::string> read_event_date(Input& in, Need need) {
  auto date = in.text("date", need, 1, 10);
  if (date && !valid_date(*date)) {
    in.issue("date", "must be a date YYYY-MM-DD");
    return std::nullopt;
  }
  return date;
}

std::optional<std::vector<service::EventItem>> read_event_items(Input& in, Need need) {
  const auto* items = in.array("items", need, 1, kMaxItems);
  if (!items) return std::nullopt;
  std::vector<service::EventItem> out;
  for (std::size_t i = 0; i < items->size(); ++i) {
    Input one = in.child((*items)[i], "items[" + std::to_string(i) + "]");
    const Field pid{"product_id", "productId"};
    auto id = one.uuid(pid, Need::required);
    auto qty = one.integer({"qty", "quantity"}, Need::required, 1, 1000);
    if (id && qty) out.push_back({*id, *qty});
  }
  return out;
}

Response create_event(Request& req, FulfilContext& ctx) {
  Input in(req.json);
  service::EventInput e;
  e.event_type = in.text({"event_type", "eventType"}, Need::required, 1, 100).value_or("");
  e.date = read_event_date(in, Need::required).value_or("");
  e.guests = in.integer("guests", Need::required, 1, 10000).value_or(1);
  e.theme = in.text("theme", Need::optional, 0, 200).value_or("");
  e.notes = in.text("notes", Need::optional, 0, 2000).value_or("");
  e.customer_info = read_event_customer_info(in, req.principal && req.principal->is_staff_plus());
  e.items = read_event_items(in, Need::required).value_or(std::vector<service::EventItem>{});
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.events->create(actor_of(req), e);
  if (!r) return Response::from(std::move(r).error());
  auto res = Response::json(201, service::event_json(*r, ctx.events->currency()));
  res.header("Location", "/api/v1/events/" + r->id);
  return res;
}

Response list_events(Request& req, FulfilContext& ctx) {
  Query query(req);
  repo::EventFilter f;
  if (auto s = query.one_of("status", enum_list("event_status")))
    f.status = domain::kEventStatuses.parse(*s);
  auto page = keyset_page(query);
  f.limit = page.limit;
  f.before = std::move(page.after);
  if (!query.ok()) return Response::from(query.error());
  const auto& currency = ctx.events->currency();
  return Response::json(200, keyset_page_body(ctx.events->list(actor_of(req), std::move(f)),
                                              [&](const repo::EventRow& e) {
                                                return service::event_json(e, currency);
                                              }));
}

Response get_event(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_event(req);
  auto r = ctx.events->get(actor_of(req), *id);
  if (!r) return Response::from(std::move(r).error());
  return Response::json(200, service::event_json(*r, ctx.events->currency()));
}

Response change_event_status(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  service::EventStatusChange c;
  c.expected_version = expected_version(req, in);
  auto status = in.one_of("status", Need::required, enum_list("event_status"));
  if (status) c.status = *domain::kEventStatuses.parse(*status);
  c.quote_amount = in.money({"quote_amount", "quoteAmount"}, Need::optional, 0);
  c.assigned_admin = in.uuid({"assigned_admin", "assignedAdmin"}, Need::optional);
  if (!id) return no_such_event(req);
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.events->change_status(actor_of(req), *id, c);
  if (!r) return Response::from(std::move(r).error());
  return Response::json(200, service::event_json(*r, ctx.events->currency()));
}

Response edit_event(Request& req, FulfilContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  service::EventEdit e;
  e.expected_version = expected_version(req, in);
  e.date = read_event_date(in, Need::optional);
  e.guests = in.integer("guests", Need::optional, 1, 10000);
  e.theme = in.given_null("theme") ? std::optional<std::string>("")
                                   : in.text("theme", Need::optional, 0, 200);
  e.notes = in.given_null("notes") ? std::optional<std::string>("")
                                   : in.text("notes", Need::optional, 0, 2000);
  e.items = read_event_items(in, Need::optional);
  if (in.ok() && !in.has("date") && !in.has("guests") && !in.has("theme") &&
      !in.given_null("theme") && !in.has("items") && !in.has("notes") && !in.given_null("notes"))
    in.issue("date", "give at least one of date, guests, theme, items, notes");
  if (!id) return no_such_event(req);
  if (!in.ok()) return Response::from(in.error());
  auto r = ctx.events->edit(actor_of(req), *id, e);
  if (!r) return Response::from(std::move(r).error());
  return Response::json(200, service::event_json(*r, ctx.events->currency()));
}

void add_event_schemas(OpenApi& openapi) {
  openapi.add_schema("EventRequest", R"json({
    "type": "object",
    "required": ["id", "customer_id", "event_type", "date", "guests", "items", "status"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "customer_id": {"type": ["string", "null"], "format": "uuid", "description": "null for a phone-in request entered by staff for a customer without an account"},
      "customer_info": {"type": "object", "properties": {"name": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]}}},
      "event_type": {"type": "string"},
      "date": {"type": "string", "format": "date"},
      "guests": {"type": "integer"},
      "theme": {"type": ["string", "null"]},
      "items": {"type": "array", "items": {"type": "object", "properties": {"product_id": {"type": "string"}, "name": {"type": "string"}, "qty": {"type": "integer"}}}},
      "notes": {"type": ["string", "null"]},
      "status": {"type": "string", "enum": "$event_status"},
      "quote_amount": {"type": ["number", "null"]},
      "currency": {"type": "string"},
      "assigned_admin": {"type": ["string", "null"]},
      "order_id": {"type": ["string", "null"], "description": "the linked order, once confirmed"},
      "version": {"type": "integer"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  })json");
  openapi.add_page_schema("EventRequestPage", "EventRequest");
  openapi.add_schema("EventRequestInput", R"json({
    "type": "object", "required": ["event_type", "date", "guests", "items"],
    "properties": {
      "event_type": {"type": "string", "maxLength": 100},
      "date": {"type": "string", "format": "date", "description": "after today"},
      "guests": {"type": "integer", "minimum": 1, "maximum": 10000},
      "theme": {"type": "string", "maxLength": 200},
      "items": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object", "required": ["product_id", "qty"], "properties": {"product_id": {"type": "string", "format": "uuid"}, "qty": {"type": "integer", "minimum": 1, "maximum": 1000}}}},
      "notes": {"type": "string", "maxLength": 2000},
      "customer_info": {"type": "object", "description": "customers: optional (default: the account's); staff, managers and admins entering a phone-in request: required, with name and a phone or an email", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string"}}}
    }
  })json");
  openapi.add_schema("EventRequestEdit", R"json({
    "type": "object",
    "description": "a partial update: fields left out keep their values (theme and notes: null clears them); at least one field",
    "properties": {
      "date": {"type": "string", "format": "date", "description": "after today"},
      "guests": {"type": "integer", "minimum": 1, "maximum": 10000},
      "theme": {"type": ["string", "null"], "maxLength": 200},
      "items": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "object", "required": ["product_id", "qty"], "properties": {"product_id": {"type": "string", "format": "uuid"}, "qty": {"type": "integer", "minimum": 1, "maximum": 1000}}}},
      "notes": {"type": ["string", "null"], "maxLength": 2000},
      "version": {"type": "integer", "minimum": 1, "description": "or If-Match; a stale one is 409 version_conflict"}
    }
  })json");
  openapi.add_schema("EventStatusChange", R"json({
    "type": "object", "required": ["status"],
    "properties": {
      "status": {"type": "string", "enum": "$event_status"},
      "quote_amount": {"type": "number", "minimum": 0},
      "assigned_admin": {"type": "string", "format": "uuid"},
      "version": {"type": "integer"}
    }
  })json");
}

}  // namespace

void register_event_routes(http::Router& router, OpenApi& openapi,
                           std::shared_ptr<FulfilContext> ctx) {
  add_event_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  using auth::Role;
  const auto owners_and_managers =
      auth::Access::roles_of({Role::customer, Role::manager, Role::admin});
  // Customers (their own) and staff+.
  const auto owners_and_staff = auth::Access::roles_where(
      [](Role r) noexcept { return r == Role::customer || auth::is_staff_plus(r); });
  router.add(
      {.method = Method::post,
       .pattern = "/api/v1/events",
       .handler = with(create_event),
       .access = owners_and_staff,
       .body = http::BodyKind::json,
       .doc = {.summary = "Request a catering event (a future date)",
               .description = "Customers ask for themselves. Staff, managers and admins enter "
                              "a phone-in request for a customer without an account: "
                              "customer_info (name and a phone or an email) is required and "
                              "the request has no customer_id; the customer hears of its "
                              "quote and status at that email or phone.",
               .tag = kEventTag,
               .request_schema = "EventRequestInput",
               .response_schema = "EventRequest",
               .success_status = 201,
               .errors = {422}}});
  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/events",
       .handler = with(list_events),
       .access = owners_and_managers,
       .doc = {
           .summary = "Event requests, newest first (customers: their own)",
           .tag = kEventTag,
           .response_schema = "EventRequestPage",
           .query = {{.name = "status", .values = enum_list("event_status")},
                     {.name = "limit", .type = "integer", .description = "1 to 200, default 50"},
                     {.name = "cursor", .description = "next_cursor of the previous page"}}}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/events/{id}",
              .handler = with(get_event),
              .access = owners_and_managers,
              .doc = {.summary = "An event request (owner, managers, admins)",
                      .tag = kEventTag,
                      .response_schema = "EventRequest"}});
  router.add({.method = Method::put,
              .pattern = "/api/v1/events/{id}/status",
              .handler = with(change_event_status),
              .access = owners_and_managers,
              .body = http::BodyKind::json,
              .doc = {.summary = "Move an event request along its flow",
                      .description = "Managers and admins: quote (quote_amount), confirm (creates "
                                     "the linked event order, stock reserved), decline, "
                                     "complete, cancel. The owner may accept a quote "
                                     "(quoted → confirmed: the same linked order) or cancel "
                                     "while requested or quoted; any other move by the owner "
                                     "is 403. The customer is notified (event_quoted, "
                                     "event_status_changed) and gets event_updated on their "
                                     "WebSocket.",
                      .tag = kEventTag,
                      .request_schema = "EventStatusChange",
                      .response_schema = "EventRequest",
                      .errors = {409, 422},
                      .headers = {"If-Match"}}});
  router.add(
      {.method = Method::put,
       .pattern = "/api/v1/events/{id}",
       .handler = with(edit_event),
       .access = owners_and_staff,
       .body = http::BodyKind::json,
       .doc = {.summary = "Edit an open event request (partial: date, guests, theme, items, notes)",
               .description = "Staff, managers, admins and the owner (another customer: 404), "
                              "while requested or quoted (otherwise 409 conflict). A change to "
                              "a quoted request returns it to requested and clears the quote.",
               .tag = kEventTag,
               .request_schema = "EventRequestEdit",
               .response_schema = "EventRequest",
               .errors = {404, 409, 422},
               .headers = {"If-Match"}}});
}

}  // namespace crema::api
