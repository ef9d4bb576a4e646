#pragma once
/// One real-time event (SPEC §7) and its wire frame, serialised once and shared by every
/// client that receives it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace crema::events {

/// What happened: a type such as "order_created", the resource as its GET route returns it,
/// and the topics it is delivered on ("orders", "inventory", "menu", "order:<id>",
/// "user:<id>", "driver:<user id>").
struct Event {
  std::string type;
  boost::json::value data;
  std::vector<std::string> topics;  ///< empty: Bus::default_topics(type)
  std::int64_t at_ms = 0;           ///< when it happened (epoch ms); 0: stamped on publish
  bool remote = false;              ///< received from another instance through Redis
};

/// The text frame clients receive: `{"type":…,"data":…,"at":"RFC 3339"}`. Immutable and
/// shared, so one event costs one serialisation however many clients it reaches.
using Frame = std::shared_ptr<const std::string>;

/// Serialises an event's frame (util::to_json for the data).
Frame make_frame(const Event& event);

/// A frame of the server's own (hello, subscribed, error…): `{"type":…,"data":…}`, no time.
Frame make_control_frame(std::string_view type, const boost::json::value& data);

}  // namespace crema::events
