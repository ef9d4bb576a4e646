#pragma once
/// The `guest_tokens` table (SPEC §15.1, guest checkout): the X-Order-Token of an order
/// placed without an account, stored as its SHA-256 hash, one per order.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "db/connection.hpp"

namespace crema::repo {

/// A stored token and what its expiry depends on: the order it opens and when that order
/// ended (completed_at or cancelled_at; nothing while it is open).
struct GuestTokenRecord {
  std::string order_id;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> order_ended_at;
};

void insert_guest_token(db::Connection& conn, std::string_view token_hash,
                        std::string_view order_id, std::int64_t now_ms);

/// The token with this hash, expired or not.
std::optional<GuestTokenRecord> find_guest_token(db::Connection& conn, std::string_view token_hash);

/// Deletes the tokens of orders that ended before `ended_before` (their expiry); returns how
/// many.
std::int64_t delete_guest_tokens_ended_before(db::Connection& conn, std::int64_t ended_before);

}  // namespace crema::repo
