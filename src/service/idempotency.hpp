#pragma once
/// Idempotency-Key (SPEC §2), one implementation for every route that takes the header
/// (POST /orders, POST /payments/checkout, POST /payments/{id}/refund). A key is remembered
/// per caller (user or API key) and route for 24 hours: the same key with the same body
/// replays the first answer, with another body it is a 409, and while its first request
/// is still running a repeat is a 409 too. A request that fails releases its key, so the
/// client may retry with it.
///
///     Idempotency idem(actor, "POST /orders", key);
///     in_write_tx(pool, bus, [&](UnitOfWork& work) -> Result<Answer> {
///       if (auto first = idem.claim(work.tx(), now)) {
///         if (!*first) return std::move(*first).error();  // 409
///         return replay_of(**first);                       // the first answer
///       }
///       ... the use case ...
///       idem.complete(work.tx(), 201, body);
///     });

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/pool.hpp"
#include "service/actor.hpp"
#include "util/error.hpp"

namespace crema::service {

/// Idempotency-Key of a request: the key and a fingerprint of its body.
struct IdempotencyKey {
  std::string key;
  std::string fingerprint;
};

/// How long an Idempotency-Key is remembered (SPEC §2: 24 hours).
inline constexpr std::int64_t kIdempotencyKeepMs = 24LL * 60 * 60 * 1000;

/// The answer given to the first request with a key: what a repeat replays.
struct StoredAnswer {
  int status = 0;
  std::string body;  ///< JSON text
};

/// The Idempotency-Key (if any) of one request on one route, scoped to its caller. Without
/// a key every call is a no-op: claim() says go on, complete() and release() do nothing.
class Idempotency {
 public:
  Idempotency(const Actor& actor, std::string_view route, std::optional<IdempotencyKey> key);

  /// Claims the key in `tx` (a key older than 24 hours is forgotten first). Nothing: go on
  /// (no key, or this request claimed it). The first answer: replay it. An error (409): the
  /// key was used with another body, or its first request is still running. On PostgreSQL
  /// a claim racing another uncommitted one waits for it; when that one rolled back, this
  /// throws db::Error retryable so the transaction runs again.
  std::optional<crema::Result<StoredAnswer>> claim(db::Transaction& tx, std::int64_t now) const;
  /// Records the answer for repeats, in the claiming transaction or a later one.
  void complete(db::Transaction& tx, int status, std::string_view body) const;
  /// Forgets the claim (the request failed after committing it), in `tx`.
  void release(db::Transaction& tx) const;
  /// Forgets the claim in a transaction of its own.
  void release(db::Pool& pool) const;

  bool has_key() const noexcept { return key_.has_value(); }
  const std::string& scope() const noexcept { return scope_; }

 private:
  std::string scope_;
  std::string_view route_;
  std::optional<IdempotencyKey> key_;
};

/// The scope keys are remembered in: "user:<id>", "key:<api key id>", or for guests (SPEC
/// §15.1) "guest:<client ip>" (placing an order) and "guest:<client ip>:order:<id>" (an
/// X-Order-Token holder).
std::string idempotency_scope(const Actor& actor);

/// Forgets keys older than 24 hours as of `now_ms`; returns how many.
std::int64_t prune_idempotency_keys(db::Pool& pool, std::int64_t now_ms);

}  // namespace crema::service
