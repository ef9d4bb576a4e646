#include "api/inventory_routes.hpp"

#include <stdexcept>

#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/csv_export.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "repo/inventory_repo.hpp"
#include "repo/keyset.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kInventoryTag = "inventory";
constexpr std::int64_t kMaxStockQuantity = 1'000'000'000'000;  // thousandths: a billion units

Response no_such_item(const Request& req) {
  return Response::from(ErrorCode::not_found,
                        "No inventory item " + std::string(req.param("id")) + ".");
}

Response item_response(int status, const domain::InventoryItem& item) {
  auto res = Response::json(status, domain::to_json(item));
  res.header("ETag", "\"" + std::to_string(item.version) + "\"");
  return res;
}

// GET /inventory and the low-stock lists: [name_lower, id] cursors; `?format=csv` on
// GET /inventory (api/csv_export.hpp).
const std::vector<std::string> kItemCsvHeader = {
    "id",        "name",     "unit",      "kind",
    "on_hand",   "reserved", "available", "low_stock_threshold",
    "is_low",    "tracked",  "version",   "created_at",
    "updated_at"};

Response list_items(Request& req, InventoryContext& ctx, bool low_only, bool csv_allowed) {
  using Key = std::pair<std::string, std::string>;
  Query query(req);
  const bool csv = csv_allowed && wants_csv(query);
  service::InventoryQuery q;
  q.q = query.text("q", 100);
  if (auto k = query.one_of("kind", {"ingredient", "product"}))
    q.kind = domain::parse_item_kind(*k);
  q.low_only = low_only || query.boolean("low").value_or(false);
  auto page = csv ? page_request(query, kCsvMaxPage, kCsvMaxPage) : page_request(query);
  q.limit = page.limit;
  if (!page.after.empty()) {
    if (page.after.size() == 2 && page.after[0].is_string() && page.after[1].is_string()) {
      q.after = std::make_pair(std::string(page.after[0].get_string()),
                               std::string(page.after[1].get_string()));
    } else {
      reject_cursor(query);
    }
  }
  if (!query.ok()) return Response::from(query.error());
  if (csv) {
    return csv_export(
        CsvExport<domain::InventoryItem, Key>{
            .filename = "inventory.csv",
            .header = kItemCsvHeader,
            .fetch =
                [&inventory = ctx.inventory, q](const std::optional<Key>& after, int limit) {
                  auto page_q = q;
                  page_q.after = after;
                  page_q.limit = limit;
                  return inventory.list(page_q);
                },
            .row =
                [](const domain::InventoryItem& it) {
                  return csv_cells(domain::to_json(it), kItemCsvHeader);
                },
            .cursor_key =
                [](const Key& k) {
                  return json::array{json::value(k.first), json::value(k.second)};
                }},
        q.after, csv_limit(req, page.limit));
  }
  auto result = ctx.inventory.list(q);
  json::array items;
  for (const auto& it : result.items) items.push_back(domain::to_json(it));
  std::optional<json::array> next;
  if (result.next)
    next = json::array{json::value(result.next->first), json::value(result.next->second)};
  return Response::json(200, page_body(std::move(items), std::move(next)));
}

Response get_item(Request& req, InventoryContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_item(req);
  auto item = ctx.inventory.get(*id);
  if (!item) return Response::from(std::move(item).error());
  return item_response(200, *item);
}

Response create_item(Request& req, InventoryContext& ctx) {
  Input in(req.json);
  service::NewInventoryItem item;
  auto name = in.text("name", Need::required, 1, 200);
  auto unit = in.text("unit", Need::required, 1, 20);
  auto kind = in.one_of("kind", Need::optional, {"ingredient", "product"});
  auto on_hand = in.quantity({"on_hand", "onHand"}, Need::optional, 0, kMaxStockQuantity);
  auto threshold = in.quantity({"low_stock_threshold", "lowStockThreshold"}, Need::optional, 0,
                               kMaxStockQuantity);
  if (!in.ok()) return Response::from(in.error());
  item.name = *name;
  item.unit = *unit;
  item.kind = kind ? *domain::parse_item_kind(*kind) : domain::ItemKind::ingredient;
  item.on_hand = on_hand.value_or(0);
  item.low_stock_threshold = threshold.value_or(0);
  auto created = ctx.inventory.create(actor_of(req), item);
  if (!created) return Response::from(std::move(created).error());
  auto res = item_response(201, *created);
  res.header("Location", "/api/v1/inventory/" + created->id);
  return res;
}

