// The daily backup's naming and pruning rules (jobs/backup_job.hpp).
#include <gtest/gtest.h>

#include "jobs/backup_job.hpp"

namespace crema::jobs {
namespace {

TEST(BackupJob, RecognisesOnlyItsOwnNames) {
  EXPECT_TRUE(is_backup_name("crema-20261122T081600Z.sqlite"));
  EXPECT_TRUE(is_backup_name("crema-20261122T081600Z.pgdump"));
  EXPECT_FALSE(is_backup_name("crema-20261122T081600Z.sqlite.partial"));
  EXPECT_FALSE(is_backup_name("crema-20261122T081600Z.db"));
  EXPECT_FALSE(is_backup_name("crema-2026112XT081600Z.sqlite"));
  EXPECT_FALSE(is_backup_name("crema-20261122-081600Z.sqlite"));
  EXPECT_FALSE(is_backup_name("other-20261122T081600Z.sqlite"));
  EXPECT_FALSE(is_backup_name("crema-.sqlite"));
  EXPECT_FALSE(is_backup_name(""));
}

TEST(BackupJob, PrunesAllButTheNewestKeep) {
  const std::vector<std::string> files = {
      "crema-20261120T000000Z.sqlite", "notes.txt",
      "crema-20261122T000000Z.sqlite", "crema-20261121T000000Z.sqlite",
      "crema-20261119T235959Z.pgdump", "crema-20261122T000000Z.sqlite.partial"};
  EXPECT_EQ(
      backups_to_prune(files, 2),
      (std::vector<std::string>{"crema-20261120T000000Z.sqlite", "crema-20261119T235959Z.pgdump"}));
  EXPECT_TRUE(backups_to_prune(files, 4).empty());
  EXPECT_TRUE(backups_to_prune(files, 10).empty());
  // Never everything: at least the newest stays.
  EXPECT_EQ(backups_to_prune(files, 0).size(), 3u);
}

}  // namespace
}  // namespace crema::jobs
