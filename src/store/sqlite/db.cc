#include "store/sqlite/db.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>

#include "store/sqlite/coalescing_vfs.h"
#include "store/sqlite/search_index.h"
#include "log/log.h"

namespace tonari::store::sqlite {

bool DbError::is_constraint() const { return (rc_ & 0xff) == SQLITE_CONSTRAINT; }

namespace {
[[noreturn]] void fail(sqlite3* db, int rc, const char* what) {
  throw DbError(rc, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}
}  // namespace

Stmt::~Stmt() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_ref(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}
Stmt& Stmt::bind_f64(int i, double v) {
  sqlite3_bind_double(s_, i, v);
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(sqlite3_db_handle(s_), rc, "step");
}

std::int64_t Stmt::i64(int col) const { return sqlite3_column_int64(s_, col); }
double Stmt::f64(int col) const { return sqlite3_column_double(s_, col); }
std::string Stmt::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
  return p ? std::string(p, sqlite3_column_bytes(s_, col)) : std::string();
}
bool Stmt::is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

const char* synchronous_mode(std::string_view mode) {
  static const char* const kModes[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
  if (mode.size() == 1 && mode[0] >= '0' && mode[0] <= '3') return kModes[mode[0] - '0'];
  for (const char* m : kModes) {
    const std::string_view name(m);
    if (mode.size() == name.size() &&
        std::equal(mode.begin(), mode.end(), name.begin(), [](char a, char b) {
          return std::toupper(static_cast<unsigned char>(a)) == b;
        })) {
      return m;
    }
  }
  return nullptr;
}

bool synchronous_syncs_each_commit(std::string_view mode) {
  const char* m = synchronous_mode(mode);
  return m && (std::string_view(m) == "FULL" || std::string_view(m) == "EXTRA");
}

Connection::Connection(const std::string& path, const std::string& synchronous, bool read_only) {
  // The mode goes into the PRAGMA below as one of four constants, never as given.
  const char* const mode = synchronous_mode(synchronous);
  if (!mode) {
    throw DbError(SQLITE_MISUSE, "synchronous must be OFF, NORMAL, FULL or EXTRA");
  }
  // Before SQLite initialises (the first open): no global allocation statistics. Keeping
  // them takes a process-wide mutex on every allocation, from every connection's thread.
  static const bool configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)configured;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;
  // Where every commit syncs the log, its frames reach the file in a few large writes per
  // commit (coalescing_vfs.h); only a connection that writes has any to gather.
  const bool syncs_each_commit = synchronous_syncs_each_commit(mode);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags,
                           !read_only && syncs_each_commit ? coalescing_vfs() : nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw DbError(rc, "open " + path + ": " + msg);
  }
  // A failure below must not leak the open connection (a destructor does not run for an
  // object whose constructor threw).
  try {
    sqlite3_busy_timeout(db_, 10000);
    // Before any statement can touch the search index (a migration creates it).
    register_search_tokenizer(db_);
    if (!read_only) {
      exec("PRAGMA journal_mode=WAL");
      // Told the log's length at each commit. This also turns SQLite's own checkpoints off:
      // the store runs them (sqlite_store.cc, writer.cc).
      sqlite3_wal_hook(db_, [](void* self, sqlite3*, const char*, int frames) {
        static_cast<Connection*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      }, this);
    }
    std::string pragmas = std::string("PRAGMA foreign_keys=ON; PRAGMA synchronous=") + mode +
                          "; PRAGMA temp_store=MEMORY";
    // Readers map the file and read pages straight from the OS page cache (shared by every
    // reader, no copy, no pread per page); their own cache then only holds page headers.
    // The writer keeps a private cache for the pages it changes.
    pragmas += read_only ? "; PRAGMA mmap_size=2147418112; PRAGMA cache_size=-2048"
                         : "; PRAGMA cache_size=-16384";
    exec(pragmas.c_str());
    if (!read_only && syncs_each_commit) {
      // The coalescing VFS is only correct if every commit syncs the log: check that SQLite
      // took the mode as meant (an unknown word would be taken as some other mode).
      Stmt s = q("PRAGMA synchronous");
      if (!s.step() || s.i64(0) < 2) {
        throw DbError(SQLITE_MISUSE, std::string("synchronous=") + mode + " did not take effect");
      }
    }
  } catch (...) {
    log::error("store.open_failed",
               {{"path", path}, {"error", log::describe(std::current_exception())}});
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    cache_.clear();
    for (auto& [sql, stmt] : built_) sqlite3_finalize(stmt);
    built_.clear();
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  for (auto& [sql, stmt] : built_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Stmt Connection::q(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(it->second);
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, sql);
  cache_.emplace(sql, s);
  return Stmt(s);
}

Stmt Connection::q_built(const std::string& sql) {
  auto it = built_.find(sql);
  if (it != built_.end()) return Stmt(it->second);
  if (built_.size() >= kMaxBuilt) {
    for (auto& [text, stmt] : built_) sqlite3_finalize(stmt);
    built_.clear();
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, sql.c_str());
  built_.emplace(sql, s);
  return Stmt(s);
}

void Connection::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw DbError(rc, msg);
  }
}

void Connection::define_function(const char* name, BlobFunction fn) {
  const int rc = sqlite3_create_function_v2(
      db_, name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, reinterpret_cast<void*>(fn),
      [](sqlite3_context* ctx, int, sqlite3_value** argv) {
        auto f = reinterpret_cast<BlobFunction>(sqlite3_user_data(ctx));
        const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
        const std::string out =
            f(text ? std::string_view(text, sqlite3_value_bytes(argv[0])) : std::string_view());
        sqlite3_result_blob(ctx, out.data(), static_cast<int>(out.size()), SQLITE_TRANSIENT);
      },
      nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(db_, rc, name);
}

std::pair<int, int> Connection::checkpoint_passive() {
  int log = 0, done = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) fail(db_, rc, "checkpoint");
  return {log, done};
}

std::int64_t Connection::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
int Connection::changes() const { return sqlite3_changes(db_); }
std::int64_t Connection::total_changes() const { return sqlite3_total_changes64(db_); }
bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace tonari::store::sqlite
