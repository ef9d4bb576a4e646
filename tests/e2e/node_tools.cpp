#include "e2e/node_tools.hpp"

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "support/child_process.hpp"

namespace crema::test::e2e {

namespace fs = std::filesystem;

namespace {

bool has_tools(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "node_modules" / "ajv" / "package.json", ec) &&
         fs::exists(dir / "node_modules" / "openapi-typescript" / "package.json", ec) &&
         fs::exists(dir / "node_modules" / "typescript" / "package.json", ec);
}

}  // namespace

std::string node_tools_dir() {
  if (const char* env = std::getenv("CREMA_TEST_TOOLS"); env && *env)
    return has_tools(env) ? fs::absolute(env).string() : std::string();
  const fs::path local = fs::path(CREMA_SOURCE_DIR) / "build" / "tools";
  return has_tools(local) ? local.string() : std::string();
}

std::string node_tools_problem() {
  if (find_program("node").empty()) return "node is not installed (scripts/deps.sh test)";
  if (node_tools_dir().empty())
    return "the npm tools of tests/tools are not installed: set CREMA_TEST_TOOLS to the "
           "directory where `npm ci --ignore-scripts` ran on tests/tools (scripts/test.sh "
           "does it under build/tools)";
  return {};
}

bool node_tools_required() {
  const char* req = std::getenv("CREMA_TEST_REQUIRE_PG");
  return req && std::string_view(req) == "1";
}

}  // namespace crema::test::e2e
