#include "events/bus.hpp"

#include <mutex>

#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::events {

void Bus::subscribe(Handler handler) {
  std::unique_lock lock(mutex_);
  handlers_.push_back(std::make_shared<const Handler>(std::move(handler)));
}

void Bus::publish(const Event& event) const {
  std::vector<std::shared_ptr<const Handler>> handlers;
  {
    std::shared_lock lock(mutex_);
    handlers = handlers_;
  }
  for (const auto& h : handlers) {
    try {
      (*h)(event);
    } catch (const std::exception& e) {
      obs::Log(obs::Level::error, "event subscriber failed")
          .str("type", event.type)
          .str("error", e.what());
    }
  }
}

void Bus::publish(std::string type, boost::json::value data) const {
  publish(Event{std::move(type), std::move(data), util::now_ms(), false});
}

}  // namespace crema::events
