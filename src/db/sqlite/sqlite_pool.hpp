#pragma once
/// The SQLite pool: one writer connection leased exclusively, and reader connections.

#include <memory>
#include <string_view>

#include "db/pool.hpp"

namespace crema::db {

/// Opens the database file at `path` (the part of the URL after `sqlite://`), creating
/// its parent directory. ":memory:" gives one in-memory connection for reads and writes.
std::unique_ptr<Pool> open_sqlite_pool(std::string_view path, const PoolOptions& options);

}  // namespace crema::db
