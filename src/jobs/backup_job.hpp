#pragma once
/// The server's own daily backup (SPEC §13): with CREMA_BACKUP_DIR set, `crema serve` writes
/// `crema-<UTC time>.sqlite` (or `.pgdump`) there once a day and keeps the newest
/// CREMA_BACKUP_KEEP. A backup is due when the newest one in the directory is a day old or
/// there is none, so a restart neither skips a day nor doubles one.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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
  ~BackupJob() { stop(); }
  BackupJob(const BackupJob&) = delete;
  BackupJob& operator=(const BackupJob&) = delete;

  void start();
  /// Waits for a backup in progress to finish (the file is never left half written).
  void stop();

  /// Writes one backup now and prunes; returns its path. Throws std::runtime_error.
  std::string run_once();

 private:
  void loop();
  /// How long until the next backup is due (zero: now).
  std::chrono::milliseconds until_due() const;

  std::string url_;
  std::string dir_;
  int keep_;
  std::chrono::hours every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace crema::jobs
