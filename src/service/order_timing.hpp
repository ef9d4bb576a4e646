#pragma once
/// The shop's rules of time for orders (SPEC §15.3), as OrderService's PlacementRule, and the
/// slots customers choose from:
///
/// * an online order placed by a customer, a guest or an API key while the shop is closed
///   (hours, closures) or online ordering is paused → 409 `shop_closed` with `next_open_at`
///   beside the code (null when not known: paused until a manager resumes, or never open) —
///   unless it is scheduled for an open time;
/// * orders created by staff, managers and admins (any type) are never refused for hours or
///   pauses;
/// * a scheduled online order (`scheduled_for`) is at least its prep time ahead, at most
///   CREMA_MAX_SCHEDULE_DAYS ahead and inside opening hours (422 naming `scheduled_for`;
///   staff may schedule outside hours), and takes a place in its slot (CREMA_SLOT_MINUTES,
///   counted from the opening of its range; pickup and delivery orders each have
///   `max_orders_per_slot` places) when `max_orders_per_slot` is set: 409
///   `slot_full` when none is left — a conditional upsert in the placing transaction, so
///   the limit holds under any number of concurrent orders on both stores. The place goes
///   back when the order is cancelled or expires (OrderService's transition path). The
///   order appears to the kitchen at `scheduled_for − prep time` (`due_at`).
///
///   OrderTiming timing(pool, settings);
///   orders.set_placement_rule([&timing](auto& tx, auto& actor, auto& order, auto now) {
///     return timing.admit(tx, actor, order, now);
///   });
///   auto day = timing.slots("2026-12-24", "pickup");   // GET /slots
///
/// The time it decides by is the settings' clock (util::Clock: tests set it).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/pool.hpp"
#include "domain/order.hpp"
#include "service/actor.hpp"
#include "service/settings_service.hpp"
#include "util/error.hpp"

namespace crema::service {

/// One slot of GET /slots.
struct SlotView {
  std::int64_t start = 0;
  std::int64_t end = 0;
  std::optional<std::int64_t> available;  ///< places left; nothing: no limit
};

class OrderTiming {
 public:
  OrderTiming(db::Pool& pool, SettingsService& settings) : pool_(pool), settings_(settings) {}

  /// The rule: refuses (nothing written yet) or admits `order`, in the placing transaction;
  /// sets its slot_start and due_at.
  crema::Result<void> admit(db::Transaction& tx, const Actor& actor, domain::Order& order,
                            std::int64_t now_ms);

  /// The slots of a business date (YYYY-MM-DD in CREMA_TIMEZONE) that start after now,
  /// within CREMA_MAX_SCHEDULE_DAYS, and have room for an order of `kind` ("pickup" or
  /// "delivery": each has max_orders_per_slot places), in order. 400 for a date that is not
  /// one.
  crema::Result<std::vector<SlotView>> slots(const std::string& date,
                                             std::string_view kind = "pickup");

  SettingsService& settings() noexcept { return settings_; }

 private:
  db::Pool& pool_;
  SettingsService& settings_;
};

/// 409 shop_closed with `next_open_at` (RFC 3339, or null when not known).
crema::Error shop_closed(const ShopSnapshot& shop, std::int64_t now_ms);

}  // namespace crema::service
