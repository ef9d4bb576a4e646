#pragma once
// What `crema serve` and `crema worker` both do before their own work: the log level, and the
// database opened (retried while it is not up yet) and migrated.
#include <signal.h>

#include <memory>
#include <string>

#include "app/config.hpp"
#include "db/pool.hpp"
#include "obs/log.hpp"

namespace crema::app {

/// Says why a command cannot go on, as `crema: …` on stderr (before or beside the log).
void say_failure(const std::string& line);

/// The log level of the obs layer for a configured one.
obs::Level log_level_of(LogLevel level);

/// The pool `serve` or `worker` runs on, or the exit code to leave with.
struct OpenedStore {
  std::unique_ptr<db::Pool> pool;  ///< null: leave with `exit_code`
  int exit_code = 0;
};

/// Opens the pool, retrying once a second (at most 30 times) while the database is not
/// reachable yet — a fresh cluster, a pod scheduled first — and leaving at once (exit 0) when
/// one of the blocked `signals` arrives meanwhile; then applies the migrations when
/// CREMA_AUTO_MIGRATE is on. Failures are said on stderr (exit 1).
OpenedStore open_store(const Config& config, const db::PoolOptions& options,
                       const sigset_t& signals);

/// The process's trace exporter for CREMA_OTLP_ENDPOINT (SPEC §15.5), from construction to
/// destruction: `crema serve` and `crema worker` each hold one for their whole run. Nothing
/// without the setting.
class TracingScope {
 public:
  explicit TracingScope(const Config& config);
  ~TracingScope();  ///< sends what is queued (bounded by the exporter's timeout)
  TracingScope(const TracingScope&) = delete;
  TracingScope& operator=(const TracingScope&) = delete;

 private:
  bool on_ = false;
};

}  // namespace crema::app
