// Every answer the black-box suite receives is checked against the OpenAPI document the
// binary serves (issue 18): HttpClient records each exchange (support/exchange_log.hpp);
// after the last test, one more server is started for its /openapi.json and
// check_answers.cjs (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it) checks that every
// status is one the operation documents and every JSON body matches that response's schema.
// A failure fails the whole e2e run, naming the test, the request and what did not match.

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <gtest/gtest.h>

#include "e2e/e2e_support.hpp"
#include "e2e/node_tools.hpp"
#include "support/child_process.hpp"
#include "support/exchange_log.hpp"
#include "support/scratch_dir.hpp"

namespace crema::test::e2e {
namespace {

class AnswersAgainstTheDocument final : public ::testing::Environment {
 public:
  void SetUp() override {
    if (std::getenv("CREMA_TEST_NO_ANSWER_CHECK")) return;
    dir_ = std::make_unique<ScratchDir>("crema-answers-");
    ExchangeLog::start(dir_->file("exchanges.jsonl"));
  }

  void TearDown() override {
    auto* log = ExchangeLog::active();
    if (!log) return;
    ExchangeLog::stop();
    if (log->count() == 0) return;
    if (auto problem = node_tools_problem(); !problem.empty()) {
      if (node_tools_required()) {
        ADD_FAILURE() << "the answers of the e2e suite were not checked against the OpenAPI "
                         "document: "
                      << problem;
      } else {
        std::cout << "note: answers not checked against the OpenAPI document: " << problem << "\n";
      }
      return;
    }
    if (!store_problem().message.empty()) return;  // no server could have answered anything
    std::string doc;
    try {
      auto db = fresh_database();
      ServerProcess server({.database_url = db->url()});
      auto client = client_for(server);
      auto res = client->get("/openapi.json");
      if (res.status != 200) {
        ADD_FAILURE() << "GET /openapi.json for the answer check: " << res.describe();
        return;
      }
      doc = dir_->write("openapi.json", res.body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not start a server for its /openapi.json: " << e.what();
      return;
    }
    auto env = clean_environment();
    env["NODE_PATH"] = (std::filesystem::path(node_tools_dir()) / "node_modules").string();
    const std::string script =
        (std::filesystem::path(CREMA_SOURCE_DIR) / "tests" / "e2e" / "check_answers.cjs").string();
    auto run = run_process({find_program("node"), script, doc, log->path()}, env, {},
                           std::chrono::seconds(300));
    if (run.timed_out) {
      ADD_FAILURE() << "check_answers.cjs ran past 300 s";
      return;
    }
    if (run.exit_code != 0) {
      std::string out = run.out + run.err;
      if (out.size() > 60000) out = out.substr(0, 60000) + "\n… (cut)";
      ADD_FAILURE() << "answers that do not match the OpenAPI document:\n" << out;
      return;
    }
    std::cout << run.out;
  }

 private:
  std::unique_ptr<ScratchDir> dir_;
};

[[maybe_unused]] ::testing::Environment* const kAnswers =
    ::testing::AddGlobalTestEnvironment(new AnswersAgainstTheDocument);

}  // namespace
}  // namespace crema::test::e2e
