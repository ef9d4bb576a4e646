#include "app/catalogue_module.hpp"

namespace crema::app {

namespace {
// Without a reliable cross-instance message, a change made elsewhere (another instance, a
// `crema seed-demo` on the same database) shows within this bound (SPEC §4: one second).
constexpr std::int64_t kUnannouncedMaxAgeMs = 1000;
// With Redis carrying invalidations, the bound only covers a lost message.
constexpr std::int64_t kAnnouncedMaxAgeMs = 60'000;
}  // namespace

CatalogueModule::CatalogueModule(db::Pool& pool, events::Bus& bus, const Config& config)
    : inventory_(pool, bus), catalogue_(pool, bus), currency_(config.currency) {
  menu_cache_.set_max_age_ms(kUnannouncedMaxAgeMs);
  bus.subscribe([this](const events::Event& e) {
    if (e.type == "menu_updated") menu_cache_.invalidate();
  });
}

void CatalogueModule::provide(api::AppServices& services) {
  services.catalogue = std::make_shared<api::CatalogueContext>(
      api::CatalogueContext{catalogue_, menu_cache_, currency_, {}});
  services.inventory = std::make_shared<api::InventoryContext>(api::InventoryContext{inventory_});
}

void CatalogueModule::set_cross_instance_invalidation(bool reliable) noexcept {
  menu_cache_.set_max_age_ms(reliable ? kAnnouncedMaxAgeMs : kUnannouncedMaxAgeMs);
  // Messages may have been missed while it was not reliable.
  if (reliable) menu_cache_.invalidate();
}

}  // namespace crema::app
