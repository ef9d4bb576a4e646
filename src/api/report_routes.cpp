// Reports (SPEC §12): query parameters checked (400 bad_request listing each one), business
// days in CREMA_TIMEZONE, JSON or `?format=csv` (util::CsvWriter, as the audit log).
#include "api/report_routes.hpp"

#include <boost/json.hpp>

#include "api/input.hpp"
#include "util/csv.hpp"
#include "util/json_text.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kReportTag = "reports";
constexpr int kDefaultRangeDays = 30;  // from/to left out: the 30 days up to today
constexpr int kMaxRangeDays = 3660;    // about ten years
constexpr int kDefaultTop = 10;
constexpr int kMaxTop = 100;

Response csv_response(util::CsvWriter& out, std::string_view name) {
  Response res(200, out.take(), "text/csv; charset=utf-8");
  res.header("Content-Disposition", "attachment; filename=\"" + std::string(name) + ".csv\"");
  return res;
}

// The parameters every report shares.
struct Params {
  Query q;
  bool csv = false;
  explicit Params(const Request& req) : q(req) {
    csv = q.one_of("format", {"json", "csv"}).value_or("json") == "csv";
  }
  std::optional<int> day(std::string_view name) {
    auto d = q.date(name);
    if (!d) return std::nullopt;
    return domain::parse_iso_day(*d);
  }
};

// `from`/`to` (YYYY-MM-DD business dates, both included); left out: the 30 days to today.
std::pair<int, int> range(Params& p, const service::ReportService& s) {
  const int today = s.business_day(util::now_ms());
  auto from = p.day("from");
  auto to = p.day("to");
  const int t = to.value_or(from ? std::max(*from, today) : today);
  const int f = from.value_or(t - (kDefaultRangeDays - 1));
  if (p.q.ok()) {
    if (f > t) p.q.issue("to", "must not be before from");
    else if (t - f + 1 > kMaxRangeDays)
      p.q.issue("to", "must be at most " + std::to_string(kMaxRangeDays) + " days after from");
  }
  return {f, t};
}

void totals_rows(util::CsvWriter& out, const std::string& first, std::string_view breakdown,
                 const std::string& key, const domain::SalesTotals& t) {
  out.row({first, std::string(breakdown), key, std::to_string(t.order_count),
           domain::money_text(t.total_sales)});
}

Response daily(Request& req, ReportsContext& ctx) {
  Params p(req);
  auto day = p.day("date");
  if (!p.q.ok()) return Response::from(p.q.error());
  auto r = ctx.reports.daily(day.value_or(ctx.reports.business_day(util::now_ms())));
  if (p.csv) {
    util::CsvWriter out;
    out.row({"date", "breakdown", "key", "order_count", "total_sales"});
    totals_rows(out, r.date, "total", "", r.total);
    for (const auto& [k, t] : r.payment_methods) totals_rows(out, r.date, "payment_method", k, t);
    for (const auto& [k, t] : r.by_type) totals_rows(out, r.date, "type", k, t);
    return csv_response(out, "sales-daily-" + r.date);
  }
  return Response::json(200, domain::to_json(r, ctx.reports.settings().currency));
}

Response weekly(Request& req, ReportsContext& ctx) {
  Params p(req);
  auto start = p.day("week_start");
  if (!p.q.ok()) return Response::from(p.q.error());
  if (!start) {
    const int today = ctx.reports.business_day(util::now_ms());
    start = today - domain::weekday(today);  // this week's Monday
  }
  auto r = ctx.reports.weekly(*start);
  if (p.csv) {
    util::CsvWriter out;
    out.row({"week_start", "breakdown", "key", "order_count", "total_sales"});
    totals_rows(out, r.week_start, "total", "", r.total);
    for (const auto& [d, t] : r.days) totals_rows(out, r.week_start, "day", d, t);
    for (const auto& [k, t] : r.payment_methods)
      totals_rows(out, r.week_start, "payment_method", k, t);
    return csv_response(out, "sales-weekly-" + r.week_start);
  }
  return Response::json(200, domain::to_json(r, ctx.reports.settings().currency));
}

Response top_products(Request& req, ReportsContext& ctx) {
  Params p(req);
  auto [from, to] = range(p, ctx.reports);
  auto limit = p.q.integer("limit", 1, kMaxTop);
  if (!p.q.ok()) return Response::from(p.q.error());
  auto items = ctx.reports.top_products(from, to, static_cast<int>(limit.value_or(kDefaultTop)));
  if (p.csv) {
    util::CsvWriter out;
    out.row({"product_id", "name", "quantity", "revenue"});
    for (const auto& i : items)
      out.row({i.product_id, i.name, std::to_string(i.quantity), domain::money_text(i.revenue)});
    return csv_response(out, "top-products");
  }
  return Response::json(200, domain::products_json(items, ctx.reports.settings().currency));
}

