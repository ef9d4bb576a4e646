#include "events/event.hpp"

#include <boost/json/string.hpp>

#include "util/json_text.hpp"
#include "util/time.hpp"

namespace crema::events {

namespace {

void append_type(std::string& out, std::string_view type) {
  out += "{\"type\":";
  util::append_json(out, boost::json::string(type));
  out += ",\"data\":";
}

}  // namespace

Frame make_frame(const Event& event) {
  std::string out;
  out.reserve(64 + event.type.size());
  append_type(out, event.type);
  util::append_json(out, event.data);
  out += ",\"at\":\"";
  out += util::format_rfc3339(event.at_ms);
  out += "\"}";
  return std::make_shared<const std::string>(std::move(out));
}

Frame make_control_frame(std::string_view type, const boost::json::value& data) {
  std::string out;
  append_type(out, type);
  util::append_json(out, data);
  out += '}';
  return std::make_shared<const std::string>(std::move(out));
}

}  // namespace crema::events
