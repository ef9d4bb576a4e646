#include "service/write_tx.hpp"

#include <exception>

#include <boost/json.hpp>

#include "events/bus.hpp"
#include "obs/log.hpp"

namespace crema::service {

namespace {

// A step after the commit must not turn a committed change into an error answer: what it
// throws is logged (and so reported) and the next step runs.
template <class Step>
void guarded(std::string_view what, Step&& step) noexcept {
  try {
    step();
  } catch (const std::exception& e) {
    obs::Log(obs::Level::error, "a step after the commit failed")
        .str("step", what)
        .str("error", e.what());
  } catch (...) {
    obs::Log(obs::Level::error, "a step after the commit failed").str("step", what);
  }
}

}  // namespace

void AfterCommit::menu_changed(std::string product_id) {
  StockEffects effects;
  effects.product_ids.push_back(std::move(product_id));
  stock_.merge(std::move(effects));
}

void AfterCommit::clear() noexcept {
  events_.clear();
  stock_ = {};
  steps_.clear();
}

void AfterCommit::run(const events::Bus& bus) && {
  if (!events_.empty()) guarded("events", [&] { bus.publish(std::move(events_)); });
  for (const auto& item : stock_.low_alerts)
    guarded("inventory_low", [&] { bus.publish("inventory_low", domain::to_json(item)); });
  if (!stock_.product_ids.empty())
    guarded("menu_updated", [&] {
      boost::json::array ids;
      for (const auto& id : stock_.product_ids) ids.emplace_back(id);
      bus.publish("menu_updated", boost::json::object{{"product_ids", std::move(ids)}});
    });
  for (auto& step : steps_) guarded("after_commit", step);
}

}  // namespace crema::service
