// GET /admin/audit-log (SPEC §12; admin): filters, keyset pages, and ?format=csv.
#include <boost/json.hpp>

#include "api/csv_export.hpp"
#include "api/identity_routes.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "service/audit.hpp"
#include "util/csv.hpp"
#include "util/time.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kEntrySchema = R"json({
  "type": "object",
  "required": ["id", "actor_id", "actor_role", "action", "target_type", "target_id", "summary",
               "ip", "request_id", "at"],
  "properties": {
    "id": {"type": "string"},
    "actor_id": {"type": ["string", "null"]},
    "actor_role": {"type": ["string", "null"], "description": "the actor's role; \"system\" (with actor_id null) for the server's own jobs, such as an unpaid order's expiry"},
    "action": {"type": "string", "examples": ["user.role_change"]},
    "target_type": {"type": "string"},
    "target_id": {"type": ["string", "null"]},
    "summary": {"type": "string"},
    "ip": {"type": ["string", "null"]},
    "request_id": {"type": ["string", "null"]},
    "at": {"type": "string", "format": "date-time"}
  }
})json";

}  // namespace

void register_audit_routes(http::Router& router, OpenApi& openapi,
                           std::shared_ptr<IdentityApi> api) {
  openapi.add_schema("AuditEntry", kEntrySchema);
  openapi.add_page_schema("AuditLog", "AuditEntry");
  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/admin/audit-log",
       .handler =
           [api](Request& req) {
             Query q(req);
             const bool csv = wants_csv(q);
             service::AuditFilter f;
             f.actor_id = q.text("actor_id", 64);
             f.action = q.text("action", 100);
             // An RFC 3339 time, or a business date: from its start / to its end.
             f.from_ms = q.bound("from", api->timezone, false);
             f.to_ms = q.bound("to", api->timezone, true);
             auto page = csv ? keyset_page(q, kCsvMaxPage, kCsvMaxPage) : keyset_page(q);
             f.limit = page.limit;
             f.before = page.after;
             if (!q.ok()) return Response::from(q.error());
             if (csv) {
               return csv_export(
                   CsvExport<service::AuditRow, repo::Keyset>{
                       .filename = "audit-log.csv",
                       .header = {"id", "at", "actor_id", "actor_role", "action", "target_type",
                                  "target_id", "summary", "ip", "request_id"},
                       .fetch =
                           [pool = api->pool, f](const std::optional<repo::Keyset>& after,
                                                 int limit) {
                             auto filter = f;
                             filter.before = after;
                             filter.limit = limit;
                             return service::audit_page(*pool, filter);
                           },
                       .row =
                           [](const service::AuditRow& r) {
                             return std::vector<std::string>{
                                 r.id,        util::format_rfc3339(r.at),
                                 r.actor_id,  r.actor_role,
                                 r.action,    r.target_type,
                                 r.target_id, r.summary,
                                 r.ip,        r.request_id};
                           },
                       .cursor_key = keyset_key},
                   page.after, csv_limit(req, page.limit));
             }
             auto result = service::audit_page(*api->pool, f);
             return Response::json(
                 200, keyset_page_body(std::move(result),
                                       [](const service::AuditRow& r) { return r.to_json(); }));
           },
       .access = auth::Access::admin(),
       .doc = {.summary = "Every admin and manager mutation, newest first (JSON pages or CSV)",
               .tag = "admin",
               .response_schema = "AuditLog",
               .query = {{.name = "actor_id", .description = "the user who acted"},
                         {.name = "action", .description = "e.g. user.role_change"},
                         {.name = "from",
                          .description =
                              "RFC 3339 time, or YYYY-MM-DD (start of that day in CREMA_TIMEZONE)"},
                         {.name = "to",
                          .description =
                              "RFC 3339 time (exclusive), or YYYY-MM-DD (that whole day included)"},
                         {.name = "format",
                          .description = "json (default) or csv (text/csv: streamed whole, or with "
                                         "?limit= one page and "
                                         "the next page's cursor in X-Next-Cursor)",
                          .values = {"json", "csv"}},
                         {.name = "limit",
                          .type = "integer",
                          .description =
                              "JSON: 1 to 200 (default 50); CSV: 1 to 10000 rows in one page, "
                              "absent: every entry streamed"},
                         {.name = "cursor",
                          .description = "next_cursor (or X-Next-Cursor) of the previous page"}},
               .csv = true}});
}

}  // namespace crema::api
