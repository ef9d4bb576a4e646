#pragma once
/// Periodic jobs (SPEC §10) on one background thread. The jobs are whatever the features
/// add() before start(): app/notify_module adds the outbox backlog and low-stock figures
/// and the pruning of expired refresh tokens, settled outbox messages and denylist
/// entries; app/reports_module adds the daily summary.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace crema::jobs {

class Scheduler {
 public:
  Scheduler() = default;
  ~Scheduler() { stop(); }
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// Runs `task` every `every`, the first time right after start(). Tasks run one at a time
  /// on the scheduler's thread; one that throws is logged and runs again next time. Add
  /// tasks before start().
  void add(std::string name, std::chrono::milliseconds every, std::function<void()> task);
  void start();
  /// Lets the running task finish, then joins.
  void stop();
  /// Runs every task once now, on the calling thread (tests).
  void run_all_now();

 private:
  struct Task {
    std::string name;
    std::chrono::milliseconds every;
    std::function<void()> fn;
    std::chrono::steady_clock::time_point next;
  };
  void run();
  static void run_task(Task& t);
  std::vector<Task> tasks_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace crema::jobs
