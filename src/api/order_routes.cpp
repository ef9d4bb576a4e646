#include "api/order_routes.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/csv_export.hpp"
#include "api/enum_lists.hpp"
#include "api/pagination.hpp"
#include "auth/crypto.hpp"
#include "domain/report.hpp"
#include "repo/inventory_repo.hpp"
#include "util/csv.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"
#include "util/zoned_date.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kOrderTag = "orders";
constexpr std::size_t kOptionsLimit = 2048;   // SPEC §6: options at most 2 KiB
constexpr std::size_t kMetadataLimit = 4096;  // SPEC §2: metadata at most 4 KiB
constexpr std::size_t kMaxOrderLines = 100;
constexpr std::size_t kMaxOrderIdempotencyKey = 255;

Response no_such_order(const Request& req) {
  return Response::from(ErrorCode::not_found, "No order " + std::string(req.param("id")) + ".");
}

Response order_response(int status, const domain::Order& order) {
  auto res = Response::json(status, domain::to_json(order));
  res.header("ETag", "\"" + std::to_string(order.version) + "\"");
  return res;
}

// customer_info: {name, phone, email}, each a short text.
std::optional<json::object> read_customer_info(Input& in) {
  const Field f{"customer_info", "customerInfo"};
  if (!in.has(f)) return std::nullopt;
  const auto* raw = in.raw(f);
  if (!raw->is_object()) {
    in.issue(f, "must be an object");
    return std::nullopt;
  }
  Input c = in.child(*raw, in.path(f));
  auto name = c.text("name", Need::optional, 1, 200);
  auto phone = c.text("phone", Need::optional, 1, 40);
  auto email = c.text("email", Need::optional, 3, 254);
  json::object out;
  out["name"] = name ? json::value(*name) : json::value(nullptr);
  out["phone"] = phone ? json::value(*phone) : json::value(nullptr);
  out["email"] = email ? json::value(*email) : json::value(nullptr);
  return out;
}

// delivery_info: {address, notes?} (kept as given, address checked).
std::optional<json::object> read_delivery_info(Input& in) {
  const Field f{"delivery_info", "deliveryInfo"};
  auto obj = in.object(f, Need::optional, kMetadataLimit);
  if (!obj) return std::nullopt;
  Input d = in.child(*in.raw(f), in.path(f));
  d.text("address", Need::optional, 1, 500);
  d.text("notes", Need::optional, 0, 500);
  return obj;
}

Response place_order(Request& req, OrderContext& ctx) {
  Input in(req.json);
  service::OrderRequest r;
  if (auto t = in.one_of("type", Need::optional, {"dine-in", "takeaway", "online", "event"}))
    r.type = domain::parse_order_type(*t);
  r.use_cart = in.boolean({"use_cart", "useCart"}, Need::optional).value_or(false);
  r.items_given = in.has("items");
  if (const auto* arr = in.array("items", Need::optional, 1, kMaxOrderLines))
    r.items = read_order_lines(in, *arr, "items");
  r.customer_info = read_customer_info(in);
  r.delivery_info = read_delivery_info(in);
  r.is_pickup = in.boolean({"is_pickup", "isPickup"}, Need::optional);
  r.payment_method = in.one_of({"payment_method", "paymentMethod"}, Need::optional,
                               {"cash", "card", "mobile", "stripe", "paypal", "local"})
                         .value_or("");
  r.notes = in.text("notes", Need::optional, 0, 1000).value_or("");
  const Field table{"table_number", "tableNumber"};
  if (const auto* t = in.raw(table); t && (t->is_int64() || t->is_uint64())) {
    r.table_number = json::serialize(*t);
  } else {
    r.table_number = in.text(table, Need::optional, 1, 20).value_or("");
  }
  r.metadata = in.object("metadata", Need::optional, kMetadataLimit).value_or(json::object{});
  const Field scheduled{"scheduled_for", "scheduledFor"};
  if (auto text = in.text(scheduled, Need::optional, 1, 64)) {
    if (auto ms = util::parse_rfc3339(*text)) {
      r.scheduled_for = *ms;
    } else {
      in.issue(scheduled, "must be an RFC 3339 time, e.g. 2026-12-24T10:00:00Z");
    }
  }
  std::optional<service::IdempotencyKey> idem;
  if (auto key = req.header("Idempotency-Key")) {
    if (key->empty() || key->size() > kMaxOrderIdempotencyKey) {
      in.issue_at("Idempotency-Key", "must be 1 to 255 characters");
    } else {
      idem = service::IdempotencyKey{std::string(*key), auth::sha256_hex(req.body)};
    }
  }
  if (!in.ok()) {
    // Report the problems the service would find as well, so every field comes at once.
    const json::value empty = json::object{};
    Input all(empty);
    for (const auto& i : in.issues()) all.issue_at(i.field, i.issue);
    for (auto& i : ctx.orders.precheck(actor_of(req), r)) {
      bool seen = false;
      for (const auto& j : all.issues()) seen = seen || j.field == i.field;
      if (!seen) all.issue_at(i.field, i.issue);
    }
    return Response::from(all.error());
  }
  auto placed = ctx.orders.place(actor_of(req), r, idem);
  if (!placed) return Response::from(std::move(placed).error());
  Response res(201, std::move(placed->body));
  if (!placed->id.empty()) res.header("Location", "/api/v1/orders/" + placed->id);
  if (placed->replayed) res.header("Idempotent-Replayed", "true");
  return res;
}

