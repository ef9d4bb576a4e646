#include "service/delivery_service.hpp"

#include <boost/json.hpp>

#include "events/bus.hpp"
#include "repo/keyset.hpp"
#include "repo/order_repo.hpp"
#include "repo/user_repo.hpp"
#include "service/api_key_service.hpp"
#include "service/audit.hpp"
#include "service/order_service.hpp"
#include "service/write_tx.hpp"
#include "util/json_or_null.hpp"
#include "util/time.hpp"
#include "util/uuid.hpp"

namespace crema::service {

namespace json = boost::json;
using domain::DeliveryStatus;
using domain::Order;
using domain::OrderStatus;

namespace {

crema::Error no_such_driver(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No driver " + id + ".");
}
crema::Error no_such_delivery(const std::string& id) {
  return crema::Error::make(ErrorCode::not_found, "No delivery " + id + ".");
}
crema::Error invalid(std::string message) {
  return crema::Error::make(ErrorCode::invalid_transition, std::move(message));
}

// A delivery platform's API key: it acts on external drivers' deliveries only.
bool platform_key(const Actor& actor) {
  return actor.is_api_key() && actor.principal->has_scope(kDeliveriesWriteScope);
}

json::value delivery_time_or_null(const std::optional<std::int64_t>& t) {
  if (!t) return nullptr;
  return json::value(util::format_rfc3339(*t));
}

}  // namespace

json::object driver_json(const repo::DriverRow& d) {
  return json::object{{"id", d.id},
                      {"user_id", util::json_text_or_null(d.user_id)},
                      {"external", d.external},
                      {"name", d.name},
                      {"phone", d.phone.empty() ? json::value(nullptr) : json::value(d.phone)},
                      {"vehicle", d.vehicle},
                      {"is_active", d.is_active},
                      {"version", d.version},
                      {"created_at", util::format_rfc3339(d.created_at)},
                      {"updated_at", util::format_rfc3339(d.updated_at)}};
}

json::object delivery_json(const repo::DeliveryRow& d) {
  json::value location = nullptr;
  if (d.lat && d.lng && d.location_at)
    location = json::object{
        {"lat", *d.lat}, {"lng", *d.lng}, {"at", util::format_rfc3339(*d.location_at)}};
  json::object o{{"id", d.id},
                 {"order_id", d.order_id},
                 {"driver_id", d.driver_id},
                 {"status", domain::name(d.status)},
                 {"eta", delivery_time_or_null(d.eta)},
                 {"last_location", std::move(location)},
                 {"version", d.version},
                 {"created_at", util::format_rfc3339(d.created_at)},
                 {"updated_at", util::format_rfc3339(d.updated_at)}};
  if (!d.failure_reason.empty()) o["failure_reason"] = d.failure_reason;
  return o;
}

void settle_delivery_with_order(UnitOfWork& work, const Order& order, OrderStatus to) {
  if (to != OrderStatus::delivered && to != OrderStatus::cancelled) return;
  auto& tx = work.tx();
  auto active = repo::active_delivery_of(tx.connection(), order.id);
  if (!active) return;
  active->status =
      to == OrderStatus::delivered ? DeliveryStatus::delivered : DeliveryStatus::failed;
  if (to == OrderStatus::cancelled) active->failure_reason = "order cancelled";
  active->version += 1;
  active->updated_at = util::now_ms();
  repo::update_delivery(tx, *active);
  work.publish("delivery_updated", delivery_json(*active), OrderService::watchers(order));
}

// ---- drivers ---------------------------------------------------------------------------------

crema::Result<repo::DriverRow> DeliveryService::create_driver(const Actor& actor,
                                                              const DriverInput& in) {
  return in_write_tx(pool_, [&](db::Transaction& tx) -> crema::Result<repo::DriverRow> {
    if (in.external) {
      // A platform's courier: no account, so nothing to default from.
      repo::DriverRow d;
      d.id = util::new_uuid_v7();
      d.external = true;
      d.name = in.name.value_or("");
      d.phone = in.phone.value_or("");
      d.vehicle = in.vehicle.value_or("");
      d.is_active = in.is_active.value_or(true);
      d.created_at = d.updated_at = util::now_ms();
      repo::insert_driver(tx, d);
      record_audit(tx, actor,
                   {"driver.create", "driver", d.id, "External driver profile " + d.name});
      return d;
    }
    auto user = repo::find_user_by_id(tx.connection(), *in.user_id);
    if (!user)
      return crema::Error::make(ErrorCode::validation_failed, "One field is invalid.",
                                {{"user_id", "is not a user"}});
    if (user->role != auth::Role::driver)
      return crema::Error::make(ErrorCode::validation_failed, "One field is invalid.",
                                {{"user_id", "is not a user with role driver"}});
    if (repo::find_driver_by_user(tx.connection(), user->id))
      return crema::Error::make(ErrorCode::duplicate, "This user has a driver profile already.");
    repo::DriverRow d;
    d.id = util::new_uuid_v7();
    d.user_id = user->id;
    d.name = in.name.value_or(user->name);
    d.phone = in.phone ? *in.phone : user->phone.value_or("");
    d.vehicle = in.vehicle.value_or("");
    d.is_active = in.is_active.value_or(true);
    d.created_at = d.updated_at = util::now_ms();
    repo::insert_driver(tx, d);
    record_audit(tx, actor,
                 {"driver.create", "driver", d.id, "Driver profile for user " + d.user_id});
    return d;
  });
}

crema::Result<repo::DriverRow> DeliveryService::get_driver(const std::string& id) {
  auto lease = pool_.read();
  auto d = repo::find_driver(*lease, id);
  if (!d) return no_such_driver(id);
  return std::move(*d);
}

Page<repo::DriverRow, repo::Keyset> DeliveryService::list_drivers(
    std::optional<bool> is_active, const std::optional<repo::Keyset>& before, int limit) {
  auto lease = pool_.read();
  return make_page(repo::list_drivers(*lease, is_active, before, limit), limit,
                   [](const repo::DriverRow& d) {
                     return repo::Keyset{d.created_at, d.id};
                   });
}

crema::Result<repo::DriverRow> DeliveryService::update_driver(
    const Actor& actor, const std::string& id, const DriverInput& in,
    std::optional<std::int64_t> expected) {
  return in_write_tx(pool_, [&](db::Transaction& tx) -> crema::Result<repo::DriverRow> {
    auto d = repo::lock_driver(tx, id);
    if (!d) return no_such_driver(id);
    if (expected && *expected != d->version)
      return crema::Error::make(ErrorCode::version_conflict,
                                "The driver is at version " + std::to_string(d->version) +
                                    ", not " + std::to_string(*expected) + ".");
    if (in.name) d->name = *in.name;
    if (in.phone) d->phone = *in.phone;
    if (in.vehicle) d->vehicle = *in.vehicle;
    if (in.is_active) d->is_active = *in.is_active;
    d->version += 1;
    d->updated_at = util::now_ms();
    repo::update_driver(tx, *d);
    record_audit(tx, actor,
                 {"driver.update", "driver", d->id, "Driver profile " + d->id + " updated"});
    return std::move(*d);
  });
}

// ---- deliveries ------------------------------------------------------------------------------

std::string DeliveryService::driver_profile_of(db::Connection& conn, const Actor& actor) const {
  if (!actor.is_role(auth::Role::driver)) return {};
  auto d = repo::find_driver_by_user(conn, actor.user_id());
  return d ? d->id : std::string();
}

Page<repo::DeliveryRow, repo::Keyset> DeliveryService::list(const Actor& actor,
                                                            repo::DeliveryFilter filter) {
  auto lease = pool_.read();
  if (platform_key(actor)) {
    filter.external_only = true;
  } else if (!actor.is_manager_plus()) {
    auto mine = driver_profile_of(*lease, actor);
    if (mine.empty()) return {};
    filter.driver_id = mine;
  }
  const int limit = filter.limit;
  return make_page(repo::list_deliveries(*lease, filter), limit, [](const repo::DeliveryRow& d) {
    return repo::Keyset{d.created_at, d.id};
  });
}

crema::Result<repo::DeliveryRow> DeliveryService::get(const Actor& actor, const std::string& id) {
  auto lease = pool_.read();
  auto d = repo::find_delivery(*lease, id);
  if (!d) return no_such_delivery(id);
  if (platform_key(actor)) {
    auto driver = repo::find_driver(*lease, d->driver_id);
    if (!driver || !driver->external) return no_such_delivery(id);
  } else if (!actor.is_manager_plus() && driver_profile_of(*lease, actor) != d->driver_id) {
    return no_such_delivery(id);
  }
  return std::move(*d);
}

crema::Result<repo::DeliveryRow> DeliveryService::update(const Actor& actor, const std::string& id,
                                                         std::optional<DeliveryStatus> status,
                                                         const std::optional<std::int64_t>& eta,
                                                         const std::string& reason) {
  std::string order_id;
  {
    auto lease = pool_.read();
    auto d = repo::find_delivery(*lease, id);
    if (!d) return no_such_delivery(id);
    order_id = d->order_id;
  }
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<repo::DeliveryRow> {
    auto& tx = work.tx();
    // The order first, then its delivery: the order paths lock in the same order.
    auto order = repo::lock_order(tx, order_id);
    auto d = repo::lock_delivery(tx, id);
    if (!order || !d) return no_such_delivery(id);
    if (platform_key(actor)) {
      auto driver = repo::find_driver(tx.connection(), d->driver_id);
      if (!driver || !driver->external)
        return crema::Error::make(ErrorCode::forbidden,
                                  "An API key moves only the deliveries of external drivers.");
    } else if (!actor.is_manager_plus() &&
               driver_profile_of(tx.connection(), actor) != d->driver_id) {
      return no_such_delivery(id);
    }
    Order& o = *order;
    const auto now = util::now_ms();
    const DeliveryStatus from_status = d->status;
    const std::string from(domain::name(from_status));
    const std::string previous_driver = o.driver_id;
    if (!d->active())
      return invalid("Delivery " + d->id + " is " + from + "; nothing changes it any more.");
    std::optional<OrderStatus> move;
    bool order_changed = false;
    if (status) {
      if (*status == DeliveryStatus::picked_up) {
        if (from_status != DeliveryStatus::assigned)
          return invalid("Delivery " + d->id + " is " + from + ".");
        if (o.status == OrderStatus::ready) {
          move = OrderStatus::out_for_delivery;
        } else if (o.status != OrderStatus::out_for_delivery) {
          return invalid("Order " + o.order_number + " is " +
                         std::string(domain::order_status_name(o.status)) +
                         "; it is picked up when ready.");
        }
      } else if (*status == DeliveryStatus::delivered) {
        if (from_status != DeliveryStatus::picked_up)
          return invalid("Delivery " + d->id + " is " + from + "; it must be picked up first.");
        if (o.status == OrderStatus::out_for_delivery) {
          move = OrderStatus::delivered;
        } else if (o.status != OrderStatus::delivered) {
          return invalid("Order " + o.order_number + " is " +
                         std::string(domain::order_status_name(o.status)) + ".");
        }
      } else {  // failed: the order goes back to ready, unassigned
        d->failure_reason = reason.empty() ? "delivery failed" : reason;
        json::object info = o.delivery_info.value_or(json::object{});
        info.erase("driver_id");
        info.erase("eta");
        o.delivery_info = std::move(info);
        repo::set_order_delivery_info(tx, o.id, o.delivery_info);
        o.driver_id.clear();
        order_changed = true;
        if (o.status == OrderStatus::out_for_delivery) move = OrderStatus::ready;
      }
      d->status = *status;
    }
    if (eta) {
      d->eta = *eta;
      if (d->active()) {
        json::object info = o.delivery_info.value_or(json::object{});
        info["eta"] = util::format_rfc3339(*eta);
        o.delivery_info = std::move(info);
        repo::set_order_delivery_info(tx, o.id, o.delivery_info);
        order_changed = true;
      }
    }
    d->version += 1;
    d->updated_at = now;
    // The delivery first: apply_status then finds it settled.
    repo::update_delivery(tx, *d);
    if (move) {
      auto moved = orders_.apply_status(
          work, actor, o, *move,
          *move == OrderStatus::ready ? "delivery failed: " + d->failure_reason : reason);
      if (!moved) return std::move(moved).error();
    } else if (order_changed) {
      o.version += 1;
      o.updated_at = now;
      repo::update_order(tx, o);
      work.publish("order_updated", domain::to_json(o), OrderService::watchers(o, previous_driver));
    }
    record_audit(tx, actor,
                 {"delivery.update", "delivery", d->id,
                  "Delivery of order " + o.order_number + ": " + from + " → " +
                      std::string(domain::name(d->status))});
    work.publish("delivery_updated", delivery_json(*d), OrderService::watchers(o, previous_driver));
    return std::move(*d);
  });
}

