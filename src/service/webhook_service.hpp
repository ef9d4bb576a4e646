#pragma once
/// Partner webhook endpoints (SPEC §10): registration (the signing secret shown once),
/// listing, deletion, and the log of their deliveries. The deliveries themselves are outbox
/// rows (service::enqueue_webhook_event), signed and sent by the workers.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "repo/keyset.hpp"
#include "repo/webhook_repo.hpp"
#include "service/actor.hpp"
#include "service/outbox.hpp"
#include "service/page.hpp"
#include "util/error.hpp"
#include "util/outbound_url.hpp"

namespace crema::auth {
class SecretBox;
}

namespace crema::service {

/// An endpoint as the API shows it (never the secret).
boost::json::object webhook_json(const repo::WebhookRow& w);

/// Event type names an endpoint may subscribe to: `*` or lower-case words with `_` / `.`
/// (generic, so order events work as soon as their feature publishes them).
bool valid_event_name(std::string_view name) noexcept;

struct WebhookCreated {
  repo::WebhookRow webhook;
  std::string secret;  ///< shown once
};

/// One delivery and its attempts.
struct WebhookDelivery {
  OutboxMessage message;
  std::vector<OutboxAttempt> attempts;
  boost::json::object to_json() const;
};

class WebhookService {
 public:
  /// `allow_private`: CREMA_ALLOW_PRIVATE_WEBHOOKS. `resolver`: how hosts are looked up
  /// (the system's when empty).
  WebhookService(db::Pool& pool, const auth::SecretBox& secrets, bool allow_private = false,
                 util::HostResolver resolver = {})
      : pool_(pool),
        secrets_(secrets),
        allow_private_(allow_private),
        resolver_(resolver ? std::move(resolver) : util::HostResolver(util::resolve_host)) {}

  /// 422 when the URL's host is, or resolves to, a non-public address (SPEC §10); a name
  /// that does not resolve yet is accepted (every delivery checks it again).
  crema::Result<WebhookCreated> create(const Actor& actor, std::string url,
                                       std::vector<std::string> events, std::string description);
  /// Newest first; up to limit + 1 rows.
  Page<repo::WebhookRow, repo::Keyset> list(const std::optional<repo::Keyset>& before, int limit);
  /// 404 when missing or already deleted. Queued deliveries to it then fail as "deleted".
  crema::Result<void> remove(const Actor& actor, const std::string& id);
  /// 404 for an unknown endpoint (a deleted one still shows its log). Up to limit + 1.
  crema::Result<Page<WebhookDelivery, repo::Keyset>> deliveries(
      const std::string& id, const std::optional<repo::Keyset>& before, int limit);

 private:
  db::Pool& pool_;
  const auth::SecretBox& secrets_;
  bool allow_private_ = false;
  util::HostResolver resolver_;
};

}  // namespace crema::service