Response get_order(Request& req, OrderContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_order(req);
  auto order = ctx.orders.get(actor_of(req), *id);
  if (!order) return Response::from(std::move(order).error());
  return order_response(200, *order);
}

// An export of orders (GET /orders and GET /admin/orders ?format=csv, SPEC §12, §15.5):
// one row per order with every flat field of its JSON, its lines in one cell
// ("2 x Latte +oat; 1 x Croissant"), the customer's name, email and phone, the delivery
// address; money with two decimals as every report's CSV writes it. New columns go at the
// end: readers of the first ones (SPEC §12's export) keep working.
const std::vector<std::string>& order_csv_header() {
  static const std::vector<std::string> header = {"id",
                                                  "order_number",
                                                  "created_at",
                                                  "type",
                                                  "status",
                                                  "payment_status",
                                                  "payment_method",
                                                  "customer_id",
                                                  "customer_name",
                                                  "created_by",
                                                  "items",
                                                  "subtotal",
                                                  "adjustment_amount",
                                                  "tax_amount",
                                                  "total_amount",
                                                  "refunded_amount",
                                                  "currency",
                                                  "is_pickup",
                                                  "table_number",
                                                  "estimated_time",
                                                  "confirmed_at",
                                                  "completed_at",
                                                  "cancelled_at",
                                                  "cancel_reason",
                                                  "customer_email",
                                                  "customer_phone",
                                                  "scheduled_for",
                                                  "delivery_address",
                                                  "driver_id",
                                                  "notes",
                                                  "updated_at",
                                                  "version"};
  return header;
}

// The customer columns: the order's customer_info, each field missing there taken from the
// customer's account (a signed-in customer's order carries none of its own). On this page's
// copies only, for the CSV.
void with_account_contacts(service::OrderService& orders, std::vector<domain::Order>& page) {
  std::vector<std::string> ids;
  for (const auto& o : page)
    if (!o.customer_id.empty()) ids.push_back(o.customer_id);
  if (ids.empty()) return;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const auto contacts = orders.customer_contacts(ids);
  for (auto& o : page) {
    auto it = contacts.find(o.customer_id);
    if (it == contacts.end()) continue;
    auto& info = o.customer_info ? *o.customer_info : o.customer_info.emplace();
    auto fill = [&info](const char* key, const std::string& value) {
      const auto* v = info.if_contains(key);
      if ((!v || !v->is_string() || v->get_string().empty()) && !value.empty()) info[key] = value;
    };
    fill("name", it->second.name);
    fill("email", it->second.email);
    fill("phone", it->second.phone);
  }
}

