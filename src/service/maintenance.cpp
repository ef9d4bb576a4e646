#include "service/maintenance.hpp"

#include "repo/maintenance_repo.hpp"

namespace crema::service {

std::int64_t prune_expired_refresh_tokens(db::Pool& pool, std::int64_t now_ms) {
  return pool.transact(
      [&](db::Transaction& tx) { return repo::delete_expired_refresh_tokens(tx, now_ms); });
}

}  // namespace crema::service
