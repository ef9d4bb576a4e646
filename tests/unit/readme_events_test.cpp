// The README's list of WebSocket events is what a client author reads: every event type the
// server publishes (bus.publish / PendingEvents::add in src/) must be in it.

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace crema {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReadmeEvents, EveryPublishedEventTypeIsListed) {
  const std::filesystem::path root(CREMA_SOURCE_DIR);
  const std::string whole = read_file(root / "README.md");
  ASSERT_FALSE(whole.empty()) << "README.md not found";
  // The feed's own bullet (not a mention elsewhere in the README).
  const auto start = whole.find("* The real-time feed");
  ASSERT_NE(start, std::string::npos) << "README.md has no real-time feed bullet";
  const std::string readme = whole.substr(start, whole.find("\n* ", start + 1) - start);
  // publish("order_created", …) on the bus; events.add("delivery_updated", …) in a use case.
  static const std::regex kPublished(R"re((?:publish|events\.add)\(\s*"([a-z_]+)")re");
  std::set<std::string> types;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root / "src")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
    const std::string code = read_file(entry.path());
    for (auto it = std::sregex_iterator(code.begin(), code.end(), kPublished);
         it != std::sregex_iterator(); ++it)
      types.insert((*it)[1]);
  }
  // The scan itself must work: these are published today.
  for (const char* known : {"order_created", "menu_updated", "delivery_location"})
    EXPECT_TRUE(types.contains(known)) << known << " not found in src/: the scan is broken";
  for (const auto& type : types)
    EXPECT_NE(readme.find("`" + type + "`"), std::string::npos)
        << "the WebSocket event `" << type << "` is missing from README.md's real-time feed";
}

}  // namespace
}  // namespace crema
