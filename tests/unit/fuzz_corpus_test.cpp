// Replays every input of fuzz/corpus/<target>/ and fuzz/regressions/<target>/ through the
// fuzz targets (fuzz/targets.hpp) on every run: the seeds keep working and a crash once found
// by scripts/fuzz.sh stays fixed. Under the sanitizer build this is ASan+UBSan on each.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "api/routes.hpp"
#include "obs/metrics.hpp"
#include "targets.hpp"

namespace crema::fuzz {
namespace {

namespace fs = std::filesystem;

int replay(const std::string& target, int (*fn)(const std::uint8_t*, std::size_t)) {
  int count = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(CREMA_SOURCE_DIR) / "fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().filename() == ".gitkeep") continue;
      std::ifstream f(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(fn(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
      ++count;
    }
  }
  return count;
}

TEST(FuzzCorpus, JwtInputsReplayCleanly) { EXPECT_GT(replay("jwt", jwt), 3); }
TEST(FuzzCorpus, HttpTargetInputsReplayCleanly) {
  EXPECT_GT(replay("http_target", http_target), 3);
}
TEST(FuzzCorpus, JsonInputInputsReplayCleanly) { EXPECT_GT(replay("json_input", json_input), 3); }

// The dto target's seeds and regressions through the real handlers (an answer >= 500 aborts
// the test binary with the call printed, as it stops the fuzzer).
TEST(FuzzCorpus, DtoInputsReplayCleanly) { EXPECT_GT(replay("dto", dto), 30); }

// Every mutating route of the real route table is fuzzed by dto (it takes a JSON body) or
// left out for a stated reason, and the seed corpus has a readable seed for each fuzzed route.
TEST(FuzzCorpus, DtoCoversEveryRouteThatTakesABody) {
  obs::Metrics metrics;
  http::Router router;
  api::OpenApi openapi;
  api::AppServices services{
      std::make_shared<api::OpsContext>(api::OpsContext{metrics, {}, nullptr})};
  api::register_all_routes(router, openapi, services);
  const auto fuzzed = dto_routes();
  const auto skipped = dto_skipped_routes();
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  std::size_t json_routes = 0;
  for (const auto& r : router.routes()) {
    const auto m = r->method;
    if (m != http::Method::post && m != http::Method::put && m != http::Method::patch &&
        m != http::Method::del)
      continue;
    const std::string name = std::string(http::method_name(m)) + " " + r->pattern;
    if (r->body == http::BodyKind::json) {
      ++json_routes;
      EXPECT_TRUE(has(fuzzed, name)) << name << " takes JSON but the dto target does not call it";
      EXPECT_FALSE(has(skipped, name)) << name << " takes JSON: fuzz it, do not skip it";
    } else {
      EXPECT_TRUE(has(skipped, name))
          << name << " takes no JSON body: list it in kNotFuzzed (fuzz/dto_target.cpp) with why";
    }
  }
  EXPECT_EQ(fuzzed.size(), json_routes);

  namespace fs = std::filesystem;
  std::set<std::string> seeded;
  for (const auto& entry : fs::directory_iterator(fs::path(CREMA_SOURCE_DIR) / "fuzz/corpus/dto")) {
    std::ifstream f(entry.path(), std::ios::binary);
    std::string line;
    std::getline(f, line);
    if (line.size() < 2 || line[0] != '@') continue;
    const auto end = line.find(' ', line.find(' ') + 1);
    seeded.insert(line.substr(1, end - 1));
  }
  for (const auto& name : fuzzed)
    EXPECT_TRUE(seeded.contains(name)) << name << " has no seed in fuzz/corpus/dto/";
}

// The seeds are valid calls: from the freshly seeded store, in name order, each is accepted
// (2xx), but for the few that cannot be without a secret the fuzzer cannot know (a TOTP code,
// a refresh token). A seed the handler refuses would start the fuzzer on the refusal path.
TEST(FuzzCorpus, DtoSeedsAreAcceptedByTheirRoutes) {
  namespace fs = std::filesystem;
  // (and a password reset token, which only a mail carries)
  const std::set<std::string> refused = {"auth-2fa-enable",         "auth-2fa-disable",
                                         "auth-2fa-recovery-codes", "auth-refresh",
                                         "auth-password-reset",     "auth-verify-email"};
  std::vector<fs::path> seeds;
  for (const auto& entry : fs::directory_iterator(fs::path(CREMA_SOURCE_DIR) / "fuzz/corpus/dto"))
    seeds.push_back(entry.path());
  std::sort(seeds.begin(), seeds.end());
  dto_reset();
  for (const auto& path : seeds) {
    std::ifstream f(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto status =
        dto_status(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    ASSERT_TRUE(status.has_value()) << path;
    if (refused.contains(path.filename().string())) {
      EXPECT_GE(*status, 400) << path;
      EXPECT_LT(*status, 500) << path;
    } else {
      EXPECT_GE(*status, 200) << path << " (CREMA_FUZZ_DTO_VERBOSE=1 prints the answer)";
      EXPECT_LT(*status, 300) << path << " (CREMA_FUZZ_DTO_VERBOSE=1 prints the answer)";
    }
  }
  dto_reset();
}

}  // namespace
}  // namespace crema::fuzz
