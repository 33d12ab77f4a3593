#include "store/sqlite/coalescing_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace tonari::store::sqlite {
namespace {

constexpr std::size_t kMaxGathered = 1 << 20;
// The unix VFS writes at most 128 KiB - 1 bytes per call (its seekAndWrite masks the
// count with 0x1ffff, and a count it masked to 0 reads as a full disk), so a flush hands it
// the gathered bytes in pieces of this size: 600 KB of a commit's frames in 5 calls.
constexpr std::size_t kPiece = 124 * 1024;

std::atomic<std::uint64_t> g_log_writes{0};
std::atomic<std::uint64_t> g_file_writes{0};

sqlite3_vfs* g_base = nullptr;  // the default VFS this one forwards to

// What SQLite allocates for a file opened through this VFS: this header, then the base
// VFS's own file object (`real`), whose methods do the I/O.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  // Log files only: gathered bytes for [start, start + size()) of the file.
  std::vector<char>* gathered;
  sqlite3_int64 start;
  // A flush that failed: the log lacks frames SQLite believes written. Every sync fails
  // until the write transaction ends (and the frames are void), so no commit can count on
  // them, whatever SQLite made of the first error.
  bool failed;
  File* log;  // a database file: its connection's log while that is open (gathering)
  File* db;   // a log file: the database file whose `log` this is
};

