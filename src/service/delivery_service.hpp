#pragma once
/// Delivery (SPEC §8): driver profiles, the deliveries assigned to them and what their
/// drivers report — status (picked_up moves the order out for delivery, delivered delivers
/// it, failed sends it back to ready, unassigned), ETA and location. Order moves go through
/// OrderService::apply_status in the delivery's transaction; `delivery_updated` is published
/// on every change and `delivery_location` for each location, to the order's watchers.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <boost/json/object.hpp>

#include "db/pool.hpp"
#include "domain/order.hpp"
#include "repo/delivery_repo.hpp"
#include "repo/keyset.hpp"
#include "service/actor.hpp"
#include "service/page.hpp"
#include "util/error.hpp"

namespace crema::events {
class Bus;
}

namespace crema::service {

class OrderService;
class UnitOfWork;

/// The Driver and Delivery resources of SPEC §8.
boost::json::object driver_json(const repo::DriverRow& d);
boost::json::object delivery_json(const repo::DeliveryRow& d);

/// Ends the order's delivery in progress when the order itself ends (delivered →
/// delivered; cancelled → failed), inside the order's unit of work; adds delivery_updated.
void settle_delivery_with_order(UnitOfWork& work, const domain::Order& order,
                                domain::OrderStatus to);

struct DriverInput {
  bool external = false;  ///< a delivery platform's courier: no user_id, a name required
  std::optional<std::string> user_id;
  std::optional<std::string> name;
  std::optional<std::string> phone;  ///< "" clears it
  std::optional<std::string> vehicle;
  std::optional<bool> is_active;
};

/// Minimum time between two locations of one delivery (SPEC §8: at most one per second).
inline constexpr std::int64_t kLocationGapMs = 1000;

class DeliveryService {
 public:
  DeliveryService(db::Pool& pool, const events::Bus& bus, OrderService& orders)
      : pool_(pool), bus_(bus), orders_(orders) {}

  /// POST /drivers: 422 when the user is unknown or not a driver, 409 duplicate when the
  /// user has a profile already. An external driver (SPEC §15.5) has no user.
  crema::Result<repo::DriverRow> create_driver(const Actor& actor, const DriverInput& in);
  crema::Result<repo::DriverRow> get_driver(const std::string& id);
  Page<repo::DriverRow, repo::Keyset> list_drivers(std::optional<bool> is_active,
                                                   const std::optional<repo::Keyset>& before,
                                                   int limit);
  /// PUT /drivers/{id}: 404, 409 version_conflict.
  crema::Result<repo::DriverRow> update_driver(const Actor& actor, const std::string& id,
                                               const DriverInput& in,
                                               std::optional<std::int64_t> expected_version);

  /// GET /deliveries: a driver sees their own, managers and admins all, a platform's key
  /// (deliveries:write) those of external drivers.
  Page<repo::DeliveryRow, repo::Keyset> list(const Actor& actor, repo::DeliveryFilter filter);
  /// GET /deliveries/{id}: the assigned driver, managers and admins; 404 otherwise.
  crema::Result<repo::DeliveryRow> get(const Actor& actor, const std::string& id);
  /// PUT /deliveries/{id}/status: `status` (picked_up, delivered, failed) and/or `eta`.
  /// 404 for a driver it is not assigned to, 409 invalid_transition; a platform's key
  /// (deliveries:write) moves only deliveries of external drivers (otherwise 403).
  crema::Result<repo::DeliveryRow> update(const Actor& actor, const std::string& id,
                                          std::optional<domain::DeliveryStatus> status,
                                          const std::optional<std::int64_t>& eta,
                                          const std::string& reason);
  /// POST /deliveries/{id}/location (the assigned driver): 404, 409 when it is over, 429
  /// when the previous location is less than a second old.
  crema::Result<void> locate(const Actor& actor, const std::string& id, double lat, double lng);

 private:
  /// The caller's driver profile id ("" when none).
  std::string driver_profile_of(db::Connection& conn, const Actor& actor) const;

  db::Pool& pool_;
  const events::Bus& bus_;
  OrderService& orders_;
};

}  // namespace crema::service
