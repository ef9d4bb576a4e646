#pragma once
/// SQL of the audit log.

#include <vector>

#include "db/pool.hpp"
#include "service/audit.hpp"

namespace crema::repo {

void insert_audit(db::Transaction& tx, const service::AuditRow& row);
std::vector<service::AuditRow> select_audit(db::Connection& conn,
                                            const service::AuditFilter& filter);

}  // namespace crema::repo
