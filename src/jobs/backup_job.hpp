#pragma once
/// The server's own daily backup (SPEC §13): with CREMA_BACKUP_DIR set, `crema serve` writes
/// `crema-<UTC time>.sqlite` (or `.pgdump`) there once a day and keeps the newest
/// CREMA_BACKUP_KEEP. A backup is due when the newest one in the directory is a day old or
/// there is none, so a restart neither skips a day nor doubles one. It runs on a scheduler
/// (jobs/scheduler.hpp) of its own: a backup may take minutes, and no other job waits.

#include <chrono>
#include <string>
#include <vector>

#include "jobs/scheduler.hpp"

namespace crema::jobs {

/// The names of `files` (backup file names, any order) to delete so that the newest `keep`
/// remain. Only names this job writes are considered ("crema-YYYYMMDDTHHMMSSZ.<ext>"); the
/// timestamp in the name orders them.
std::vector<std::string> backups_to_prune(std::vector<std::string> files, int keep);

/// Whether `name` is a name this job writes.
bool is_backup_name(const std::string& name);

class BackupJob {
 public:
  BackupJob(std::string database_url, std::string dir, int keep,
            std::chrono::hours every = std::chrono::hours(24));
  BackupJob(const BackupJob&) = delete;
  BackupJob& operator=(const BackupJob&) = delete;

  /// Makes the directory (the owner's alone) and adds "backup" to `scheduler`, before its
  /// start(): a backup when one is due, checked at least hourly (the clock may jump, and
  /// another process may write backups), and an hour after a failed one. The scheduler's
  /// stop() waits for a backup in progress (the file is never left half written). This
  /// object must outlive that stop().
  void schedule(Scheduler& scheduler);

  /// Writes one backup now and prunes; returns its path. Throws std::runtime_error.
  std::string run_once();

 private:
  /// A backup if one is due; returns the wait until the next check.
  std::chrono::milliseconds tick();
  /// How long until the next backup is due (zero: now).
  std::chrono::milliseconds until_due() const;

  std::string url_;
  std::string dir_;
  int keep_;
  std::chrono::hours every_;
};

}  // namespace crema::jobs
