#pragma once
/// The transactional outbox (SPEC §10): what a use case calls, inside its own transaction,
/// to have a message sent — and what the workers call to deliver it.
///
/// Writing side (any service, one line, in the transaction of the change):
///
///   service::enqueue_user_notification(tx, order.customer_id, "order_placed", order_json);
///   service::enqueue_notification(tx, {.type = "order_placed", .channel = "sms",
///                                      .recipient = info.phone, .payload = order_json});
///   service::enqueue_webhook_event(tx, "order_created", order_json);
///
/// The row commits or rolls back with the change, so a message is never sent for a change
/// that did not happen, and never lost for one that did. Nothing here does network I/O.
///
/// Delivering side (jobs/outbox_worker): claim_due() leases due rows to one worker;
/// mark_sent() / mark_attempt_failed() settle them; release_claims() hands back what a
/// stopping worker claimed but did not send. A row whose lease ran out (its worker died) is
/// due again, so nothing is lost on a crash; a row is settled only by the worker holding
/// its lease, so nothing is sent twice on a clean run.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "db/pool.hpp"
#include "domain/statuses.hpp"
#include "repo/keyset.hpp"

namespace crema::service {

/// One outbox row.
struct OutboxMessage {
  std::string id;
  std::string kind;        ///< notification | webhook
  std::string type;        ///< notification type (low_stock…) or event type (inventory_low…)
  std::string channel;     ///< log | email | sms | webhook
  std::string recipient;   ///< email address, phone number, or the webhook's URL
  std::string user_id;     ///< "" when not addressed to an account
  std::string webhook_id;  ///< "" for notifications
  std::string payload;     ///< JSON text
  domain::OutboxStatus status = domain::OutboxStatus::queued;
  int attempts = 0;
  std::string last_error;
  std::optional<std::int64_t> last_status;  ///< the provider's HTTP status of the last try
  std::int64_t next_attempt_at = 0;
  std::optional<std::int64_t> sent_at;
  std::int64_t created_at = 0;
  /// The trace the change that queued it was part of (W3C traceparent, "" for none): its
  /// delivery continues that trace (SPEC §15.5), however much later it is sent.
  std::string traceparent;

