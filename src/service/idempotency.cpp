#include "service/idempotency.hpp"

#include "repo/idempotency_repo.hpp"

namespace crema::service {

std::string idempotency_scope(const Actor& actor) {
  if (actor.principal && actor.principal->is_api_key()) return "key:" + actor.principal->api_key_id;
  // Guests (SPEC §15.1): the client's IP, and the order its token opens.
  if (actor.is_guest()) return "guest:" + actor.ip + ":order:" + actor.principal->order_id;
  if (actor.anonymous()) return "guest:" + actor.ip;
  return "user:" + actor.user_id();
}

Idempotency::Idempotency(const Actor& actor, std::string_view route,
                         std::optional<IdempotencyKey> key)
    : scope_(idempotency_scope(actor)), route_(route), key_(std::move(key)) {}

std::optional<crema::Result<StoredAnswer>> Idempotency::claim(db::Transaction& tx,
                                                              std::int64_t now) const {
  if (!key_) return std::nullopt;
  const auto& k = *key_;
  if (repo::claim_key(tx, scope_, route_, k.key, k.fingerprint, now)) return std::nullopt;
  auto stored = repo::find_key(tx.connection(), scope_, route_, k.key);
  if (stored && stored->created_at < now - kIdempotencyKeepMs) {
    repo::delete_key(tx, scope_, route_, k.key);
    stored.reset();
  }
  if (!stored) {
    // Gone between the two statements (released, or expired just now): claim it afresh.
    if (!repo::claim_key(tx, scope_, route_, k.key, k.fingerprint, now))
      throw db::Error(db::Error::Kind::retryable, "idempotency key claimed concurrently");
    return std::nullopt;
  }
  if (stored->fingerprint != k.fingerprint)
    return crema::Result<StoredAnswer>(crema::Error::make(
        ErrorCode::conflict, "This Idempotency-Key was already used with a different request.",
        {{"Idempotency-Key", "was used with another body"}}));
  if (stored->status == 0)
    return crema::Result<StoredAnswer>(crema::Error::make(
        ErrorCode::conflict, "A request with this Idempotency-Key is still running."));
  return crema::Result<StoredAnswer>(StoredAnswer{stored->status, std::move(stored->body)});
}

void Idempotency::complete(db::Transaction& tx, int status, std::string_view body) const {
  if (key_) repo::complete_key(tx, scope_, route_, key_->key, status, body);
}

void Idempotency::release(db::Transaction& tx) const {
  if (key_) repo::delete_key(tx, scope_, route_, key_->key);
}

void Idempotency::release(db::Pool& pool) const {
  if (!key_) return;
  pool.transact([&](db::Transaction& tx) { release(tx); });
}

std::int64_t prune_idempotency_keys(db::Pool& pool, std::int64_t now_ms) {
  return pool.transact(
      [&](db::Transaction& tx) { return repo::prune_keys(tx, now_ms - kIdempotencyKeepMs); });
}

}  // namespace crema::service
