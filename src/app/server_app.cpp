#include "app/server_app.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <date/tz.h>

#include "api/openapi.hpp"
#include "api/ops_routes.hpp"
#include "api/routes.hpp"
#include "app/catalogue_module.hpp"
#include "app/fulfil_module.hpp"
#include "app/identity_module.hpp"
#include "app/notify_module.hpp"
#include "app/orders_module.hpp"
#include "app/payments_module.hpp"
#include "app/realtime_module.hpp"
#include "app/reports_module.hpp"
#include "app/secrets.hpp"
#include "app/settings_module.hpp"
#include "app/startup.hpp"
#include "auth/password.hpp"
#include "db/backup.hpp"
#include "db/migrations.hpp"
#include "db/pool.hpp"
#include "db/store_copy.hpp"
#include "events/redis_endpoint.hpp"
#include "jobs/backup_job.hpp"
#include "media/s3_object_store.hpp"
#include "net/dispatcher.hpp"
#include "net/http_server.hpp"
#include "net/middleware.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "obs/sentry.hpp"
#include "obs/trace.hpp"
#include "service/admin_bootstrap.hpp"

namespace crema::app {

namespace {

// The static files served at /app: CREMA_APP_DIR, or the `app` directory the build writes
// beside the binary. A directory named in the setting must hold the app; without the
// setting, a binary built with -DCREMA_WEB_APP=OFF simply serves no app.
std::shared_ptr<const api::StaticSite> load_app_site(const Config& config) {
  namespace fs = std::filesystem;
  fs::path dir = config.app_dir;
  if (dir.empty()) {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return nullptr;
    dir = exe.parent_path() / "app";
    if (!fs::is_directory(dir, ec)) {
      obs::Log(obs::Level::info, "no web app").str("looked_in", dir.string());
      return nullptr;
    }
  }
  try {
    auto site = api::StaticSite::load(dir);
    obs::Log(obs::Level::info, "web app").str("dir", dir.string()).num("files", site->size());
    return site;
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("CREMA_APP_DIR: ") + e.what());
  }
}

db::PoolOptions pool_options(const Config& c) {
  db::PoolOptions o;
  o.size = c.db_pool_size;
  o.sqlite_full_durability = c.durability_full;
  return o;
}

// Checks that need the outside world but belong to "is the configuration usable".
std::optional<std::string> check_environment(const Config& c) {
  try {
    (void)date::locate_zone(c.timezone);
  } catch (const std::exception&) {
    return "CREMA_TIMEZONE is not a known IANA time zone (got \"" + c.timezone + "\")";
  }
  const int s3_set = !c.s3_endpoint.empty() + !c.s3_bucket.empty() + !c.s3_region.empty() +
                     !c.s3_access_key.empty() + !c.s3_secret_key.empty();
  if (s3_set != 0 && s3_set != 5)
    return "CREMA_S3_ENDPOINT, CREMA_S3_BUCKET, CREMA_S3_REGION, CREMA_S3_ACCESS_KEY and "
           "CREMA_S3_SECRET_KEY are set together or not at all";
  if (s3_set == 5) {
    if (auto problem = media::S3ObjectStore::endpoint_problem(c.s3_endpoint)) return *problem;
  }
  if (!c.sentry_dsn.empty() && !obs::SentryDsn::parse(c.sentry_dsn))
    return "CREMA_SENTRY_DSN must look like https://PUBLIC_KEY@HOST/PROJECT_ID";
  if (!c.otlp_endpoint.empty() && !obs::otlp_traces_url(c.otlp_endpoint))
    return "CREMA_OTLP_ENDPOINT must look like http(s)://HOST[:PORT][/PATH]";
  return check_production(c);
}

std::unique_ptr<db::Pool> open_pool(const Config& c) {
  try {
    return db::Pool::open(c.database_url, pool_options(c));
  } catch (const db::Error& e) {
    say_failure(std::string("cannot open the database: ") + e.what());
    return nullptr;
  }
}

}  // namespace

