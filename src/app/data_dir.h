// The data directory: tonari.db (with its -wal and -shm while in use), a lock file, and
// any other small files other parts keep there (e.g. a key file). A process using the
// directory — `serve` or an admin command — holds a shared lock on DIR/tonari.lock for as
// long as it runs; `tonari admin restore` takes it exclusively, so it never replaces a
// database under a running server, and no server starts while it works.
// Thread safety: a DataDirLock is owned by one thread; the functions are plain.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "store/sqlite/backup.h"

namespace tonari::app {

inline constexpr const char* kDatabaseFile = "tonari.db";
inline constexpr const char* kLockFile = "tonari.lock";

// flock(2) on DIR/tonari.lock, released when destroyed (or when the process ends, however
// it ends).
class DataDirLock {
 public:
  // Creates `dir` (mode 0700) if missing. unavailable if the lock is held the other way
  // (or at all, for `exclusive`): it does not wait.
  static Result<DataDirLock> acquire(const std::string& dir, bool exclusive);
  DataDirLock(DataDirLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// The files of `dir` a backup carries: every regular file but the database's own
// (tonari.db, -wal, -shm, -journal), the lock file and hidden files (names beginning
// with '.', which restore uses while it works). Files over 16 MiB are left out with a
// line in `skipped` (a log file kept there, say).
Result<std::vector<store::sqlite::BackupFile>> files_to_back_up(const std::string& dir,
                                                                std::vector<std::string>& skipped);

}  // namespace tonari::app
