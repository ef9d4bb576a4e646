#include "repo/delivery_repo.hpp"

#include <boost/json.hpp>

#include "repo/keyset.hpp"
#include "repo/params.hpp"
#include "repo/query.hpp"

namespace crema::repo {

namespace {

constexpr std::string_view kDriverColumns =
    "id, user_id, name, phone, vehicle, is_active, version, created_at, updated_at, external";
constexpr std::string_view kDeliveryColumns =
    "id, order_id, driver_id, status, eta, last_lat, last_lng, last_location_at, "
    "failure_reason, version, created_at, updated_at";

DriverRow driver_of(const db::Row& r) {
  DriverRow d;
  d.id = r.text(0);
  d.user_id = r.opt_text(1).value_or("");
  d.name = r.text(2);
  d.phone = r.opt_text(3).value_or("");
  d.vehicle = r.text(4);
  d.is_active = r.boolean(5);
  d.version = r.int64(6);
  d.created_at = r.int64(7);
  d.updated_at = r.int64(8);
  d.external = r.boolean(9);
  return d;
}

DeliveryRow delivery_of(const db::Row& r) {
  DeliveryRow d;
  d.id = r.text(0);
  d.order_id = r.text(1);
  d.driver_id = r.text(2);
  d.status =
      domain::kDeliveryStatuses.parse(r.text_view(3)).value_or(domain::DeliveryStatus::assigned);
  d.eta = r.opt_int64(4);
  if (!r.is_null(5)) d.lat = r.real(5);
  if (!r.is_null(6)) d.lng = r.real(6);
  d.location_at = r.opt_int64(7);
  d.failure_reason = r.opt_text(8).value_or("");
  d.version = r.int64(9);
  d.created_at = r.int64(10);
  d.updated_at = r.int64(11);
  return d;
}

template <class T, class F>
std::vector<T> rows_of(const db::Result& res, F f) {
  std::vector<T> out;
  out.reserve(res.size());
  for (std::size_t i = 0; i < res.size(); ++i) out.push_back(f(res[i]));
  return out;
}

}  // namespace

void insert_driver(db::Transaction& tx, const DriverRow& d) {
  tx.exec("INSERT INTO drivers (" + std::string(kDriverColumns) +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          {std::string_view(d.id), text_or_null(d.user_id), std::string_view(d.name),
           text_or_null(d.phone), std::string_view(d.vehicle), d.is_active, d.version, d.created_at,
           d.updated_at, d.external});
}

void update_driver(db::Transaction& tx, const DriverRow& d) {
  tx.exec(
      "UPDATE drivers SET name = $2, phone = $3, vehicle = $4, is_active = $5, version = $6, "
      "updated_at = $7 WHERE id = $1",
      {std::string_view(d.id), std::string_view(d.name), text_or_null(d.phone),
       std::string_view(d.vehicle), d.is_active, d.version, d.updated_at});
}

std::optional<DriverRow> find_driver(db::Connection& conn, std::string_view id) {
  auto res =
      conn.exec("SELECT " + std::string(kDriverColumns) + " FROM drivers WHERE id = $1", {id});
  if (res.empty()) return std::nullopt;
  return driver_of(res.front());
}

std::optional<DriverRow> lock_driver(db::Transaction& tx, std::string_view id) {
  SqlQuery q(tx.dialect(), "SELECT " + std::string(kDriverColumns) + " FROM drivers");
  q.where_eq("id", id).for_update();
  auto res = q.exec(tx.connection());
  if (res.empty()) return std::nullopt;
  return driver_of(res.front());
}

std::optional<DriverRow> find_driver_by_user(db::Connection& conn, std::string_view user_id) {
  auto res = conn.exec("SELECT " + std::string(kDriverColumns) + " FROM drivers WHERE user_id = $1",
                       {user_id});
  if (res.empty()) return std::nullopt;
  return driver_of(res.front());
}

std::vector<DriverRow> list_drivers(db::Connection& conn, std::optional<bool> is_active,
                                    const std::optional<repo::Keyset>& before, int limit) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kDriverColumns) + " FROM drivers");
  if (is_active) q.where_eq("is_active", *is_active);
  q.page("created_at", "id", before, SqlQuery::descending, limit);
  return rows_of<DriverRow>(q.exec(conn), driver_of);
}

