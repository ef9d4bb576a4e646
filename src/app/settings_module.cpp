#include "app/settings_module.hpp"

#include "api/settings_routes.hpp"

namespace crema::app {

service::SettingsOptions settings_options(const Config& c) {
  service::SettingsOptions o;
  o.timezone = c.timezone;
  o.currency = c.currency;
  o.slot_minutes = c.slot_minutes;
  o.max_schedule_days = c.max_schedule_days;
  return o;
}

SettingsModule::SettingsModule(db::Pool& pool, events::Bus& bus, const Config& config,
                               const util::Clock& clock)
    : settings_(pool, bus, settings_options(config), clock), timing_(pool, settings_) {
  // A change made on another instance: reload at the next read. (This instance's own
  // changes are installed as they commit.)
  bus.subscribe([this](const events::Event& e) {
    if (e.remote && e.type == service::kSettingsUpdated) settings_.invalidate();
  });
}

void SettingsModule::provide(api::AppServices& services) {
  services.settings =
      std::make_shared<api::SettingsContext>(api::SettingsContext{settings_, timing_});
}

}  // namespace crema::app
