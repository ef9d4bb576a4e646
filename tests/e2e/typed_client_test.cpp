// The typed-client drift guard (issue 18): TypeScript types are generated from the document
// the binary serves (GET /openapi.json) with openapi-typescript, and a small front end
// written against them with openapi-fetch (tests/typed_client/client.ts: sign in, the menu
// with If-None-Match, an order with options and metadata and an Idempotency-Key, a Stripe
// checkout reading next_action.client_secret, following and cancelling the order with
// If-Match, reports as CSV) must type-check with `tsc --strict`. An object the document
// declares without its properties, a header or a field it forgets, fails this test.

#include <filesystem>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/node_tools.hpp"
#include "support/child_process.hpp"
#include "support/scratch_dir.hpp"

namespace crema::test::e2e {
namespace {

namespace fs = std::filesystem;

TEST(TypedClient, TypesGeneratedFromTheServedDocumentCompileAStrictFrontEnd) {
  CREMA_E2E_REQUIRE_STORE();
  if (store_is_postgres())
    GTEST_SKIP() << "the document is the same on both stores: checked in the SQLite run";
  if (auto problem = node_tools_problem(); !problem.empty()) {
    if (node_tools_required()) FAIL() << problem << " (CREMA_TEST_REQUIRE_PG=1)";
    GTEST_SKIP() << problem;
  }
  auto db = fresh_database();
  ServerProcess server({.database_url = db->url()});
  auto client = client_for(server);
  auto doc = client->get("/openapi.json");
  ASSERT_EQ(doc.status, 200) << doc.describe();

  ScratchDir dir("crema-typed-client-");
  dir.write("openapi.json", doc.body);
  const fs::path sources = fs::path(CREMA_SOURCE_DIR) / "tests" / "typed_client";
  for (const char* f : {"client.ts", "tsconfig.json"}) fs::copy_file(sources / f, dir.path() / f);
  const fs::path modules = fs::path(node_tools_dir()) / "node_modules";
  fs::create_directory_symlink(modules, dir.path() / "node_modules");

  auto env = clean_environment();
  const std::string node = find_program("node");
  auto generated = run_process({node, (modules / "openapi-typescript" / "bin" / "cli.js").string(),
                                dir.file("openapi.json"), "--output", dir.file("schema.d.ts")},
                               env, {}, std::chrono::seconds(120));
  ASSERT_FALSE(generated.timed_out);
  ASSERT_EQ(generated.exit_code, 0) << "openapi-typescript failed:\n"
                                    << generated.out << generated.err;
  ASSERT_TRUE(fs::exists(dir.path() / "schema.d.ts"));

  auto checked = run_process({node, (modules / "typescript" / "bin" / "tsc").string(), "--project",
                              dir.file("tsconfig.json"), "--pretty", "false"},
                             env, {}, std::chrono::seconds(180));
  ASSERT_FALSE(checked.timed_out);
  EXPECT_EQ(checked.exit_code, 0) << "the typed client does not compile against the types of "
                                     "the served /openapi.json:\n"
                                  << checked.out << checked.err;
}

}  // namespace
}  // namespace crema::test::e2e
