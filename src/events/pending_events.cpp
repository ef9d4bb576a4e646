#include "events/pending_events.hpp"

#include "util/time.hpp"

namespace crema::events {

void PendingEvents::add(std::string type, boost::json::value data,
                        std::vector<std::string> topics) {
  add(Event{std::move(type), std::move(data), std::move(topics), util::now_ms(), false});
}

void PendingEvents::add(Event event) {
  if (event.at_ms == 0) event.at_ms = util::now_ms();
  events_.push_back(std::move(event));
}

}  // namespace crema::events
