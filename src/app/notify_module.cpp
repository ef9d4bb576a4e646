#include "app/notify_module.hpp"

#include "auth/denylist.hpp"
#include "auth/secret_box.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "repo/inventory_repo.hpp"
#include "service/maintenance.hpp"
#include "service/outbox.hpp"
#include "service/retention.hpp"
#include "util/time.hpp"

namespace crema::app {

NotifyModule::NotifyModule(const Config& config, db::Pool& pool, int worker_threads,
                           obs::Metrics* metrics, auth::TokenDenylist* denylist)
    : pool_(pool),
      backlog_(std::make_shared<std::atomic<std::int64_t>>(0)),
      low_stock_(std::make_shared<std::atomic<std::int64_t>>(0)) {
  auto box = auth::SecretBox::from_hex(config.data_key_hex);
  if (!box) throw std::runtime_error("CREMA_DATA_KEY must be 64 hexadecimal digits");
  secrets_ = std::make_unique<auth::SecretBox>(*box);

  notify::ChannelSettings channels;
  channels.smtp_url = config.smtp_url;
  channels.smtp_from = config.smtp_from;
  channels.smtp_ca_file = config.smtp_ca_file;
  channels.sms_url = config.sms_url;
  channels.sms_from = config.sms_from;
  channels.templates_dir = config.templates_dir;
  channels.allow_private_webhooks = config.allow_private_webhooks;
  allow_private_webhooks_ = config.allow_private_webhooks;
  channels_ = std::make_unique<notify::Channels>(channels, &pool_, secrets_.get());

  jobs::OutboxWorkerOptions options;
  options.threads = worker_threads;
  options.poll = std::chrono::milliseconds(config.outbox_poll_ms);
  options.policy.backoff_base_ms = config.outbox_backoff_ms;
  options.policy.lease_ms = static_cast<std::int64_t>(config.outbox_lease_seconds) * 1000;
  worker_ = std::make_unique<jobs::OutboxWorker>(pool_, *channels_, options, metrics);

  if (metrics) {
    metrics->add_sampled_gauge("outbox_backlog", "Outbox messages queued and not yet sent",
                               [b = backlog_] { return static_cast<double>(b->load()); });
  }
  // The backlog is counted here, off the scrape path: /metrics never waits for the database.
  scheduler_.add("outbox_backlog", std::chrono::seconds(5),
                 [this] { backlog_->store(service::outbox_backlog(pool_)); });
  // Likewise the items below their threshold, for a low-stock alert rule (docs/OPERATIONS.md).
  if (metrics) {
    metrics->add_sampled_gauge("inventory_low_stock_items",
                               "Tracked inventory items below their low-stock threshold",
                               [l = low_stock_] { return static_cast<double>(l->load()); });
  }
  scheduler_.add("inventory_low_stock", std::chrono::seconds(5),
                 [this] { low_stock_->store(repo::count_low_stock(*pool_.read())); });
  scheduler_.add("prune_refresh_tokens", std::chrono::hours(1), [this] {
    if (auto n = service::prune_expired_refresh_tokens(pool_, util::now_ms()); n > 0)
      obs::Log(obs::Level::info, "expired refresh tokens pruned").num("rows", n);
  });
  // What Crema forgets by itself (SPEC §15.5, docs/PRIVACY.md).
  const service::RetentionPolicy retention{config.retention_days_guest_pii,
                                           config.retention_days_notifications};
  scheduler_.add("retention", std::chrono::hours(1), [this, retention] {
    const auto done = service::apply_retention(pool_, retention, util::now_ms());
    if (done.orders_cleared > 0 || done.messages_deleted > 0 || done.account_tokens_deleted > 0 ||
        done.recovery_codes_deleted > 0 || done.guest_tokens_deleted > 0)
      obs::Log(obs::Level::info, "retention applied")
          .num("orders_cleared", done.orders_cleared)
          .num("messages_deleted", done.messages_deleted)
          .num("account_tokens_deleted", done.account_tokens_deleted)
          .num("recovery_codes_deleted", done.recovery_codes_deleted)
          .num("guest_tokens_deleted", done.guest_tokens_deleted);
  });
  if (denylist) {
    scheduler_.add("prune_denylist", std::chrono::minutes(1),
                   [denylist] { denylist->prune(util::now_ms()); });
  }
  // The other features add theirs with scheduler().add(…) before start() (jobs/scheduler.hpp
  // lists them).
}

NotifyModule::~NotifyModule() { stop(); }

void NotifyModule::provide(api::AppServices& services) {
  services.notify = std::make_shared<api::NotifyContext>(
      api::NotifyContext{std::make_shared<service::NotificationService>(pool_),
                         std::make_shared<service::WebhookService>(
                             pool_, *secrets_, allow_private_webhooks_, resolver_)});
}

void NotifyModule::start() {
  if (started_) return;
  started_ = true;
  worker_->start();
  scheduler_.start();
}

void NotifyModule::stop() {
  if (worker_) worker_->stop();
  scheduler_.stop();
}

}  // namespace crema::app
