#pragma once
/// The outbox workers (SPEC §10): threads that claim due outbox rows, hand each to the
/// channels, and record `sent` or the retry. Run inside `crema serve` and by `crema worker`.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "db/pool.hpp"
#include "notify/deliverer.hpp"
#include "service/outbox.hpp"

namespace prometheus {
class Counter;
template <typename T>
class Family;
}  // namespace prometheus

namespace crema::obs {
class Metrics;
}

namespace crema::jobs {

struct OutboxWorkerOptions {
  int threads = 1;
  std::chrono::milliseconds poll{1000};  ///< how often an idle worker looks for due rows
  int batch = 16;                        ///< rows claimed at once
  /// On stop, how long sends in progress may take before they are abandoned.
  std::chrono::milliseconds abort_after{std::chrono::seconds(5)};
  service::OutboxPolicy policy;
};

class OutboxWorker {
 public:
  /// `metrics` (optional) gets outbox_deliveries_total{channel,outcome}.
  OutboxWorker(db::Pool& pool, notify::Deliverer& deliverer, OutboxWorkerOptions options,
               obs::Metrics* metrics = nullptr);
  ~OutboxWorker();
  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  /// Starts options.threads threads (none when 0).
  void start();
  /// Stops claiming, lets sends in progress finish for up to options.abort_after and then
  /// asks them to give up, hands back every row claimed but not sent (so another worker
  /// takes them at once), and joins.
  void stop();
  /// Wakes idle threads (a message was just queued).
  void wake();

  /// One cycle on the calling thread, as worker `worker_id`: claims up to a batch of due
  /// rows and delivers them. Returns how many were claimed. For tests and `stop()`-free use.
  int run_once(const std::string& worker_id);

 private:
  void run(int index);
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  void count(const std::string& channel, const char* outcome);

  db::Pool& pool_;
  notify::Deliverer& deliverer_;
  OutboxWorkerOptions options_;
  prometheus::Family<prometheus::Counter>* deliveries_ = nullptr;
  std::string instance_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable finished_;  ///< a thread left its loop
  int exited_ = 0;                    ///< threads that left their loop (under mutex_)
  std::vector<std::thread> threads_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

}  // namespace crema::jobs
