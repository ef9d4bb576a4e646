#pragma once
/// The encoded GET /menu body, kept in memory with its ETag (SPEC §4: every screen polls
/// it). Any catalogue or stock change invalidates it through the event bus (`menu_updated`,
/// also when it comes from another instance through Redis); a maximum age bounds how stale
/// it can get when such a message could be lost (no Redis, or Redis unreachable).
///
/// A hit costs a mutex and a shared_ptr copy, so it is answered on the I/O thread (the
/// route's fast path); a miss is rebuilt by one worker while the others wait for it. The
/// rebuild also compresses the body (Brotli and gzip) once, so no request compresses it.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "net/http_types.hpp"

namespace crema::api {

class MenuCache {
 public:
  struct Entry {
    std::string body;
    /// The body compressed once, when it is built (SPEC §13), for clients that ask; empty
    /// when the body is under 1 KiB (sent as it is).
    std::string br, gzip;
    std::string etag;  ///< quoted strong validator of `body`, e.g. "\"m-3f2a…\""
    std::uint64_t generation = 0;
    std::int64_t expires_ms = 0;  ///< 0: only an invalidation ends it
  };
  using Builder = std::function<std::string()>;

  /// Marks the cached body stale; the next request rebuilds it.
  void invalidate() noexcept;

  /// How long a body may be served without an invalidation (0: forever).
  void set_max_age_ms(std::int64_t ms) noexcept { max_age_ms_.store(ms); }
  std::int64_t max_age_ms() const noexcept { return max_age_ms_.load(); }

  /// The cached entry when it is still fresh.
  std::shared_ptr<const Entry> fresh() const;

  /// The fresh entry, building it with `build` (on a worker) when there is none; concurrent
  /// callers wait for one build. A body built while an invalidation arrived is served to
  /// this caller but not kept.
  std::shared_ptr<const Entry> get_or_build(const Builder& build);

  /// 200 with the body (shared with the cache, not copied) — Brotli or gzip as the client's
  /// Accept-Encoding asks, with Vary: Accept-Encoding and a weak ETag (W/"m-…", as nginx
  /// does for what it compresses) — or 304 when If-None-Match names its ETag (either form);
  /// Cache-Control no-cache (clients revalidate every time, cheaply).
  static http::Response respond(const http::Request& req, std::shared_ptr<const Entry> entry);

  /// The quoted ETag of a body (BLAKE2b of its bytes).
  static std::string etag_of(std::string_view body);
  /// Whether an If-None-Match header value matches `etag` (weak comparison, lists, `*`).
  static bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept;

 private:
  std::atomic<std::uint64_t> generation_{1};
  std::atomic<std::int64_t> max_age_ms_{0};
  mutable std::mutex mutex_;  // guards entry_
  std::shared_ptr<const Entry> entry_;
  std::mutex build_mutex_;  // one rebuild at a time
};

}  // namespace crema::api
