#include "repo/guest_token_repo.hpp"

namespace crema::repo {

void insert_guest_token(db::Connection& conn, std::string_view token_hash,
                        std::string_view order_id, std::int64_t now_ms) {
  // Nothing reads it back in the placing transaction: it travels with the next statement
  // (the reservation) or the COMMIT on PostgreSQL.
  const db::Param params[] = {token_hash, order_id, now_ms};
  conn.exec_later("INSERT INTO guest_tokens (token_hash, order_id, created_at) VALUES ($1, $2, $3)",
                  params);
}

std::optional<GuestTokenRecord> find_guest_token(db::Connection& conn,
                                                 std::string_view token_hash) {
  auto r = conn.exec(
      "SELECT g.order_id, g.created_at, COALESCE(o.completed_at, o.cancelled_at) "
      "FROM guest_tokens g JOIN orders o ON o.id = g.order_id WHERE g.token_hash = $1",
      {token_hash});
  if (r.empty()) return std::nullopt;
  const auto& row = r.front();
  return GuestTokenRecord{row.text(0), row.int64(1), row.opt_int64(2)};
}

std::int64_t delete_guest_tokens_ended_before(db::Connection& conn, std::int64_t ended_before) {
  return conn
      .exec(
          "DELETE FROM guest_tokens WHERE order_id IN (SELECT o.id FROM orders o "
          "JOIN guest_tokens g ON g.order_id = o.id "
          "WHERE COALESCE(o.completed_at, o.cancelled_at) < $1)",
          {ended_before})
      .affected();
}

}  // namespace crema::repo
