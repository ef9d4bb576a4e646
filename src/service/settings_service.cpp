#include "service/settings_service.hpp"

#include <boost/json.hpp>
#include <date/tz.h>

#include "events/bus.hpp"
#include "obs/log.hpp"
#include "repo/settings_repo.hpp"
#include "service/audit.hpp"
#include "service/settings_json.hpp"
#include "service/write_tx.hpp"

namespace crema::service {

namespace {

const date::time_zone* settings_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    // serve refuses an unknown CREMA_TIMEZONE at start; tools and tests fall back to UTC.
    return date::locate_zone("UTC");
  }
}

// What a change touched, for the audit row: "hours, closures".
std::string settings_changed_fields(const domain::ShopSettings& a, const domain::ShopSettings& b) {
  std::string out;
  auto note = [&](bool changed, std::string_view name) {
    if (!changed) return;
    if (!out.empty()) out += ", ";
    out += name;
  };
  note(a.name != b.name, "name");
  note(a.address != b.address, "address");
  note(a.phone != b.phone, "phone");
  note(a.hours != b.hours, "hours");
  note(a.closures != b.closures, "closures");
  note(a.online_ordering != b.online_ordering, "online_ordering");
  note(a.max_orders_per_slot != b.max_orders_per_slot, "max_orders_per_slot");
  note(a.delivery_fee != b.delivery_fee, "delivery_fee");
  note(a.free_delivery_over != b.free_delivery_over, "free_delivery_over");
  note(a.min_order_for_delivery != b.min_order_for_delivery, "min_order_for_delivery");
  note(a.service_charge_bps != b.service_charge_bps, "service_charge_bps");
  return out;
}

std::string pause_summary(const domain::OnlineOrdering& o) {
  if (!o.paused) return "Online ordering resumed";
  std::string out = "Online ordering paused";
  if (!o.reason.empty()) out += " (" + o.reason + ")";
  return out;
}

}  // namespace

SettingsService::SettingsService(db::Pool& pool, const events::Bus& bus, SettingsOptions options,
                                 const util::Clock& clock)
    : pool_(pool),
      bus_(bus),
      options_(std::move(options)),
      clock_(clock),
      zone_(settings_zone(options_.timezone)),
      max_age_ms_(kSettingsUnannouncedMaxAgeMs) {}

std::shared_ptr<const ShopSnapshot> SettingsService::fresh() const {
  std::lock_guard lock(mutex_);
  if (!entry_ || entry_generation_ != generation_.load() || Steady::now() >= entry_expires_)
    return nullptr;
  return entry_;
}

std::shared_ptr<const ShopSnapshot> SettingsService::current() {
  if (auto e = fresh()) return e;
  std::lock_guard load_lock(load_mutex_);
  if (auto e = fresh()) return e;  // loaded by the caller we waited for
  // The generation before the read: an invalidation during it makes the copy stale at once.
  const auto generation = generation_.load();
  const auto read_at = Steady::now();
  auto lease = pool_.read();
  auto snapshot = std::make_shared<const ShopSnapshot>(repo::load_settings(*lease), zone_);
  std::lock_guard lock(mutex_);
  if (generation == generation_.load()) {
    entry_ = snapshot;
    entry_generation_ = generation;
    entry_expires_ = read_at + std::chrono::milliseconds(max_age_ms_.load());
  }
  return snapshot;
}

void SettingsService::install(const std::shared_ptr<const ShopSnapshot>& snapshot) {
  std::lock_guard lock(mutex_);
  // Two changes committed one after the other may reach here in the other order.
  if (entry_ && entry_generation_ == generation_.load() &&
      entry_->settings.version > snapshot->settings.version)
    return;
  entry_ = snapshot;
  entry_generation_ = generation_.fetch_add(1) + 1;
  entry_expires_ = Steady::now() + std::chrono::milliseconds(max_age_ms_.load());
}

void SettingsService::invalidate() noexcept {
  generation_.fetch_add(1);
  std::lock_guard lock(mutex_);
  entry_.reset();
}

void SettingsService::set_cross_instance_invalidation(bool reliable) noexcept {
  max_age_ms_.store(reliable ? kSettingsAnnouncedMaxAgeMs : kSettingsUnannouncedMaxAgeMs);
  // Changes may have gone unannounced while the link was down.
  if (reliable) invalidate();
}

crema::Result<std::shared_ptr<const ShopSnapshot>> SettingsService::update(
    const Actor& actor, const domain::ShopSettingsPatch& patch,
    std::optional<std::int64_t> expected_version) {
  return change(actor, patch, expected_version, "settings.update", "online_ordering.");
}

crema::Result<std::shared_ptr<const ShopSnapshot>> SettingsService::set_online_ordering(
    const Actor& actor, const domain::OnlineOrderingPatch& patch,
    std::optional<std::int64_t> expected_version) {
  domain::ShopSettingsPatch whole;
  whole.online_ordering = patch;
  // Its fields are the body's own: `until`, not `online_ordering.until`.
  return change(actor, whole, expected_version, "settings.online_ordering", "");
}

crema::Result<std::shared_ptr<const ShopSnapshot>> SettingsService::change(
    const Actor& actor, const domain::ShopSettingsPatch& patch,
    std::optional<std::int64_t> expected_version, std::string_view action,
    std::string_view online_prefix) {
  const auto now = clock_.now_ms();
  using Snapshot = std::shared_ptr<const ShopSnapshot>;
  return in_write_tx(pool_, bus_, [&](UnitOfWork& work) -> crema::Result<Snapshot> {
    auto& tx = work.tx();
    auto before = repo::lock_settings(tx);
    if (expected_version && *expected_version != before.version)
      return crema::Error::make(ErrorCode::version_conflict,
                                "The settings are at version " + std::to_string(before.version) +
                                    ", not " + std::to_string(*expected_version) + ".");
    auto after = domain::patched(before, patch);
    if (auto issues = domain::settings_issues(after, patch, now, online_prefix); !issues.empty())
      return crema::Error::make(ErrorCode::validation_failed, "The settings are invalid.",
                                std::move(issues));
    const auto changed = settings_changed_fields(before, after);
    if (changed.empty())  // nothing to write, nothing to announce
      return Snapshot(std::make_shared<const ShopSnapshot>(std::move(before), zone_));
    after.version = before.version + 1;
    after.updated_at = now;
    repo::store_settings(tx, after, actor.user_id());
    const bool pause_only = action == "settings.online_ordering";
    record_audit(
        tx, actor,
        {std::string(action), "settings", "shop",
         pause_only ? pause_summary(after.online_ordering) : "Settings changed: " + changed});
    Snapshot snapshot = std::make_shared<const ShopSnapshot>(std::move(after), zone_);
    // After the commit: installed here first, then announced, so this instance never answers
    // older than its own event. Other instances reload on it (events/redis_fanout); staff
    // screens may follow it.
    work.after_commit([this, snapshot, action = std::string(action), now] {
      install(snapshot);
      static_assert(kSettingsUpdated == "settings_updated");
      bus_.publish("settings_updated", settings_json(*snapshot, options_, now), {"settings"});
      obs::Log(obs::Level::info, "settings changed")
          .str("action", action)
          .num("version", snapshot->settings.version);
    });
    return snapshot;
  });
}

}  // namespace crema::service
