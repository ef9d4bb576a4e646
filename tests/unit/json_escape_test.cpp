// The one JSON string escaper (util/json_escape.hpp), as the JSON writer and the log lines
// use it: both produce the same text for the same string.

#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "obs/log.hpp"
#include "util/json_escape.hpp"
#include "util/json_text.hpp"

namespace crema {
namespace {

TEST(JsonEscape, ShortFormsControlCharactersAndDel) {
  std::string out;
  util::append_json_escaped(out, std::string("a\"b\\c\n\r\t\b\f\x01\x7f\xc3\xa9", 14));
  EXPECT_EQ(out, "a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u007f\xc3\xa9");
  // Valid JSON that reads back as the original.
  EXPECT_EQ(boost::json::parse("\"" + out + "\"").as_string(),
            std::string("a\"b\\c\n\r\t\b\f\x01\x7f\xc3\xa9", 14));
}

TEST(JsonEscape, TheWriterAndTheLogAgree) {
  const std::string tricky("tab\there \"quoted\" \x1f end\x7f", 24);
  std::string logged;
  obs::append_json_escaped(logged, tricky);
  EXPECT_EQ(util::to_json(boost::json::value(tricky)), "\"" + logged + "\"");
}

}  // namespace
}  // namespace crema
