// The shop's settings (SPEC §15.3): the body of each PUT is checked here (shape: every bad
// field at once, 422), the rules that involve several fields (overlapping ranges, closures
// given twice, a pause ending in the past) by the settings service.
#include "api/settings_routes.hpp"

#include <boost/json.hpp>

#include "api/actor.hpp"
#include "api/input.hpp"
#include "domain/report.hpp"
#include "service/settings_json.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kSettingsTag = "settings";
constexpr std::size_t kMaxRanges = 70;      // ten a day
constexpr std::size_t kMaxClosures = 1000;  // years of holidays
constexpr std::int64_t kMaxSlotOrders = 100'000;

// A nullable field of a partial update: absent → nothing; null → cleared; a value → set.
template <class T, class Read>
std::optional<std::optional<T>> settings_nullable(Input& in, const Field& f, Read read) {
  if (in.given_null(f)) return std::optional<T>();
  if (!in.has(f)) return std::nullopt;
  auto v = read();
  if (!v) return std::nullopt;  // an issue was recorded
  return std::optional<T>(static_cast<T>(*v));
}

std::optional<std::vector<domain::OpeningRange>> read_hours(Input& in) {
  const auto* items = in.array("hours", Need::optional, 0, kMaxRanges);
  if (!items) return std::nullopt;
  std::vector<domain::OpeningRange> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    Input r = in.child((*items)[i], in.path("hours") + "[" + std::to_string(i) + "]");
    auto day = r.one_of("day", Need::required, {"mon", "tue", "wed", "thu", "fri", "sat", "sun"});
    auto open_text = r.text("open", Need::required, 0, 10);
    auto close_text = r.text("close", Need::required, 0, 10);
    std::optional<int> open;
    std::optional<int> close;
    if (open_text && !(open = domain::parse_clock_time(*open_text)))
      r.issue("open", "must be a time HH:MM from 00:00 to 23:59");
    if (close_text && !(close = domain::parse_clock_time(*close_text, true)))
      r.issue("close", "must be a time HH:MM from 00:00 to 24:00");
    if (!day || !open || !close) {
      ok = false;
      continue;
    }
    out.push_back({*domain::parse_weekday(*day), *open, *close});
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<domain::Closure>> read_closures(Input& in) {
  const auto* items = in.array("closures", Need::optional, 0, kMaxClosures);
  if (!items) return std::nullopt;
  std::vector<domain::Closure> out;
  bool ok = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    Input c = in.child((*items)[i], in.path("closures") + "[" + std::to_string(i) + "]");
    auto date = c.text("date", Need::required, 0, 10);
    auto reason = c.text("reason", Need::optional, 0, 200);
    if (date && !domain::parse_iso_day(*date)) {
      c.issue("date", "must be a date YYYY-MM-DD");
      date.reset();
    }
    if (!date) {
      ok = false;
      continue;
    }
    out.push_back({*date, reason.value_or("")});
  }
  if (!ok) return std::nullopt;
  return out;
}

// {paused, reason, until}: each optional (a partial update); until an RFC 3339 time or null.
domain::OnlineOrderingPatch read_online_ordering(Input& in) {
  domain::OnlineOrderingPatch p;
  p.paused = in.boolean("paused", Need::optional);
  p.reason = in.text("reason", Need::optional, 0, 200);
  if (in.given_null("until")) {
    p.until_ms = std::optional<std::int64_t>();
  } else if (auto text = in.text("until", Need::optional, 0, 64)) {
    if (auto ms = util::parse_rfc3339(*text)) {
      p.until_ms = std::optional<std::int64_t>(*ms);
    } else {
      in.issue("until", "must be an RFC 3339 time such as 2026-11-22T09:15:00Z, or null");
    }
  }
  return p;
}

