#pragma once
/// The npm tools the black-box suite runs (tests/tools/package.json, pinned by its lock file):
/// ajv (every answer against the OpenAPI document), openapi-typescript, openapi-fetch and
/// typescript (the typed-client drift guard). scripts/test.sh installs them under build/tools
/// with `npm ci --ignore-scripts` and exports CREMA_TEST_TOOLS.

#include <string>

namespace crema::test::e2e {

/// The directory holding the tools' node_modules: CREMA_TEST_TOOLS, else <source>/build/tools
/// when it has them; "" when they are not installed.
std::string node_tools_dir();

/// Why the tools cannot be used, "" when they can.
std::string node_tools_problem();

/// Whether a missing tool must fail rather than skip (CREMA_TEST_REQUIRE_PG=1, which
/// scripts/test.sh sets, so CI can never skip these checks silently).
bool node_tools_required();

}  // namespace crema::test::e2e
