#include "repo/webhook_repo.hpp"

#include <boost/json.hpp>

#include "repo/keyset.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kWebhookColumns =
    "id, url, events, description, secret_sealed, created_by, created_at, deleted_at";

WebhookRow to_webhook(const db::Row& r) {
  WebhookRow w;
  w.id = r.text(0);
  w.url = r.text(1);
  boost::system::error_code ec;
  auto events = boost::json::parse(r.text(2), ec);
  if (!ec && events.is_array())
    for (const auto& e : events.as_array())
      if (e.is_string()) w.events.emplace_back(e.get_string());
  w.description = r.text(3);
  w.secret_sealed = r.text(4);
  w.created_by = r.opt_text(5).value_or("");
  w.created_at = r.int64(6);
  w.deleted_at = r.opt_int64(7);
  return w;
}

std::vector<WebhookRow> to_webhooks(const db::Result& result) {
  std::vector<WebhookRow> out;
  out.reserve(result.size());
  for (auto row : result) out.push_back(to_webhook(row));
  return out;
}

}  // namespace

void insert_webhook(db::Transaction& tx, const WebhookRow& w) {
  boost::json::array events;
  for (const auto& e : w.events) events.emplace_back(e);
  const std::string events_text = boost::json::serialize(events);
  db::Param created_by = nullptr;
  if (!w.created_by.empty()) created_by = std::string_view(w.created_by);
  tx.exec(
      "INSERT INTO webhooks (id, url, events, description, secret_sealed, created_by, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {std::string_view(w.id), std::string_view(w.url), std::string_view(events_text),
       std::string_view(w.description), std::string_view(w.secret_sealed), created_by,
       w.created_at});
  // enqueue_webhook_event's per-transaction copy: after the write, which is also what
  // delivers a read still pending (exec_soon) from before it.
  tx.memo("active_webhooks").reset();
}

std::optional<WebhookRow> find_webhook(db::Connection& conn, std::string_view id) {
  auto r =
      conn.exec("SELECT " + std::string(kWebhookColumns) + " FROM webhooks WHERE id = $1", {id});
  if (r.empty()) return std::nullopt;
  return to_webhook(r.front());
}

std::vector<WebhookRow> select_webhooks(db::Connection& conn,
                                        const std::optional<repo::Keyset>& before, int limit) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kWebhookColumns) + " FROM webhooks");
  q.where("deleted_at IS NULL");
  q.page("created_at", "id", before, SqlQuery::descending, limit);
  return to_webhooks(q.exec(conn));
}

namespace {
const std::string& active_webhooks_sql() {
  static const std::string sql = "SELECT " + std::string(kWebhookColumns) +
                                 " FROM webhooks WHERE deleted_at IS NULL ORDER BY id";
  return sql;
}
}  // namespace

std::vector<WebhookRow> active_webhooks(db::Connection& conn) {
  return to_webhooks(conn.exec(active_webhooks_sql()));
}

void active_webhooks_soon(db::Connection& conn,
                          std::function<void(std::vector<WebhookRow>&&)> done) {
  conn.exec_soon(active_webhooks_sql(), {},
                 [done = std::move(done)](db::Result&& r) { done(to_webhooks(r)); });
}

bool delete_webhook(db::Transaction& tx, std::string_view id, std::int64_t now_ms) {
  auto r = tx.exec("UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                   {id, now_ms});
  tx.memo("active_webhooks").reset();  // after the write: see insert_webhook
  return r.affected() == 1;
}

}  // namespace crema::repo