std::vector<std::string> order_csv_row(const domain::Order& o) {
  auto time_or_empty = [](const std::optional<std::int64_t>& t) {
    return t ? util::format_rfc3339(*t) : std::string();
  };
  auto field_of = [](const std::optional<json::object>& obj, std::string_view name) {
    const auto* f = obj ? obj->if_contains(name) : nullptr;
    return f ? csv_cell(*f) : std::string();
  };
  std::string lines;
  for (const auto& it : o.items) {
    if (!lines.empty()) lines += "; ";
    lines += std::to_string(it.quantity) + " x " + it.name;
    for (const auto& m : it.modifiers) lines += " +" + m;
  }
  std::string driver = field_of(o.delivery_info, "driver_id");
  if (driver.empty()) driver = o.driver_id;
  return {o.id,
          o.order_number,
          util::format_rfc3339(o.created_at),
          std::string(domain::order_type_name(o.type)),
          std::string(domain::order_status_name(o.status)),
          std::string(domain::payment_status_name(o.payment_status)),
          o.payment_method,
          o.customer_id,
          field_of(o.customer_info, "name"),
          o.created_by,
          lines,
          domain::money_text(o.subtotal),
          domain::money_text(o.adjustment_amount),
          domain::money_text(o.tax_amount),
          domain::money_text(o.total_amount),
          domain::money_text(o.refunded_amount),
          o.currency,
          o.is_pickup ? "true" : "false",
          o.table_number,
          std::to_string(o.estimated_time),
          time_or_empty(o.confirmed_at),
          time_or_empty(o.completed_at),
          time_or_empty(o.cancelled_at),
          o.cancel_reason,
          field_of(o.customer_info, "email"),
          field_of(o.customer_info, "phone"),
          time_or_empty(o.scheduled_for),
          field_of(o.delivery_info, "address"),
          driver,
          o.notes,
          util::format_rfc3339(o.updated_at),
          std::to_string(o.version)};
}

// GET /orders and GET /admin/orders, JSON pages or (staff+) `?format=csv` (api/csv_export.hpp).
Response list_orders(Request& req, OrderContext& ctx) {
  Query query(req);
  const bool csv = wants_csv(query);
  repo::OrderFilter f;
  for (auto& s : query.list_of("status", enum_list("order_status_input")))
    f.statuses.push_back(std::string(domain::order_status_name(*domain::parse_order_status(s))));
  f.type = query.one_of("type", {"dine-in", "takeaway", "online", "event"});
  f.payment_status = query.one_of("payment_status", enum_list("order_payment_status"));
  const auto& zone = ctx.orders.settings().timezone;
  f.from_ms = query.bound("from", zone, false);  // a business date or an RFC 3339 time
  f.to_ms = query.bound("to", zone, true);
  if (auto c = query.text("customer_id", 36)) {
    if (util::is_uuid(*c)) {
      f.customer_id = repo::lower_ascii(*c);
    } else {
      query.issue("customer_id", "must be a UUID");
    }
  }
  f.q = query.text("q", 40);
  // SPEC §15.3: due=true is what the kitchen works on now (unscheduled orders and scheduled
  // ones whose time has come); due=false the scheduled ones still waiting.
  if (auto due = query.boolean("due")) {
    const auto now = util::now_ms();
    if (*due) {
      f.due_by = now;
    } else {
      f.not_due_at = now;
    }
  }
  auto page = csv ? keyset_page(query, kCsvMaxPage, kCsvMaxPage) : keyset_page(query);
  f.limit = page.limit;
  f.before = page.after;
  if (!query.ok()) return Response::from(query.error());
  if (csv) {
    // SPEC §15.5: staff+ only (customers and drivers see their own orders as JSON).
    if (!req.principal || !req.principal->is_staff_plus())
      return Response::from(ErrorCode::forbidden, "Only staff may export orders.");
    auto actor = actor_of(req);
    return csv_export(
        CsvExport<domain::Order, repo::Keyset>{
            .filename = "orders.csv",
            .header = order_csv_header(),
            .fetch =
                [&orders = ctx.orders, actor, f](const std::optional<repo::Keyset>& after,
                                                 int limit) {
                  auto filter = f;
                  filter.before = after;
                  filter.limit = limit;
                  auto found = orders.list(actor, std::move(filter));
                  with_account_contacts(orders, found.items);
                  return found;
                },
            .row = order_csv_row,
            .cursor_key = keyset_key},
        page.after, csv_limit(req, page.limit));
  }
  auto result = ctx.orders.list(actor_of(req), std::move(f));
  return Response::json(200, keyset_page_body(std::move(result), [](const domain::Order& o) {
                          return domain::to_json(o);
                        }));
}

Response change_status(Request& req, OrderContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto version = expected_version(req, in);
  auto status = in.one_of("status", Need::required, enum_list("order_status_input"));
  auto reason = in.text("reason", Need::optional, 0, 500);
  if (!id) return no_such_order(req);
  if (!in.ok()) return Response::from(in.error());
  auto order = ctx.orders.change_status(actor_of(req), *id, *domain::parse_order_status(*status),
                                        reason.value_or(""), version);
  if (!order) return Response::from(std::move(order).error());
  return order_response(200, *order);
}

