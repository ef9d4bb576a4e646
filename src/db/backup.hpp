#pragma once
/// Backups of the whole store (SPEC §13): a consistent copy taken while the server runs, and
/// its restore into a store.
///
///   * SQLite: SQLite's online backup API copies the database in one read transaction, so
///     the copy is the database as of one instant while writers carry on (WAL). The backup
///     is an ordinary SQLite file.
///   * PostgreSQL: `pg_dump --format=custom` (one snapshot, consistent under concurrent
///     writes) and `pg_restore`, found in $PATH or /usr/lib/postgresql/<version>/bin. The
///     URL's password goes to the tool as PGPASSWORD, never on its command line.
///
/// Restore refuses a file of the other store's kind, a file that is no backup, and a target
/// that already holds tables unless `force` is given (then its contents are replaced). A
/// restore is an offline operation: stop the servers on the target first.

#include <cstdint>
#include <string>

namespace crema::db {

/// What a backup file is, by its first bytes.
enum class BackupKind { sqlite, postgres_custom, unknown };

/// Reads the file's signature ("SQLite format 3", "PGDMP"); unknown when it is neither or
/// cannot be read.
BackupKind backup_kind(const std::string& path);

struct BackupInfo {
  BackupKind kind = BackupKind::unknown;
  std::uintmax_t bytes = 0;
};

/// Writes a consistent copy of the store at `url` (a CREMA_DATABASE_URL) to `out`: first to
/// `out`.partial, renamed into place once complete, so `out` is never half written.
/// Throws std::runtime_error with a message for the operator.
BackupInfo backup_store(const std::string& url, const std::string& out);

/// Brings the backup `in` back into the store at `url`. Throws std::runtime_error.
void restore_store(const std::string& url, const std::string& in, bool force);

}  // namespace crema::db