Response update_item(Request& req, InventoryContext& ctx) {
  auto id = path_uuid(req);
  Input in(req.json);
  auto version = expected_version(req, in);
  service::InventoryItemPatch patch;
  patch.name = in.text("name", Need::optional, 1, 200);
  patch.unit = in.text("unit", Need::optional, 1, 20);
  patch.low_stock_threshold = in.quantity({"low_stock_threshold", "lowStockThreshold"},
                                          Need::optional, 0, kMaxStockQuantity);
  patch.on_hand = in.quantity({"on_hand", "onHand"}, Need::optional, 0, kMaxStockQuantity);
  patch.reason = in.text("reason", Need::optional, 0, 500);
  if (!id) return no_such_item(req);
  if (!in.ok()) return Response::from(in.error());
  auto item = ctx.inventory.update(actor_of(req), *id, patch, version);
  if (!item) return Response::from(std::move(item).error());
  return item_response(200, *item);
}

// One adjustment object; issues go to `in`.
std::optional<service::Adjustment> read_adjustment(Input& in) {
  auto id = in.uuid({"inventory_item_id", "inventoryItemId"}, Need::required);
  auto delta = in.quantity("delta", Need::required, -kMaxStockQuantity, kMaxStockQuantity);
  auto reason = in.text("reason", Need::optional, 0, 500);
  auto kind = in.one_of("kind", Need::optional, {"adjust", "receive", "waste"});
  if (delta && *delta == 0) {
    in.issue("delta", "must not be 0");
    delta.reset();
  }
  service::Adjustment a;
  a.kind = kind ? *domain::parse_log_kind(*kind) : domain::LogKind::adjust;
  if (delta && a.kind == domain::LogKind::receive && *delta < 0) {
    in.issue("delta", "must be positive for a receipt");
    delta.reset();
  }
  if (delta && a.kind == domain::LogKind::waste && *delta > 0) {
    in.issue("delta", "must be negative for waste");
    delta.reset();
  }
  if (!id || !delta) return std::nullopt;
  a.item_id = *id;
  a.delta = *delta;
  a.reason = reason.value_or("");
  return a;
}

Response adjust_one(Request& req, InventoryContext& ctx) {
  Input in(req.json);
  auto a = read_adjustment(in);
  if (!in.ok() || !a) return Response::from(in.error());
  auto item = ctx.inventory.adjust(actor_of(req), *a);
  if (!item) return Response::from(std::move(item).error());
  return item_response(200, *item);
}

Response adjust_batch(Request& req, InventoryContext& ctx) {
  Input in(req.json);
  std::vector<service::Adjustment> batch;
  if (const auto* arr = in.array("adjustments", Need::required, 1, 200)) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      Input one = in.child((*arr)[i], "adjustments[" + std::to_string(i) + "]");
      if (auto a = read_adjustment(one)) batch.push_back(std::move(*a));
    }
  }
  if (!in.ok()) return Response::from(in.error());
  auto items = ctx.inventory.adjust_batch(actor_of(req), batch);
  if (!items) return Response::from(std::move(items).error());
  json::array out;
  for (const auto& it : *items) out.push_back(domain::to_json(it));
  return Response::json(200, json::object{{"items", std::move(out)}});
}

const std::vector<std::string> kLogCsvHeader = {
    "id",       "inventory_item_id", "delta",         "kind",           "reason",
    "order_id", "actor_id",          "on_hand_after", "reserved_after", "created_at"};

Response item_logs(Request& req, InventoryContext& ctx) {
  auto id = path_uuid(req);
  if (!id) return no_such_item(req);
  Query query(req);
  const bool csv = wants_csv(query);
  auto page = csv ? keyset_page(query, kCsvMaxPage, kCsvMaxPage) : keyset_page(query);
  if (!query.ok()) return Response::from(query.error());
  if (csv) {
    // The first page is read before anything is sent: an unknown item is still a 404.
    if (auto first = ctx.inventory.logs(*id, std::nullopt, 1); !first)
      return Response::from(std::move(first).error());
    return csv_export(
        CsvExport<domain::InventoryLog, repo::Keyset>{
            .filename = "inventory-" + *id + "-logs.csv",
            .header = kLogCsvHeader,
            .fetch =
                [&inventory = ctx.inventory, item = *id](const std::optional<repo::Keyset>& after,
                                                         int limit) {
                  auto logs = inventory.logs(item, after, limit);
                  if (!logs) throw std::runtime_error("inventory logs: " + logs.error().message);
                  return std::move(*logs);
                },
            .row =
                [](const domain::InventoryLog& l) {
                  return csv_cells(domain::to_json(l), kLogCsvHeader);
                },
            .cursor_key = keyset_key},
        page.after, csv_limit(req, page.limit));
  }
  auto logs = ctx.inventory.logs(*id, std::move(page.after), page.limit);
  if (!logs) return Response::from(std::move(logs).error());
  return Response::json(200, keyset_page_body(std::move(*logs), [](const domain::InventoryLog& l) {
                          return domain::to_json(l);
                        }));
}

