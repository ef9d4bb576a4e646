#include "repo/event_repo.hpp"

#include "repo/params.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kEventColumns =
    "id, customer_id, customer_info, event_type, date, guests, theme, items, notes, status, "
    "quote_amount, assigned_admin, order_id, version, created_at, updated_at";

EventRow event_of(const db::Row& r) {
  EventRow e;
  e.id = r.text(0);
  e.customer_id = r.opt_text(1).value_or("");
  e.customer_info = r.text(2);
  e.event_type = r.text(3);
  e.date = r.text(4);
  e.guests = r.int64(5);
  e.theme = r.opt_text(6).value_or("");
  e.items = r.text(7);
  e.notes = r.opt_text(8).value_or("");
  e.status = domain::kEventStatuses.parse(r.text_view(9)).value_or(domain::EventStatus::requested);
  e.quote_amount = r.opt_int64(10);
  e.assigned_admin = r.opt_text(11).value_or("");
  e.order_id = r.opt_text(12).value_or("");
  e.version = r.int64(13);
  e.created_at = r.int64(14);
  e.updated_at = r.int64(15);
  return e;
}

}  // namespace

void insert_event(db::Transaction& tx, const EventRow& e) {
  tx.exec("INSERT INTO event_requests (" + std::string(kEventColumns) +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
          {std::string_view(e.id), text_or_null(e.customer_id), std::string_view(e.customer_info),
           std::string_view(e.event_type), std::string_view(e.date), e.guests,
           text_or_null(e.theme), std::string_view(e.items), text_or_null(e.notes),
           domain::name(e.status), int_or_null(e.quote_amount), text_or_null(e.assigned_admin),
           text_or_null(e.order_id), e.version, e.created_at, e.updated_at});
}

void update_event(db::Transaction& tx, const EventRow& e) {
  tx.exec(
      "UPDATE event_requests SET status = $2, quote_amount = $3, assigned_admin = $4, "
      "order_id = $5, version = $6, updated_at = $7 WHERE id = $1",
      {std::string_view(e.id), domain::name(e.status), int_or_null(e.quote_amount),
       text_or_null(e.assigned_admin), text_or_null(e.order_id), e.version, e.updated_at});
}

void update_event_details(db::Transaction& tx, const EventRow& e) {
  tx.exec(
      "UPDATE event_requests SET date = $2, guests = $3, theme = $4, items = $5, notes = $6, "
      "status = $7, quote_amount = $8, version = $9, updated_at = $10 WHERE id = $1",
      {std::string_view(e.id), std::string_view(e.date), e.guests, text_or_null(e.theme),
       std::string_view(e.items), text_or_null(e.notes), domain::name(e.status),
       int_or_null(e.quote_amount), e.version, e.updated_at});
}

std::optional<EventRow> find_event(db::Connection& conn, std::string_view id) {
  auto res = conn.exec(
      "SELECT " + std::string(kEventColumns) + " FROM event_requests WHERE id = $1", {id});
  if (res.empty()) return std::nullopt;
  return event_of(res.front());
}

std::optional<EventRow> lock_event(db::Transaction& tx, std::string_view id) {
  SqlQuery q(tx.dialect(), "SELECT " + std::string(kEventColumns) + " FROM event_requests");
  q.where_eq("id", id).for_update();
  auto res = q.exec(tx.connection());
  if (res.empty()) return std::nullopt;
  return event_of(res.front());
}

std::vector<EventRow> list_events(db::Connection& conn, const EventFilter& f) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kEventColumns) + " FROM event_requests");
  q.where_eq("customer_id", f.customer_id);
  if (f.status) q.where_eq("status", domain::name(*f.status));
  q.page("created_at", "id", f.before, SqlQuery::descending, f.limit);
  auto res = q.exec(conn);
  std::vector<EventRow> out;
  out.reserve(res.size());
  for (std::size_t i = 0; i < res.size(); ++i) out.push_back(event_of(res[i]));
  return out;
}

std::int64_t anonymise_customer_events(db::Transaction& tx, std::string_view customer_id) {
  return tx
      .exec(
          "UPDATE event_requests SET customer_info = $2, notes = NULL, theme = NULL "
          "WHERE customer_id = $1",
          {customer_id, std::string_view(R"({"name":"Erased user","phone":null,"email":null})")})
      .affected();
}

}  // namespace crema::repo
