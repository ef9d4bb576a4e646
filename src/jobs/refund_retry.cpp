#include "jobs/refund_retry.hpp"

#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::jobs {

void RefundRetry::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void RefundRetry::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RefundRetry::kick() {
  {
    std::lock_guard lock(mutex_);
    kicked_ = true;
  }
  wake_.notify_all();
}

int RefundRetry::run_once(bool all) {
  return payments_.retry_pending_refunds(all ? util::now_ms() + 1
                                             : util::now_ms() - every_.count());
}

void RefundRetry::run() {
  // The first pass right away: refunds owed from before this process started (another
  // instance died, the gateway was down) do not wait a period more.
  bool first = true;
  while (true) {
    bool all = false;
    {
      std::unique_lock lock(mutex_);
      if (!first) wake_.wait_for(lock, every_, [&] { return stopping_ || kicked_; });
      first = false;
      if (stopping_) return;
      all = kicked_;
      kicked_ = false;
    }
    try {
      run_once(all);
    } catch (const std::exception& e) {
      // The database was unavailable: the next pass tries again.
      obs::Log(obs::Level::warn, "refund retry failed").str("error", e.what());
    }
  }
}

}  // namespace crema::jobs
