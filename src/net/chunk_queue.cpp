#include "net/chunk_queue.hpp"

namespace crema::http {

bool ChunkQueue::write(std::string chunk) {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return cancelled_ || chunks_.size() < max_chunks_; });
  if (cancelled_) return false;
  if (chunk.empty()) return true;
  chunks_.push_back(std::move(chunk));
  if (notify_) notify_();
  return true;
}

bool ChunkQueue::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

void ChunkQueue::close(bool ok) {
  std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  ok_ = ok;
  if (notify_) notify_();
}

ChunkQueue::Next ChunkQueue::pop(std::string& out) {
  std::lock_guard lock(mutex_);
  if (!chunks_.empty()) {
    out = std::move(chunks_.front());
    chunks_.pop_front();
    room_.notify_all();
    return Next::chunk;
  }
  if (!closed_) return Next::wait;
  return ok_ ? Next::done : Next::failed;
}

void ChunkQueue::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  chunks_.clear();
  notify_ = nullptr;
  room_.notify_all();
}

void ChunkQueue::set_notify(std::function<void()> notify) {
  std::lock_guard lock(mutex_);
  notify_ = std::move(notify);
}

std::size_t ChunkQueue::size() const {
  std::lock_guard lock(mutex_);
  return chunks_.size();
}

}  // namespace crema::http
