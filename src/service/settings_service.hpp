#pragma once
/// The shop's settings (SPEC §15.3; the charges of §15.2 read them too), kept in memory.
///
/// Every reader — order placement, pricing, receipts, GET /settings — asks `current()`: the
/// settings as typed values with the opening hours ready to be asked, shared and immutable,
/// for the cost of a mutex and a shared_ptr copy. The database is read only when the copy
/// is missing or stale:
///
/// * a change made here is installed as it commits (this instance sees it at once);
/// * a change made by another instance reaches this one as a `settings_updated` event
///   through Redis (the module calls invalidate()), and the next reader loads it once;
/// * a maximum age bounds how long a lost message can keep an old copy: 1 s while other
///   instances' changes could go unannounced (no Redis, or its link is down), 60 s while
///   Redis carries them — the menu cache's rule (api/menu_cache.hpp).
///
///   auto s = settings.current();
///   if (s->settings.service_charge_bps) { ... }            // typed values
///   if (!s->hours.open_at(clock.now_ms())) { ... }          // hours in CREMA_TIMEZONE
///
/// Changes (PUT /settings, PUT /settings/online-ordering) are partial, versioned (409
/// version_conflict), validated (422 naming the field), audited, and announced after their
/// commit as `settings_updated` on the `settings` topic with the settings as GET returns them.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "db/pool.hpp"
#include "domain/hours.hpp"
#include "domain/shop_settings.hpp"
#include "service/actor.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"

namespace date {
class time_zone;
}

namespace crema::events {
class Bus;
}

namespace crema::service {

/// What the settings depend on from the process configuration.
struct SettingsOptions {
  std::string timezone = "UTC";  ///< CREMA_TIMEZONE
  std::string currency = "USD";  ///< CREMA_CURRENCY, for the money fields
  int slot_minutes = 15;         ///< CREMA_SLOT_MINUTES
  int max_schedule_days = 7;     ///< CREMA_MAX_SCHEDULE_DAYS
};

/// One version of the settings, with its opening hours ready to be asked.
struct ShopSnapshot {
  domain::ShopSettings settings;
  domain::OpeningHours hours;

  ShopSnapshot(domain::ShopSettings s, const date::time_zone* zone)
      : settings(std::move(s)), hours(settings.hours, settings.closures, zone) {}

  /// Whether online orders are taken at `now_ms` (open, and not paused).
  bool taking_online_orders(std::int64_t now_ms) const {
    return !settings.online_ordering.paused_at(now_ms) && hours.open_at(now_ms);
  }
  /// When online orders are taken next, at or after `now_ms` (nothing: not known — paused
  /// until a manager resumes, or never open).
  std::optional<std::int64_t> next_open_at(std::int64_t now_ms) const {
    return domain::next_online_open(hours, settings.online_ordering, now_ms);
  }
};

/// The event that announces a change (on the `settings` topic).
inline constexpr std::string_view kSettingsUpdated = "settings_updated";

class SettingsService {
 public:
  SettingsService(db::Pool& pool, const events::Bus& bus, SettingsOptions options,
                  const util::Clock& clock = util::system_clock());
  SettingsService(const SettingsService&) = delete;
  SettingsService& operator=(const SettingsService&) = delete;

  /// The current settings (loaded from the database when missing or stale; call on a worker
  /// thread).
  std::shared_ptr<const ShopSnapshot> current();
  /// The cached settings when fresh, without ever touching the database (I/O threads);
  /// nothing otherwise.
  std::shared_ptr<const ShopSnapshot> fresh() const;

  /// PUT /settings: the given fields change (admin).
  crema::Result<std::shared_ptr<const ShopSnapshot>> update(
      const Actor& actor, const domain::ShopSettingsPatch& patch,
      std::optional<std::int64_t> expected_version);
  /// PUT /settings/online-ordering: pause or resume online orders (manager+).
  crema::Result<std::shared_ptr<const ShopSnapshot>> set_online_ordering(
      const Actor& actor, const domain::OnlineOrderingPatch& patch,
      std::optional<std::int64_t> expected_version);

  /// Forgets the cached copy (another instance changed the settings).
  void invalidate() noexcept;
  /// Whether changes made elsewhere are announced (Redis linked): sets the maximum age.
  void set_cross_instance_invalidation(bool reliable) noexcept;
  std::int64_t max_age_ms() const noexcept { return max_age_ms_.load(); }

  const SettingsOptions& options() const noexcept { return options_; }
  const date::time_zone* zone() const noexcept { return zone_; }
  const util::Clock& clock() const noexcept { return clock_; }
  std::int64_t slot_ms() const noexcept {
    return static_cast<std::int64_t>(options_.slot_minutes) * 60'000;
  }

 private:
  using Steady = std::chrono::steady_clock;
  crema::Result<std::shared_ptr<const ShopSnapshot>> change(
      const Actor& actor, const domain::ShopSettingsPatch& patch,
      std::optional<std::int64_t> expected_version, std::string_view action,
      std::string_view online_prefix);
  /// Keeps `snapshot` as the current copy unless a newer version is kept already.
  void install(const std::shared_ptr<const ShopSnapshot>& snapshot);

  db::Pool& pool_;
  const events::Bus& bus_;
  SettingsOptions options_;
  const util::Clock& clock_;
  const date::time_zone* zone_ = nullptr;

  std::atomic<std::uint64_t> generation_{1};
  std::atomic<std::int64_t> max_age_ms_;
  mutable std::mutex mutex_;  // guards the three below
  std::shared_ptr<const ShopSnapshot> entry_;
  std::uint64_t entry_generation_ = 0;
  Steady::time_point entry_expires_{};
  std::mutex load_mutex_;  // one load at a time
};

/// How long a copy may be kept without an announcement: while other instances' changes
/// could go unannounced, and while Redis carries them (only a lost message).
inline constexpr std::int64_t kSettingsUnannouncedMaxAgeMs = 1000;
inline constexpr std::int64_t kSettingsAnnouncedMaxAgeMs = 60'000;

}  // namespace crema::service
