#include "db/migrations.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "util/time.hpp"

namespace crema::db {

namespace {

// pg_advisory_lock key for the migrations run: "crema" in ASCII. Any fixed number works as
// long as every instance uses the same one.
constexpr std::int64_t kAdvisoryLockKey = 0x6372656d61;

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

std::string_view dialect_name(Dialect d) { return d == Dialect::sqlite ? "sqlite" : "postgres"; }

std::string label(const EmbeddedMigration& m) {
  char num[16];
  std::snprintf(num, sizeof num, "%04d", m.version);
  return std::string(num) + "_" + std::string(m.name);
}

// This dialect's migrations, ordered by version; throws when the set is inconsistent.
std::vector<const EmbeddedMigration*> for_dialect(Dialect dialect,
                                                  std::span<const EmbeddedMigration> all) {
  if (auto problems = migration_set_problems(all); !problems.empty()) {
    std::string msg = "the migration set is inconsistent:";
    for (const auto& p : problems) msg += " " + p;
    throw Error(Error::Kind::other, std::move(msg));
  }
  std::vector<const EmbeddedMigration*> out;
  for (const auto& m : all)
    if (m.dialect == dialect_name(dialect)) out.push_back(&m);
  std::sort(out.begin(), out.end(),
            [](const auto* a, const auto* b) { return a->version < b->version; });
  return out;
}

bool table_exists(Connection& conn) {
  if (conn.dialect() == Dialect::sqlite)
    return !conn.exec(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = "
                    "'schema_migrations'")
                .empty();
  return !conn.exec("SELECT to_regclass('schema_migrations')").front().is_null(0);
}

std::set<int> applied_versions(Connection& conn) {
  std::set<int> out;
  for (Row r : conn.exec("SELECT version FROM schema_migrations"))
    out.insert(static_cast<int>(r.int64(0)));
  return out;
}

// Applies one migration and its row in one transaction, unless another process applied it
// meanwhile. True when this call applied it.
bool apply(Connection& conn, bool sqlite, const EmbeddedMigration& m) {
  conn.exec(sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    const bool done =
        !conn.exec("SELECT 1 FROM schema_migrations WHERE version = $1", {std::int64_t{m.version}})
             .empty();
    if (!done) {
      conn.exec_script(m.sql);
      conn.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                {std::int64_t{m.version}, m.name, util::now_ms()});
    }
    conn.exec("COMMIT");
    return !done;
  } catch (const Error& e) {
    try {
      conn.exec("ROLLBACK");
    } catch (const Error&) {
      // the connection is gone; the pool replaces it
    }
    throw Error(e.kind(), "migration " + label(m) + " failed: " + e.what(), e.sqlstate());
  }
}

}  // namespace

std::vector<std::string> migration_set_problems(std::span<const EmbeddedMigration> migrations) {
  std::vector<std::string> problems;
  std::map<int, std::string_view> by_dialect[2];  // version → name, [sqlite, postgres]
  for (const auto& m : migrations) {
    const int d = m.dialect == "sqlite" ? 0 : m.dialect == "postgres" ? 1 : -1;
    if (d < 0) {
      problems.push_back("migration " + label(m) + " has unknown dialect \"" +
                         std::string(m.dialect) + "\".");
      continue;
    }
    if (m.version <= 0) problems.push_back("migration " + label(m) + " has a version below 1.");
    if (!by_dialect[d].emplace(m.version, m.name).second)
      problems.push_back(std::string(m.dialect) + " has two migrations numbered " +
                         std::to_string(m.version) + ".");
  }
  for (int d = 0; d < 2; ++d) {
    const char* self = d == 0 ? "sqlite" : "postgres";
    const char* other = d == 0 ? "postgres" : "sqlite";
    for (const auto& [version, name] : by_dialect[d]) {
      auto twin = by_dialect[1 - d].find(version);
      const std::string l = label(EmbeddedMigration{self, version, name, {}});
      if (twin == by_dialect[1 - d].end())
        problems.push_back(std::string(self) + " migration " + l + " has no " + other + " twin.");
      else if (d == 0 && twin->second != name)
        problems.push_back("migration " + std::to_string(version) + " is named \"" +
                           std::string(name) + "\" for sqlite but \"" + std::string(twin->second) +
                           "\" for postgres.");
    }
  }
  return problems;
}

std::vector<int> migrate(Pool& pool) { return migrate(pool, embedded_migrations()); }

std::vector<int> migrate(Pool& pool, std::span<const EmbeddedMigration> migrations) {
  const auto mine = for_dialect(pool.dialect(), migrations);
  const bool sqlite = pool.dialect() == Dialect::sqlite;
  Lease lease = pool.write();
  Connection& conn = *lease;

  // PostgreSQL: one instance migrates at a time; the others wait here and then find
  // nothing left to do. The lock is the session's, so it must stay on this connection,
  // and it goes away with the connection if this process dies.
  if (!sqlite) conn.exec("SELECT pg_advisory_lock($1)", {kAdvisoryLockKey});
  struct Unlock {
    Connection& conn;
    bool active;
    ~Unlock() {
      if (!active) return;
      try {
        conn.exec("SELECT pg_advisory_unlock($1)", {kAdvisoryLockKey});
      } catch (const Error&) {
        // a lost connection releases the lock by itself
      }
    }
  } unlock{conn, !sqlite};

  conn.exec(kCreateTable);
  const std::set<int> applied = applied_versions(conn);
  std::vector<int> done;
  for (const EmbeddedMigration* m : mine) {
    if (applied.count(m->version)) continue;
    if (apply(conn, sqlite, *m)) done.push_back(m->version);
  }
  return done;
}

MigrationStatus migration_status(Pool& pool) {
  return migration_status(pool, embedded_migrations());
}

MigrationStatus migration_status(Pool& pool, std::span<const EmbeddedMigration> migrations) {
  MigrationStatus status;
  for (const auto* m : for_dialect(pool.dialect(), migrations))
    status.latest = std::max(status.latest, m->version);
  Lease lease = pool.read();
  if (table_exists(*lease)) {
    Result r = lease->exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    status.current = static_cast<int>(r.front().int64(0));
  }
  return status;
}

}  // namespace crema::db
