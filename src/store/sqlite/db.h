// A thin RAII layer over one SQLite connection: cached prepared statements, typed binds
// and column reads. Errors throw DbError, which never leaves the store module: every
// public SqliteStore entry point converts it into a Status.
// Thread safety: a Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace tonari::store::sqlite {

class DbError : public std::runtime_error {
 public:
  DbError(int rc, const std::string& what) : std::runtime_error(what), rc_(rc) {}
  int rc() const { return rc_; }
  bool is_constraint() const;

 private:
  int rc_;
};

// A prepared statement borrowed from a Connection's cache; reset when it goes out of scope.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  // Binds text without a copy: `v` must stay valid until this Stmt is destroyed (which
  // clears its bindings). For hot writes whose strings outlive the statement; bind()
  // copies, and is right for temporaries.
  Stmt& bind_ref(int i, std::string_view v);
  Stmt& bind_blob(int i, std::string_view v);
  Stmt& bind_null(int i);
  Stmt& bind_f64(int i, double v);

  // Advances to the next row: true if there is one, false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run() { while (step()) {} }

  std::int64_t i64(int col) const;
  double f64(int col) const;
  std::string text(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3_stmt* s_;
};

// The synchronous mode (PRAGMA synchronous) named by `mode` (OFF, NORMAL, FULL or EXTRA in
// any case, or SQLite's numbers for them, 0-3), as a constant: "OFF", "NORMAL", "FULL" or
// "EXTRA"; nullptr if it names none of them.
const char* synchronous_mode(std::string_view mode);
// True for the synchronous modes in which each commit in WAL mode syncs the log: FULL and
// EXTRA.
bool synchronous_syncs_each_commit(std::string_view mode);

class Connection {
 public:
  // Opens (creating if needed) the database at `path` with WAL, foreign keys and the
  // given synchronous mode (synchronous_mode(): a mode it does not name is refused before
  // anything is opened). Throws DbError on failure.
  Connection(const std::string& path, const std::string& synchronous, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for `sql` (the pointer is the cache key: pass literals).
  Stmt q(const char* sql);
  // The same for a statement built at run time (search's, whose shape follows the query),
  // keyed by its text. At most kMaxBuilt are kept (the cache starts over beyond): no other
  // statement of q_built may be in use when calling it.
  Stmt q_built(const std::string& sql);
  static constexpr std::size_t kMaxBuilt = 64;
  // Runs one or more statements without results.
  void exec(const char* sql);
  // Makes `fn` callable from SQL on this connection as `name(text)`, returning a BLOB
  // (deterministic: SQLite may call it once per distinct argument).
  using BlobFunction = std::string (*)(std::string_view);
  void define_function(const char* name, BlobFunction fn);
  std::int64_t last_insert_id() const;
  // A PASSIVE WAL checkpoint: copies what it can into the database file without waiting
  // for (or blocking) the writer and readers.
  // Returns the frames in the log and how many of them are now in the database; -1 and -1
  // if another checkpoint was running.
  std::pair<int, int> checkpoint_passive();
  // Frames in the write-ahead log after this connection's last commit (0 before any).
  int wal_frames() const { return wal_frames_; }
  int changes() const;
  // Rows changed by this connection since it opened (sqlite3_total_changes64).
  std::int64_t total_changes() const;
  // True between BEGIN and COMMIT/ROLLBACK.
  bool in_transaction() const;

 private:
  sqlite3* db_ = nullptr;
  int wal_frames_ = 0;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  std::unordered_map<std::string, sqlite3_stmt*> built_;
};

}  // namespace tonari::store::sqlite
