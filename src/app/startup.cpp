#include "app/startup.hpp"

#include <cstdio>
#include <ctime>
#include <string>

#include "db/migrations.hpp"
#include "obs/trace.hpp"

namespace crema::app {

namespace {

// How many times a start tries to reach the database, one second apart.
constexpr int kStoreOpenAttempts = 30;

}  // namespace

void say_failure(const std::string& line) { std::fprintf(stderr, "crema: %s\n", line.c_str()); }

obs::Level log_level_of(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return obs::Level::debug;
    case LogLevel::info:
      return obs::Level::info;
    case LogLevel::warn:
      return obs::Level::warn;
    case LogLevel::error:
      return obs::Level::error;
  }
  return obs::Level::info;
}

OpenedStore open_store(const Config& config, const db::PoolOptions& options,
                       const sigset_t& signals) {
  OpenedStore out;
  for (int attempt = 1;; ++attempt) {
    try {
      out.pool = db::Pool::open(config.database_url, options);
      break;
    } catch (const db::Error& e) {
      if (e.kind() != db::Error::Kind::unavailable || attempt >= kStoreOpenAttempts) {
        say_failure(std::string("cannot open the database: ") + e.what());
        out.exit_code = 1;
        return out;
      }
      obs::Log(obs::Level::warn, "database not reachable yet; retrying")
          .num("attempt", attempt)
          .str("error", e.what());
      timespec one_second{1, 0};
      if (sigtimedwait(&signals, nullptr, &one_second) > 0) return out;  // exit 0
    }
  }
  if (config.auto_migrate) {
    try {
      for (int v : db::migrate(*out.pool))
        obs::Log(obs::Level::info, "migration applied").num("version", v);
    } catch (const std::exception& e) {
      say_failure(std::string("migration failed: ") + e.what());
      out.pool.reset();
      out.exit_code = 1;
    }
  }
  return out;
}

TracingScope::TracingScope(const Config& config) {
  if (config.otlp_endpoint.empty()) return;
  auto url = obs::otlp_traces_url(config.otlp_endpoint);
  if (!url) return;  // `serve` refuses such a setting before this
  obs::OtlpOptions options;
  options.url = *url;
  options.service_version = CREMA_VERSION;
  obs::OtlpExporter::instance().start(std::move(options));
  obs::Log(obs::Level::info, "tracing").str("otlp_url", *url);
  on_ = true;
}

TracingScope::~TracingScope() {
  if (on_) obs::OtlpExporter::instance().stop();
}

}  // namespace crema::app