Response cancel_order(Request& req, OrderContext& ctx) {
  auto id = path_uuid(req);
  // DELETE carries no body: the version comes from If-Match, the reason from ?reason=.
  const json::value none = json::object{};
  Input in(none);
  auto version = expected_version(req, in);
  Query query(req);
  auto reason = query.text("reason", 500);
  if (!id) return no_such_order(req);
  if (!in.ok()) return Response::from(in.error());
  if (!query.ok()) return Response::from(query.error());
  auto order = ctx.orders.change_status(actor_of(req), *id, domain::OrderStatus::cancelled,
                                        reason.value_or(""), version);
  if (!order) return Response::from(std::move(order).error());
  return order_response(200, *order);
}

Response assign_delivery(Request& req, OrderContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto driver = in.uuid({"driver_id", "driverId"}, Need::required);
  if (!id) return no_such_order(req);
  if (!in.ok()) return Response::from(in.error());
  auto order = ctx.orders.assign_delivery(actor_of(req), *id, driver);
  if (!order) return Response::from(std::move(order).error());
  return order_response(200, *order);
}

Response unassign_delivery(Request& req, OrderContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_order(req);
  auto order = ctx.orders.assign_delivery(actor_of(req), *id, std::nullopt);
  if (!order) return Response::from(std::move(order).error());
  return order_response(200, *order);
}

