#include "events/bus.hpp"

#include "obs/log.hpp"
#include "util/time.hpp"

namespace crema::events {

Bus::Bus() : subscribers_(std::make_shared<const List>()) {}

void Bus::subscribe(Handler handler) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*subscribers_);
  next->push_back(Subscriber{std::move(handler), {}});
  subscribers_ = std::move(next);
}

void Bus::subscribe_frames(FrameHandler handler) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*subscribers_);
  next->push_back(Subscriber{{}, std::move(handler)});
  subscribers_ = std::move(next);
}

void Bus::set_forwarder(Forwarder* forwarder) noexcept { forwarder_.store(forwarder); }

std::vector<std::string> Bus::default_topics(std::string_view type) {
  if (type == "menu_updated") return {"menu"};
  if (type == "inventory_low") return {"inventory"};
  return {};
}

void Bus::deliver(const Event& event, const Frame& frame) const {
  std::shared_ptr<const List> list;
  {
    std::lock_guard lock(mutex_);
    list = subscribers_;
  }
  for (const auto& s : *list) {
    try {
      if (s.framed) {
        s.framed(event, frame);
      } else {
        s.plain(event);
      }
    } catch (const std::exception& e) {
      obs::Log(obs::Level::error, "event subscriber failed")
          .str("type", event.type)
          .str("error", e.what());
    }
  }
}

void Bus::publish(Event event) const {
  if (event.at_ms == 0) event.at_ms = util::now_ms();
  if (event.topics.empty()) event.topics = default_topics(event.type);
  event.remote = false;
  const Frame frame = make_frame(event);
  deliver(event, frame);
  if (auto* f = forwarder_.load()) {
    try {
      f->forward(event, frame);
    } catch (const std::exception& e) {
      obs::Log(obs::Level::error, "event forwarding failed")
          .str("type", event.type)
          .str("error", e.what());
    }
  }
}

void Bus::publish(std::string type, boost::json::value data) const {
  publish(Event{std::move(type), std::move(data), {}, 0, false});
}

void Bus::publish(std::string type, boost::json::value data,
                  std::vector<std::string> topics) const {
  publish(Event{std::move(type), std::move(data), std::move(topics), 0, false});
}

void Bus::publish(PendingEvents&& events) const {
  for (auto& e : std::move(events).take()) publish(std::move(e));
}

void Bus::deliver_remote(Event event, const Frame& frame) const {
  event.remote = true;
  deliver(event, frame);
}

}  // namespace crema::events
