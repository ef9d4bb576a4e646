#pragma once
/// The shop's own settings (SPEC §15.3, §15.2): who it is, when it is open, how many
/// scheduled orders a slot takes, and the charges pricing applies. Plain values; the
/// settings service keeps the current ones in memory for every instance
/// (service/settings_service.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/hours.hpp"

namespace crema::domain {

struct ShopSettings {
  std::string name;
  std::string address;
  std::string phone;
  std::vector<OpeningRange> hours;  ///< none: open around the clock
  std::vector<Closure> closures;    ///< by date, oldest first
  OnlineOrdering online_ordering;
  /// Scheduled orders one slot takes, per fulfilment type (pickup, delivery); none: no limit.
  std::optional<int> max_orders_per_slot;
  std::optional<std::int64_t> delivery_fee;            ///< minor units; none: no fee
  std::optional<std::int64_t> free_delivery_over;      ///< minor units; none: never free
  std::optional<std::int64_t> min_order_for_delivery;  ///< minor units; none: no minimum
  std::optional<int> service_charge_bps;               ///< dine-in; none: no charge
  std::int64_t version = 1;
  std::int64_t updated_at = 0;  ///< epoch ms; 0: never changed

  friend bool operator==(const ShopSettings&, const ShopSettings&) = default;
};

/// A partial change of the online-ordering switch: what is given changes. Resuming
/// (paused false) forgets the reason and `until`.
struct OnlineOrderingPatch {
  std::optional<bool> paused;
  std::optional<std::string> reason;
  std::optional<std::optional<std::int64_t>> until_ms;  ///< given as null: no end
};

/// A partial change of the settings (PUT /settings): what is given changes; a nullable
/// field given as null is cleared.
struct ShopSettingsPatch {
  std::optional<std::string> name;
  std::optional<std::string> address;
  std::optional<std::string> phone;
  std::optional<std::vector<OpeningRange>> hours;
  std::optional<std::vector<Closure>> closures;
  std::optional<OnlineOrderingPatch> online_ordering;
  std::optional<std::optional<int>> max_orders_per_slot;
  std::optional<std::optional<std::int64_t>> delivery_fee;
  std::optional<std::optional<std::int64_t>> free_delivery_over;
  std::optional<std::optional<std::int64_t>> min_order_for_delivery;
  std::optional<std::optional<int>> service_charge_bps;

  bool empty() const noexcept {
    return !name && !address && !phone && !hours && !closures && !online_ordering &&
           !max_orders_per_slot && !delivery_fee && !free_delivery_over &&
           !min_order_for_delivery && !service_charge_bps;
  }
};

/// The settings with `patch` applied (closures sorted by date). Validation is the caller's.
ShopSettings patched(ShopSettings settings, const ShopSettingsPatch& patch);
OnlineOrdering patched(OnlineOrdering online, const OnlineOrderingPatch& patch);

/// The rules a patched value `s` must meet beyond each field's shape, as 422 details: ranges
/// that overlap or are empty (`hours[i]`), a closure date given twice (`closures[i].date`),
/// a pause whose `until` given now is not after `now_ms` (`<online_prefix>until`).
std::vector<FieldIssue> settings_issues(const ShopSettings& s, const ShopSettingsPatch& patch,
                                        std::int64_t now_ms,
                                        std::string_view online_prefix = "online_ordering.");
std::vector<FieldIssue> online_ordering_issues(const OnlineOrdering& o,
                                               const OnlineOrderingPatch& patch,
                                               std::int64_t now_ms, std::string_view prefix);

}  // namespace crema::domain
