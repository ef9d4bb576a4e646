#include "repo/audit_repo.hpp"

#include "repo/params.hpp"

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

std::vector<service::AuditRow> select_audit(db::Connection& conn,
                                            const service::AuditFilter& f) {
  // Optional filters are written as "(CAST($n AS type) IS NULL OR column = $n)" so one
  // statement (and one cached plan) serves every combination; the CAST tells PostgreSQL
  // the type of a parameter that is NULL.
  const std::string sql =
      "SELECT id, actor_id, actor_role, action, target_type, target_id, summary, ip, "
      "request_id, at FROM audit_log "
      "WHERE (CAST($1 AS TEXT) IS NULL OR actor_id = $1) "
      "AND (CAST($2 AS TEXT) IS NULL OR action = $2) "
      "AND (CAST($3 AS BIGINT) IS NULL OR at >= $3) AND (CAST($4 AS BIGINT) IS NULL OR at < $4) "
      "AND (CAST($5 AS BIGINT) IS NULL OR at < $5 OR (at = $5 AND id < CAST($6 AS TEXT))) "
      "ORDER BY at DESC, id DESC LIMIT $7";
  auto opt_text = [](const std::optional<std::string>& s) -> db::Param {
    if (!s) return nullptr;
    return std::string_view(*s);
  };
  auto opt_int = [](const std::optional<std::int64_t>& v) -> db::Param {
    if (!v) return nullptr;
    return *v;
  };
  db::Param before_at = nullptr;
  db::Param before_id = nullptr;
  if (f.before) {
    before_at = f.before->first;
    before_id = std::string_view(f.before->second);
  }
  auto result = conn.exec(sql, {opt_text(f.actor_id), opt_text(f.action), opt_int(f.from_ms),
                                opt_int(f.to_ms), before_at, before_id,
                                static_cast<std::int64_t>(f.limit + 1)});
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
