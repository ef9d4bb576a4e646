#pragma once
/// SQL of the periodic housekeeping.

#include <cstdint>

#include "db/pool.hpp"

namespace crema::repo {

/// Deletes refresh tokens that expired before `now_ms`; returns how many.
std::int64_t delete_expired_refresh_tokens(db::Transaction& tx, std::int64_t now_ms);

}  // namespace crema::repo
