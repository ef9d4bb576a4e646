#include "jobs/scheduler.hpp"

#include <algorithm>

#include "obs/log.hpp"

namespace crema::jobs {

Scheduler::TaskId Scheduler::add(std::string name, std::chrono::milliseconds every,
                                 std::function<void()> task) {
  return add_paced(
      std::move(name),
      [fn = std::move(task), every] {
        fn();
        return every;
      },
      every);
}

Scheduler::TaskId Scheduler::add_paced(std::string name,
                                       std::function<std::chrono::milliseconds()> task,
                                       std::chrono::milliseconds on_throw) {
  tasks_.push_back({std::move(name), std::move(task), on_throw, std::chrono::steady_clock::now()});
  return tasks_.size() - 1;
}

void Scheduler::run_soon(TaskId id) {
  {
    std::lock_guard lock(mutex_);
    if (id >= tasks_.size()) return;
    tasks_[id].soon = true;
    woken_ = true;
  }
  wake_.notify_all();
}

void Scheduler::start() {
  if (thread_.joinable() || tasks_.empty()) return;
  thread_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::chrono::milliseconds Scheduler::run_task(Task& t) {
  try {
    return t.fn();
  } catch (const std::exception& e) {
    obs::Log(obs::Level::warn, "scheduled job failed").str("job", t.name).str("error", e.what());
  }
  return t.on_throw;
}

void Scheduler::run_all_now() {
  for (auto& t : tasks_) run_task(t);
}

void Scheduler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    const auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::hours(1);
    for (auto& t : tasks_) {
      if (t.soon || t.next <= now) {
        t.soon = false;
        lock.unlock();
        const auto wait = run_task(t);
        lock.lock();
        if (stopping_) return;
        t.next = std::chrono::steady_clock::now() + wait;
      }
      next = std::min(next, t.next);
    }
    wake_.wait_until(lock, next, [this] { return stopping_ || woken_; });
  }
}

}  // namespace crema::jobs
