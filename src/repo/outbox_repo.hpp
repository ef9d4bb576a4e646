#pragma once
/// SQL of the outbox, its attempts log, and the account lookups notifications need.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"
#include "repo/keyset.hpp"
#include "service/outbox.hpp"

namespace crema::repo {

void insert_outbox(db::Transaction& tx, const service::OutboxMessage& m);

std::vector<service::OutboxMessage> claim_outbox(db::Transaction& tx, std::string_view worker,
                                                 std::int64_t now_ms, int limit,
                                                 std::int64_t lease_ms);

/// Settles a row held by `worker`: status, attempts + 1, the error and the next due time.
/// False when the worker no longer holds the lease.
bool settle_outbox(db::Transaction& tx, std::string_view id, std::string_view worker,
                   domain::OutboxStatus status, std::string_view last_error,
                   std::optional<std::int64_t> last_status, std::int64_t next_attempt_at,
                   std::optional<std::int64_t> sent_at, std::int64_t now_ms);

void insert_attempt(db::Transaction& tx, std::string_view id, const service::OutboxAttempt& a);

int release_outbox_claims(db::Transaction& tx, std::string_view worker);

/// Whether any row is due for a claim at `now_ms` (a cheap read before taking the writer).
bool any_due(db::Connection& conn, std::int64_t now_ms);

std::int64_t count_queued(db::Connection& conn);

/// Deletes settled rows (sent or failed) last changed before `before_ms`, with their
/// attempts; returns how many rows went.
std::int64_t delete_settled_before(db::Transaction& tx, std::int64_t before_ms);

std::vector<service::OutboxMessage> select_notifications(db::Connection& conn,
                                                         const service::NotificationFilter& f);

/// Webhook deliveries of one endpoint, newest first, up to limit + 1.
std::vector<service::OutboxMessage> select_deliveries(db::Connection& conn,
                                                      std::string_view webhook_id,
                                                      const std::optional<repo::Keyset>& before,
                                                      int limit);

/// The attempts of the given rows, in attempt order.
std::vector<service::OutboxAttempt> select_attempts(db::Connection& conn,
                                                    const std::vector<std::string>& outbox_ids);

/// A contact of an account.
struct Contact {
  std::string user_id;
  std::string email;
  std::string phone;                     ///< "" when none
  std::string notify_channel = "email";  ///< the user's choice (find_active_contact only)
};

/// The active account with this id (nothing when missing, inactive or erased).
std::optional<Contact> find_active_contact(db::Connection& conn, std::string_view user_id);
/// Active accounts with one of these roles.
std::vector<Contact> contacts_with_roles(db::Connection& conn,
                                         const std::vector<std::string>& roles);
/// Active customers who opted in to marketing.
std::vector<Contact> opted_in_customers(db::Connection& conn);

}  // namespace crema::repo
