#pragma once
/// The audit log (SPEC §12): every admin and manager mutation records one row in the same
/// transaction as the change, so the log and the data can never disagree.

#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "repo/keyset.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"

namespace crema::service {

struct AuditEntry {
  std::string action;       ///< e.g. "user.update", "product.create"
  std::string target_type;  ///< e.g. "user", "product"
  std::string target_id;
  std::string summary;  ///< a short human sentence, never a secret
};

/// Records `entry` as done by `actor` inside `tx` — only when the actor is a manager or an
/// admin (the spec's scope) or the server itself (Actor::system: actor_id null, actor_role
/// "system"); returns whether a row was written.
bool record_audit(db::Transaction& tx, const Actor& actor, const AuditEntry& entry);

struct AuditFilter {
  std::optional<std::string> actor_id;
  std::optional<std::string> action;
  std::optional<std::int64_t> from_ms;  ///< inclusive
  std::optional<std::int64_t> to_ms;    ///< exclusive
  /// Keyset: rows strictly before (at, id), newest first.
  std::optional<repo::Keyset> before;
  int limit = 50;
};

struct AuditRow {
  std::string id, actor_id, actor_role, action, target_type, target_id, summary, ip, request_id;
  std::int64_t at = 0;
  boost::json::object to_json() const;
};

/// Newest first; returns up to filter.limit + 1 rows (the extra one tells there is a next
/// page).
std::vector<AuditRow> list_audit(db::Pool& pool, const AuditFilter& filter);
/// The same as a page (GET /admin/audit-log): at most filter.limit rows and the next keyset.
Page<AuditRow, repo::Keyset> audit_page(db::Pool& pool, const AuditFilter& filter);

}  // namespace crema::service
