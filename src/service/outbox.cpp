#include "service/outbox.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/json.hpp>

#include "domain/outbox.hpp"
#include "obs/trace.hpp"
#include "repo/outbox_repo.hpp"
#include "repo/webhook_repo.hpp"
#include "util/json_or_null.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace json = boost::json;

namespace {

json::value parse_payload(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return json::object{};
  return v;
}

// A password reset or an email verification carries a single-use token in its link: it is
// for the account's owner only, so a listing shows that there was a link, never the link.
json::value listed_payload(std::string_view type, const std::string& text) {
  auto v = parse_payload(text);
  if ((type == "password_reset" || type == "verify_email") && v.is_object()) {
    auto& o = v.as_object();
    if (o.contains("link")) o["link"] = "(hidden: it holds a single-use token)";
    o.erase("token");
  }
  return v;
}

// The trace of the change queuing a message, kept with its row.
std::string current_traceparent() {
  const auto* trace = obs::current_trace();
  return trace ? trace->traceparent() : std::string();
}

}  // namespace

json::object OutboxMessage::to_json() const {
  return {{"id", id},
          {"type", type},
          {"recipient", recipient},
          {"channel", channel},
          {"user_id", util::json_text_or_null(user_id)},
          {"payload", listed_payload(type, payload)},
          {"status", domain::name(status)},
          {"attempts", attempts},
          {"last_error", util::json_text_or_null(last_error)},
          {"next_attempt_at", status == domain::OutboxStatus::queued
                                  ? json::value(util::format_rfc3339(next_attempt_at))
                                  : nullptr},
          {"sent_at", util::json_time_or_null(sent_at)},
          {"created_at", util::format_rfc3339(created_at)}};
}

json::object OutboxAttempt::to_json() const {
  return {{"attempt", attempt},
          {"ok", ok},
          {"status_code", status_code ? json::value(*status_code) : json::value(nullptr)},
          {"error", util::json_text_or_null(error)},
          {"duration_ms", duration_ms},
          {"at", util::format_rfc3339(at)}};
}

std::string enqueue_notification(db::Transaction& tx, const NotificationRequest& request) {
  if (!domain::is_notification_type(request.type))
    throw std::invalid_argument("unknown notification type: " + request.type);
  if (!domain::is_notification_channel(request.channel))
    throw std::invalid_argument("unknown notification channel: " + request.channel);
  if (request.recipient.empty()) throw std::invalid_argument("a notification needs a recipient");
  OutboxMessage m;
  m.id = util::new_uuid_v7();
  m.kind = "notification";
  m.type = request.type;
  m.channel = request.channel;
  m.recipient = request.recipient;
  m.user_id = request.user_id;
  m.payload = json::serialize(request.payload);
  m.created_at = util::now_ms();
  m.traceparent = current_traceparent();
  repo::insert_outbox(tx, m);
  return m.id;
}

std::optional<std::string> enqueue_user_notification(db::Transaction& tx, std::string_view user_id,
                                                     std::string type, json::object payload,
                                                     std::string channel) {
  auto contact = repo::find_active_contact(tx.connection(), user_id);
  if (!contact) return std::nullopt;
  std::string address = channel == "sms" ? contact->phone : contact->email;
  if (address.empty()) return std::nullopt;
  return enqueue_notification(tx, {std::move(type), std::move(channel), std::move(address),
                                   contact->user_id, std::move(payload)});
}

int enqueue_preferred_notification(db::Transaction& tx, std::string_view user_id, std::string type,
                                   const json::object& payload) {
  auto contact = repo::find_active_contact(tx.connection(), user_id);
  if (!contact) return 0;
  const bool sms = contact->notify_channel != "email" && !contact->phone.empty();
  const bool email = contact->notify_channel != "sms" || !sms;
  int n = 0;
  if (email && !contact->email.empty()) {
    enqueue_notification(tx, {type, "email", contact->email, contact->user_id, payload});
    ++n;
  }
  if (sms) {
    enqueue_notification(tx, {type, "sms", contact->phone, contact->user_id, payload});
    ++n;
  }
  return n;
}

bool enqueue_contact_notification(db::Transaction& tx, std::string_view email,
                                  std::string_view phone, std::string type, json::object payload) {
  if (email.empty() && phone.empty()) return false;
  const bool by_email = !email.empty();
  enqueue_notification(tx, {std::move(type),
                            by_email ? "email" : "sms",
                            std::string(by_email ? email : phone),
                            {},
                            std::move(payload)});
  return true;
}

int enqueue_role_notification(db::Transaction& tx, const std::vector<std::string>& roles,
                              std::string type, const json::object& payload) {
  int n = 0;
  for (const auto& c : repo::contacts_with_roles(tx.connection(), roles)) {
    enqueue_notification(tx, {type, "email", c.email, c.user_id, payload});
    ++n;
  }
  return n;
}

void read_webhooks_soon(db::Transaction& tx) {
  auto& memo = tx.memo("active_webhooks");
  if (memo.has_value()) return;
  // std::map nodes stay put, so the memo's address holds until the transaction ends (a
  // pending read is dropped then, never delivered).
  repo::active_webhooks_soon(
      tx.connection(), [&memo](std::vector<repo::WebhookRow>&& rows) { memo = std::move(rows); });
}

