#pragma once
/// The `crema` commands behind the command line: serve, migrate, create-admin. Each returns
/// the process exit code.

#include <string>

#include "app/config.hpp"

namespace crema::app {

/// Serves until SIGTERM or SIGINT, then drains and returns 0.
int run_serve(Config config);

/// Runs only the background work (outbox workers, periodic jobs) until SIGTERM or SIGINT,
/// then hands back what it claimed and returns 0 (`crema worker`).
int run_worker(Config config);

/// Applies pending migrations and says what it did.
int run_migrate(const Config& config);

/// Creates the first admin account.
int run_create_admin(const Config& config, const std::string& email, const std::string& password);

/// Exit code for a configuration error (also used by main for bad flags).
inline constexpr int kExitConfig = 2;

}  // namespace crema::app
