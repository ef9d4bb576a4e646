#pragma once
/// The body of a JSON string (no quotes), escaped as RFC 8259 says: `"` and `\`, the short
/// forms \n \r \t \b \f, and \u00XX for the other control characters and DEL. The one
/// escaper of the JSON writer (util/json_text.hpp) and the log lines (obs/log.hpp).

#include <string>
#include <string_view>

namespace crema::util {

void append_json_escaped(std::string& out, std::string_view s);

}  // namespace crema::util
