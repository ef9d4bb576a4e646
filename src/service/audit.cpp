#include "service/audit.hpp"

#include "repo/audit_repo.hpp"
#include "util/json_or_null.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

bool record_audit(db::Transaction& tx, const Actor& actor, const AuditEntry& entry) {
  if (!actor.is_manager_plus() && !actor.system) return false;
  AuditRow row;
  row.id = util::new_uuid_v7();
  if (actor.principal) {
    row.actor_id = actor.principal->user_id;
    row.actor_role = std::string(auth::role_name(actor.principal->role));
  } else {
    row.actor_role = "system";
  }
  row.action = entry.action;
  row.target_type = entry.target_type;
  row.target_id = entry.target_id;
  row.summary = entry.summary;
  row.ip = actor.ip;
  row.request_id = actor.request_id;
  row.at = util::now_ms();
  repo::insert_audit(tx, row);
  return true;
}

std::vector<AuditRow> list_audit(db::Pool& pool, const AuditFilter& filter) {
  auto lease = pool.read();
  return repo::select_audit(*lease, filter);
}

Page<AuditRow, repo::Keyset> audit_page(db::Pool& pool, const AuditFilter& filter) {
  return make_page(list_audit(pool, filter), filter.limit, [](const AuditRow& r) {
    return repo::Keyset{r.at, r.id};
  });
}

boost::json::object AuditRow::to_json() const {
  return {{"id", id},
          {"actor_id", util::json_text_or_null(actor_id)},
          {"actor_role", util::json_text_or_null(actor_role)},
          {"action", action},
          {"target_type", target_type},
          {"target_id", util::json_text_or_null(target_id)},
          {"summary", summary},
          {"ip", util::json_text_or_null(ip)},
          {"request_id", util::json_text_or_null(request_id)},
          {"at", util::format_rfc3339(at)}};
}

}  // namespace crema::service