void add_order_schemas(OpenApi& openapi) {
  openapi.add_schema("OrderLineInput", R"json({
    "type": "object", "required": ["quantity"],
    "properties": {
      "product_id": {"type": "string", "format": "uuid", "description": "or menu_item_id (alias productId, menuItemId)"},
      "menu_item_id": {"type": "string", "format": "uuid"},
      "quantity": {"type": "integer", "minimum": 1, "maximum": 100},
      "modifiers": {"type": "array", "maxItems": 20, "items": {"type": "string"}, "description": "codes of the product's modifiers"},
      "options": {"type": "object", "additionalProperties": true, "description": "free JSON kept with the line (a flavour, a cake's inscription), at most 2 KiB"},
      "special_instructions": {"type": "string", "maxLength": 500}
    }
  })json");
  openapi.add_schema("OrderInput", R"json({
    "type": "object",
    "properties": {
      "type": {"type": "string", "enum": ["dine-in", "takeaway", "online"], "description": "required for staff; customers and API keys place online orders"},
      "items": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"$ref": "#/components/schemas/OrderLineInput"}},
      "use_cart": {"type": "boolean", "description": "customers: take the cart (and empty it) instead of items"},
      "customer_info": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 200}, "phone": {"type": "string", "maxLength": 40}, "email": {"type": "string", "maxLength": 254}}, "description": "required for API keys (name) and guests (name, and an email or phone); customers: their account's by default"},
      "delivery_info": {"type": "object", "additionalProperties": true, "properties": {"address": {"type": "string", "maxLength": 500}, "notes": {"type": "string", "maxLength": 500}}, "description": "address required for a delivery (online, is_pickup false); kept as given, at most 4 KiB"},
      "is_pickup": {"type": "boolean", "description": "true when left out: false makes an online order a delivery"},
      "payment_method": {"type": "string", "enum": ["cash", "card", "mobile", "stripe", "paypal", "local"], "description": "the intended method; pays nothing by itself"},
      "notes": {"type": "string", "maxLength": 1000},
      "table_number": {"type": ["string", "integer"]},
      "metadata": {"type": "object", "additionalProperties": true, "description": "free JSON for the client's own use, at most 4 KiB"},
      "scheduled_for": {"type": "string", "format": "date-time", "description": "online orders: when the customer wants it (SPEC §15.3) — at least its prep time ahead, at most CREMA_MAX_SCHEDULE_DAYS ahead, inside opening hours, in a slot with room (GET /slots; a full slot → 409 slot_full). Absent: as soon as possible."}
    }
  })json");
  openapi.add_schema("Order", R"json({
    "type": "object",
    "required": ["id", "order_number", "type", "status", "payment_status", "payment_method",
                 "customer_id", "created_by", "items", "subtotal", "adjustment_amount",
                 "tax_amount", "total_amount", "refunded_amount", "currency", "customer_info",
                 "delivery_info", "is_pickup", "table_number", "notes", "metadata",
                 "estimated_time", "scheduled_for", "history", "version", "created_at", "updated_at",
                 "confirmed_at", "completed_at", "cancelled_at", "cancel_reason"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "order_number": {"type": "string", "examples": ["20261122-0042"]},
      "type": {"type": "string", "enum": "$order_type"},
      "status": {"type": "string", "enum": "$order_status"},
      "payment_status": {"type": "string", "enum": "$order_payment_status"},
      "payment_method": {"type": ["string", "null"]},
      "customer_id": {"type": ["string", "null"]},
      "created_by": {"type": ["string", "null"]},
      "items": {"type": "array", "items": {"type": "object",
        "required": ["id", "product_id", "name", "unit_price", "quantity", "modifiers", "options", "special_instructions", "line_total"],
        "properties": {
        "id": {"type": "string"}, "product_id": {"type": "string"}, "name": {"type": "string"},
        "unit_price": {"type": "number"}, "quantity": {"type": "integer"},
        "modifiers": {"type": "array", "items": {"type": "string"}},
        "options": {"type": "object", "additionalProperties": true, "description": "the line's free JSON, as given"},
        "special_instructions": {"type": ["string", "null"]}, "line_total": {"type": "number"}}}},
      "subtotal": {"type": "number"},
      "adjustment_amount": {"type": "number"},
      "tax_amount": {"type": "number"},
      "total_amount": {"type": "number"},
      "refunded_amount": {"type": "number"},
      "currency": {"type": "string"},
      "customer_info": {"type": ["object", "null"], "properties": {
        "name": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]}}},
      "delivery_info": {"type": ["object", "null"], "additionalProperties": true, "properties": {
        "address": {"type": ["string", "null"]},
        "eta": {"type": ["string", "null"], "format": "date-time", "description": "the driver's estimate"},
        "driver_id": {"type": ["string", "null"], "description": "the assigned driver's profile id (GET /drivers), as POST /orders/{id}/assign-delivery took it"},
        "notes": {"type": "string"}},
        "description": "as given at creation (address, notes…), with eta and driver_id; null for orders that are not deliveries"},
      "is_pickup": {"type": "boolean"},
      "table_number": {"type": ["string", "null"]},
      "notes": {"type": ["string", "null"]},
      "metadata": {"type": "object", "additionalProperties": true},
      "estimated_time": {"type": "integer", "minimum": 0, "description": "minutes until ready: the order's own prep time (its longest item) plus the prep times of the orders already confirmed or preparing divided by CREMA_KITCHEN_PARALLELISM, rounded up; for a scheduled order, the minutes from now to scheduled_for; recomputed on each status change; 0 once ready, completed or cancelled"},
      "scheduled_for": {"type": ["string", "null"], "format": "date-time", "description": "when the customer wants it; null: as soon as possible"},
      "history": {"type": "array", "items": {"type": "object", "required": ["status", "at", "by"], "properties": {
        "status": {"type": "string", "enum": "$order_status"}, "at": {"type": "string", "format": "date-time"},
        "by": {"type": ["string", "null"], "description": "the user who moved it; null for the server itself (an expiry) or an API key"},
        "reason": {"type": "string", "description": "why, when one was given (a cancellation's reason, an expiry)"}}}},
      "version": {"type": "integer"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"},
      "confirmed_at": {"type": ["string", "null"], "format": "date-time"},
      "completed_at": {"type": ["string", "null"], "format": "date-time"},
      "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
      "cancel_reason": {"type": ["string", "null"]}
    }
  })json");
  openapi.add_schema("PlacedOrder", R"json({
    "allOf": [
      {"$ref": "#/components/schemas/Order"},
      {"type": "object",
       "properties": {"guest_token": {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$", "description": "only for an order placed without credentials (guest checkout, SPEC §15.1), shown this once (and in a replay of its Idempotency-Key within 24 h): 256 random bits, base64url; send it as X-Order-Token to read, pay, cancel or follow this order; it expires 30 days after the order ends"}}}
    ]
  })json");
  openapi.add_page_schema("OrderPage", "Order");
  openapi.add_schema("OrderStatusChange", R"json({
    "type": "object", "required": ["status"],
    "properties": {
      "status": {"type": "string", "enum": "$order_status_input"},
      "reason": {"type": "string", "maxLength": 500},
      "version": {"type": "integer", "minimum": 1}
    }
  })json");
  openapi.add_schema("DeliveryAssignment", R"json({
    "type": "object", "required": ["driver_id"],
    "properties": {"driver_id": {"type": "string", "format": "uuid", "description": "a driver profile id (the id GET /drivers lists, not the driver's user id)"}}
  })json");
}

}  // namespace

