#include "store/sqlite/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/search_index.h"

namespace tonari::store::sqlite {
namespace {

namespace fs = std::filesystem;

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;
struct Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, Finalize>;

Result<Db> open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return internal_error("open " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_busy_timeout(raw, 10000);
  // The search index (search_fts) is copied like any table, as pages: its tokenizer is only
  // needed to read or check it, which a newer SQLite's quick_check does.
  try {
    register_search_tokenizer(raw);
  } catch (const DbError& e) {
    return internal_error("open " + path + ": " + e.what());
  }
  return db;
}

Status exec(sqlite3* db, const char* sql, const std::string& what) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return internal_error(what + ": " + msg);
  }
  return Status::ok();
}

Result<Statement> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
    return internal_error(std::string(sqlite3_errmsg(db)));
  }
  return Statement(s);
}

// fsync of a file or, to make a rename durable, of a directory.
Status sync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return internal_error("open " + path + " to sync it failed");
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return internal_error("fsync " + path + " failed");
  return Status::ok();
}

std::string parent_of(const std::string& path) {
  auto p = fs::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

Status fill_files(const std::string& tmp, const std::vector<BackupFile>& files) {
  auto db = open(tmp, SQLITE_OPEN_READWRITE);
  if (!db.ok()) return db.status();
  sqlite3* d = db->get();
  // One file, no log beside it: the backup is complete in itself.
  TONARI_RETURN_IF_ERROR(exec(d,
      "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; BEGIN;"
      "CREATE TABLE tonari_backup_files(name TEXT PRIMARY KEY, mode INTEGER NOT NULL,"
      " content BLOB NOT NULL);", "backup"));
  auto ins = prepare(d, "INSERT INTO tonari_backup_files(name, mode, content) VALUES(?,?,?)");
  if (!ins.ok()) return ins.status();
  for (const auto& f : files) {
    sqlite3_stmt* s = ins->get();
    sqlite3_bind_text(s, 1, f.name.data(), static_cast<int>(f.name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, f.mode);
    sqlite3_bind_blob(s, 3, f.content.data(), static_cast<int>(f.content.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_DONE) return internal_error("backup " + f.name + ": " + sqlite3_errmsg(d));
    sqlite3_reset(s);
  }
  return exec(d, "COMMIT", "backup");
}

}  // namespace

Result<BackupInfo> write_backup(const std::string& db_path, const std::string& out_path,
                                const std::vector<BackupFile>& files) {
  if (!fs::is_regular_file(db_path)) return not_found("no database at " + db_path);
  const std::string tmp = out_path + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  // VACUUM INTO writes into an empty file: created here, so that it is never readable by
  // others, not even for a moment.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return internal_error("cannot create " + tmp);
  ::close(fd);
  auto fail = [&](Status st) -> Result<BackupInfo> {
    fs::remove(tmp, ec);
    return st;
  };
  {
    // Read-write (it writes nothing): a read-only connection cannot open a WAL database
    // whose shared-memory file is missing, as it is while no server runs.
    auto src = open(db_path, SQLITE_OPEN_READWRITE);
    if (!src.ok()) return fail(src.status());
    auto vacuum = prepare(src->get(), "VACUUM INTO ?");
    if (!vacuum.ok()) return fail(vacuum.status());
    sqlite3_bind_text(vacuum->get(), 1, tmp.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(vacuum->get()) != SQLITE_DONE) {
      return fail(internal_error("VACUUM INTO " + tmp + ": " + sqlite3_errmsg(src->get())));
    }
  }
  if (Status st = fill_files(tmp, files); !st.is_ok()) return fail(st);
  if (Status st = sync_path(tmp, false); !st.is_ok()) return fail(st);
  auto info = backup_info(tmp);
  if (!info.ok()) return fail(info.status());
  fs::rename(tmp, out_path, ec);
  if (ec) return fail(internal_error("rename " + tmp + " to " + out_path + ": " + ec.message()));
  if (Status st = sync_path(parent_of(out_path), true); !st.is_ok()) return st;
  return info;
}

Result<BackupInfo> backup_info(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return not_found("no file " + path);
  auto db = open(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return invalid_argument(db.status().message());
  sqlite3* d = db->get();
  const auto not_tonari = [&](const std::string& why) {
    return invalid_argument(path + " is not a tonari backup: " + why);
  };
  BackupInfo info;
  info.bytes = static_cast<std::int64_t>(fs::file_size(path, ec));
  {
    auto s = prepare(d, "PRAGMA quick_check");
    if (!s.ok()) return not_tonari(s.status().message());
    if (sqlite3_step(s->get()) != SQLITE_ROW) return not_tonari(sqlite3_errmsg(d));
    auto* first = reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 0));
    if (!first || std::string(first) != "ok") {
      return not_tonari(std::string("PRAGMA quick_check: ") + (first ? first : "no answer"));
    }
  }
  {
    auto s = prepare(d, "PRAGMA user_version");
    if (!s.ok() || sqlite3_step(s->get()) != SQLITE_ROW) return not_tonari("no schema version");
    info.schema_version = sqlite3_column_int64(s->get(), 0);
  }
  if (info.schema_version < 1) return not_tonari("no tonari schema in it");
  if (info.schema_version > latest_version()) {
    return invalid_argument(path + " has schema version " + std::to_string(info.schema_version) +
                            ", newer than this tonari's " + std::to_string(latest_version()) +
                            ": restore it with the tonari that wrote it");
  }
  std::vector<const char*> tables = {"tenants", "users", "rooms", "messages"};
  if (info.schema_version >= 13) tables.push_back("search_docs");  // the search index's documents
  for (const char* table : tables) {
    auto s = prepare(d, (std::string("SELECT count(*) FROM ") + table).c_str());
    if (!s.ok() || sqlite3_step(s->get()) != SQLITE_ROW) {
      return not_tonari(std::string("no table ") + table);
    }
    info.counts.emplace_back(table, sqlite3_column_int64(s->get(), 0));
  }
  auto files = backup_files(path);
  if (!files.ok()) return files.status();
  for (const auto& f : *files) info.files.push_back(f.name);
  return info;
}

Result<std::vector<BackupFile>> backup_files(const std::string& path) {
  auto db = open(path, SQLITE_OPEN_READONLY);
  if (!db.ok()) return db.status();
  std::vector<BackupFile> out;
  auto has = prepare(db->get(), "SELECT 1 FROM sqlite_master WHERE name='tonari_backup_files'");
  if (!has.ok()) return has.status();
  if (sqlite3_step(has->get()) != SQLITE_ROW) return out;
  auto s = prepare(db->get(), "SELECT name, mode, content FROM tonari_backup_files ORDER BY name");
  if (!s.ok()) return s.status();
  while (sqlite3_step(s->get()) == SQLITE_ROW) {
    BackupFile f;
    // A crafted backup may hold a NULL name (a TEXT primary key allows it): empty, refused below.
    const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(s->get(), 0));
    f.name = name ? name : "";
    f.mode = static_cast<std::uint32_t>(sqlite3_column_int64(s->get(), 1));
    const auto* blob = static_cast<const char*>(sqlite3_column_blob(s->get(), 2));
    f.content.assign(blob ? blob : "", static_cast<std::size_t>(sqlite3_column_bytes(s->get(), 2)));
    // Only plain names: a crafted backup must not write outside the data directory.
    if (f.name.empty() || f.name.find('/') != std::string::npos || f.name == "." || f.name == "..") {
      return invalid_argument(path + ": a carried file has the name " + f.name);
    }
    out.push_back(std::move(f));
  }
  return out;
}

Status strip_backup(const std::string& path) {
  {
    auto db = open(path, SQLITE_OPEN_READWRITE);
    if (!db.ok()) return db.status();
    TONARI_RETURN_IF_ERROR(exec(db->get(),
        "PRAGMA synchronous=FULL; DROP TABLE IF EXISTS tonari_backup_files;"
        " PRAGMA journal_mode=WAL;", "restore"));
  }
  return sync_path(path, false);
}

}  // namespace tonari::store::sqlite
