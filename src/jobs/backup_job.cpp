#include "jobs/backup_job.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "db/backup.hpp"
#include "obs/log.hpp"

namespace crema::jobs {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "crema-";

std::string utc_stamp(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace

bool is_backup_name(const std::string& name) {
  // crema-20261122T081600Z.sqlite | .pgdump
  if (!name.starts_with(kPrefix) || name.size() < kPrefix.size() + 16 + 2) return false;
  const std::string_view stamp(name.data() + kPrefix.size(), 16);
  for (std::size_t i = 0; i < stamp.size(); ++i) {
    const char c = stamp[i];
    const bool ok = i == 8 ? c == 'T' : i == 15 ? c == 'Z' : (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  const std::string_view ext(name.data() + kPrefix.size() + 16);
  return ext == ".sqlite" || ext == ".pgdump";
}

std::vector<std::string> backups_to_prune(std::vector<std::string> files, int keep) {
  std::erase_if(files, [](const std::string& f) { return !is_backup_name(f); });
  // Same prefix and fixed-width stamp: the name's order is the time order. Newest first.
  std::sort(files.begin(), files.end(), std::greater<>());
  if (keep < 1) keep = 1;
  if (files.size() <= static_cast<std::size_t>(keep)) return {};
  return {files.begin() + keep, files.end()};
}

BackupJob::BackupJob(std::string database_url, std::string dir, int keep, std::chrono::hours every)
    : url_(std::move(database_url)), dir_(std::move(dir)), keep_(keep), every_(every) {}

void BackupJob::schedule(Scheduler& scheduler) {
  std::error_code ec;
  // A directory made here is the owner's alone (the backups in it are 0600 too).
  if (fs::create_directories(dir_, ec)) fs::permissions(dir_, fs::perms::owner_all, ec);
  scheduler.add_paced(
      "backup", [this] { return tick(); }, std::chrono::hours(1));
}

std::chrono::milliseconds BackupJob::until_due() const {
  std::error_code ec;
  fs::file_time_type newest{};
  bool any = false;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (!is_backup_name(entry.path().filename().string())) continue;
    const auto t = entry.last_write_time(ec);
    if (ec) continue;
    if (!any || t > newest) newest = t;
    any = true;
  }
  if (!any) return std::chrono::milliseconds(0);
  const auto age = fs::file_time_type::clock::now() - newest;
  if (age >= every_) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(every_ - age);
}

std::string BackupJob::run_once() {
  const bool sqlite = url_.starts_with("sqlite://");
  const std::string name = std::string(kPrefix) + utc_stamp(std::chrono::system_clock::now()) +
                           (sqlite ? ".sqlite" : ".pgdump");
  const std::string path = (fs::path(dir_) / name).string();
  const auto started = std::chrono::steady_clock::now();
  const auto info = db::backup_store(url_, path);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  obs::Log(obs::Level::info, "backup written")
      .str("file", path)
      .num("bytes", static_cast<std::int64_t>(info.bytes))
      .real("duration_ms", ms);
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    names.push_back(entry.path().filename().string());
  for (const auto& old : backups_to_prune(std::move(names), keep_)) {
    fs::remove(fs::path(dir_) / old, ec);
    obs::Log(obs::Level::info, "backup pruned").str("file", (fs::path(dir_) / old).string());
  }
  return path;
}

std::chrono::milliseconds BackupJob::tick() {
  // Re-checked at least hourly: the clock may jump, and another process may write backups.
  constexpr std::chrono::milliseconds kRecheck = std::chrono::hours(1);
  if (until_due().count() == 0) {
    try {
      run_once();
    } catch (const std::exception& e) {
      obs::Log(obs::Level::error, "backup failed").str("error", e.what()).str("dir", dir_);
      return kRecheck;  // try again in an hour rather than at once in a loop
    }
  }
  return std::min(until_due(), kRecheck);
}

}  // namespace crema::jobs
