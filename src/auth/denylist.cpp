#include "auth/denylist.hpp"

namespace crema::auth {

void MemoryTokenDenylist::deny(std::string_view jti, std::int64_t until_ms, std::int64_t now_ms) {
  if (until_ms <= now_ms) return;
  std::lock_guard lock(mutex_);
  auto& until = until_[std::string(jti)];
  until = std::max(until, until_ms);
  if (until_.size() >= sweep_at_) sweep(now_ms);
}

bool MemoryTokenDenylist::denied(std::string_view jti, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto it = until_.find(std::string(jti));
  return it != until_.end() && it->second > now_ms;
}

std::size_t MemoryTokenDenylist::prune(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const std::size_t before = until_.size();
  sweep(now_ms);
  return before - until_.size();
}

std::size_t MemoryTokenDenylist::size() const {
  std::lock_guard lock(mutex_);
  return until_.size();
}

// Entries live at most 15 minutes (an access token's life), so a sweep when the map doubles
// keeps it proportional to the logouts of the last quarter hour.
void MemoryTokenDenylist::sweep(std::int64_t now_ms) {
  std::erase_if(until_, [&](const auto& kv) { return kv.second <= now_ms; });
  sweep_at_ = std::max<std::size_t>(1024, until_.size() * 2);
}

}  // namespace crema::auth