void anonymise_driver(db::Transaction& tx, std::string_view user_id) {
  tx.exec(
      "UPDATE drivers SET name = 'Erased user', phone = NULL, is_active = $2, "
      "version = version + 1 WHERE user_id = $1",
      {user_id, false});
}

void insert_delivery(db::Transaction& tx, const DeliveryRow& d) {
  tx.exec(
      "INSERT INTO deliveries (id, order_id, driver_id, status, eta, version, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {std::string_view(d.id), std::string_view(d.order_id), std::string_view(d.driver_id),
       domain::name(d.status), int_or_null(d.eta), d.version, d.created_at, d.updated_at});
}

void update_delivery(db::Transaction& tx, const DeliveryRow& d) {
  tx.exec(
      "UPDATE deliveries SET status = $2, eta = $3, failure_reason = $4, version = $5, "
      "updated_at = $6 WHERE id = $1",
      {std::string_view(d.id), domain::name(d.status), int_or_null(d.eta),
       text_or_null(d.failure_reason), d.version, d.updated_at});
}

std::optional<DeliveryRow> find_delivery(db::Connection& conn, std::string_view id) {
  auto res =
      conn.exec("SELECT " + std::string(kDeliveryColumns) + " FROM deliveries WHERE id = $1", {id});
  if (res.empty()) return std::nullopt;
  return delivery_of(res.front());
}

std::optional<DeliveryRow> lock_delivery(db::Transaction& tx, std::string_view id) {
  SqlQuery q(tx.dialect(), "SELECT " + std::string(kDeliveryColumns) + " FROM deliveries");
  q.where_eq("id", id).for_update();
  auto res = q.exec(tx.connection());
  if (res.empty()) return std::nullopt;
  return delivery_of(res.front());
}

std::optional<DeliveryRow> active_delivery_of(db::Connection& conn, std::string_view order_id) {
  auto res = conn.exec("SELECT " + std::string(kDeliveryColumns) +
                           " FROM deliveries WHERE order_id = $1 AND status IN ('assigned', "
                           "'picked_up')",
                       {order_id});
  if (res.empty()) return std::nullopt;
  return delivery_of(res.front());
}

std::vector<DeliveryRow> list_deliveries(db::Connection& conn, const DeliveryFilter& f) {
  SqlQuery q(conn.dialect(), "SELECT " + std::string(kDeliveryColumns) + " FROM deliveries");
  q.where_eq("driver_id", f.driver_id);
  if (f.status) q.where_eq("status", domain::name(*f.status));
  q.where_eq("order_id", f.order_id);
  if (f.external_only)
    q.where("driver_id IN (SELECT id FROM drivers WHERE external = " + q.param(true) + ")");
  q.page("created_at", "id", f.before, SqlQuery::descending, f.limit);
  return rows_of<DeliveryRow>(q.exec(conn), delivery_of);
}

bool record_location(db::Connection& conn, std::string_view id, double lat, double lng,
                     std::int64_t at_ms, std::int64_t min_gap_ms) {
  return conn.exec(
                 "UPDATE deliveries SET last_lat = $2, last_lng = $3, last_location_at = $4 "
                 "WHERE id = $1 AND status IN ('assigned', 'picked_up') AND "
                 "(last_location_at IS NULL OR last_location_at <= $5)",
                 {id, lat, lng, at_ms, at_ms - min_gap_ms})
             .affected() == 1;
}

void set_order_delivery_info(db::Transaction& tx, std::string_view order_id,
                             const std::optional<boost::json::object>& info) {
  std::string text;
  if (info) text = boost::json::serialize(*info);
  tx.exec("UPDATE orders SET delivery_info = $2 WHERE id = $1",
          {order_id, info ? db::Param(std::string_view(text)) : db::Param(nullptr)});
}

}  // namespace crema::repo
