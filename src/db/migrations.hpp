#pragma once
/// The schema migrations runner: numbered SQL files per store, compiled into the binary
/// (cmake/GenerateMigrations.cmake), recorded in `schema_migrations`.

#include <span>
#include <string>
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

/// Applies every missing migration, each in its own transaction together with its
/// `schema_migrations` row, and returns the versions applied (empty when up to date).
/// Idempotent; safe when several instances start at once (PostgreSQL: an advisory lock
/// held for the whole run; SQLite: each migration re-checked under the writer's
/// BEGIN IMMEDIATE). Throws db::Error(other) when the migration set is inconsistent
/// (see migration_set_problems) and db::Error from the database, naming the migration
/// that failed. Migration files must not contain BEGIN/COMMIT themselves.
std::vector<int> migrate(Pool& pool);
/// The same with a given migration set (tests).
std::vector<int> migrate(Pool& pool, std::span<const EmbeddedMigration> migrations);

/// What is applied against what this binary knows. Throws db::Error when unreachable.
MigrationStatus migration_status(Pool& pool);
/// The same with a given migration set (tests).
MigrationStatus migration_status(Pool& pool, std::span<const EmbeddedMigration> migrations);

/// Everything wrong with a migration set, one sentence each (empty when sound): every
/// version of one dialect needs its twin in the other with the same number and name,
/// versions are positive and unique per dialect, dialects are "sqlite" or "postgres".
std::vector<std::string> migration_set_problems(std::span<const EmbeddedMigration> migrations);

}  // namespace crema::db
