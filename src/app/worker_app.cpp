// `crema worker`: the outbox workers and periodic jobs without the HTTP server, so the
// background work can be scaled (or isolated) apart from the API instances.
#include <signal.h>

#include <algorithm>
#include <cstdio>

#include "app/notify_module.hpp"
#include "app/orders_module.hpp"
#include "app/payments_module.hpp"
#include "app/reports_module.hpp"
#include "app/secrets.hpp"
#include "app/server_app.hpp"
#include "app/startup.hpp"
#include "db/pool.hpp"
#include "obs/log.hpp"

namespace crema::app {

int run_worker(Config config) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  obs::set_log_level(log_level_of(config.log_level));
  try {
    ensure_development_secrets(config);
  } catch (const std::exception& e) {
    say_failure(e.what());
    return kExitConfig;
  }
  TracingScope tracing(config);  // outbox deliveries continue their rows' traces (SPEC §15.5)
  db::PoolOptions options;
  options.size = std::min(config.db_pool_size, 4);
  options.sqlite_full_durability = config.durability_full;
  auto store = open_store(config, options, signals);
  if (!store.pool) return store.exit_code;
  std::unique_ptr<db::Pool> pool = std::move(store.pool);
  // The daily summary (SPEC §10) runs here too; each day is claimed once across instances.
  ReportsModule reports(*pool, config);
  std::unique_ptr<NotifyModule> notify;
  try {
    notify = std::make_unique<NotifyModule>(config, *pool, std::max(1, config.outbox_workers),
                                            nullptr, nullptr);
  } catch (const std::exception& e) {
    say_failure(e.what());
    return kExitConfig;
  }
  reports.schedule(notify->scheduler());
  // The refund job (jobs/refund_retry): owed refunds are sent from here too; each refund is
  // claimed by one process at a time (repo::claim_refund), so serve instances running the
  // same job never send it twice. Its events stay in this process (it has no clients).
  events::Bus bus;
  service::OrderService orders(*pool, bus, order_settings(config));
  PaymentsModule payments(*pool, orders, config);
  payments.schedule(notify->scheduler());
  notify->start();
  obs::Log(obs::Level::info, "worker started")
      .num("threads", std::max(1, config.outbox_workers))
      .str("store", pool->dialect() == db::Dialect::sqlite ? "sqlite" : "postgres");
  int sig = 0;
  sigwait(&signals, &sig);
  obs::Log(obs::Level::info, "worker stopping")
      .str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  notify->stop();
  obs::Log(obs::Level::info, "stopped").boolean("clean", true);
  return 0;
}

}  // namespace crema::app
