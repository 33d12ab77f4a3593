// A SQLite VFS over the default one that turns a transaction's many small writes to the
// write-ahead log into one.
//
// SQLite appends each log frame with two writes (its 24-byte header, then the page), so a
// group commit of 150 messages was some 300 pwrite(2) calls before its fsync: 1.8 system
// calls per message, most of the writer's kernel time (docs/performance.md). Through this
// VFS, writes to a `-wal` file that continue the one before are gathered in memory and
// reach the file in a few large writes (5 for a 150-message commit) when SQLite syncs, reads or truncates the log, asks its
// size, closes it, writes elsewhere in it, or when 1 MiB has gathered.
//
// This is only correct where every commit syncs the log (synchronous=FULL or EXTRA): other
// connections and processes read committed frames from the file, and with NORMAL a commit
// publishes its frames without a sync. Connection opens with this VFS only then. A log
// without power-safe overwrite (`psow=0`), whose last frame SQLite finishes after the
// sync, is written through. A flush that fails fails every sync until the write
// transaction ends (its reads report an I/O error, so that SQLite rolls the whole
// transaction back), and what a rollback left gathered is dropped when the write lock is
// released: it never lands over frames another writer committed meanwhile.
#pragma once

#include <cstdint>

namespace tonari::store::sqlite {

// The VFS's name for sqlite3_open_v2, registered on first use (not as the default).
const char* coalescing_vfs();

// Writes SQLite asked this VFS for on log files, and the writes that reached the files,
// since the process started (for tests).
struct CoalescingStats {
  std::uint64_t log_writes = 0;
  std::uint64_t file_writes = 0;
};
CoalescingStats coalescing_stats();

}  // namespace tonari::store::sqlite
