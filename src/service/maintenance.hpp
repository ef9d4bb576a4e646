#pragma once
/// Housekeeping the periodic scheduler runs (SPEC §10 "other background jobs").

#include <cstdint>

#include "db/pool.hpp"

namespace crema::service {

/// Deletes refresh tokens past their expiry (rotated ones were kept until then so a replay
/// could still be recognised; after it, a replay is refused as unknown anyway). Returns
/// how many rows went.
std::int64_t prune_expired_refresh_tokens(db::Pool& pool, std::int64_t now_ms);

}  // namespace crema::service