domain::ShopSettingsPatch read_settings_patch(Input& in) {
  domain::ShopSettingsPatch p;
  p.name = in.text("name", Need::optional, 0, 200);
  p.address = in.text("address", Need::optional, 0, 500);
  p.phone = in.text("phone", Need::optional, 0, 40);
  p.hours = read_hours(in);
  p.closures = read_closures(in);
  if (const auto* online = in.raw("online_ordering")) {
    Input o = in.child(*online, in.path("online_ordering"));
    p.online_ordering = read_online_ordering(o);
  }
  p.max_orders_per_slot = settings_nullable<int>(in, "max_orders_per_slot", [&] {
    return in.integer("max_orders_per_slot", Need::optional, 1, kMaxSlotOrders);
  });
  for (auto [field, target] : {std::pair{"delivery_fee", &p.delivery_fee},
                               std::pair{"free_delivery_over", &p.free_delivery_over},
                               std::pair{"min_order_for_delivery", &p.min_order_for_delivery}})
    *target = settings_nullable<std::int64_t>(
        in, field, [&, f = field] { return in.money(f, Need::optional); });
  p.service_charge_bps = settings_nullable<int>(in, "service_charge_bps", [&] {
    return in.integer("service_charge_bps", Need::optional, 0, 10'000);
  });
  return p;
}

Response settings_response(const service::ShopSnapshot& s, SettingsContext& ctx) {
  auto res = Response::json(
      200, service::settings_json(s, ctx.settings.options(), ctx.settings.clock().now_ms()));
  res.header("ETag", "\"" + std::to_string(s.settings.version) + "\"");
  res.header("Cache-Control", "no-cache");
  return res;
}

Response get_settings(Request&, SettingsContext& ctx) {
  return settings_response(*ctx.settings.current(), ctx);
}

// Answered on the I/O thread while the settings are in memory (no database, no hop).
std::optional<Response> settings_fast_path(const Request& req, SettingsContext& ctx) {
  if (req.header("authorization") || req.header("x-api-key")) return std::nullopt;
  auto s = ctx.settings.fresh();
  if (!s) return std::nullopt;
  return settings_response(*s, ctx);
}

Response put_settings(Request& req, SettingsContext& ctx) {
  Input in(req.json);
  auto version = expected_version(req, in);
  auto patch = read_settings_patch(in);
  if (!in.ok()) return Response::from(in.error());
  auto s = ctx.settings.update(actor_of(req), patch, version);
  if (!s) return Response::from(std::move(s).error());
  return settings_response(**s, ctx);
}

Response put_online_ordering(Request& req, SettingsContext& ctx) {
  Input in(req.json);
  auto version = expected_version(req, in);
  auto patch = read_online_ordering(in);
  if (!in.ok()) return Response::from(in.error());
  auto s = ctx.settings.set_online_ordering(actor_of(req), patch, version);
  if (!s) return Response::from(std::move(s).error());
  return settings_response(**s, ctx);
}

// GET /slots?date=YYYY-MM-DD&type=pickup|delivery (public): the day's slots with room.
Response get_slots(Request& req, SettingsContext& ctx) {
  Query query(req);
  auto date = query.text("date", 10);
  const auto type = query.one_of("type", {"pickup", "delivery"}).value_or("pickup");
  if (!date) query.issue("date", "is required (YYYY-MM-DD)");
  if (!query.ok()) return Response::from(query.error());
  auto slots = ctx.timing.slots(*date, type);
  if (!slots) return Response::from(std::move(slots).error());
  json::array items;
  for (const auto& s : *slots) {
    json::object slot;
    slot["start"] = util::format_rfc3339(s.start);
    slot["end"] = util::format_rfc3339(s.end);
    slot["available"] = s.available ? json::value(*s.available) : json::value(nullptr);
    items.push_back(std::move(slot));
  }
  const auto& options = ctx.settings.options();
  return Response::json(200, json::object{{"date", *date},
                                          {"type", type},
                                          {"slot_minutes", options.slot_minutes},
                                          {"slots", std::move(items)}});
}

constexpr std::string_view kOnlineOrderingProps = R"json(
      "paused": {"type": "boolean"},
      "reason": {"type": "string", "maxLength": 200, "description": "shown to customers"},
      "until": {"type": ["string", "null"], "format": "date-time",
                "description": "the pause ends by itself then; null: until resumed"})json";

constexpr std::string_view kSettingsFieldProps = R"json(
      "name": {"type": "string", "maxLength": 200},
      "address": {"type": "string", "maxLength": 500},
      "phone": {"type": "string", "maxLength": 40},
      "hours": {"type": "array", "maxItems": 70, "items": {"$ref": "#/components/schemas/OpeningRange"},
                "description": "weekly opening ranges in the shop's time zone; none: open around the clock"},
      "closures": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/Closure"}},
      "max_orders_per_slot": {"type": ["integer", "null"], "minimum": 1,
                              "description": "scheduled orders one slot takes, per type (pickup, delivery); null: no limit"},
      "delivery_fee": {"type": ["number", "null"], "minimum": 0, "description": "major units; null: none"},
      "free_delivery_over": {"type": ["number", "null"], "minimum": 0,
                             "description": "orders from this subtotal deliver free; null: never"},
      "min_order_for_delivery": {"type": ["number", "null"], "minimum": 0,
                                 "description": "smallest subtotal delivered; null: no minimum"},
      "service_charge_bps": {"type": ["integer", "null"], "minimum": 0, "maximum": 10000,
                             "description": "dine-in service charge in basis points; null: none"})json";

