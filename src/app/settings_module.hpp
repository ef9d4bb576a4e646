#pragma once
/// The shop's settings as the server wires them (SPEC §15.3): the settings service, kept
/// fresh on every instance by `settings_updated` events from the others (through Redis),
/// and the route context. Other features read typed settings from settings().

#include "api/routes.hpp"
#include "app/config.hpp"
#include "db/pool.hpp"
#include "events/bus.hpp"
#include "service/order_timing.hpp"
#include "service/settings_service.hpp"

namespace crema::app {

class SettingsModule {
 public:
  SettingsModule(db::Pool& pool, events::Bus& bus, const Config& config,
                 const util::Clock& clock = util::system_clock());
  SettingsModule(const SettingsModule&) = delete;
  SettingsModule& operator=(const SettingsModule&) = delete;

  /// Hands the route context to the route table.
  void provide(api::AppServices& services);

  /// Whether changes made by other instances are announced (Redis linked).
  void set_cross_instance_invalidation(bool reliable) noexcept {
    settings_.set_cross_instance_invalidation(reliable);
  }

  service::SettingsService& settings() noexcept { return settings_; }
  /// The hours and slots rules of orders (SPEC §15.3), over these settings.
  service::OrderTiming& timing() noexcept { return timing_; }

 private:
  service::SettingsService settings_;
  service::OrderTiming timing_;
};

/// The settings service's options of a configuration.
service::SettingsOptions settings_options(const Config& config);

}  // namespace crema::app