void add_inventory_schemas(OpenApi& openapi) {
  openapi.add_schema("InventoryItem", R"json({
    "type": "object",
    "required": ["id", "name", "unit", "kind", "on_hand", "reserved", "available",
                 "low_stock_threshold", "is_low", "version", "updated_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid", "description": "a tracked product's item has the product's id"},
      "name": {"type": "string"},
      "unit": {"type": "string", "examples": ["kg", "l", "pcs"]},
      "kind": {"type": "string", "enum": ["ingredient", "product"]},
      "on_hand": {"type": "number", "description": "up to 3 decimals"},
      "reserved": {"type": "number", "description": "held by open orders"},
      "available": {"type": "number", "description": "on_hand - reserved"},
      "low_stock_threshold": {"type": "number"},
      "is_low": {"type": "boolean", "description": "counted, and available below the threshold"},
      "tracked": {"type": "boolean", "description": "false while its product's track_stock is off"},
      "version": {"type": "integer"},
      "created_at": {"type": "string", "format": "date-time"},
      "updated_at": {"type": "string", "format": "date-time"}
    }
  })json");
  openapi.add_schema("InventoryItemInput", R"json({
    "type": "object", "required": ["name", "unit"],
    "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 200},
      "unit": {"type": "string", "minLength": 1, "maxLength": 20},
      "kind": {"type": "string", "enum": ["ingredient", "product"], "description": "ingredient when left out"},
      "on_hand": {"type": "number", "minimum": 0, "description": "0 when left out"},
      "low_stock_threshold": {"type": "number", "minimum": 0, "description": "0 when left out"}
    }
  })json");
  openapi.add_schema("InventoryItemPatch", R"json({
    "type": "object",
    "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 200},
      "unit": {"type": "string", "minLength": 1, "maxLength": 20},
      "low_stock_threshold": {"type": "number", "minimum": 0},
      "on_hand": {"type": "number", "minimum": 0, "description": "a stock count, logged as adjust; below reserved → 409"},
      "reason": {"type": "string", "maxLength": 500},
      "version": {"type": "integer", "minimum": 1}
    }
  })json");
  openapi.add_schema("Adjustment", R"json({
    "type": "object", "required": ["inventory_item_id", "delta"],
    "properties": {
      "inventory_item_id": {"type": "string", "format": "uuid"},
      "delta": {"type": "number", "description": "change of on_hand, not 0; on_hand may not go below reserved"},
      "reason": {"type": "string", "maxLength": 500},
      "kind": {"type": "string", "enum": ["adjust", "receive", "waste"], "description": "adjust when left out"}
    }
  })json");
  openapi.add_schema("AdjustmentBatch", R"json({
    "type": "object", "required": ["adjustments"],
    "properties": {
      "adjustments": {"type": "array", "minItems": 1, "maxItems": 200,
                      "items": {"$ref": "#/components/schemas/Adjustment"}}
    }
  })json");
  openapi.add_schema("InventoryItemList", R"json({
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/InventoryItem"}}}
  })json");
  openapi.add_page_schema("InventoryItemPage", "InventoryItem");
  openapi.add_schema("InventoryLog", R"json({
    "type": "object",
    "required": ["id", "inventory_item_id", "delta", "kind", "reason", "order_id", "actor_id", "created_at"],
    "properties": {
      "id": {"type": "string", "format": "uuid"},
      "inventory_item_id": {"type": "string", "format": "uuid"},
      "delta": {"type": "number", "description": "change of available (reserve, release) or of on_hand (the others)"},
      "kind": {"type": "string", "enum": ["reserve", "commit", "release", "restock", "adjust", "receive", "waste"]},
      "reason": {"type": "string"},
      "order_id": {"type": ["string", "null"]},
      "actor_id": {"type": ["string", "null"]},
      "on_hand_after": {"type": "number"},
      "reserved_after": {"type": "number"},
      "created_at": {"type": "string", "format": "date-time"}
    }
  })json");
  openapi.add_page_schema("InventoryLogPage", "InventoryLog");
}

}  // namespace

