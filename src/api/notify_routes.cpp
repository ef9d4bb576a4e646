// The notification and webhook routes (SPEC §10; admin).
#include "api/notify_routes.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "api/actor.hpp"
#include "api/enum_lists.hpp"
#include "api/input.hpp"
#include "api/pagination.hpp"
#include "repo/keyset.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::api {

namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kMaxRecipients = 1000;

constexpr std::string_view kSendSchema = R"json({
  "type": "object",
  "required": ["subject", "body"],
  "description": "Either recipients or segment.",
  "properties": {
    "channel": {"type": "string", "enum": ["email", "sms", "log"], "description": "email when left out"},
    "recipients": {"type": "array", "minItems": 1, "maxItems": 1000,
                   "items": {"type": "string", "description": "a user id, an email address or a phone number"}},
    "segment": {"type": "string", "enum": ["all_customers"],
                "description": "every active customer with marketing_opt_in"},
    "subject": {"type": "string", "minLength": 1, "maxLength": 200},
    "body": {"type": "string", "minLength": 1, "maxLength": 10000}
  }
})json";

constexpr std::string_view kQueuedSchema = R"json({
  "type": "object",
  "required": ["queued"],
  "properties": {"queued": {"type": "integer", "minimum": 0}}
})json";

constexpr std::string_view kNotificationSchema = R"json({
  "type": "object",
  "required": ["id", "type", "recipient", "channel", "payload", "status", "attempts",
               "last_error", "sent_at", "created_at"],
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "type": {"type": "string", "enum": "$notification_type"},
    "recipient": {"type": "string"},
    "channel": {"type": "string", "enum": ["email", "sms", "log"]},
    "user_id": {"type": ["string", "null"]},
    "payload": {"type": "object", "additionalProperties": true, "description": "the data the message is made from (the order, the item…)"},
    "status": {"type": "string", "enum": "$outbox_status"},
    "attempts": {"type": "integer"},
    "last_error": {"type": ["string", "null"]},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "sent_at": {"type": ["string", "null"], "format": "date-time"},
    "created_at": {"type": "string", "format": "date-time"}
  }
})json";

constexpr std::string_view kWebhookCreateSchema = R"json({
  "type": "object",
  "required": ["url", "events"],
  "properties": {
    "url": {"type": "string", "format": "uri", "maxLength": 2000,
            "description": "http:// or https:// endpoint that receives signed POSTs"},
    "events": {"type": "array", "minItems": 1, "maxItems": 50, "uniqueItems": true,
               "items": {"type": "string", "examples": ["order_created", "inventory_low", "menu_updated", "*"]}},
    "description": {"type": "string", "maxLength": 500}
  }
})json";

constexpr std::string_view kWebhookSchema = R"json({
  "type": "object",
  "required": ["id", "url", "events", "description", "created_by", "created_at"],
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "url": {"type": "string"},
    "events": {"type": "array", "items": {"type": "string"}},
    "description": {"type": "string"},
    "created_by": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"}
  }
})json";

constexpr std::string_view kWebhookCreatedSchema = R"json({
  "allOf": [
    {"$ref": "#/components/schemas/Webhook"},
    {"type": "object", "required": ["secret"],
     "properties": {"secret": {"type": "string", "description": "the signing secret, shown this once only: X-Crema-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"t.body\">"}}}
  ]
})json";

constexpr std::string_view kDeliverySchema = R"json({
  "type": "object",
  "required": ["id", "event_id", "event_type", "url", "status", "attempts", "last_status_code",
               "last_error", "next_attempt_at", "sent_at", "created_at", "attempt_log"],
  "properties": {
    "id": {"type": "string", "format": "uuid", "description": "sent as X-Crema-Delivery"},
    "event_id": {"type": ["string", "null"]},
    "event_type": {"type": "string"},
    "url": {"type": "string"},
    "status": {"type": "string", "enum": "$outbox_status"},
    "attempts": {"type": "integer"},
    "last_status_code": {"type": ["integer", "null"]},
    "last_error": {"type": ["string", "null"]},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"},
    "sent_at": {"type": ["string", "null"], "format": "date-time"},
    "created_at": {"type": "string", "format": "date-time"},
    "attempt_log": {"type": "array", "items": {
      "type": "object",
      "required": ["attempt", "ok", "status_code", "error", "duration_ms", "at"],
      "properties": {
        "attempt": {"type": "integer"},
        "ok": {"type": "boolean"},
        "status_code": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
        "duration_ms": {"type": "integer"},
        "at": {"type": "string", "format": "date-time"}
      }}}
  }
})json";

