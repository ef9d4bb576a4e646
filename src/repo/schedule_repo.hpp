#pragma once
/// Orders for later (SPEC §15.3): the capacity of each slot and the kitchen's due orders.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"

namespace crema::repo {

/// Takes one place in the slot starting at `slot_start` when fewer than `max` are taken:
/// one conditional upsert, so concurrent orders never exceed `max` (PostgreSQL locks the
/// row, SQLite has one writer). False when the slot is full.
/// `kind`: "pickup" or "delivery" (each has its own places).
bool take_schedule_slot(db::Transaction& tx, std::int64_t slot_start, std::string_view kind,
                        std::int64_t max);
/// Gives a place back (a cancelled or expired order's).
void release_schedule_slot(db::Transaction& tx, std::int64_t slot_start, std::string_view kind);
/// The places of `kind` taken in the slots starting in [from_ms, to_ms): slot start → count.
std::map<std::int64_t, std::int64_t> schedule_slots_taken(db::Connection& conn,
                                                          std::string_view kind,
                                                          std::int64_t from_ms, std::int64_t to_ms);

/// Marks up to `limit` scheduled orders whose due time has come (due_at ≤ now, not yet
/// announced, not final) as announced at `now_ms` and answers their ids: one UPDATE, so
/// however many instances run the job, each order is claimed once.
std::vector<std::string> claim_due_orders(db::Transaction& tx, std::int64_t now_ms, int limit);
/// Whether any order waits for claim_due_orders: a read on the partial index
/// orders_due_unannounced, so the job every 2 s opens a write transaction (SQLite's one
/// writer) only when there is something to announce.
bool any_due_orders(db::Connection& conn, std::int64_t now_ms);

}  // namespace crema::repo