Response performance(Request& req, ReportsContext& ctx) {
  Params p(req);
  auto [from, to] = range(p, ctx.reports);
  if (!p.q.ok()) return Response::from(p.q.error());
  auto staff = ctx.reports.performance(from, to);
  if (p.csv) {
    util::CsvWriter out;
    out.row({"user_id", "name", "orders_handled", "total_sales", "avg_prep_minutes", "feedback_avg",
             "feedback_count"});
    for (const auto& s : staff) {
      auto avg = s.avg_prep_minutes();
      auto feedback = s.feedback_avg();
      // As the JSON answer writes it (util::to_json: 0, 12.5), never Boost's "0E0".
      out.row({s.user_id, s.name, std::to_string(s.orders_handled),
               domain::money_text(s.total_sales),
               avg ? util::to_json(json::value(*avg)) : std::string(),
               feedback ? util::to_json(json::value(*feedback)) : std::string(),
               std::to_string(s.feedback_count)});
    }
    return csv_response(out, "performance");
  }
  return Response::json(200, domain::staff_json(staff, ctx.reports.settings().currency));
}

Response admin_sales(Request& req, ReportsContext& ctx) {
  Params p(req);
  auto [from, to] = range(p, ctx.reports);
  auto g = p.q.one_of("granularity", {"day", "week", "month"}).value_or("day");
  if (!p.q.ok()) return Response::from(p.q.error());
  auto r = ctx.reports.sales(from, to, *domain::parse_granularity(g));
  if (p.csv) {
    util::CsvWriter out;
    out.row({"period_start", "order_count", "total_sales"});
    for (const auto& [period, t] : r.buckets)
      out.row({period, std::to_string(t.order_count), domain::money_text(t.total_sales)});
    return csv_response(out, "sales");
  }
  return Response::json(200, domain::to_json(r, ctx.reports.settings().currency));
}

Response admin_customers(Request& req, ReportsContext& ctx) {
  Params p(req);
  auto [from, to] = range(p, ctx.reports);
  auto limit = p.q.integer("limit", 1, kMaxTop);
  if (!p.q.ok()) return Response::from(p.q.error());
  // CSV: every customer of the period (the top ones are its first rows).
  auto r = ctx.reports.customers(
      from, to, p.csv ? SIZE_MAX : static_cast<std::size_t>(limit.value_or(kDefaultTop)));
  if (p.csv) {
    util::CsvWriter out;
    out.row({"customer_id", "name", "order_count", "total_spent", "new_customer"});
    for (const auto& c : r.top_customers)
      out.row({c.customer_id, c.name, std::to_string(c.order_count),
               domain::money_text(c.total_spent), c.is_new ? "true" : "false"});
    return csv_response(out, "customers");
  }
  return Response::json(200, domain::to_json(r, ctx.reports.settings().currency));
}

void add_report_schemas(OpenApi& openapi) {
  openapi.add_schema("DailySalesReport", R"json({
    "type": "object",
    "required": ["date", "total_sales", "order_count", "average_order_value", "payment_methods", "by_type", "currency"],
    "properties": {
      "date": {"type": "string", "format": "date"},
      "total_sales": {"type": "number", "description": "sum of total_amount − refunded_amount of the day's sales"},
      "order_count": {"type": "integer"},
      "average_order_value": {"type": "number"},
      "payment_methods": {"type": "object", "additionalProperties": {"type": "number"}, "description": "total_sales per payment_method; cash, card and mobile always present; 'other' for sales without one"},
      "by_type": {"type": "object", "additionalProperties": {"type": "number"}, "description": "total_sales per order type (all four present)"},
      "currency": {"type": "string"}
    }
  })json");
  openapi.add_schema("WeeklySalesReport", R"json({
    "type": "object",
    "required": ["week_start", "week_end", "total_sales", "order_count", "days", "payment_methods", "currency"],
    "properties": {
      "week_start": {"type": "string", "format": "date"},
      "week_end": {"type": "string", "format": "date"},
      "total_sales": {"type": "number"},
      "order_count": {"type": "integer"},
      "days": {"type": "array", "items": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "total_sales": {"type": "number"}, "order_count": {"type": "integer"}}}},
      "payment_methods": {"type": "object", "additionalProperties": {"type": "number"}},
      "currency": {"type": "string"}
    }
  })json");
  openapi.add_schema("TopProductsReport", R"json({
    "type": "object", "required": ["items", "currency"],
    "properties": {
      "items": {"type": "array", "items": {"type": "object", "properties": {
        "product_id": {"type": "string"}, "name": {"type": "string"},
        "quantity": {"type": "integer"}, "revenue": {"type": "number", "description": "sum of line_total"}}}},
      "currency": {"type": "string"}
    }
  })json");
  openapi.add_schema("StaffPerformanceReport", R"json({
    "type": "object", "required": ["staff", "currency"],
    "properties": {
      "staff": {"type": "array", "items": {"type": "object", "properties": {
        "user_id": {"type": "string"}, "name": {"type": "string"},
        "orders_handled": {"type": "integer"}, "total_sales": {"type": "number"},
        "avg_prep_minutes": {"type": ["number", "null"]},
        "feedback_avg": {"type": ["number", "null"], "description": "mean rating (1–5, 2 decimals) the customers gave the orders credited (POST /orders/{id}/feedback); null when none was rated"},
        "feedback_count": {"type": "integer", "description": "how many of the orders credited were rated"}}}},
      "currency": {"type": "string"}
    }
  })json");
  openapi.add_schema("SalesBucketsReport", R"json({
    "type": "object", "required": ["buckets", "total_sales", "order_count", "currency"],
    "properties": {
      "buckets": {"type": "array", "items": {"type": "object", "properties": {
        "period_start": {"type": "string", "format": "date"}, "total_sales": {"type": "number"},
        "order_count": {"type": "integer"}}}},
      "total_sales": {"type": "number"},
      "order_count": {"type": "integer"},
      "currency": {"type": "string"}
    }
  })json");
  openapi.add_schema("CustomersReport", R"json({
    "type": "object",
    "required": ["total_customers", "new_customers", "returning_customers", "top_customers", "currency"],
    "properties": {
      "total_customers": {"type": "integer", "description": "customer accounts with a sale in the period"},
      "new_customers": {"type": "integer", "description": "of those, the ones whose first sale ever is in the period"},
      "returning_customers": {"type": "integer"},
      "top_customers": {"type": "array", "items": {"type": "object", "properties": {
        "customer_id": {"type": "string"}, "name": {"type": "string"},
        "order_count": {"type": "integer"}, "total_spent": {"type": "number"}}}},
      "currency": {"type": "string"}
    }
  })json");
}

