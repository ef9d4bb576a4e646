#include "service/order_timing.hpp"

#include <algorithm>
#include <map>

#include "domain/report.hpp"
#include "repo/schedule_repo.hpp"
#include "util/time.hpp"

namespace crema::service {

namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

crema::Error schedule_issue(std::string issue) {
  return crema::Error::make(ErrorCode::validation_failed, "The order cannot be scheduled then.",
                            {{"scheduled_for", std::move(issue)}});
}

}  // namespace

crema::Error shop_closed(const ShopSnapshot& shop, std::int64_t now_ms) {
  const bool paused = shop.settings.online_ordering.paused_at(now_ms);
  std::string message = paused ? "Online ordering is paused" : "The shop is closed now";
  if (paused && !shop.settings.online_ordering.reason.empty())
    message += " (" + shop.settings.online_ordering.reason + ")";
  const auto next = shop.next_open_at(now_ms);
  message += next ? "; online orders are taken again from " + util::format_rfc3339(*next) + "."
                  : "; it is not known yet when online orders are taken again.";
  auto e = crema::Error::make(ErrorCode::shop_closed, std::move(message));
  e.extra.emplace_back("next_open_at", next
                                           ? std::optional<std::string>(util::format_rfc3339(*next))
                                           : std::nullopt);
  return e;
}

crema::Result<void> OrderTiming::admit(db::Transaction& tx, const Actor& actor,
                                       domain::Order& order, std::int64_t) {
  if (order.type != domain::OrderType::online) return {};
  // Staff at the till and on the phone are never refused for hours or pauses.
  const bool staff = actor.is_staff_plus();
  const std::int64_t now = settings_.clock().now_ms();
  const auto shop = settings_.current();
  if (!order.scheduled_for) {
    if (!staff && !shop->taking_online_orders(now)) return shop_closed(*shop, now);
    return {};
  }

  const std::int64_t at = *order.scheduled_for;
  const std::int64_t lead_ms = static_cast<std::int64_t>(order.prep_minutes) * 60'000;
  if (at < now + lead_ms)
    return schedule_issue(order.prep_minutes > 0
                              ? "must be at least " + std::to_string(order.prep_minutes) +
                                    " minutes from now (the order's preparation time)"
                              : "must be in the future");
  const int max_days = settings_.options().max_schedule_days;
  if (at > now + max_days * kDayMs)
    return schedule_issue("must be at most " + std::to_string(max_days) + " days ahead");
  // Scheduled for an open time, it is taken while the shop is closed now; a pause that still
  // holds then (one without an end holds for good) refuses it.
  if (!staff && shop->settings.online_ordering.paused_at(at)) return shop_closed(*shop, now);
  const auto open = shop->hours.interval_at(at);
  if (!open && !staff) {
    const auto next = shop->hours.next_open(at);
    return schedule_issue("the shop is closed then" +
                          (next ? "; it opens next at " + util::format_rfc3339(*next) : ""));
  }
  order.due_at = at - lead_ms;
  order.estimated_time = domain::minutes_until(at, now);
  // Capacity: the slot holding the time, when the shop limits orders per slot.
  if (open && shop->settings.max_orders_per_slot) {
    const auto slot = domain::slot_holding(*open, at, settings_.slot_ms());
    if (!repo::take_schedule_slot(tx, slot.start, order.is_pickup ? "pickup" : "delivery",
                                  *shop->settings.max_orders_per_slot))
      return crema::Error::make(ErrorCode::slot_full,
                                "The slot from " + util::format_rfc3339(slot.start) +
                                    " is full; choose another time (GET /slots).");
    order.slot_start = slot.start;
  }
  return {};
}

crema::Result<std::vector<SlotView>> OrderTiming::slots(const std::string& date,
                                                        std::string_view kind) {
  const auto day = domain::parse_iso_day(date);
  if (!day)
    return crema::Error::make(ErrorCode::bad_request, "date must be a YYYY-MM-DD date.",
                              {{"date", "must be a YYYY-MM-DD date"}});
  const std::int64_t now = settings_.clock().now_ms();
  const auto shop = settings_.current();
  std::vector<SlotView> out;
  const std::int64_t horizon = now + settings_.options().max_schedule_days * kDayMs;
  auto all = domain::slots_of_day(shop->hours, *day, settings_.slot_ms());
  std::erase_if(all,
                [&](const domain::Interval& s) { return s.start <= now || s.start > horizon; });
  if (all.empty()) return out;
  std::map<std::int64_t, std::int64_t> taken;
  if (shop->settings.max_orders_per_slot) {
    auto lease = pool_.read();
    taken = repo::schedule_slots_taken(*lease, kind, all.front().start, all.back().start + 1);
  }
  for (const auto& s : all) {
    SlotView v{s.start, s.end, std::nullopt};
    if (shop->settings.max_orders_per_slot) {
      const auto it = taken.find(s.start);
      const std::int64_t left =
          *shop->settings.max_orders_per_slot - (it == taken.end() ? 0 : it->second);
      if (left <= 0) continue;
      v.available = left;
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace crema::service