void register_inventory_routes(http::Router& router, OpenApi& openapi,
                               std::shared_ptr<InventoryContext> ctx) {
  add_inventory_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  const std::vector<http::QueryDoc> page_query = {
      {.name = "limit", .type = "integer", .description = "1 to 200, default 50"},
      {.name = "cursor", .description = "next_cursor of the previous page"}};
  std::vector<http::QueryDoc> list_query = {
      {.name = "q", .description = "case-insensitive substring of the name"},
      {.name = "kind", .description = "ingredient or product"},
      {.name = "low",
       .type = "boolean",
       .description = "only items with available below threshold"}};
  list_query.insert(list_query.end(), page_query.begin(), page_query.end());
  // ?format=csv (SPEC §15.5): the list's filters apply; without ?limit= every row, streamed.
  const std::vector<http::QueryDoc> csv_page_query = {
      {.name = "limit",
       .type = "integer",
       .description = "JSON: 1 to 200 (default 50); CSV: 1 to 10000 rows in one page, absent: "
                      "every row streamed"},
      {.name = "cursor", .description = "next_cursor (CSV: X-Next-Cursor) of the previous page"},
      {.name = "format",
       .description = "json (default) or csv (text/csv)",
       .values = {"json", "csv"}}};
  auto csv_list_query = list_query;
  csv_list_query.resize(csv_list_query.size() - page_query.size());
  csv_list_query.insert(csv_list_query.end(), csv_page_query.begin(), csv_page_query.end());
  const auto read = auth::Access::staff_plus().with_scope("inventory:read");

  router.add({.method = Method::get,
              .pattern = "/api/v1/inventory",
              .handler = with(
                  [](Request& r, InventoryContext& c) { return list_items(r, c, false, true); }),
              .access = read,
              .doc = {.summary = "Inventory items by name (JSON pages or CSV)",
                      .tag = kInventoryTag,
                      .response_schema = "InventoryItemPage",
                      .query = csv_list_query,
                      .csv = true}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/inventory",
              .handler = with(create_item),
              .access = auth::Access::manager_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Create an inventory item",
                      .tag = kInventoryTag,
                      .request_schema = "InventoryItemInput",
                      .response_schema = "InventoryItem",
                      .success_status = 201}});
  for (std::string_view path : {"/api/v1/inventory/low-stock", "/api/v1/inventory/low"}) {
    router.add(
        {.method = Method::get,
         .pattern = std::string(path),
         .handler =
             with([](Request& r, InventoryContext& c) { return list_items(r, c, true, false); }),
         .access = read,
         .doc = {.summary = path.ends_with("/low") ? "Low stock (alias of /inventory/low-stock)"
                                                   : "Items with available below their threshold",
                 .tag = kInventoryTag,
                 .response_schema = "InventoryItemPage",
                 .query = list_query}});
  }
  router.add({.method = Method::post,
              .pattern = "/api/v1/inventory/adjustment",
              .handler = with(adjust_one),
              .access = auth::Access::staff_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "One manual stock adjustment (on_hand may not go below reserved)",
                      .tag = kInventoryTag,
                      .request_schema = "Adjustment",
                      .response_schema = "InventoryItem",
                      .errors = {404, 409}}});
  router.add({.method = Method::post,
              .pattern = "/api/v1/inventory/adjust",
              .handler = with(adjust_batch),
              .access = auth::Access::manager_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "A batch of adjustments, all or nothing",
                      .tag = kInventoryTag,
                      .request_schema = "AdjustmentBatch",
                      .response_schema = "InventoryItemList",
                      .errors = {409}}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/inventory/{id}",
              .handler = with(get_item),
              .access = read,
              .doc = {.summary = "An inventory item",
                      .tag = kInventoryTag,
                      .response_schema = "InventoryItem"}});
  router.add(
      {.method = Method::put,
       .pattern = "/api/v1/inventory/{id}",
       .handler = with(update_item),
       .access = auth::Access::manager_plus(),
       .body = http::BodyKind::json,
       .doc = {
           .summary = "Change an inventory item (on_hand logged as adjust; If-Match or version)",
           .tag = kInventoryTag,
           .request_schema = "InventoryItemPatch",
           .response_schema = "InventoryItem",
           .errors = {409},
           .headers = {"If-Match"}}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/inventory/{id}/logs",
              .handler = with(item_logs),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "An item's stock log, newest first",
                      .tag = kInventoryTag,
                      .response_schema = "InventoryLogPage",
                      .query = csv_page_query,
                      .csv = true}});
}

}  // namespace crema::api
