#include "repo/audit_repo.hpp"

#include "repo/params.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

std::string_view or_null(const std::string& s) { return s; }

}  // namespace

void insert_audit(db::Transaction& tx, const service::AuditRow& r) {
  tx.exec(
      "INSERT INTO audit_log (id, actor_id, actor_role, action, target_type, target_id, "
      "summary, ip, request_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {std::string_view(r.id), text_or_null(r.actor_id), text_or_null(r.actor_role),
       std::string_view(r.action), std::string_view(r.target_type), text_or_null(r.target_id),
       or_null(r.summary), text_or_null(r.ip), text_or_null(r.request_id), r.at});
}

std::vector<service::AuditRow> select_audit(db::Connection& conn, const service::AuditFilter& f) {
  SqlQuery q(conn.dialect(),
             "SELECT id, actor_id, actor_role, action, target_type, target_id, summary, ip, "
             "request_id, at FROM audit_log");
  q.where_eq("actor_id", f.actor_id);
  q.where_eq("action", f.action);
  if (f.from_ms) q.where("at >= " + q.param(*f.from_ms));
  if (f.to_ms) q.where("at < " + q.param(*f.to_ms));
  q.page("at", "id", f.before, SqlQuery::descending, f.limit);
  auto result = q.exec(conn);
  std::vector<service::AuditRow> rows;
  rows.reserve(result.size());
  for (auto row : result) {
    service::AuditRow r;
    r.id = row.text(0);
    r.actor_id = row.opt_text(1).value_or("");
    r.actor_role = row.opt_text(2).value_or("");
    r.action = row.text(3);
    r.target_type = row.text(4);
    r.target_id = row.opt_text(5).value_or("");
    r.summary = row.text(6);
    r.ip = row.opt_text(7).value_or("");
    r.request_id = row.opt_text(8).value_or("");
    r.at = row.int64(9);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace crema::repo
