#include "repo/outbox_repo.hpp"

#include <algorithm>

#include "repo/keyset.hpp"
#include "repo/params.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kOutboxColumns =
    "id, kind, type, channel, recipient, user_id, webhook_id, payload, status, attempts, "
    "last_error, last_status, next_attempt_at, sent_at, created_at, traceparent";

service::OutboxMessage to_message(const db::Row& r) {
  service::OutboxMessage m;
  m.id = r.text(0);
  m.kind = r.text(1);
  m.type = r.text(2);
  m.channel = r.text(3);
  m.recipient = r.text(4);
  m.user_id = r.opt_text(5).value_or("");
  m.webhook_id = r.opt_text(6).value_or("");
  m.payload = r.text(7);
  m.status = domain::kOutboxStatuses.parse(r.text_view(8)).value_or(domain::OutboxStatus::queued);
  m.attempts = static_cast<int>(r.int64(9));
  m.last_error = r.opt_text(10).value_or("");
  m.last_status = r.opt_int64(11);
  m.next_attempt_at = r.int64(12);
  m.sent_at = r.opt_int64(13);
  m.created_at = r.int64(14);
  m.traceparent = r.opt_text(15).value_or("");
  return m;
}

db::Param opt_int(const std::optional<std::int64_t>& v) {
  if (!v) return nullptr;
  return *v;
}

std::vector<Contact> to_contacts(const db::Result& result) {
  std::vector<Contact> out;
  out.reserve(result.size());
  for (auto row : result) out.push_back({row.text(0), row.text(1), row.opt_text(2).value_or("")});
  return out;
}

}  // namespace

void insert_outbox(db::Transaction& tx, const service::OutboxMessage& m) {
  tx.exec(
      "INSERT INTO outbox (id, kind, type, channel, recipient, user_id, webhook_id, payload, "
      "status, attempts, next_attempt_at, created_at, updated_at, traceparent) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9, $9, $9, $10)",
      {std::string_view(m.id), std::string_view(m.kind), std::string_view(m.type),
       std::string_view(m.channel), std::string_view(m.recipient), text_or_null(m.user_id),
       text_or_null(m.webhook_id), std::string_view(m.payload), m.created_at,
       text_or_null(m.traceparent)});
}

std::vector<service::OutboxMessage> claim_outbox(db::Transaction& tx, std::string_view worker,
                                                 std::int64_t now_ms, int limit,
                                                 std::int64_t lease_ms) {
  // One statement: the subquery picks due rows whose lease (if any) ran out; on PostgreSQL
  // it locks them and skips rows another worker is claiming right now, and the re-check of
  // the WHERE clause on the locked row version keeps a row claimed a moment ago out.
  const bool pg = tx.dialect() == db::Dialect::postgres;
  const std::string sql =
      std::string(
          "UPDATE outbox SET claimed_by = $1, claimed_until = $2, updated_at = $3 "
          "WHERE id IN (SELECT id FROM outbox WHERE status = 'queued' "
          "AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until <= $3) "
          "ORDER BY next_attempt_at, id LIMIT $4") +
      (pg ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING " + std::string(kOutboxColumns);
  auto result = tx.exec(sql, {worker, now_ms + lease_ms, now_ms, static_cast<std::int64_t>(limit)});
  std::vector<service::OutboxMessage> out;
  out.reserve(result.size());
  for (auto row : result) out.push_back(to_message(row));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.next_attempt_at, a.id) < std::tie(b.next_attempt_at, b.id);
  });
  return out;
}

bool settle_outbox(db::Transaction& tx, std::string_view id, std::string_view worker,
                   domain::OutboxStatus status, std::string_view last_error,
                   std::optional<std::int64_t> last_status, std::int64_t next_attempt_at,
                   std::optional<std::int64_t> sent_at, std::int64_t now_ms) {
  db::Param error = nullptr;
  if (!last_error.empty()) error = last_error;
  auto r = tx.exec(
      "UPDATE outbox SET status = $3, attempts = attempts + 1, last_error = $4, "
      "last_status = $5, next_attempt_at = $6, sent_at = $7, claimed_by = NULL, "
      "claimed_until = NULL, updated_at = $8 "
      "WHERE id = $1 AND claimed_by = $2 AND status = 'queued'",
      {id, worker, domain::name(status), error, opt_int(last_status), next_attempt_at,
       opt_int(sent_at), now_ms});
  return r.affected() == 1;
}

void insert_attempt(db::Transaction& tx, std::string_view id, const service::OutboxAttempt& a) {
  db::Param error = nullptr;
  if (!a.error.empty()) error = std::string_view(a.error);
  tx.exec(
      "INSERT INTO outbox_attempts (id, outbox_id, attempt, ok, status_code, error, "
      "duration_ms, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {id, std::string_view(a.outbox_id), static_cast<std::int64_t>(a.attempt), a.ok,
       opt_int(a.status_code), error, a.duration_ms, a.at});
}

