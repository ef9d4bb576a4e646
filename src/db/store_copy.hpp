#pragma once
/// Moving a shop from SQLite to PostgreSQL (`crema migrate-store`, docs/OPERATIONS.md): every
/// row of every table the PostgreSQL schema has, copied from one consistent read of the
/// SQLite database into the PostgreSQL one in a single transaction — all of it or nothing.
///
/// The target is brought to the binary's schema first (migrations) and must hold no rows;
/// the source must be at that same schema version (run `crema migrate` on it first). Values
/// are converted by the target column's type (SQLite's 0/1 booleans become BOOLEAN). Tables
/// that exist only in SQLite (its full-text search index) are derived data and are skipped;
/// they are not needed on PostgreSQL. Tables are filled parents first (foreign keys).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace crema::db {

struct TableCopy {
  std::string table;
  std::int64_t rows = 0;
};

struct StoreCopyReport {
  std::vector<TableCopy> tables;     ///< in the order they were filled
  std::vector<std::string> skipped;  ///< source-only tables (SQLite search index)
  std::int64_t rows = 0;
};

/// Copies `from` (sqlite://…) into `to` (postgresql://…). `progress` (may be empty) hears of
/// each table once it is copied. Throws std::runtime_error; no row is written then (the
/// target keeps only the schema its migrations made).
StoreCopyReport copy_store(const std::string& from, const std::string& to,
                           const std::function<void(const TableCopy&)>& progress = {});

}  // namespace crema::db
