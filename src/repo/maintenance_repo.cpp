#include "repo/maintenance_repo.hpp"

namespace crema::repo {

std::int64_t delete_expired_refresh_tokens(db::Transaction& tx, std::int64_t now_ms) {
  return tx.exec("DELETE FROM refresh_tokens WHERE expires_at < $1", {now_ms}).affected();
}

}  // namespace crema::repo
