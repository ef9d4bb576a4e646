#pragma once
/// The PostgreSQL pool: `size` connections; read() and write() both lease any of them.

#include <memory>
#include <string>

#include "db/pool.hpp"

namespace crema::db {

/// Connects once at start (throws db::Error(unavailable) when that fails); later
/// connections are made on demand and replaced when broken, at most one attempt per
/// 250 ms while the server is unreachable, so callers fail fast instead of queueing.
std::unique_ptr<Pool> open_pg_pool(const std::string& url, const PoolOptions& options);

}  // namespace crema::db
