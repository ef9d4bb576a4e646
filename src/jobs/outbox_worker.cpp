#include "jobs/outbox_worker.hpp"

#include <unistd.h>

#include <prometheus/counter.h>
#include <prometheus/family.h>

#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::jobs {

OutboxWorker::OutboxWorker(db::Pool& pool, notify::Deliverer& deliverer,
                           OutboxWorkerOptions options, obs::Metrics* metrics)
    : pool_(pool), deliverer_(deliverer), options_(options), rng_(std::random_device{}()) {
  char host[128] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  instance_ =
      std::string(host) + ":" + std::to_string(::getpid()) + ":" + util::new_uuid_v7().substr(24);
  if (metrics) {
    deliveries_ = &prometheus::BuildCounter()
                       .Name("outbox_deliveries_total")
                       .Help(
                           "Outbox delivery attempts by channel and outcome (sent, retry, "
                           "failed)")
                       .Register(metrics->registry());
  }
}

OutboxWorker::~OutboxWorker() { stop(); }

void OutboxWorker::start() {
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { run(i); });
}

void OutboxWorker::stop() {
  {
    // Under the lock, so a thread about to wait cannot miss the wake-up.
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  wake_.notify_all();
  // Sends in progress may finish (and be recorded) for a while: abandoning one the provider
  // already received could make it send twice. One that hangs past that must not hold the
  // shutdown: it gives up and its row is handed back with the rest.
  {
    std::unique_lock lock(mutex_);
    if (!finished_.wait_for(lock, options_.abort_after,
                            [this] { return exited_ == static_cast<int>(threads_.size()); }))
      deliverer_.abort_in_flight();
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  exited_ = 0;
}

void OutboxWorker::wake() { wake_.notify_all(); }

void OutboxWorker::count(const std::string& channel, const char* outcome) {
  if (deliveries_) deliveries_->Add({{"channel", channel}, {"outcome", outcome}}).Increment();
}

int OutboxWorker::run_once(const std::string& worker_id) {
  const auto& policy = options_.policy;
  auto batch =
      service::claim_due(pool_, worker_id, util::now_ms(), options_.batch, policy.lease_ms);
  for (const auto& m : batch) {
    // Stopping: the rest of the batch goes back unsent (released by the caller).
    if (stopping()) break;
    // SPEC §15.5: the delivery continues the trace of the change that queued it (a new
    // trace for a message queued untraced, when tracing is on); the provider's call and the
    // settling transaction are its children.
    obs::ScopedSpan span("outbox " + m.kind + " " + m.type, obs::SpanKind::consumer,
                         obs::TraceContext::parse(m.traceparent));
    if (span.active())
      span.attr("crema.outbox_id", m.id)
          .attr("crema.channel", m.channel)
          .attr("crema.attempt", static_cast<std::int64_t>(m.attempts + 1));
    notify::Delivery d;
    const auto started = std::chrono::steady_clock::now();
    try {
      d = deliverer_.deliver(m);
    } catch (const std::exception& e) {
      d.outcome.ok = false;
      d.outcome.error = std::string("delivery threw: ") + e.what();
    }
    // Abandoned because we are stopping: not a try; the row is handed back unsent.
    if (!d.outcome.ok && stopping()) break;
    d.outcome.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
    const auto now = util::now_ms();
    if (!d.outcome.ok) span.fail(d.outcome.error);
    if (d.outcome.ok) {
      if (service::mark_sent(pool_, m, worker_id, now, d.outcome)) {
        count(m.channel, "sent");
      } else {
        obs::Log(obs::Level::warn, "outbox lease lost before the send was recorded")
            .str("outbox_id", m.id);
      }
      continue;
    }
    double r = 0;
    {
      std::lock_guard lock(rng_mutex_);
      r = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    auto status =
        service::mark_attempt_failed(pool_, m, worker_id, now, d.outcome, policy, r, d.permanent);
    if (!status) continue;
    const bool dead = *status == domain::OutboxStatus::failed;
    count(m.channel, dead ? "failed" : "retry");
    obs::Log(dead ? obs::Level::error : obs::Level::warn,
             dead ? "outbox message failed" : "outbox delivery will be retried")
        .str("outbox_id", m.id)
        .str("type", m.type)
        .str("channel", m.channel)
        .num("attempt", m.attempts + 1)
        .str("error", d.outcome.error);
  }
  return static_cast<int>(batch.size());
}

void OutboxWorker::run(int index) {
  const std::string worker_id = instance_ + "#" + std::to_string(index);
  while (!stopping()) {
    int claimed = 0;
    try {
      claimed = run_once(worker_id);
    } catch (const std::exception& e) {
      obs::Log(obs::Level::warn, "outbox worker cycle failed").str("error", e.what());
    }
    // A full batch means more may be due: go again at once.
    if (claimed >= options_.batch && !stopping()) continue;
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, options_.poll, [this] { return stopping(); });
  }
  {
    std::lock_guard lock(mutex_);
    ++exited_;
  }
  finished_.notify_all();
  // Hand back what this thread claimed and did not send, so nothing waits for the lease.
  for (int attempt = 0; attempt < 3; ++attempt) {
    try {
      if (int n = service::release_claims(pool_, worker_id); n > 0)
        obs::Log(obs::Level::info, "outbox rows handed back").num("rows", n);
      break;
    } catch (const std::exception& e) {
      obs::Log(obs::Level::warn, "cannot hand back outbox rows; their lease will expire")
          .str("error", e.what());
    }
  }
}

}  // namespace crema::jobs