std::vector<service::OrderLine> read_order_lines(Input& in, const json::array& items,
                                                 std::string_view field) {
  std::vector<service::OrderLine> lines;
  for (std::size_t i = 0; i < items.size(); ++i) {
    Input one = in.child(items[i], std::string(field) + "[" + std::to_string(i) + "]");
    service::OrderLine line;
    const Field pid{"product_id", "productId"};
    const Field mid{"menu_item_id", "menuItemId"};
    std::optional<std::string> id;
    if (one.has(pid)) {
      id = one.uuid(pid, Need::required);
    } else if (one.has(mid)) {
      id = one.uuid(mid, Need::required);
    } else {
      one.issue(pid, "is required (or menu_item_id)");
    }
    auto quantity = one.integer("quantity", Need::required, 1, 100);
    if (const auto* mods = one.array("modifiers", Need::optional, 0, 20)) {
      for (std::size_t k = 0; k < mods->size(); ++k) {
        const auto& m = (*mods)[k];
        if (!m.is_string() || !domain::valid_modifier_code(m.get_string())) {
          one.issue_at(one.path("modifiers") + "[" + std::to_string(k) + "]",
                       "must be a modifier code");
          // Kept in its place (the request is refused anyway), so the catalogue's issues of
          // the codes after it name the right index.
          line.modifiers.emplace_back(m.is_string() ? std::string(m.get_string()) : "");
          continue;
        }
        line.modifiers.emplace_back(m.get_string());
      }
    }
    auto options = one.object("options", Need::optional, kOptionsLimit);
    auto special =
        one.text({"special_instructions", "specialInstructions"}, Need::optional, 0, 500);
    if (!id) continue;
    line.product_id = *id;
    // A line whose quantity is wrong is still checked against the catalogue (SPEC §6: one
    // 422 lists every problem); it is never placed, as the request is refused.
    line.quantity = quantity.value_or(1);
    line.options = options.value_or(json::object{});
    line.special_instructions = special.value_or("");
    line.position = static_cast<int>(i);
    lines.push_back(std::move(line));
  }
  return lines;
}