bool valid_webhook_url(const std::string& url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return false;
  const auto scheme = parsed->scheme();
  return (scheme == "http" || scheme == "https") && !parsed->host().empty() &&
         !parsed->has_userinfo();
}

Response send_notification(Request& req, NotifyContext& ctx) {
  Input in(req.json);
  service::SendRequest r;
  r.channel = in.one_of("channel", Need::optional, {"email", "sms", "log"}).value_or("email");
  auto subject = in.text("subject", Need::required, 1, 200);
  auto body = in.text("body", Need::required, 1, 10000);
  const bool has_list = in.has("recipients");
  auto segment = in.one_of("segment", Need::optional, {"all_customers"});
  if (has_list && segment) {
    in.issue("segment", "give either recipients or segment, not both");
  } else if (!has_list && !segment) {
    in.issue("recipients", "is required (or segment)");
  }
  if (has_list) {
    if (const auto* list = in.array("recipients", Need::required, 1, kMaxRecipients)) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& v = (*list)[i];
        if (!v.is_string() || v.get_string().empty() || v.get_string().size() > 254) {
          in.issue_at("recipients[" + std::to_string(i) + "]",
                      "must be a user id, an email address or a phone number");
          continue;
        }
        r.recipients.emplace_back(v.get_string());
      }
    }
  }
  if (!in.ok()) return Response::from(in.error());
  r.all_customers = segment.has_value();
  r.subject = *subject;
  r.body = *body;
  auto out = ctx.notifications->send(actor_of(req), r);
  if (!out) return Response::from(std::move(out).error());
  return Response::json(202, json::object{{"queued", *out}});
}

Response list_notifications(Request& req, NotifyContext& ctx) {
  Query q(req);
  service::NotificationFilter f;
  if (auto s = q.one_of("status", enum_list("outbox_status")))
    f.status = domain::kOutboxStatuses.parse(*s);
  f.channel = q.one_of("channel", {"email", "sms", "log"});
  f.type = q.one_of("type", enum_list("notification_type"));
  auto page = keyset_page(q);
  f.before = std::move(page.after);
  f.limit = page.limit;
  if (!q.ok()) return Response::from(q.error());
  return Response::json(
      200, keyset_page_body(ctx.notifications->list(f),
                            [](const service::OutboxMessage& m) { return m.to_json(); }));
}

Response create_webhook(Request& req, NotifyContext& ctx) {
  Input in(req.json);
  auto url = in.text("url", Need::required, 1, 2000);
  if (url && !valid_webhook_url(*url))
    in.issue("url", "must be an absolute http:// or https:// URL without credentials");
  std::vector<std::string> events;
  if (const auto* list = in.array("events", Need::required, 1, 50)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& v = (*list)[i];
      const std::string path = "events[" + std::to_string(i) + "]";
      if (!v.is_string() || !service::valid_event_name(v.get_string())) {
        in.issue_at(path, "must be an event type (e.g. order_created) or *");
      } else if (std::find(events.begin(), events.end(), v.get_string()) != events.end()) {
        in.issue_at(path, "is listed twice");
      } else {
        events.emplace_back(v.get_string());
      }
    }
  }
  auto description = in.text("description", Need::optional, 0, 500);
  if (!in.ok()) return Response::from(in.error());
  auto out = ctx.webhooks->create(actor_of(req), *url, std::move(events), description.value_or(""));
  if (!out) return Response::from(std::move(out).error());
  json::object body = service::webhook_json(out->webhook);
  body["secret"] = out->secret;
  Response res = Response::json(201, body);
  res.header("Location", "/api/v1/webhooks/" + out->webhook.id);
  return res;
}

Response list_webhooks(Request& req, NotifyContext& ctx) {
  Query q(req);
  auto page = keyset_page(q);
  if (!q.ok()) return Response::from(q.error());
  return Response::json(
      200, keyset_page_body(ctx.webhooks->list(page.after, page.limit),
                            [](const repo::WebhookRow& w) { return service::webhook_json(w); }));
}

Response delete_webhook(Request& req, NotifyContext& ctx) {
  auto id = std::string(req.param("id"));
  if (!util::is_uuid(id))
    return Response::from(crema::Error::make(ErrorCode::not_found, "No such webhook."));
  auto out = ctx.webhooks->remove(actor_of(req), id);
  if (!out) return Response::from(std::move(out).error());
  return Response::no_content();
}