void add_settings_schemas(OpenApi& openapi) {
  openapi.add_schema("OpeningRange", R"json({
    "type": "object", "required": ["day", "open", "close"],
    "description": "open on day at open; close not after open: closes the next day (past midnight)",
    "properties": {
      "day": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
      "open": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "examples": ["07:30"]},
      "close": {"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "examples": ["02:00"]}
    }
  })json");
  openapi.add_schema("Closure", R"json({
    "type": "object", "required": ["date"],
    "properties": {
      "date": {"type": "string", "format": "date", "description": "business date closed; the ranges opening that day do not open"},
      "reason": {"type": "string", "maxLength": 200}
    }
  })json");
  openapi.add_schema("OnlineOrdering", std::string(R"json({
    "type": "object", "required": ["paused", "reason", "until"],
    "properties": {)json") + std::string(kOnlineOrderingProps) +
                                           "}}");
  openapi.add_schema("OnlineOrderingInput", std::string(R"json({
    "type": "object", "description": "only the fields given change; resuming forgets reason and until",
    "properties": {"version": {"type": "integer", "minimum": 1},)json") +
                                                std::string(kOnlineOrderingProps) + "}}");
  openapi.add_schema("Settings", std::string(R"json({
    "type": "object",
    "required": ["name", "address", "phone", "timezone", "currency", "hours", "closures",
                 "online_ordering", "max_orders_per_slot", "delivery_fee", "free_delivery_over",
                 "min_order_for_delivery", "service_charge_bps", "slot_minutes",
                 "max_schedule_days", "open_now", "next_open_at", "version", "updated_at"],
    "properties": {
      "timezone": {"type": "string", "description": "CREMA_TIMEZONE: the zone of hours and closures"},
      "currency": {"type": "string"},
      "online_ordering": {"$ref": "#/components/schemas/OnlineOrdering"},
      "slot_minutes": {"type": "integer", "description": "CREMA_SLOT_MINUTES"},
      "max_schedule_days": {"type": "integer", "description": "CREMA_MAX_SCHEDULE_DAYS"},
      "open_now": {"type": "boolean", "description": "online orders are taken now (open and not paused)"},
      "next_open_at": {"type": ["string", "null"], "format": "date-time",
                       "description": "while not open_now: when online orders are taken again (null: not known)"},
      "version": {"type": "integer"},
      "updated_at": {"type": ["string", "null"], "format": "date-time"},)json") +
                                     std::string(kSettingsFieldProps) + "}}");
  openapi.add_schema("SlotDay", R"json({
    "type": "object",
    "required": ["date", "type", "slot_minutes", "slots"],
    "properties": {
      "date": {"type": "string", "format": "date"},
      "type": {"type": "string", "enum": ["pickup", "delivery"]},
      "slot_minutes": {"type": "integer"},
      "slots": {"type": "array", "items": {
        "type": "object",
        "required": ["start", "end", "available"],
        "properties": {
          "start": {"type": "string", "format": "date-time"},
          "end": {"type": "string", "format": "date-time", "description": "the close cuts the last slot of a range short"},
          "available": {"type": ["integer", "null"], "minimum": 1, "description": "places left; null: no limit (max_orders_per_slot not set)"}
        }}}
    }
  })json");
  openapi.add_schema("SettingsInput", std::string(R"json({
    "type": "object",
    "description": "only the fields given change; a nullable field given as null is cleared; version (or If-Match) guards against lost updates",
    "properties": {
      "version": {"type": "integer", "minimum": 1},
      "online_ordering": {"$ref": "#/components/schemas/OnlineOrderingInput"},)json") +
                                          std::string(kSettingsFieldProps) + "}}");
}

}  // namespace

void register_settings_routes(http::Router& router, OpenApi& openapi,
                              std::shared_ptr<SettingsContext> ctx) {
  add_settings_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  router.add({.method = Method::get,
              .pattern = "/api/v1/settings",
              .handler = with(get_settings),
              .fast_path = [ctx](const Request& req) { return settings_fast_path(req, *ctx); },
              .doc = {.summary = "The shop's settings: name, address, hours, closures, the "
                                 "online-ordering pause, slot capacity and charges (public)",
                      .tag = kSettingsTag,
                      .response_schema = "Settings"}});
  router.add({.method = Method::put,
              .pattern = "/api/v1/settings",
              .handler = with(put_settings),
              .access = auth::Access::admin(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Change the settings (partial; If-Match or version; audited)",
                      .tag = kSettingsTag,
                      .request_schema = "SettingsInput",
                      .response_schema = "Settings",
                      .errors = {409},
                      .headers = {"If-Match"}}});
  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/slots",
       .handler = with(get_slots),
       .doc = {
           .summary = "The slots of a day that customers may still schedule an order in "
                      "(public; SPEC §15.3)",
           .description =
               "Slots of CREMA_SLOT_MINUTES counted from the opening of each range of "
               "opening hours, starting after now and within CREMA_MAX_SCHEDULE_DAYS; with "
               "max_orders_per_slot set, only those with room for the type, with the "
               "places left (pickup and delivery orders each have max_orders_per_slot).",
           .tag = kSettingsTag,
           .response_schema = "SlotDay",
           .query = {
               {.name = "date", .description = "YYYY-MM-DD in CREMA_TIMEZONE", .required = true},
               {.name = "type",
                .description = "pickup (default) or delivery",
                .values = {"pickup", "delivery"}}}}});
  router.add({.method = Method::put,
              .pattern = "/api/v1/settings/online-ordering",
              .handler = with(put_online_ordering),
              .access = auth::Access::manager_plus(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Pause or resume online orders, with a reason and an optional "
                                 "end (audited)",
                      .tag = kSettingsTag,
                      .request_schema = "OnlineOrderingInput",
                      .response_schema = "Settings",
                      .errors = {409},
                      .headers = {"If-Match"}}});
}

}  // namespace crema::api
