#pragma once
/// Periodic jobs (SPEC §10, §13) on one background thread. The jobs are whatever the
/// features add before start(): app/notify_module adds the outbox backlog and low-stock
/// figures and the pruning of expired refresh tokens, settled outbox messages and denylist
/// entries; app/reports_module the daily summary; app/orders_module the expiry of unpaid
/// orders and the pruning of Idempotency-Keys (jobs/order_expiry); app/payments_module the
/// retry of owed refunds (jobs/refund_retry). `crema serve` runs the daily backup
/// (jobs/backup_job) on a scheduler of its own, so a long backup holds up no other job.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace crema::jobs {

class Scheduler {
 public:
  /// A task's handle, for run_soon().
  using TaskId = std::size_t;

  Scheduler() = default;
  ~Scheduler() { stop(); }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Runs `task` every `every`, the first time right after start(). Tasks run one at a time
  /// on the scheduler's thread; one that throws is logged and runs again next time. Add
  /// tasks before start().
  TaskId add(std::string name, std::chrono::milliseconds every, std::function<void()> task);
  /// A task that sets its own pace: it runs right after start(), then again after the wait
  /// it returns each time (after `on_throw` when it throws).
  TaskId add_paced(std::string name, std::function<std::chrono::milliseconds()> task,
                   std::chrono::milliseconds on_throw);
  /// Runs the task as soon as the thread is free, then on its schedule again. Never waits
  /// for a running task (an event bus subscriber may call it).
  void run_soon(TaskId id);
  void start();
  /// Lets the running task finish, then joins.
  void stop();
  /// Runs every task once now, on the calling thread (tests).
  void run_all_now();

 private:
  struct Task {
    std::string name;
    std::function<std::chrono::milliseconds()> fn;  ///< returns the wait until its next run
    std::chrono::milliseconds on_throw;
    std::chrono::steady_clock::time_point next;
    bool soon = false;  ///< run_soon() was called
  };
  void run();
  static std::chrono::milliseconds run_task(Task& t);
  std::vector<Task> tasks_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;  ///< a run_soon() since the thread last looked
  std::thread thread_;
};

}  // namespace crema::jobs
