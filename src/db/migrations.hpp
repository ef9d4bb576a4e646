#pragma once
/// The schema migrations runner: numbered SQL files per store, compiled into the binary
/// (cmake/GenerateMigrations.cmake), recorded in `schema_migrations`.

#include <span>
#include <string_view>
#include <vector>

#include "db/pool.hpp"

namespace crema::db {

struct EmbeddedMigration {
  std::string_view dialect;  ///< "sqlite" or "postgres"
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every migration file, both dialects, in file order. Defined in generated code.
std::span<const EmbeddedMigration> embedded_migrations();

struct MigrationStatus {
  int current = 0;  ///< highest applied version
  int latest = 0;   ///< highest version this binary knows
  bool up_to_date() const noexcept { return current >= latest; }
};

/// Applies every missing migration, each in its own transaction, and returns the versions
/// applied. Idempotent; safe when several instances start at once (PostgreSQL: an advisory
/// lock; SQLite: the single writer).
std::vector<int> migrate(Pool& pool);

/// What is applied against what this binary knows. Throws db::Error when unreachable.
MigrationStatus migration_status(Pool& pool);

}  // namespace crema::db
