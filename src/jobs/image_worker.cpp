#include "jobs/image_worker.hpp"

#include <algorithm>

#include "obs/log.hpp"

namespace crema::jobs {

void ImageWorker::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void ImageWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ImageWorker::enqueue(const std::string& image_id) {
  {
    std::lock_guard lock(mutex_);
    if (std::find(queue_.begin(), queue_.end(), image_id) == queue_.end())
      queue_.push_back(image_id);
  }
  wake_.notify_one();
}

void ImageWorker::run() {
  auto next_sweep = std::chrono::steady_clock::now();  // at start: pick up what was left
  while (true) {
    std::string id;
    bool sweep = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_sweep, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      if (!queue_.empty()) {
        id = std::move(queue_.front());
        queue_.pop_front();
      } else {
        sweep = true;
      }
    }
    try {
      if (sweep) {
        next_sweep = std::chrono::steady_clock::now() + sweep_every_;
        for (auto& pending : images_.pending(100)) enqueue(pending);
      } else {
        images_.process(id);
      }
    } catch (const std::exception& e) {
      // The database was unavailable: the image stays pending for the next sweep.
      obs::Log(obs::Level::warn, "image job failed").str("image_id", id).str("error", e.what());
    }
  }
}

}  // namespace crema::jobs