namespace {
// One look at the subscriptions per transaction, however many event types it raises (an
// order's creation and the menu change of its reservation, say).
const std::vector<repo::WebhookRow>& subscriptions(db::Transaction& tx) {
  auto& memo = tx.memo("active_webhooks");
  if (!memo.has_value()) tx.connection().flush_soon();  // a read_webhooks_soon on its way
  if (!memo.has_value()) memo = repo::active_webhooks(tx.connection());
  return std::any_cast<const std::vector<repo::WebhookRow>&>(memo);
}

bool wants(const repo::WebhookRow& h, std::string_view type) {
  return std::any_of(h.events.begin(), h.events.end(),
                     [&](const std::string& e) { return e == type || e == "*"; });
}
}  // namespace

bool webhook_subscribed(db::Transaction& tx, std::string_view type) {
  const auto& hooks = subscriptions(tx);
  return std::any_of(hooks.begin(), hooks.end(),
                     [&](const repo::WebhookRow& h) { return wants(h, type); });
}

int enqueue_webhook_event(db::Transaction& tx, std::string_view type, const json::value& data) {
  const auto& hooks = subscriptions(tx);
  if (hooks.empty()) return 0;
  const auto now = util::now_ms();
  // One event id for every endpoint: a partner with two endpoints can tell a repeat.
  const std::string event_id = util::new_uuid_v7();
  const std::string body = json::serialize(json::object{
      {"id", event_id}, {"type", type}, {"data", data}, {"at", util::format_rfc3339(now)}});
  const std::string traceparent = current_traceparent();
  int n = 0;
  for (const auto& h : hooks) {
    if (!wants(h, type)) continue;
    OutboxMessage m;
    m.id = util::new_uuid_v7();
    m.kind = "webhook";
    m.type = std::string(type);
    m.channel = "webhook";
    m.recipient = h.url;
    m.webhook_id = h.id;
    m.payload = body;
    m.created_at = now;
    m.traceparent = traceparent;
    repo::insert_outbox(tx, m);
    ++n;
  }
  return n;
}

std::vector<OutboxMessage> claim_due(db::Pool& pool, std::string_view worker, std::int64_t now_ms,
                                     int limit, std::int64_t lease_ms) {
  // Idle polls are the common case: look on a reader first, so an empty queue never takes
  // SQLite's single writer (or a PostgreSQL write transaction).
  {
    auto lease = pool.read();
    if (!repo::any_due(*lease, now_ms)) return {};
  }
  return pool.transact(
      [&](db::Transaction& tx) { return repo::claim_outbox(tx, worker, now_ms, limit, lease_ms); });
}

namespace {

OutboxAttempt attempt_row(const OutboxMessage& m, std::int64_t now_ms, const AttemptOutcome& o) {
  OutboxAttempt a;
  a.outbox_id = m.id;
  a.attempt = m.attempts + 1;
  a.ok = o.ok;
  a.status_code = o.status_code;
  a.error = o.error;
  a.duration_ms = o.duration_ms;
  a.at = now_ms;
  return a;
}

}  // namespace

bool mark_sent(db::Pool& pool, const OutboxMessage& message, std::string_view worker,
               std::int64_t now_ms, const AttemptOutcome& outcome) {
  return pool.transact([&](db::Transaction& tx) {
    if (!repo::settle_outbox(tx, message.id, worker, domain::OutboxStatus::sent, "",
                             outcome.status_code, now_ms, now_ms, now_ms))
      return false;
    repo::insert_attempt(tx, util::new_uuid_v7(), attempt_row(message, now_ms, outcome));
    return true;
  });
}

std::optional<domain::OutboxStatus> mark_attempt_failed(
    db::Pool& pool, const OutboxMessage& message, std::string_view worker, std::int64_t now_ms,
    const AttemptOutcome& outcome, const OutboxPolicy& policy, double unit_random, bool permanent) {
  const int attempts = message.attempts + 1;
  const bool dead = permanent || attempts >= policy.max_attempts;
  const auto status = dead ? domain::OutboxStatus::failed : domain::OutboxStatus::queued;
  const std::int64_t next =
      dead ? now_ms
           : now_ms + domain::outbox_retry_delay_ms(attempts, policy.backoff_base_ms,
                                                    policy.backoff_cap_ms, unit_random);
  std::string error = outcome.error.empty() ? std::string("delivery failed") : outcome.error;
  if (error.size() > 1000) error.resize(1000);
  return pool.transact([&](db::Transaction& tx) -> std::optional<domain::OutboxStatus> {
    if (!repo::settle_outbox(tx, message.id, worker, status, error, outcome.status_code, next,
                             std::nullopt, now_ms))
      return std::nullopt;
    auto row = attempt_row(message, now_ms, outcome);
    row.error = error;
    repo::insert_attempt(tx, util::new_uuid_v7(), row);
    return status;
  });
}

int release_claims(db::Pool& pool, std::string_view worker) {
  return pool.transact(
      [&](db::Transaction& tx) { return repo::release_outbox_claims(tx, worker); });
}

std::int64_t prune_settled_messages(db::Pool& pool, std::int64_t before_ms) {
  return pool.transact(
      [&](db::Transaction& tx) { return repo::delete_settled_before(tx, before_ms); });
}

std::int64_t outbox_backlog(db::Pool& pool) {
  auto lease = pool.read();
  return repo::count_queued(*lease);
}

std::vector<OutboxMessage> list_notifications(db::Pool& pool, const NotificationFilter& filter) {
  auto lease = pool.read();
  return repo::select_notifications(*lease, filter);
}

}  // namespace crema::service
