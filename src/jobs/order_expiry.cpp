#include "jobs/order_expiry.hpp"

#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::jobs {

void OrderExpiry::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void OrderExpiry::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int OrderExpiry::run_once() {
  const int expired = orders_.expire_due(util::now_ms());
  if (expired > 0) obs::Log(obs::Level::info, "unpaid orders expired").num("count", expired);
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_prune_) {
    next_prune_ = now + std::chrono::hours(1);
    orders_.prune_idempotency_keys(util::now_ms());
  }
  return expired;
}

void OrderExpiry::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, every_, [&] { return stopping_; });
      if (stopping_) return;
    }
    try {
      run_once();
    } catch (const std::exception& e) {
      // The database was unavailable: the next pass tries again.
      obs::Log(obs::Level::warn, "order expiry failed").str("error", e.what());
    }
  }
}

}  // namespace crema::jobs
