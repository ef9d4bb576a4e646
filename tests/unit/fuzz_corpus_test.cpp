// Replays every input of fuzz/corpus/<target>/ and fuzz/regressions/<target>/ through the
// fuzz targets (fuzz/targets.hpp) on every run: the seeds keep working and a crash once found
// by scripts/fuzz.sh stays fixed. Under the sanitizer build this is ASan+UBSan on each.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace crema::fuzz