Response list_webhook_deliveries(Request& req, NotifyContext& ctx) {
  auto id = std::string(req.param("id"));
  Query q(req);
  auto page = keyset_page(q);
  if (!q.ok()) return Response::from(q.error());
  if (!util::is_uuid(id))
    return Response::from(crema::Error::make(ErrorCode::not_found, "No such webhook."));
  auto out = ctx.webhooks->deliveries(id, page.after, page.limit);
  if (!out) return Response::from(std::move(out).error());
  return Response::json(
      200, keyset_page_body(std::move(*out),
                            [](const service::WebhookDelivery& d) { return d.to_json(); }));
}

}  // namespace

void register_notify_routes(http::Router& router, OpenApi& openapi,
                            std::shared_ptr<NotifyContext> ctx) {
  auto with = [ctx](auto fn) { return [ctx, fn](Request& req) { return fn(req, *ctx); }; };
  openapi.add_schema("NotificationSend", kSendSchema);
  openapi.add_schema("NotificationsQueued", kQueuedSchema);
  openapi.add_schema("Notification", kNotificationSchema);
  openapi.add_page_schema("NotificationList", "Notification");
  openapi.add_schema("WebhookCreate", kWebhookCreateSchema);
  openapi.add_schema("Webhook", kWebhookSchema);
  openapi.add_schema("WebhookCreated", kWebhookCreatedSchema);
  openapi.add_page_schema("WebhookList", "Webhook");
  openapi.add_schema("WebhookDelivery", kDeliverySchema);
  openapi.add_page_schema("WebhookDeliveryList", "WebhookDelivery");

  router.add(
      {.method = Method::post,
       .pattern = "/api/v1/notifications/send",
       .handler = with(send_notification),
       .access = auth::Access::admin(),
       .body = http::BodyKind::json,
       .doc = {.summary = "Send a promotion to recipients or to all opted-in customers",
               .description =
                   "Queues one `promotion` notification per distinct recipient in the outbox; "
                   "the workers deliver them (email over SMTP, SMS over the provider, or the "
                   "log when the channel's provider is not configured).",
               .tag = "notifications",
               .request_schema = "NotificationSend",
               .response_schema = "NotificationsQueued",
               .success_status = 202}});

  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/notifications",
       .handler = with(list_notifications),
       .access = auth::Access::admin(),
       .doc = {
           .summary = "Notifications queued, sent and failed, newest first",
           .tag = "notifications",
           .response_schema = "NotificationList",
           .query = {{.name = "status", .values = enum_list("outbox_status")},
                     {.name = "channel", .description = "email, sms or log"},
                     {.name = "type", .values = enum_list("notification_type")},
                     {.name = "limit", .type = "integer", .description = "1 to 200 (default 50)"},
                     {.name = "cursor", .description = "next_cursor of the previous page"}}}});

  router.add({.method = Method::post,
              .pattern = "/api/v1/webhooks",
              .handler = with(create_webhook),
              .access = auth::Access::admin(),
              .body = http::BodyKind::json,
              .doc = {.summary = "Register a partner webhook (the signing secret is shown once)",
                      .description =
                          "Every matching event is POSTed as `{id, type, data, at}` through the "
                          "outbox, signed `X-Crema-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 "
                          "of \"t.body\" under the secret>`, with `X-Crema-Event` and "
                          "`X-Crema-Delivery`; a non-2xx answer is retried with backoff (8 tries).",
                      .tag = "webhooks",
                      .request_schema = "WebhookCreate",
                      .response_schema = "WebhookCreated",
                      .success_status = 201}});

  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/webhooks",
       .handler = with(list_webhooks),
       .access = auth::Access::admin(),
       .doc = {
           .summary = "Registered partner webhooks, newest first",
           .tag = "webhooks",
           .response_schema = "WebhookList",
           .query = {{.name = "limit", .type = "integer", .description = "1 to 200 (default 50)"},
                     {.name = "cursor", .description = "next_cursor of the previous page"}}}});

  router.add({.method = Method::del,
              .pattern = "/api/v1/webhooks/{id}",
              .handler = with(delete_webhook),
              .access = auth::Access::admin(),
              .doc = {.summary = "Delete a partner webhook (its queued deliveries are dropped)",
                      .tag = "webhooks",
                      .success_status = 204}});

  router.add(
      {.method = Method::get,
       .pattern = "/api/v1/webhooks/{id}/deliveries",
       .handler = with(list_webhook_deliveries),
       .access = auth::Access::admin(),
       .doc = {
           .summary = "Deliveries of a webhook with every attempt, newest first",
           .tag = "webhooks",
           .response_schema = "WebhookDeliveryList",
           .query = {{.name = "limit", .type = "integer", .description = "1 to 200 (default 50)"},
                     {.name = "cursor", .description = "next_cursor of the previous page"}}}});
}

}  // namespace crema::api