void register_order_routes(http::Router& router, OpenApi& openapi,
                           std::shared_ptr<OrderContext> ctx) {
  add_order_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  using auth::Role;
  const auto writers =
      auth::Access::roles_of({Role::customer, Role::staff, Role::manager, Role::admin})
          .with_scope("orders:write");
  const auto readers = auth::Access::any_user().with_scope("orders:read");
  // SPEC §15.1: a guest places an order without credentials, and its X-Order-Token opens
  // that one order (service/guest_tokens.hpp).
  const auto guest_readers = readers.with_order_token();
  std::vector<http::QueryDoc> list_query = {
      {.name = "status", .description = "comma-separated statuses (in-progress = preparing)"},
      {.name = "type", .description = "dine-in, takeaway, online or event"},
      {.name = "payment_status", .values = enum_list("order_payment_status")},
      {.name = "from", .description = "YYYY-MM-DD business date or RFC 3339 time (inclusive)"},
      {.name = "to",
       .description = "YYYY-MM-DD business date (inclusive) or RFC 3339 time (exclusive)"},
      {.name = "customer_id", .description = "staff+ only"},
      {.name = "q", .description = "part of the order number"},
      {.name = "due",
       .type = "boolean",
       .description = "true: unscheduled orders and scheduled ones whose time has come "
                      "(scheduled_for minus prep time); false: scheduled orders not due yet"},
      {.name = "limit",
       .type = "integer",
       .description = "JSON: 1 to 200 (default 50); CSV: 1 to 10000 rows in one page, "
                      "absent: the whole list streamed"},
      {.name = "cursor", .description = "next_cursor (CSV: X-Next-Cursor) of the previous page"},
      {.name = "format",
       .description = "json (default) or csv (staff+; text/csv streamed, one row per order, "
                      "the JSON list's filters apply)",
       .values = {"json", "csv"}}};

  router.add({.method = Method::post,
              .pattern = "/api/v1/orders",
              .handler = with(place_order),
              .access = writers.with_anonymous(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Place an order (server-priced, stock reserved; Idempotency-Key)",
                      .description =
                          "Staff+ place dine-in, takeaway or online orders; customers "
                          "and API keys (orders:write) online ones. Guest checkout (SPEC "
                          "§15.1, CREMA_GUEST_CHECKOUT=1): without credentials, an online "
                          "order whose customer_info has a name and an email or phone (422 "
                          "naming the field otherwise); its answer carries `guest_token`, shown "
                          "this once, which sent as `X-Order-Token` reads, pays (online "
                          "gateways), cancels while pending and follows (`GET "
                          "/ws?order_token=`) that order and nothing else; it expires 30 days "
                          "after the order ends. With CREMA_GUEST_CHECKOUT=0 no credentials → "
                          "401. A repeat with the same Idempotency-Key and body within 24 h "
                          "replays the first answer (a guest's key is scoped to the client's "
                          "IP; the replay carries the same guest_token); another body → 409.",
                      .tag = kOrderTag,
                      .request_schema = "OrderInput",
                      .response_schema = "PlacedOrder",
                      .success_status = 201,
                      .errors = {409, 422},
                      .headers = {"Idempotency-Key"}}});
  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/orders",
       .handler = with(list_orders),
       .access = readers,
       .doc = {.summary = "Orders, newest first (customers: their own; drivers: their deliveries)",
               .tag = kOrderTag,
               .response_schema = "OrderPage",
               .query = list_query,
               .csv = true}});
  // SPEC §12: GET /admin/orders is GET /orders as staff see it, for admins.
  router.add({.method = Method::get,
              .pattern = "/api/v1/admin/orders",
              .handler = with(list_orders),
              .access = auth::Access::admin(),
              .doc = {.summary = "Every order, newest first (as GET /orders for staff; CSV too)",
                      .tag = "admin",
                      .response_schema = "OrderPage",
                      .query = list_query,
                      .csv = true}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/orders/{id}",
              .handler = with(get_order),
              .access = guest_readers,
              .doc = {.summary = "An order (owner, staff+, assigned driver, its X-Order-Token)",
                      .tag = kOrderTag,
                      .response_schema = "Order"}});
  router.add(
      {.method = Method::del,
       .pattern = "/api/v1/orders/{id}",
       .handler = with(cancel_order),
       .access = auth::Access::roles_of({Role::customer, Role::staff, Role::manager, Role::admin})
                     .with_order_token(),
       .doc = {.summary = "Cancel an order (owner or its X-Order-Token while pending; staff+; "
                          "paid: manager+)",
               .description = "A soft state change: pending orders release their stock, "
                              "confirmed ones put it back. `?reason=`; If-Match for the "
                              "version.",
               .tag = kOrderTag,
               .response_schema = "Order",
               .query = {{.name = "reason", .description = "why, kept as cancel_reason"}},
               .errors = {409},
               .headers = {"If-Match"}}});
  router.add(
      {.method = Method::put,
       .pattern = "/api/v1/orders/{id}/status",
       .handler = with(change_status),
       .access = auth::Access::roles_of({Role::driver, Role::staff, Role::manager, Role::admin}),
       .body = http::BodyKind::json,
       .doc = {.summary = "Move an order along its status machine",
               .description = "staff+; a driver only out_for_delivery → delivered on "
                              "their own delivery. If-Match or version.",
               .tag = kOrderTag,
               .request_schema = "OrderStatusChange",
               .response_schema = "Order",
               .errors = {409, 422},
               .headers = {"If-Match"}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/orders/{id}/assign-delivery",
              .handler = with(assign_delivery),
              .access = auth::Access::manager_plus().with_scope("deliveries:write"),
              .body = http::BodyKind::json,
              .doc = {.summary = "Assign a driver to a delivery order (ready or earlier)",
                      .description = "Managers and admins; a delivery platform's API key "
                                     "(deliveries:write) assigns its external drivers only, "
                                     "and cannot take an order from one of the shop's drivers "
                                     "(403).",
                      .tag = kOrderTag,
                      .request_schema = "DeliveryAssignment",
                      .response_schema = "Order",
                      .errors = {403, 409, 422}}});
  router.add({.method = Method::del,
              .pattern = "/api/v1/orders/{id}/assign-delivery",
              .handler = with(unassign_delivery),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Unassign the driver of a delivery order",
                      .tag = kOrderTag,
                      .response_schema = "Order",
                      .errors = {409}}});
}

}  // namespace crema::api
