#include "domain/shop_settings.hpp"

#include <algorithm>
#include <map>

namespace crema::domain {

OnlineOrdering patched(OnlineOrdering online, const OnlineOrderingPatch& patch) {
  if (patch.paused) online.paused = *patch.paused;
  if (patch.reason) online.reason = *patch.reason;
  if (patch.until_ms) online.until_ms = *patch.until_ms;
  if (!online.paused) {
    online.reason.clear();
    online.until_ms.reset();
  }
  return online;
}

ShopSettings patched(ShopSettings s, const ShopSettingsPatch& p) {
  if (p.name) s.name = *p.name;
  if (p.address) s.address = *p.address;
  if (p.phone) s.phone = *p.phone;
  if (p.hours) s.hours = *p.hours;
  if (p.closures) {
    s.closures = *p.closures;
    std::stable_sort(s.closures.begin(), s.closures.end(),
                     [](const Closure& a, const Closure& b) { return a.date < b.date; });
  }
  if (p.online_ordering) s.online_ordering = patched(s.online_ordering, *p.online_ordering);
  if (p.max_orders_per_slot) s.max_orders_per_slot = *p.max_orders_per_slot;
  if (p.delivery_fee) s.delivery_fee = *p.delivery_fee;
  if (p.free_delivery_over) s.free_delivery_over = *p.free_delivery_over;
  if (p.min_order_for_delivery) s.min_order_for_delivery = *p.min_order_for_delivery;
  if (p.service_charge_bps) s.service_charge_bps = *p.service_charge_bps;
  return s;
}

std::vector<FieldIssue> online_ordering_issues(const OnlineOrdering& o,
                                               const OnlineOrderingPatch& patch,
                                               std::int64_t now_ms, std::string_view prefix) {
  std::vector<FieldIssue> issues;
  // Only an `until` given now is judged: one set earlier may simply have passed.
  if (o.paused && patch.until_ms && *patch.until_ms && **patch.until_ms <= now_ms)
    issues.push_back({std::string(prefix) + "until", "must be in the future"});
  return issues;
}

std::vector<FieldIssue> settings_issues(const ShopSettings& s, const ShopSettingsPatch& p,
                                        std::int64_t now_ms, std::string_view online_prefix) {
  std::vector<FieldIssue> issues;
  if (p.hours) issues = opening_range_issues(*p.hours, "hours");
  if (p.closures) {
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < p.closures->size(); ++i) {
      const auto& date = (*p.closures)[i].date;
      auto [it, fresh] = seen.emplace(date, i);
      if (!fresh)
        issues.push_back({"closures[" + std::to_string(i) + "].date",
                          "is also closures[" + std::to_string(it->second) + "].date"});
    }
  }
  if (p.online_ordering) {
    auto more =
        online_ordering_issues(s.online_ordering, *p.online_ordering, now_ms, online_prefix);
    issues.insert(issues.end(), more.begin(), more.end());
  }
  return issues;
}

}  // namespace crema::domain
