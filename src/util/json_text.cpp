#include "util/json_text.hpp"

#include <charconv>
#include <cmath>

#include <boost/json.hpp>

#include "util/json_escape.hpp"

namespace crema::util {

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
}

namespace {

void append_string(std::string& out, boost::json::string_view s) {
  out += '"';
  append_json_escaped(out, std::string_view(s.data(), s.size()));
  out += '"';
}

void append_double(std::string& out, double d) {
  if (!std::isfinite(d)) {  // JSON has no NaN or infinity
    out += "null";
    return;
  }
  char buf[32];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, p);
}

}  // namespace

void append_json(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      out += "null";
      break;
    case boost::json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case boost::json::kind::int64: {
      char buf[24];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v.get_int64());
      out.append(buf, p);
      break;
    }
    case boost::json::kind::uint64: {
      char buf[24];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
      out.append(buf, p);
      break;
    }
    case boost::json::kind::double_:
      append_double(out, v.get_double());
      break;
    case boost::json::kind::string:
      append_string(out, v.get_string());
      break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      break;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        append_string(out, kv.key());
        out += ':';
        append_json(out, kv.value());
      }
      out += '}';
      break;
    }
  }
}

std::string to_json(const boost::json::value& v) {
  std::string out;
  out.reserve(256);
  append_json(out, v);
  return out;
}

}  // namespace crema::util