File* self(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

// Writes n bytes at `offset` through the base file, in pieces it can take.
int write_pieces(sqlite3_file* real, const char* data, std::size_t n, sqlite3_int64 offset) {
  int rc = SQLITE_OK;
  for (std::size_t at = 0; at < n && rc == SQLITE_OK; at += kPiece) {
    const std::size_t piece = std::min(kPiece, n - at);
    rc = real->pMethods->xWrite(real, data + at, static_cast<int>(piece),
                                offset + static_cast<sqlite3_int64>(at));
    g_file_writes.fetch_add(1, std::memory_order_relaxed);
  }
  return rc;
}

// Writes what has gathered. On failure what gathered is dropped (the transaction that
// wrote it is rolled back: see `failed`), and the base file's error is returned.
int flush(File* f) {
  if (!f->gathered || f->gathered->empty()) return SQLITE_OK;
  std::vector<char>& g = *f->gathered;
  const int rc = write_pieces(f->real, g.data(), g.size(), f->start);
  g.clear();
  if (rc != SQLITE_OK) f->failed = true;
  return rc;
}

// A flush before a read, a size, a truncation or a file control. Its failure is reported
// as an I/O error, which makes SQLite roll the whole transaction back: a full disk
// (SQLITE_FULL) from a read would undo only the statement, and the transaction could go
// on to commit without the frames.
int flush_or_ioerr(File* f) {
  return flush(f) == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

// The end of a write transaction (its write lock released): anything still gathered
// belongs to frames a rollback voided, which must not reach the file later, over frames
// another connection may by then have committed there. (In exclusive locking mode, which
// tonari does not use, the lock is not taken: a failure then lasts until the log closes.)
void end_of_write(File* log) {
  if (log->gathered) log->gathered->clear();
  log->failed = false;
}

int x_close(sqlite3_file* file) {
  File* f = self(file);
  const int flushed = flush(f);
  if (f->db) f->db->log = nullptr;
  if (f->log) f->log->db = nullptr;
  const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  delete f->gathered;
  f->gathered = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int x_read(sqlite3_file* file, void* buf, int amount, sqlite3_int64 offset) {
  File* f = self(file);
  if (int rc = flush_or_ioerr(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, buf, amount, offset);
}

int x_write(sqlite3_file* file, const void* buf, int amount, sqlite3_int64 offset) {
  File* f = self(file);
  if (!f->gathered) return f->real->pMethods->xWrite(f->real, buf, amount, offset);
  g_log_writes.fetch_add(1, std::memory_order_relaxed);
  std::vector<char>& g = *f->gathered;
  const auto n = static_cast<std::size_t>(amount);
  const char* p = static_cast<const char*>(buf);
  if (!g.empty() && (offset != f->start + static_cast<sqlite3_int64>(g.size()) ||
                     g.size() + n > kMaxGathered)) {
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
  }
  if (n > kMaxGathered) {  // SQLite makes no such write (a frame is at most 64 KiB + 24)
    const int rc = write_pieces(f->real, p, n, offset);
    if (rc != SQLITE_OK) f->failed = true;
    return rc;
  }
  if (g.empty()) f->start = offset;
  g.insert(g.end(), p, p + n);  // within the capacity reserved at open: no allocation
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = self(file);
  if (int rc = flush_or_ioerr(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}

int x_sync(sqlite3_file* file, int flags) {
  File* f = self(file);
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  if (f->failed) return SQLITE_IOERR_FSYNC;
  return f->real->pMethods->xSync(f->real, flags);
}

int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  File* f = self(file);
  if (int rc = flush_or_ioerr(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}

int x_lock(sqlite3_file* file, int level) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xLock(r, level);
}
int x_unlock(sqlite3_file* file, int level) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xUnlock(r, level);
}
int x_check_reserved_lock(sqlite3_file* file, int* out) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xCheckReservedLock(r, out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  File* f = self(file);
  if (int rc = flush_or_ioerr(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int x_sector_size(sqlite3_file* file) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xSectorSize(r);
}
int x_device_characteristics(sqlite3_file* file) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xDeviceCharacteristics(r);
}
int x_shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xShmMap(r, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = self(file);
  // Lock 0 of the log's shared memory is its write lock (wal.c, WAL_WRITE_LOCK). A commit
  // has flushed and synced its frames before it lets go of it; after a rollback, what is
  // left gathered is void.
  if (f->log && offset == 0 && flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE)) {
    end_of_write(f->log);
  }
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) {
  sqlite3_file* r = self(file)->real;
  r->pMethods->xShmBarrier(r);
}
int x_shm_unmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xShmUnmap(r, delete_flag);
}
int x_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  File* f = self(file);
  if (int rc = flush_or_ioerr(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFetch(f->real, offset, amount, out);
}
int x_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* p) {
  sqlite3_file* r = self(file)->real;
  return r->pMethods->xUnfetch(r, offset, p);
}

// The methods of files opened here, by what the base file has: a version-1 base file (or
// one without shared memory) gets no shared-memory or mmap methods, a version-2 one no
// mmap methods.
const sqlite3_io_methods kMethods = {
    3, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
    x_check_reserved_lock, x_file_control, x_sector_size, x_device_characteristics,
    x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch};
const sqlite3_io_methods kMethodsV2 = {
    2, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
    x_check_reserved_lock, x_file_control, x_sector_size, x_device_characteristics,
    x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, nullptr, nullptr};
const sqlite3_io_methods kMethodsV1 = {
    1, x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
    x_check_reserved_lock, x_file_control, x_sector_size, x_device_characteristics,
    nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = self(file);
  f->base.pMethods = nullptr;  // until the base file is open: SQLite then calls no method
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->gathered = nullptr;
  f->start = 0;
  f->failed = false;
  f->log = nullptr;
  f->db = nullptr;
  const int rc = g_base->xOpen(g_base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || !f->real->pMethods) {
    // The base VFS may have set its methods on failure; SQLite closes only what has ours.
    if (f->real->pMethods) f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  const sqlite3_io_methods* m = f->real->pMethods;
  f->base.pMethods = m->iVersion >= 3 && m->xShmMap && m->xFetch ? &kMethods
                     : m->iVersion >= 2 && m->xShmMap            ? &kMethodsV2
                                                                 : &kMethodsV1;
  if ((flags & SQLITE_OPEN_WAL) && name) {
    // The log's database file, opened by the same connection (through this VFS too, as
    // SQLite opens a connection's files through one VFS; the unix VFS gives it the full
    // methods, and the log, like every file but the main one, no shared-memory ones).
    // Without power-safe overwrite (the `psow=0` URI parameter, or a device that lacks it)
    // SQLite pads a commit's last frame to a sector boundary and writes part of it after
    // the sync: that part must not wait here. Such a log is written through.
    sqlite3_file* db = sqlite3_database_file_object(name);
    const bool ours = db && (db->pMethods == &kMethods || db->pMethods == &kMethodsV2 ||
                             db->pMethods == &kMethodsV1);
    if (ours &&
        (db->pMethods->xDeviceCharacteristics(db) & SQLITE_IOCAP_POWERSAFE_OVERWRITE)) {
      try {
        f->gathered = new std::vector<char>();
        f->gathered->reserve(kMaxGathered);
        f->db = self(db);
        f->db->log = f;
      } catch (const std::bad_alloc&) {
        delete f->gathered;
        f->gathered = nullptr;  // written through, as the base VFS would
      }
    }
  }
  return SQLITE_OK;
}

// The rest forwards to the base VFS.
int x_delete(sqlite3_vfs*, const char* name, int sync) { return g_base->xDelete(g_base, name, sync); }
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_base->xAccess(g_base, name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_base->xFullPathname(g_base, name, n, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return g_base->xDlOpen(g_base, name); }
void x_dl_error(sqlite3_vfs*, int n, char* out) { g_base->xDlError(g_base, n, out); }
void (*x_dl_sym(sqlite3_vfs*, void* h, const char* sym))(void) { return g_base->xDlSym(g_base, h, sym); }
void x_dl_close(sqlite3_vfs*, void* h) { g_base->xDlClose(g_base, h); }
int x_randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int x_sleep(sqlite3_vfs*, int us) { return g_base->xSleep(g_base, us); }
int x_current_time(sqlite3_vfs*, double* out) { return g_base->xCurrentTime(g_base, out); }
int x_get_last_error(sqlite3_vfs*, int n, char* out) {
  return g_base->xGetLastError ? g_base->xGetLastError(g_base, n, out) : 0;
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_base->xCurrentTimeInt64(g_base, out);
}

sqlite3_vfs g_vfs;

}  // namespace

const char* coalescing_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_initialize();
    g_base = sqlite3_vfs_find(nullptr);
    if (!g_base) throw std::runtime_error("SQLite has no default VFS");
    g_vfs = sqlite3_vfs{};
    g_vfs.iVersion = std::min(g_base->iVersion, 2);  // version 3's system-call hooks: none
    g_vfs.szOsFile = static_cast<int>(sizeof(File)) + g_base->szOsFile;
    g_vfs.mxPathname = g_base->mxPathname;
    g_vfs.zName = "tonari-coalescing";
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full_pathname;
    g_vfs.xDlOpen = x_dl_open;
    g_vfs.xDlError = x_dl_error;
    g_vfs.xDlSym = x_dl_sym;
    g_vfs.xDlClose = x_dl_close;
    g_vfs.xRandomness = x_randomness;
    g_vfs.xSleep = x_sleep;
    g_vfs.xCurrentTime = x_current_time;
    g_vfs.xGetLastError = x_get_last_error;
    if (g_vfs.iVersion >= 2 && g_base->xCurrentTimeInt64) g_vfs.xCurrentTimeInt64 = x_current_time_int64;
    if (int rc = sqlite3_vfs_register(&g_vfs, 0); rc != SQLITE_OK) {
      throw std::runtime_error(std::string("registering the coalescing VFS: ") + sqlite3_errstr(rc));
    }
  });
  return g_vfs.zName;
}

CoalescingStats coalescing_stats() {
  return {g_log_writes.load(std::memory_order_relaxed), g_file_writes.load(std::memory_order_relaxed)};
}

}  // namespace tonari::store::sqlite