int run_openapi() {
  std::fputs(api::openapi_document_json().c_str(), stdout);
  std::fputc('\n', stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int run_migrate(const Config& config) {
  obs::set_log_level(log_level_of(config.log_level));
  auto pool = open_pool(config);
  if (!pool) return 1;
  try {
    auto applied = db::migrate(*pool);
    auto status = db::migration_status(*pool);
    if (applied.empty()) {
      std::printf("the schema is up to date (version %d); nothing to apply\n", status.current);
    } else {
      for (int v : applied) std::printf("applied migration %04d\n", v);
      std::printf("the schema is now at version %d\n", status.current);
    }
    return 0;
  } catch (const std::exception& e) {
    say_failure(std::string("migration failed: ") + e.what());
    return 1;
  }
}

int run_backup(const Config& config, const std::string& out) {
  obs::set_log_level(log_level_of(config.log_level));
  try {
    const auto info = db::backup_store(config.database_url, out);
    std::printf("backup written to %s (%ju bytes, %s)\n", out.c_str(), info.bytes,
                info.kind == db::BackupKind::sqlite ? "SQLite database" : "pg_dump custom format");
    return 0;
  } catch (const std::exception& e) {
    say_failure(std::string("backup failed: ") + e.what());
    return 1;
  }
}

int run_restore(const Config& config, const std::string& in, bool force) {
  obs::set_log_level(log_level_of(config.log_level));
  try {
    db::restore_store(config.database_url, in, force);
    // A backup from an older version: bring its schema up to this binary's.
    auto pool = open_pool(config);
    if (!pool) return 1;
    for (int v : db::migrate(*pool)) std::printf("applied migration %04d\n", v);
    std::printf("restored %s\n", in.c_str());
    return 0;
  } catch (const std::exception& e) {
    say_failure(std::string("restore failed: ") + e.what());
    return 1;
  }
}

int run_migrate_store(const Config& config, const std::string& from, const std::string& to) {
  obs::set_log_level(log_level_of(config.log_level));
  try {
    const auto report = db::copy_store(from, to, [](const db::TableCopy& t) {
      std::printf("copied %-28s %lld rows\n", t.table.c_str(), static_cast<long long>(t.rows));
    });
    for (const auto& t : report.skipped)
      std::printf("skipped %s (SQLite's own search index; PostgreSQL has its own)\n", t.c_str());
    std::printf("moved %lld rows in %zu tables; point CREMA_DATABASE_URL at the new database\n",
                static_cast<long long>(report.rows), report.tables.size());
    return 0;
  } catch (const std::exception& e) {
    say_failure(std::string("migrate-store failed (no row was copied): ") + e.what());
    return 1;
  }
}

int run_create_admin(const Config& config, const std::string& email, const std::string& password) {
  obs::set_log_level(log_level_of(config.log_level));
  auto pool = open_pool(config);
  if (!pool) return 1;
  try {
    db::migrate(*pool);
    auto created = service::create_admin(*pool, email, password, config.argon2);
    if (!created) {
      std::string line = created.error().message;
      for (const auto& d : created.error().details) line += " " + d.field + ": " + d.issue + ".";
      say_failure(line);
      return 1;
    }
    std::printf("created admin %s (id %s)\n", email.c_str(), created->c_str());
    return 0;
  } catch (const std::exception& e) {
    say_failure(std::string("create-admin failed: ") + e.what());
    return 1;
  }
}

int run_serve(Config config) {
  // Signals are taken synchronously by this thread; every thread started below inherits the
  // mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  obs::set_log_level(log_level_of(config.log_level));
  if (auto problem = check_environment(config)) {
    say_failure(*problem);
    return kExitConfig;
  }
  try {
    ensure_development_secrets(config);
  } catch (const std::exception& e) {
    say_failure(e.what());
    return kExitConfig;
  }
  // SPEC §10: the log provider writes each message in full, links and tokens included (the
  // one exception to §13's no-token rule); a shop serving customers configures real
  // channels, so production says so when it has none.
  if (config.production() && (config.smtp_url.empty() || config.sms_url.empty()))
    obs::Log(obs::Level::warn,
             "notifications without a provider go to the log in full (tokens included)")
        .boolean("email_provider", !config.smtp_url.empty())
        .boolean("sms_provider", !config.sms_url.empty());

  // 10,000 WebSocket clients need more descriptors than the usual soft limit of 1,024: take
  // what the hard limit allows (SPEC §14), and say so when it is still low.
  {
    rlimit fds{};
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max) {
      const rlim_t before = fds.rlim_cur;
      fds.rlim_cur = fds.rlim_max;
      if (::setrlimit(RLIMIT_NOFILE, &fds) == 0)
        obs::Log(obs::Level::debug, "file descriptor limit raised")
            .num("from", static_cast<std::int64_t>(before))
            .num("to", static_cast<std::int64_t>(fds.rlim_cur));
    }
    if (::getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < 16384)
      obs::Log(obs::Level::warn, "the file descriptor limit caps connections")
          .num("limit", static_cast<std::int64_t>(fds.rlim_cur));
  }

  // Errors go to Sentry from here on (error-level log lines), until the end of run_serve.
  std::unique_ptr<obs::SentryReporter> sentry;
  if (!config.sentry_dsn.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    sentry = std::make_unique<obs::SentryReporter>(
        *obs::SentryDsn::parse(config.sentry_dsn),
        obs::SentryProcess{std::string("crema@") + CREMA_VERSION,
                           config.production() ? "production" : "development", host});
    sentry->start();
  }
  // Spans go to the OTLP collector from here on (SPEC §15.5), until the end of run_serve.
  TracingScope tracing(config);

  // The database may come up after us (a fresh cluster, a pod scheduled first): keep
  // trying for a while, still answering SIGTERM at once.
  auto store = open_store(config, pool_options(config), signals);
  if (!store.pool) return store.exit_code;
  std::unique_ptr<db::Pool> pool = std::move(store.pool);

  obs::Metrics metrics;
  metrics.add_sampled_gauge("db_pool_in_use", "Database connections leased now",
                            [p = pool.get()] { return static_cast<double>(p->in_use()); });
  metrics.add_sampled_counter(
      "trace_spans_exported_total", "Trace spans sent to CREMA_OTLP_ENDPOINT",
      [] { return static_cast<double>(obs::OtlpExporter::instance().exported()); });
  metrics.add_sampled_counter(
      "trace_spans_dropped_total",
      "Trace spans dropped: the collector was slow or down, or the queue was full",
      [] { return static_cast<double>(obs::OtlpExporter::instance().dropped()); });
  metrics.add_sampled_counter("password_verifications_total",
                              "Passwords checked against a stored hash (Argon2id)",
                              [] { return static_cast<double>(auth::password_verifications()); });
  metrics.add_sampled_counter("password_hash_queue_refusals_total",
                              "Sign-ins answered 503 because the password-hashing queue was full",
                              [] { return static_cast<double>(auth::hash_queue_refusals()); });

  http::Router router;
  api::OpenApi openapi;
  auto ops = std::make_shared<api::OpsContext>(api::OpsContext{metrics, {}, nullptr});
  ops->metrics_token = config.metrics_token;
  ops->metrics_elsewhere = !config.metrics_listen_host.empty();
  ops->ready_checks.push_back([p = pool.get()](boost::json::object& checks) {
    try {
      auto status = db::migration_status(*p);
      checks["database"] = "ok";
      if (status.up_to_date()) {
        checks["migrations"] = "ok";
        return true;
      }
      checks["migrations"] = "pending: at version " + std::to_string(status.current) + " of " +
                             std::to_string(status.latest);
      return false;
    } catch (const db::Error& e) {
      checks["database"] = std::string("unavailable: ") + e.what();
      checks["migrations"] = "unknown";
      return false;
    }
  });
  std::optional<events::RedisEndpoint> redis;
  if (!config.redis_url.empty()) {
    auto endpoint = events::RedisEndpoint::parse(config.redis_url);
    if (!endpoint) {
      say_failure("CREMA_REDIS_URL must be redis://[:password@]host[:port][/db]");
      return kExitConfig;
    }
    redis = *endpoint;
    ops->ready_checks.push_back([e = *endpoint](boost::json::object& checks) {
      auto outcome = events::redis_ping(e, std::chrono::milliseconds(500));
      checks["redis"] = outcome;
      return outcome == "ok";
    });
  }
  // The event bus and the WebSocket hub; with Redis, the fan-out between instances.
  RealtimeModule realtime(redis, metrics, static_cast<std::size_t>(config.ws_per_user));
  std::unique_ptr<IdentityModule> identity;
  try {
    identity = std::make_unique<IdentityModule>(config, *pool, &realtime.bus());
  } catch (const std::exception& e) {
    say_failure(e.what());
    return kExitConfig;
  }
  api::AppServices services{ops};
  services.identity = identity->api();
  try {
    services.app_site = load_app_site(config);
  } catch (const std::exception& e) {
    say_failure(e.what());
    return kExitConfig;
  }
  std::unique_ptr<CatalogueModule> catalogue;
  try {
    catalogue = std::make_unique<CatalogueModule>(*pool, realtime.bus(), config);
  } catch (const std::exception& e) {
    say_failure(e.what());
    return 1;
  }
  catalogue->provide(services);
  // The shop's settings (SPEC §15.3), read by orders and pricing.
  SettingsModule settings(*pool, realtime.bus(), config);
  settings.provide(services);
  OrdersModule orders(*pool, realtime.bus(), realtime.hub(), metrics, config, settings.timing());
  FulfilModule fulfil(*pool, realtime.bus(), realtime.hub(), orders.orders(), config);
  fulfil.provide(services);
  orders.provide(services);
  PaymentsModule payments(*pool, orders.orders(), config, &metrics, &realtime.bus());
  payments.provide(services);
  // With Redis, events (and so menu cache invalidations) reach every instance.
  realtime.on_link_change([&catalogue, &settings](bool up) {
    catalogue->set_cross_instance_invalidation(up);
    settings.set_cross_instance_invalidation(up);
  });
  // Reports (SPEC §12); declared before the scheduler that runs its daily summary job.
  ReportsModule reports(*pool, config);
  reports.provide(services);
  // The outbox workers and the periodic jobs (SPEC §10).
  std::unique_ptr<NotifyModule> notify;
  try {
    notify = std::make_unique<NotifyModule>(config, *pool, config.outbox_workers, &metrics,
                                            &identity->denylist());
  } catch (const std::exception& e) {
    say_failure(e.what());
    return kExitConfig;
  }
  notify->provide(services);
  // The periodic jobs of the features (SPEC §10), all on the one scheduler thread.
  reports.schedule(notify->scheduler());   // the daily summary
  orders.schedule(notify->scheduler());    // expiry, Idempotency-Key pruning, order_due
  payments.schedule(notify->scheduler());  // owed refunds
  api::register_all_routes(router, openapi, services);
  ops->openapi_json =
      std::make_shared<const std::string>(boost::json::serialize(openapi.document(router)));

  std::vector<std::unique_ptr<http::Middleware>> chain;
  // First in the chain, so its response side runs last, on the final body.
  chain.push_back(std::make_unique<http::CompressionMiddleware>());
  chain.push_back(std::make_unique<http::RequestIdMiddleware>());
  chain.push_back(std::make_unique<http::SecurityHeadersMiddleware>());
  chain.push_back(std::make_unique<http::CorsMiddleware>(config.cors_origins));
  chain.push_back(std::make_unique<http::MetricsMiddleware>(metrics));
  chain.push_back(std::make_unique<http::AccessLogMiddleware>());
  http::Dispatcher dispatcher(router, std::move(chain));
  dispatcher.set_authenticator(&identity->authenticator());
  dispatcher.set_guard(&identity->guard());

  // Blocking work (the database) runs here, never on an I/O thread.
  boost::asio::thread_pool workers(static_cast<std::size_t>(config.db_pool_size));
  // A flood of sign-ins never takes more than half of those threads: the rest keep serving
  // the menu and orders (more are answered 503 with Retry-After, SPEC §3).
  auth::set_hash_queue_limit(
      std::max<std::size_t>(1, static_cast<std::size_t>(config.db_pool_size) / 2));

  // CREMA_METRICS_LISTEN: /metrics (and /health) on a second address only (SPEC §13).
  http::Router metrics_router;
  std::unique_ptr<http::Dispatcher> metrics_dispatcher;
  std::unique_ptr<net::HttpServer> metrics_server;
  if (ops->metrics_elsewhere) {
    api::register_metrics_routes(metrics_router, ops);
    std::vector<std::unique_ptr<http::Middleware>> metrics_chain;
    metrics_chain.push_back(std::make_unique<http::RequestIdMiddleware>());
    metrics_chain.push_back(std::make_unique<http::SecurityHeadersMiddleware>());
    metrics_dispatcher =
        std::make_unique<http::Dispatcher>(metrics_router, std::move(metrics_chain));
    net::ServerOptions m;
    m.host = config.metrics_listen_host;
    m.port = config.metrics_listen_port;
    m.threads = 1;
    m.request_timeout = std::chrono::seconds(config.request_timeout_seconds);
    metrics_server = std::make_unique<net::HttpServer>(m, *metrics_dispatcher, workers, nullptr);
  }

  net::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.threads = config.threads;
  // Half the worker pool (one thread per database connection) at most for streamed exports.
  options.max_streams = std::max(1, config.db_pool_size / 2);
  options.tls_cert = config.tls_cert;
  options.tls_key = config.tls_key;
  options.trusted_proxies = config.trusted_proxies;
  options.request_timeout = std::chrono::seconds(config.request_timeout_seconds);
  net::HttpServer server(options, dispatcher, workers, &metrics);
  server.set_websocket_hub(&realtime.hub());
  try {
    realtime.start();
    server.start();
    if (metrics_server) metrics_server->start();
    notify->start();
  } catch (const std::exception& e) {
    notify->stop();
    realtime.stop();  // before the modules its events reach are destroyed
    say_failure(e.what());
    return 1;
  }
  // The server's own daily backup (CREMA_BACKUP_DIR), off the request path, on a scheduler
  // of its own: a backup may take minutes and holds up no other job.
  std::unique_ptr<jobs::BackupJob> backups;
  jobs::Scheduler backup_scheduler;
  if (!config.backup_dir.empty()) {
    backups = std::make_unique<jobs::BackupJob>(config.database_url, config.backup_dir,
                                                config.backup_keep);
    backups->schedule(backup_scheduler);
    backup_scheduler.start();
  }
  if (metrics_server)
    obs::Log(obs::Level::info, "metrics listening").str("address", metrics_server->address());
  obs::Log(obs::Level::info, "listening")
      .str("address", server.address())
      .str("store", pool->dialect() == db::Dialect::sqlite ? "sqlite" : "postgres")
      .boolean("tls", config.tls())
      .num("threads", config.threads)
      .str("version", CREMA_VERSION);

  int sig = 0;
  sigwait(&signals, &sig);
  obs::Log(obs::Level::info, "shutting down")
      .str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")
      .num("connections", server.connections());
  const bool clean = server.shutdown(std::chrono::seconds(config.shutdown_grace_seconds));
  if (metrics_server) metrics_server->shutdown(std::chrono::seconds(1));
  backup_scheduler.stop();  // waits for a backup in progress
  workers.join();
  notify->stop();  // hands back outbox rows claimed but not sent
  realtime.stop();
  obs::Log(obs::Level::info, "stopped").boolean("clean", clean);
  if (sentry) sentry->stop();
  return 0;
}

}  // namespace crema::app
