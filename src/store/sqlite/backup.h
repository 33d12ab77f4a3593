// Backups of a tonari SQLite database, taken online: the copy is one consistent snapshot
// (VACUUM INTO on a connection of its own, a read transaction: in WAL mode the server's
// writer goes on meanwhile). A backup is itself a SQLite database — compact, checkable
// with the sqlite3 tool — that also carries the data directory's other small files (a key
// file, say) in a table of its own, tonari_backup_files, which restore takes out again.
// Thread safety: plain functions; each opens connections of its own.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace tonari::store::sqlite {

// A regular file of the data directory, carried in a backup.
struct BackupFile {
  std::string name;  // a plain file name, no directory part
  std::string content;
  std::uint32_t mode = 0600;
};

// What a backup holds.
struct BackupInfo {
  std::int64_t bytes = 0;           // size of the backup file
  std::int64_t schema_version = 0;  // PRAGMA user_version
  // rows: tenants, users, rooms, messages (and search_docs, schema 13 on)
  std::vector<std::pair<std::string, std::int64_t>> counts;
  std::vector<std::string> files;   // names of the carried files
};

// Writes a snapshot of the database at `db_path` (which must exist), with `files`, to
// `out_path`: written beside it under a temporary name, synced, checked (backup_info),
// then renamed over `out_path` (an existing file there is replaced only by a complete,
// checked backup). The file is created with mode 0600. Errors: not_found if there is no
// database; internal for an I/O or SQLite failure (nothing left at `out_path`).
Result<BackupInfo> write_backup(const std::string& db_path, const std::string& out_path,
                                const std::vector<BackupFile>& files);

// Checks that `path` is a tonari backup (or database) this binary can open: PRAGMA
// quick_check passes, tonari's tables are there, and its schema version is one this binary
// knows (at most latest_version()). invalid_argument says what is wrong.
Result<BackupInfo> backup_info(const std::string& path);

// The files a backup carries (none for a plain database).
Result<std::vector<BackupFile>> backup_files(const std::string& path);

// Turns the copy of a backup at `path` back into a plain database: drops the carried
// files' table, WAL mode on, synced.
Status strip_backup(const std::string& path);

}  // namespace tonari::store::sqlite