int release_outbox_claims(db::Transaction& tx, std::string_view worker) {
  auto r = tx.exec(
      "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL "
      "WHERE claimed_by = $1 AND status = 'queued'",
      {worker});
  return static_cast<int>(r.affected());
}

bool any_due(db::Connection& conn, std::int64_t now_ms) {
  return !conn.exec(
                  "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= $1 "
                  "AND (claimed_until IS NULL OR claimed_until <= $1) LIMIT 1",
                  {now_ms})
              .empty();
}

std::int64_t delete_settled_before(db::Transaction& tx, std::int64_t before_ms) {
  // Attempts first: SQLite enforces the foreign key only when asked to.
  tx.exec(
      "DELETE FROM outbox_attempts WHERE outbox_id IN (SELECT id FROM outbox WHERE status IN "
      "('sent', 'failed') AND updated_at < $1)",
      {before_ms});
  return tx
      .exec("DELETE FROM outbox WHERE status IN ('sent', 'failed') AND updated_at < $1",
            {before_ms})
      .affected();
}

std::int64_t count_queued(db::Connection& conn) {
  return conn.exec("SELECT COUNT(*) FROM outbox WHERE status = 'queued'").front().int64(0);
}

std::vector<service::OutboxMessage> select_notifications(db::Connection& conn,
                                                         const service::NotificationFilter& f) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kOutboxColumns) + " FROM outbox");
  q.where("kind = 'notification'");
  if (f.status) q.where_eq("status", domain::name(*f.status));
  q.where_eq("channel", f.channel);
  q.where_eq("type", f.type);
  q.page("created_at", "id", f.before, SqlQuery::descending, f.limit);
  auto result = q.exec(conn);
  std::vector<service::OutboxMessage> out;
  out.reserve(result.size());
  for (auto row : result) out.push_back(to_message(row));
  return out;
}

std::vector<service::OutboxMessage> select_deliveries(db::Connection& conn,
                                                      std::string_view webhook_id,
                                                      const std::optional<repo::Keyset>& before,
                                                      int limit) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kOutboxColumns) + " FROM outbox");
  q.where("kind = 'webhook'");
  q.where_eq("webhook_id", webhook_id);
  q.page("created_at", "id", before, SqlQuery::descending, limit);
  auto result = q.exec(conn);
  std::vector<service::OutboxMessage> out;
  for (auto row : result) out.push_back(to_message(row));
  return out;
}

std::vector<service::OutboxAttempt> select_attempts(db::Connection& conn,
                                                    const std::vector<std::string>& outbox_ids) {
  std::vector<service::OutboxAttempt> out;
  if (outbox_ids.empty()) return out;
  std::string sql =
      "SELECT outbox_id, attempt, ok, status_code, error, duration_ms, at FROM outbox_attempts "
      "WHERE outbox_id IN (";
  std::vector<db::Param> params;
  for (std::size_t i = 0; i < outbox_ids.size(); ++i) {
    sql += (i ? ", $" : "$") + std::to_string(i + 1);
    params.emplace_back(std::string_view(outbox_ids[i]));
  }
  sql += ") ORDER BY outbox_id, attempt";
  auto result = conn.exec(sql, params);
  for (auto row : result) {
    service::OutboxAttempt a;
    a.outbox_id = row.text(0);
    a.attempt = static_cast<int>(row.int64(1));
    a.ok = row.boolean(2);
    a.status_code = row.opt_int64(3);
    a.error = row.opt_text(4).value_or("");
    a.duration_ms = row.int64(5);
    a.at = row.int64(6);
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<Contact> find_active_contact(db::Connection& conn, std::string_view user_id) {
  auto r = conn.exec(
      "SELECT id, email, phone, notify_channel FROM users WHERE id = $1 AND is_active = TRUE "
      "AND erased_at IS NULL",
      {user_id});
  if (r.empty()) return std::nullopt;
  auto c = to_contacts(r).front();
  c.notify_channel = r.front().text(3);
  return c;
}

std::vector<Contact> contacts_with_roles(db::Connection& conn,
                                         const std::vector<std::string>& roles) {
  std::vector<Contact> out;
  for (const auto& role : roles) {
    auto part = to_contacts(
        conn.exec("SELECT id, email, phone FROM users WHERE role = $1 AND is_active = TRUE "
                  "AND erased_at IS NULL ORDER BY id",
                  {std::string_view(role)}));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::vector<Contact> opted_in_customers(db::Connection& conn) {
  return to_contacts(
      conn.exec("SELECT id, email, phone FROM users WHERE role = 'customer' AND is_active = TRUE "
                "AND marketing_opt_in = TRUE AND erased_at IS NULL ORDER BY id"));
}

}  // namespace crema::repo