const http::QueryDoc kFormat{
    .name = "format", .description = "json (default) or csv (text/csv)", .values = {"json", "csv"}};
const http::QueryDoc kFrom{
    .name = "from", .description = "YYYY-MM-DD business date, included (default: to − 29 days)"};
const http::QueryDoc kTo{.name = "to",
                         .description = "YYYY-MM-DD business date, included (default: today)"};

}  // namespace

void register_report_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<ReportsContext> ctx) {
  add_report_schemas(openapi);
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  const http::QueryDoc limit{
      .name = "limit", .type = "integer", .description = "1 to 100, default 10"};
  router.add({.method = Method::get,
              .pattern = "/api/v1/reports/sales/daily",
              .handler = with(daily),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Sales of one business day, by payment method and order type",
                      .tag = kReportTag,
                      .response_schema = "DailySalesReport",
                      .query = {{.name = "date",
                                 .description = "YYYY-MM-DD business date (default: today)"},
                                kFormat},
                      .csv = true}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/reports/sales/weekly",
              .handler = with(weekly),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Sales of the seven business days from week_start",
                      .tag = kReportTag,
                      .response_schema = "WeeklySalesReport",
                      .query = {{.name = "week_start",
                                 .description = "YYYY-MM-DD (default: this week's Monday)"},
                                kFormat},
                      .csv = true}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/reports/products/top",
              .handler = with(top_products),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Products sold, most units first",
                      .tag = kReportTag,
                      .response_schema = "TopProductsReport",
                      .query = {kFrom, kTo, limit, kFormat},
                      .csv = true}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/reports/performance",
              .handler = with(performance),
              .access = auth::Access::manager_plus(),
              .doc = {.summary = "Staff performance: sales credited to each staff member once",
                      .description = "An order is credited to the staff member who created "
                                     "it, or, for orders created by customers or API keys, to "
                                     "the one who moved it to ready.",
                      .tag = kReportTag,
                      .response_schema = "StaffPerformanceReport",
                      .query = {kFrom, kTo, kFormat},
                      .csv = true}});
  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/admin/sales",
       .handler = with(admin_sales),
       .access = auth::Access::admin(),
       .doc = {.summary = "Sales per day, week (from Monday) or month",
               .tag = "admin",
               .response_schema = "SalesBucketsReport",
               .query = {kFrom,
                         kTo,
                         {.name = "granularity", .description = "day (default), week or month"},
                         kFormat},
               .csv = true}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/admin/top-products",
              .handler = with(top_products),
              .access = auth::Access::admin(),
              .doc = {.summary = "Products sold, most units first (as /reports/products/top)",
                      .tag = "admin",
                      .response_schema = "TopProductsReport",
                      .query = {kFrom, kTo, limit, kFormat},
                      .csv = true}});
  router.add({.method = Method::get,
              .pattern = "/api/v1/admin/customers",
              .handler = with(admin_customers),
              .access = auth::Access::admin(),
              .doc = {.summary = "Customers with sales in the period: new, returning, top spenders",
                      .description = "CSV lists every customer of the period, biggest spender "
                                     "first.",
                      .tag = "admin",
                      .response_schema = "CustomersReport",
                      .query = {kFrom, kTo, limit, kFormat},
                      .csv = true}});
}

}  // namespace crema::api