  /// The Notification resource of SPEC §10.
  boost::json::object to_json() const;
};

/// A notification to queue.
struct NotificationRequest {
  std::string type;               ///< one of SPEC §10's types
  std::string channel = "email";  ///< email | sms | log (no provider configured → the log)
  std::string recipient;          ///< email address or phone number
  std::string user_id;            ///< the account it is for, when there is one
  boost::json::object payload;    ///< what the templates fill in
};

/// Queues one notification in `tx`; returns its id. std::invalid_argument for an unknown
/// type or channel or an empty recipient (a programming error, not user input).
std::string enqueue_notification(db::Transaction& tx, const NotificationRequest& request);

/// Queues a notification to an account: its email (channel email or log) or its phone
/// (channel sms). Returns the id, or nothing when the account does not exist, is inactive,
/// or has no address for the channel.
std::optional<std::string> enqueue_user_notification(db::Transaction& tx, std::string_view user_id,
                                                     std::string type, boost::json::object payload,
                                                     std::string channel = "email");

/// Queues a notification to every active account with one of `roles` ("manager", "admin"…);
/// returns how many were queued.
/// Queues an order notification (SPEC §15.1: order_placed, order_status_changed,
/// delivery_update, order_receipt) to an account by the channel it chose (`notify_channel`):
/// email, sms (by email while it has no phone) or both (sms only with a phone). Returns how
/// many were queued (0: no such active account).
int enqueue_preferred_notification(db::Transaction& tx, std::string_view user_id, std::string type,
                                   const boost::json::object& payload);

/// Queues an order notification to someone without an account (a guest's customer_info):
/// by email when there is one, else by SMS to the phone. False when there is neither.
bool enqueue_contact_notification(db::Transaction& tx, std::string_view email,
                                  std::string_view phone, std::string type,
                                  boost::json::object payload);

int enqueue_role_notification(db::Transaction& tx, const std::vector<std::string>& roles,
                              std::string type, const boost::json::object& payload);

/// Whether enqueue_webhook_event(tx, type, …) would queue anything (a partner subscribed
/// to `type` or to "*"), from the same per-transaction look at the subscriptions.
bool webhook_subscribed(db::Transaction& tx, std::string_view type);

/// Asks for the partner subscriptions enqueue_webhook_event will look at, so that
/// PostgreSQL sends that read with the transaction's next statement instead of on its own.
/// For a use case that knows it will raise an event after other reads.
void read_webhooks_soon(db::Transaction& tx);

/// Queues one signed delivery of the event `{id, type, data, at}` to every registered
/// partner webhook subscribed to `type` (or to "*"); returns how many were queued.
int enqueue_webhook_event(db::Transaction& tx, std::string_view type,
                          const boost::json::value& data);

// ---- the workers' side ----------------------------------------------------------------------

/// Retry policy and lease of the workers.
struct OutboxPolicy {
  int max_attempts = 8;
  std::int64_t backoff_base_ms = 30'000;    ///< wait after the first failure
  std::int64_t backoff_cap_ms = 3'600'000;  ///< longest wait
  std::int64_t lease_ms = 300'000;          ///< how long a claim lasts
};

/// Leases up to `limit` due rows to `worker` until now + lease_ms, oldest due first.
/// PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers never claim the same row;
/// SQLite: the single writer serialises claims.
std::vector<OutboxMessage> claim_due(db::Pool& pool, std::string_view worker, std::int64_t now_ms,
                                     int limit, std::int64_t lease_ms);

/// What one try of a delivery gave.
struct AttemptOutcome {
  bool ok = false;
  std::optional<std::int64_t> status_code;  ///< HTTP status of the provider, when there was one
  std::string error;                        ///< why it failed (never a secret)
  std::int64_t duration_ms = 0;
};

/// Records a successful try: `sent`. False when `worker` no longer holds the row's lease.
bool mark_sent(db::Pool& pool, const OutboxMessage& message, std::string_view worker,
               std::int64_t now_ms, const AttemptOutcome& outcome);

/// Records a failed try: due again after the backoff, or `failed` once max_attempts tries
/// were made (or at once when `permanent`). Returns the new status (queued or failed),
/// or nothing when `worker` no longer holds the lease.
std::optional<domain::OutboxStatus> mark_attempt_failed(
    db::Pool& pool, const OutboxMessage& message, std::string_view worker, std::int64_t now_ms,
    const AttemptOutcome& outcome, const OutboxPolicy& policy, double unit_random,
    bool permanent = false);

/// Hands back rows `worker` claimed and did not settle (shutdown); returns how many.
int release_claims(db::Pool& pool, std::string_view worker);

/// Rows still to send (queued).
std::int64_t outbox_backlog(db::Pool& pool);

/// Deletes sent and failed messages settled before `before_ms`, with their attempts (the
/// retention job passes now − CREMA_RETENTION_DAYS_NOTIFICATIONS, service/retention.hpp);
/// returns how many went. Queued ones are never touched.
std::int64_t prune_settled_messages(db::Pool& pool, std::int64_t before_ms);

/// One delivery attempt, for the deliveries log.
struct OutboxAttempt {
  std::string outbox_id;
  int attempt = 0;
  bool ok = false;
  std::optional<std::int64_t> status_code;
  std::string error;
  std::int64_t duration_ms = 0;
  std::int64_t at = 0;
  boost::json::object to_json() const;
};

// ---- the admin's view -----------------------------------------------------------------------

struct NotificationFilter {
  std::optional<domain::OutboxStatus> status;
  std::optional<std::string> channel;
  std::optional<std::string> type;
  /// Keyset: rows strictly before (created_at, id), newest first.
  std::optional<repo::Keyset> before;
  int limit = 50;
};

/// Notifications (not webhook deliveries), newest first; up to limit + 1 rows.
std::vector<OutboxMessage> list_notifications(db::Pool& pool, const NotificationFilter& filter);

}  // namespace crema::service
