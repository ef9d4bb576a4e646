#pragma once
/// The `crema` commands behind the command line: serve, migrate, create-admin, backup,
/// restore. Each returns the process exit code.

#include <string>

#include "app/config.hpp"

namespace crema::app {

/// Serves until SIGTERM or SIGINT, then drains and returns 0.
int run_serve(Config config);

/// Runs only the background work (outbox workers, periodic jobs) until SIGTERM or SIGINT,
/// then hands back what it claimed and returns 0 (`crema worker`).
int run_worker(Config config);

/// Prints the OpenAPI document that `GET /openapi.json` serves (the web app's build
/// generates its API types from it), without touching a database.
int run_openapi();

/// Applies pending migrations and says what it did.
int run_migrate(const Config& config);

/// Creates the first admin account.
int run_create_admin(const Config& config, const std::string& email, const std::string& password);

/// Writes a consistent copy of the store to `out` while servers may keep running.
int run_backup(const Config& config, const std::string& out);

/// Brings a backup back into the store (stop the servers first), then applies migrations
/// newer than the backup. Refuses a store that holds tables unless `force`.
int run_restore(const Config& config, const std::string& in, bool force);

/// Copies every row of an SQLite database into an empty PostgreSQL one (stop the servers
/// first), in one transaction.
int run_migrate_store(const Config& config, const std::string& from, const std::string& to);

/// Exit code for a configuration error (also used by main for bad flags).
inline constexpr int kExitConfig = 2;

}  // namespace crema::app
