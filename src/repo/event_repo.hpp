#pragma once
/// SQL of catering event requests (SPEC §11).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/pool.hpp"
#include "domain/statuses.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

struct EventRow {
  std::string id;
  std::string customer_id;    ///< "" for a phone-in request entered by staff (no account)
  std::string customer_info;  ///< JSON text {name, phone, email}
  std::string event_type, date;
  std::int64_t guests = 1;
  std::string theme;
  std::string items;  ///< JSON text [{product_id, qty}]
  std::string notes;
  domain::EventStatus status = domain::EventStatus::requested;
  std::optional<std::int64_t> quote_amount;  ///< minor units
  std::string assigned_admin, order_id;
  std::int64_t version = 1;
  std::int64_t created_at = 0, updated_at = 0;
};

struct EventFilter {
  std::optional<std::string> customer_id;
  std::optional<domain::EventStatus> status;
  std::optional<repo::Keyset> before;
  int limit = 50;
};

void insert_event(db::Transaction& tx, const EventRow& e);
/// Writes status, quote_amount, assigned_admin, order_id, version, updated_at.
void update_event(db::Transaction& tx, const EventRow& e);
/// An edit (PUT /events/{id}): date, guests, theme, items, notes, status, quote_amount,
/// version, updated_at.
void update_event_details(db::Transaction& tx, const EventRow& e);
std::optional<EventRow> find_event(db::Connection& conn, std::string_view id);
std::optional<EventRow> lock_event(db::Transaction& tx, std::string_view id);
/// Newest first, up to limit + 1.
std::vector<EventRow> list_events(db::Connection& conn, const EventFilter& f);
/// Right to erasure: the requests stay (a confirmed one has an order in the books), whom
/// and what they said do not. Returns how many rows changed.
std::int64_t anonymise_customer_events(db::Transaction& tx, std::string_view customer_id);

}  // namespace crema::repo
