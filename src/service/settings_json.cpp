#include "service/settings_json.hpp"

#include <boost/json.hpp>

#include "domain/money.hpp"
#include "util/time.hpp"

namespace crema::service {

namespace json = boost::json;

namespace {

json::value settings_money(const std::optional<std::int64_t>& minor) {
  if (!minor) return nullptr;
  return domain::money_to_major(*minor);
}

json::value settings_number(const std::optional<int>& v) {
  if (!v) return nullptr;
  return *v;
}

json::value settings_time(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return json::value(util::format_rfc3339(*ms));
}

}  // namespace

json::object settings_json(const ShopSnapshot& snapshot, const SettingsOptions& options,
                           std::int64_t now_ms) {
  const auto& s = snapshot.settings;
  json::array hours;
  for (const auto& r : s.hours)
    hours.push_back({{"day", domain::weekday_name(r.day)},
                     {"open", domain::clock_time_text(r.open)},
                     {"close", domain::clock_time_text(r.close)}});
  json::array closures;
  for (const auto& c : s.closures) closures.push_back({{"date", c.date}, {"reason", c.reason}});
  const auto& o = s.online_ordering;
  const bool open_now = snapshot.taking_online_orders(now_ms);
  json::object out{
      {"name", s.name},
      {"address", s.address},
      {"phone", s.phone},
      {"timezone", options.timezone},
      {"currency", options.currency},
      {"hours", std::move(hours)},
      {"closures", std::move(closures)},
      {"online_ordering",
       {{"paused", o.paused}, {"reason", o.reason}, {"until", settings_time(o.until_ms)}}},
      {"max_orders_per_slot", settings_number(s.max_orders_per_slot)},
      {"delivery_fee", settings_money(s.delivery_fee)},
      {"free_delivery_over", settings_money(s.free_delivery_over)},
      {"min_order_for_delivery", settings_money(s.min_order_for_delivery)},
      {"service_charge_bps", settings_number(s.service_charge_bps)},
      {"slot_minutes", options.slot_minutes},
      {"max_schedule_days", options.max_schedule_days},
      {"open_now", open_now},
      {"next_open_at",
       open_now ? json::value(nullptr) : settings_time(snapshot.next_open_at(now_ms))},
      {"version", s.version},
      {"updated_at", s.updated_at > 0 ? settings_time(s.updated_at) : json::value(nullptr)}};
  return out;
}

}  // namespace crema::service