crema::Result<void> DeliveryService::locate(const Actor& actor, const std::string& id, double lat,
                                            double lng) {
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<void> {
    auto& tx = work.tx();
    auto d = repo::find_delivery(tx.connection(), id);
    if (!d || driver_profile_of(tx.connection(), actor) != d->driver_id)
      return no_such_delivery(id);
    if (!d->active())
      return crema::Error::make(ErrorCode::conflict, "Delivery " + d->id + " is " +
                                                         std::string(domain::name(d->status)) +
                                                         "; it has no location.");
    const auto now = util::now_ms();
    if (!repo::record_location(tx.connection(), id, lat, lng, now, kLocationGapMs)) {
      const auto wait_ms = d->location_at ? *d->location_at + kLocationGapMs - now : kLocationGapMs;
      return crema::Error::too_many("At most one location per second per delivery.",
                                    static_cast<int>((wait_ms + 999) / 1000));
    }
    d->lat = lat;
    d->lng = lng;
    d->location_at = now;
    std::vector<std::string> topics;
    if (auto o = repo::find_order(tx.connection(), d->order_id))
      topics = OrderService::watchers(*o);
    auto data = delivery_json(*d);
    data["delivery_id"] = d->id;
    data["lat"] = lat;
    data["lng"] = lng;
    data["at"] = util::format_rfc3339(now);
    work.publish("delivery_location", std::move(data), std::move(topics));
    return {};
  });
}

}  // namespace crema::service
