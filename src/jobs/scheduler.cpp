#include "jobs/scheduler.hpp"

#include <algorithm>

#include "obs/log.hpp"

namespace crema::jobs {

void Scheduler::add(std::string name, std::chrono::milliseconds every, std::function<void()> task) {
  tasks_.push_back({std::move(name), every, std::move(task), std::chrono::steady_clock::now()});
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

void Scheduler::run_task(Task& t) {
  try {
    t.fn();
  } catch (const std::exception& e) {
    obs::Log(obs::Level::warn, "scheduled job failed").str("job", t.name).str("error", e.what());
  }
}

void Scheduler::run_all_now() {
  for (auto& t : tasks_) run_task(t);
}

void Scheduler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    auto next = now + std::chrono::hours(1);
    for (auto& t : tasks_) {
      if (t.next <= now) {
        lock.unlock();
        run_task(t);
        lock.lock();
        if (stopping_) return;
        t.next = std::chrono::steady_clock::now() + t.every;
      }
      next = std::min(next, t.next);
    }
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

}  // namespace crema::jobs
