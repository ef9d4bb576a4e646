#include "service/webhook_service.hpp"

#include <boost/json.hpp>

#include "auth/crypto.hpp"
#include "auth/secret_box.hpp"
#include "repo/keyset.hpp"
#include "repo/outbox_repo.hpp"
#include "service/audit.hpp"
#include "service/write_tx.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace json = boost::json;

boost::json::object webhook_json(const repo::WebhookRow& w) {
  json::array events;
  for (const auto& e : w.events) events.emplace_back(e);
  return {{"id", w.id},
          {"url", w.url},
          {"events", std::move(events)},
          {"description", w.description},
          {"created_by", w.created_by.empty() ? json::value(nullptr) : json::value(w.created_by)},
          {"created_at", util::format_rfc3339(w.created_at)}};
}

bool valid_event_name(std::string_view name) noexcept {
  if (name == "*") return true;
  if (name.empty() || name.size() > 64) return false;
  if (name.front() < 'a' || name.front() > 'z') return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.')) return false;
  return true;
}

json::object WebhookDelivery::to_json() const {
  json::array tries;
  for (const auto& a : attempts) tries.push_back(a.to_json());
  boost::system::error_code ec;
  auto body = json::parse(message.payload, ec);
  json::value event_id = nullptr;
  if (!ec && body.is_object())
    if (const auto* id = body.as_object().if_contains("id")) event_id = *id;
  return {{"id", message.id},
          {"event_id", event_id},
          {"event_type", message.type},
          {"url", message.recipient},
          {"status", domain::name(message.status)},
          {"attempts", message.attempts},
          {"last_status_code",
           message.last_status ? json::value(*message.last_status) : json::value(nullptr)},
          {"last_error",
           message.last_error.empty() ? json::value(nullptr) : json::value(message.last_error)},
          {"next_attempt_at", message.status == domain::OutboxStatus::queued
                                  ? json::value(util::format_rfc3339(message.next_attempt_at))
                                  : json::value(nullptr)},
          {"sent_at", message.sent_at ? json::value(util::format_rfc3339(*message.sent_at))
                                      : json::value(nullptr)},
          {"created_at", util::format_rfc3339(message.created_at)},
          {"attempt_log", std::move(tries)}};
}

crema::Result<WebhookCreated> WebhookService::create(const Actor& actor, std::string url,
                                                     std::vector<std::string> events,
                                                     std::string description) {
  if (!allow_private_) {
    auto check = util::check_outbound_url(url, false, resolver_);
    if (!check.target && !check.unresolved)
      return crema::Error::make(ErrorCode::validation_failed,
                                "The webhook URL is not a public address.",
                                {{"url", "must point at a public address: " + check.refusal}});
  }
  WebhookCreated out;
  out.secret = "whsec_" + auth::random_token(32);
  auto& w = out.webhook;
  w.id = util::new_uuid_v7();
  w.url = std::move(url);
  w.events = std::move(events);
  w.description = std::move(description);
  w.secret_sealed = secrets_.seal(out.secret);
  w.created_by = actor.user_id();
  w.created_at = util::now_ms();
  auto done = in_write_tx(pool_, [&](db::Transaction& tx) -> crema::Result<void> {
    repo::insert_webhook(tx, w);
    // The URL without its query: partners sometimes put a token there, and the audit log
    // never holds a secret.
    record_audit(tx, actor,
                 {"webhook.create", "webhook", w.id,
                  "registered webhook " + w.url.substr(0, w.url.find_first_of("?#"))});
    return {};
  });
  if (!done) return std::move(done).error();
  return out;
}

Page<repo::WebhookRow, repo::Keyset> WebhookService::list(const std::optional<repo::Keyset>& before,
                                                          int limit) {
  auto lease = pool_.read();
  return make_page(repo::select_webhooks(*lease, before, limit), limit,
                   [](const repo::WebhookRow& w) {
                     return repo::Keyset{w.created_at, w.id};
                   });
}

crema::Result<void> WebhookService::remove(const Actor& actor, const std::string& id) {
  return in_write_tx(pool_, [&](db::Transaction& tx) -> crema::Result<void> {
    if (!repo::delete_webhook(tx, id, util::now_ms()))
      return crema::Error::make(ErrorCode::not_found, "No such webhook.");
    record_audit(tx, actor, {"webhook.delete", "webhook", id, "deleted webhook"});
    return {};
  });
}

crema::Result<Page<WebhookDelivery, repo::Keyset>> WebhookService::deliveries(
    const std::string& id, const std::optional<repo::Keyset>& before, int limit) {
  auto lease = pool_.read();
  if (!repo::find_webhook(*lease, id))
    return crema::Error::make(ErrorCode::not_found, "No such webhook.");
  auto page = make_page(repo::select_deliveries(*lease, id, before, limit), limit,
                        [](const OutboxMessage& m) {
                          return repo::Keyset{m.created_at, m.id};
                        });
  std::vector<std::string> ids;
  for (const auto& r : page.items) ids.push_back(r.id);
  auto attempts = repo::select_attempts(*lease, ids);
  Page<WebhookDelivery, repo::Keyset> out;
  out.next = std::move(page.next);
  out.items.reserve(page.items.size());
  for (auto& r : page.items) {
    WebhookDelivery d{std::move(r), {}};
    for (const auto& a : attempts)
      if (a.outbox_id == d.message.id) d.attempts.push_back(a);
    out.items.push_back(std::move(d));
  }
  return out;
}

}  // namespace crema::service
