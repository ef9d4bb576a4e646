#pragma once
/// SQL of drivers and deliveries (SPEC §8).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "domain/statuses.hpp"
#include "repo/keyset.hpp"

namespace crema::repo {

struct DriverRow {
  std::string id;
  std::string user_id;  ///< "" for an external driver (a delivery platform's courier)
  std::string name, phone, vehicle;
  bool is_active = true;
  bool external = false;
  std::int64_t version = 1;
  std::int64_t created_at = 0, updated_at = 0;
};

struct DeliveryRow {
  std::string id, order_id, driver_id;
  domain::DeliveryStatus status = domain::DeliveryStatus::assigned;
  std::optional<std::int64_t> eta;
  std::optional<double> lat, lng;
  std::optional<std::int64_t> location_at;
  std::string failure_reason;
  std::int64_t version = 1;
  std::int64_t created_at = 0, updated_at = 0;
  bool active() const noexcept {
    return status == domain::DeliveryStatus::assigned ||
           status == domain::DeliveryStatus::picked_up;
  }
};

// ---- drivers
void insert_driver(db::Transaction& tx, const DriverRow& d);
void update_driver(db::Transaction& tx, const DriverRow& d);
std::optional<DriverRow> find_driver(db::Connection& conn, std::string_view id);
/// The driver row, locked until the transaction ends (FOR UPDATE on PostgreSQL).
std::optional<DriverRow> lock_driver(db::Transaction& tx, std::string_view id);
std::optional<DriverRow> find_driver_by_user(db::Connection& conn, std::string_view user_id);
/// Newest first, up to limit + 1.
std::vector<DriverRow> list_drivers(db::Connection& conn, std::optional<bool> is_active,
                                    const std::optional<repo::Keyset>& before, int limit);

/// Right to erasure: the profile of an erased user keeps its deliveries' history but loses
/// name and phone, and gets no new delivery.
void anonymise_driver(db::Transaction& tx, std::string_view user_id);

// ---- deliveries
void insert_delivery(db::Transaction& tx, const DeliveryRow& d);
/// Writes status, eta, failure_reason, version, updated_at.
void update_delivery(db::Transaction& tx, const DeliveryRow& d);
std::optional<DeliveryRow> find_delivery(db::Connection& conn, std::string_view id);
std::optional<DeliveryRow> lock_delivery(db::Transaction& tx, std::string_view id);
/// The order's delivery in progress (assigned or picked_up), if any.
std::optional<DeliveryRow> active_delivery_of(db::Connection& conn, std::string_view order_id);

struct DeliveryFilter {
  std::optional<std::string> driver_id;
  std::optional<domain::DeliveryStatus> status;
  std::optional<std::string> order_id;
  bool external_only = false;  ///< only deliveries of external drivers (a platform's key)
  std::optional<repo::Keyset> before;
  int limit = 50;
};
/// Newest first, up to limit + 1.
std::vector<DeliveryRow> list_deliveries(db::Connection& conn, const DeliveryFilter& f);

/// Records a location unless the previous one is less than `min_gap_ms` old or the delivery
/// is no longer in progress; returns whether it was recorded.
bool record_location(db::Connection& conn, std::string_view id, double lat, double lng,
                     std::int64_t at_ms, std::int64_t min_gap_ms);

/// Rewrites an order's delivery_info JSON (the driver profile id and eta live there).
void set_order_delivery_info(db::Transaction& tx, std::string_view order_id,
                             const std::optional<boost::json::object>& info);

}  // namespace crema::repo
