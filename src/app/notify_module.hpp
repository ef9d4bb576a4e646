#pragma once
/// Builds the background work of SPEC §10 from the configuration: the channels, the outbox
/// workers, and the periodic scheduler (outbox backlog, pruning). Used by `crema serve`
/// and `crema worker`.

#include <atomic>
#include <memory>

#include "api/routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "jobs/outbox_worker.hpp"
#include "jobs/scheduler.hpp"
#include "notify/channels.hpp"

namespace crema::auth {
class SecretBox;
class TokenDenylist;
}  // namespace crema::auth

namespace crema::obs {
class Metrics;
}

namespace crema::app {

class NotifyModule {
 public:
  /// `worker_threads`: outbox threads to run (serve: CREMA_OUTBOX_WORKERS). `metrics`
  /// (optional) gets outbox_backlog and outbox_deliveries_total. `denylist` (optional) is
  /// pruned periodically. Throws std::runtime_error for an unusable provider URL or data key.
  NotifyModule(const Config& config, db::Pool& pool, int worker_threads, obs::Metrics* metrics,
               auth::TokenDenylist* denylist);
  ~NotifyModule();
  NotifyModule(const NotifyModule&) = delete;
  NotifyModule& operator=(const NotifyModule&) = delete;

  /// Hands the notification and webhook services to the routes.
  void provide(api::AppServices& services);

  /// Replaces the resolver of webhook hosts (the fuzz target's, which never leaves the
  /// process); call before provide().
  void use_resolver(util::HostResolver resolver) { resolver_ = std::move(resolver); }

  /// Periodic jobs of other features (idempotency keys, order expiry…): add before start().
  jobs::Scheduler& scheduler() noexcept { return scheduler_; }
  /// The key that seals webhook secrets (CREMA_DATA_KEY).
  const auth::SecretBox& secrets() const noexcept { return *secrets_; }

  void start();
  /// Stops the workers (rows claimed but not sent are handed back) and the scheduler.
  void stop();

 private:
  db::Pool& pool_;
  std::unique_ptr<auth::SecretBox> secrets_;
  std::unique_ptr<notify::Channels> channels_;
  std::unique_ptr<jobs::OutboxWorker> worker_;
  jobs::Scheduler scheduler_;
  std::shared_ptr<std::atomic<std::int64_t>> backlog_;
  std::shared_ptr<std::atomic<std::int64_t>> low_stock_;
  bool started_ = false;
  bool allow_private_webhooks_ = false;
  util::HostResolver resolver_;
};

}  // namespace crema::app
