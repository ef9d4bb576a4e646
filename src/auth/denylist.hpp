#pragma once
/// The access-token denylist: token ids (jti) refused until the token would have expired
/// anyway (logout). In process by default; shared through Redis when configured
/// (auth/redis_stores.hpp).

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace crema::auth {

class TokenDenylist {
 public:
  virtual ~TokenDenylist() = default;
  /// Refuses `jti` until `until_ms` (Unix ms).
  virtual void deny(std::string_view jti, std::int64_t until_ms, std::int64_t now_ms) = 0;
  /// Whether `jti` is refused now. A store that cannot answer throws db::Error(unavailable):
  /// a revoked token must never pass because the denylist was unreachable.
  virtual bool denied(std::string_view jti, std::int64_t now_ms) = 0;
  /// True when calls do network I/O (must not run on an I/O thread).
  virtual bool blocking() const noexcept = 0;
  /// Drops entries that expired (the periodic scheduler calls it); returns how many. Stores
  /// whose entries expire by themselves (Redis TTLs) have nothing to do.
  virtual std::size_t prune(std::int64_t now_ms) {
    (void)now_ms;
    return 0;
  }
};

/// One process's denylist: a hash map, swept of expired entries as it grows.
class MemoryTokenDenylist final : public TokenDenylist {
 public:
  void deny(std::string_view jti, std::int64_t until_ms, std::int64_t now_ms) override;
  bool denied(std::string_view jti, std::int64_t now_ms) override;
  bool blocking() const noexcept override { return false; }
  std::size_t prune(std::int64_t now_ms) override;
  std::size_t size() const;

 private:
  void sweep(std::int64_t now_ms);
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> until_;
  std::size_t sweep_at_ = 1024;
};

}  // namespace crema::auth
