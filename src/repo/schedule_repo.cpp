#include "repo/schedule_repo.hpp"

namespace crema::repo {

bool take_schedule_slot(db::Transaction& tx, std::int64_t slot_start, std::string_view kind,
                        std::int64_t max) {
  auto r = tx.exec(
      "INSERT INTO schedule_slots (slot_start, kind, taken) VALUES ($1, $2, 1) "
      "ON CONFLICT (slot_start, kind) DO UPDATE SET taken = schedule_slots.taken + 1 "
      "WHERE schedule_slots.taken < $3 RETURNING taken",
      {slot_start, kind, max});
  return !r.empty();
}

void release_schedule_slot(db::Transaction& tx, std::int64_t slot_start, std::string_view kind) {
  tx.exec(
      "UPDATE schedule_slots SET taken = taken - 1 "
      "WHERE slot_start = $1 AND kind = $2 AND taken > 0",
      {slot_start, kind});
}

std::map<std::int64_t, std::int64_t> schedule_slots_taken(db::Connection& conn,
                                                          std::string_view kind,
                                                          std::int64_t from_ms,
                                                          std::int64_t to_ms) {
  std::map<std::int64_t, std::int64_t> out;
  for (auto row : conn.exec("SELECT slot_start, taken FROM schedule_slots "
                            "WHERE kind = $1 AND slot_start >= $2 AND slot_start < $3",
                            {kind, from_ms, to_ms}))
    out[row.int64(0)] = row.int64(1);
  return out;
}

std::vector<std::string> claim_due_orders(db::Transaction& tx, std::int64_t now_ms, int limit) {
  const bool pg = tx.dialect() == db::Dialect::postgres;
  auto r = tx.exec(
      std::string("UPDATE orders SET due_announced_at = $1 WHERE id IN (SELECT id FROM orders "
                  "WHERE due_at IS NOT NULL AND due_at <= $1 AND due_announced_at IS NULL "
                  "AND status IN ('pending', 'confirmed', 'preparing') ORDER BY due_at LIMIT $2") +
          (pg ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING id",
      {now_ms, static_cast<std::int64_t>(limit)});
  std::vector<std::string> ids;
  for (auto row : r) ids.push_back(row.text(0));
  return ids;
}

bool any_due_orders(db::Connection& conn, std::int64_t now_ms) {
  auto r = conn.exec(
      "SELECT 1 FROM orders WHERE due_at IS NOT NULL AND due_at <= $1 AND due_announced_at IS NULL "
      "AND status IN ('pending', 'confirmed', 'preparing') LIMIT 1",
      {now_ms});
  return !r.empty();
}

}  // namespace crema::repo
