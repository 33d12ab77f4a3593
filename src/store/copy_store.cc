#include "store/copy_store.h"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>

#include "core/wire.h"
#include "search/fulltext.h"
#include "store/postgres/pg.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/schema.h"
#include "store/postgres/search_docs.h"
#include "store/sqlite/sqlite_store.h"

#include <boost/json.hpp>

namespace tonari::store {
namespace {

using postgres::Params;
using postgres::PgConn;
using postgres::PgError;

// The tables a town's data is in, parents before children. Left out: revocations (a
// running server's notices, a day long), node_ids (each cluster node claims its own) and
// secrets (the town's known-device key is a file of its data directory: devices log in
// again once after the move, as after any key change). The files' bytes are not in the
// store but in the files directory ([files] dir), which the operator copies. Nor is the
// search index (search_docs, and SQLite's search_fts and search_state): PostgreSQL's
// documents carry a tsvector that only tonari's tokenizer makes, so they are written again
// from the copied rows (files.text included), in the same transaction: rebuild_search().
constexpr const char* kTables[] = {
    "tenants",         "departments",     "users",          "sessions",       "rooms",
    "members",         "messages",        "mentions",       "events",         "files",
    "tenant_usage",    "tenant_settings", "reaction_counts", "reactions",     "actions",
    "action_answers",  "action_picks",    "notes",          "note_versions",  "pins",
    "message_acks",    "safety_checks",   "safety_targets", "safety_picks",   "safety_answers"};
// Rows per INSERT (each column one array parameter).
constexpr int kRowsPerInsert = 2000;

// Writes every search document of the rows just copied (postgres/search_docs.h), in the
// open transaction; returns how many.
std::int64_t rebuild_search(PgConn& pg, const std::function<void(const std::string&)>& progress) {
  postgres::ReindexCursor cursor;
  const std::int64_t total = postgres::reindex_total(pg, 0);
  std::int64_t shown = 0;
  while (postgres::reindex_step(pg, 0, 2000, cursor)) {
    // A line per tenth, not per batch.
    if (total > 0 && cursor.done * 10 / total > shown) {
      shown = cursor.done * 10 / total;
      progress("search index: " + std::to_string(cursor.done) + "/" + std::to_string(total));
    }
  }
  postgres::set_search_state(pg, "norm_version", search::kFulltextVersion);
  return cursor.written;
}

struct SqliteDb {
  sqlite3* db = nullptr;
  ~SqliteDb() { sqlite3_close_v2(db); }
};

struct SqliteStmt {
  sqlite3_stmt* s = nullptr;
  ~SqliteStmt() { sqlite3_finalize(s); }
};

[[noreturn]] void sqlite_fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error(what + ": " + sqlite3_errmsg(db));
}

void prepare(sqlite3* db, const std::string& sql, SqliteStmt& out) {
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &out.s, nullptr) != SQLITE_OK) sqlite_fail(db, sql);
}

// An element of a PostgreSQL array literal: quoted, with " and \ escaped.
void append_element(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

std::string hex_of(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

struct Column {
  std::string name;
  std::string pg_type;  // udt_name: int8, int4, text, bytea, bool ...
};

// The columns a table has in both databases, in PostgreSQL's order. A PostgreSQL column
// that SQLite lacks must have a default; a SQLite column PostgreSQL lacks is an error (its
// data would be lost).
std::vector<Column> common_columns(sqlite3* lite, PgConn& pg, const std::string& table) {
  std::set<std::string> in_sqlite;
  {
    SqliteStmt s;
    prepare(lite, "SELECT name FROM pragma_table_info('" + table + "')", s);
    while (sqlite3_step(s.s) == SQLITE_ROW) {
      in_sqlite.insert(reinterpret_cast<const char*>(sqlite3_column_text(s.s, 0)));
    }
  }
  auto r = pg.exec(
      "SELECT column_name, udt_name, column_default IS NOT NULL OR is_nullable='YES'"
      " OR is_identity='YES' FROM information_schema.columns"
      " WHERE table_schema=current_schema() AND table_name=$1 ORDER BY ordinal_position",
      Params().text(table));
  std::vector<Column> out;
  for (int i = 0; i < r.rows(); ++i) {
    auto row = r.row(i);
    std::string name = row.text(0);
    if (in_sqlite.erase(name)) {
      out.push_back({name, row.text(1)});
    } else if (!row.boolean(2)) {
      throw std::runtime_error("PostgreSQL's " + table + "." + name +
                               " has no counterpart in SQLite and no default");
    }
  }
  if (out.empty()) throw std::runtime_error("PostgreSQL has no table " + table);
  // SQLite's rowid of the event log only orders appends, which (room_id, ev) does too; that
  // of note_versions names what (note_id, version) does.
  if (table == "events" || table == "note_versions") in_sqlite.erase("id");
  if (!in_sqlite.empty()) {
    throw std::runtime_error("SQLite's " + table + "." + *in_sqlite.begin() +
                             " has no counterpart in PostgreSQL: its data would be lost");
  }
  return out;
}

// Copies one table inside the open transaction; returns the rows copied.
std::int64_t copy_table(sqlite3* lite, PgConn& pg, const std::string& table) {
  const std::vector<Column> cols = common_columns(lite, pg, table);
  std::string select = "SELECT ", insert = "INSERT INTO " + table + "(", unnest;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const char* sep = i ? ", " : "";
    select += sep + cols[i].name;
    insert += sep + cols[i].name;
    unnest += std::string(sep) + "$" + std::to_string(i + 1) + "::" + cols[i].pg_type + "[]";
  }
  select += " FROM " + table;
  insert += ") SELECT * FROM unnest(" + unnest + ")";

  SqliteStmt s;
  prepare(lite, select, s);
  std::vector<std::string> arrays(cols.size());
  int in_batch = 0;
  std::int64_t copied = 0;
  auto flush = [&] {
    if (in_batch == 0) return;
    Params p;
    for (auto& a : arrays) {
      a += '}';
      p.text(a);
      a.clear();
    }
    copied += pg.exec(insert, p).affected();
    in_batch = 0;
  };
  int rc;
  while ((rc = sqlite3_step(s.s)) == SQLITE_ROW) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      std::string& a = arrays[i];
      a += in_batch ? ',' : '{';
      const int c = static_cast<int>(i);
      switch (sqlite3_column_type(s.s, c)) {
        case SQLITE_NULL:
          a += "NULL";
          break;
        case SQLITE_FLOAT: {
          // The shortest text that reads back as the same double (SQLite's own text of a
          // REAL keeps 15 digits).
          char buf[32];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, sqlite3_column_double(s.s, c));
          a.append(buf, end);
          break;
        }
        case SQLITE_BLOB: {
          std::string_view b(static_cast<const char*>(sqlite3_column_blob(s.s, c)),
                             static_cast<std::size_t>(sqlite3_column_bytes(s.s, c)));
          append_element(a, cols[i].pg_type == "bytea" ? hex_of(b) : std::string(b));
          break;
        }
        default: {
          std::string_view t(reinterpret_cast<const char*>(sqlite3_column_text(s.s, c)),
                             static_cast<std::size_t>(sqlite3_column_bytes(s.s, c)));
          append_element(a, cols[i].pg_type == "bytea" ? hex_of(t) : std::string(t));
        }
      }
    }
    if (++in_batch == kRowsPerInsert) flush();
  }
  if (rc != SQLITE_DONE) sqlite_fail(lite, select);
  flush();
  // Ids handed out from now on follow the copied ones.
  if (std::any_of(cols.begin(), cols.end(), [](const Column& c) { return c.name == "id"; })) {
    pg.exec("SELECT setval(s, GREATEST((SELECT coalesce(max(id), 0) FROM " + table +
                "), 1)) FROM pg_get_serial_sequence($1, 'id') AS s WHERE s IS NOT NULL",
            Params().text(table));
  }
  return copied;
}

std::int64_t sqlite_count(sqlite3* db, const std::string& table) {
  SqliteStmt s;
  prepare(db, "SELECT count(*) FROM " + table, s);
  if (sqlite3_step(s.s) != SQLITE_ROW) sqlite_fail(db, "count " + table);
  return sqlite3_column_int64(s.s, 0);
}

// A running BLAKE2b over what both stores say about a room.
class Digest {
 public:
  Digest() { crypto_generichash_init(&st_, nullptr, 0, crypto_generichash_BYTES); }
  void add(std::string_view s) {
    const std::uint64_t n = s.size();
    crypto_generichash_update(&st_, reinterpret_cast<const unsigned char*>(&n), sizeof n);
    crypto_generichash_update(&st_, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  }
  std::string hex() {
    unsigned char out[crypto_generichash_BYTES];
    crypto_generichash_final(&st_, out, sizeof out);
    char buf[crypto_generichash_BYTES * 2 + 1];
    sodium_bin2hex(buf, sizeof buf, out, sizeof out);
    return buf;
  }

 private:
  crypto_generichash_state st_;
};

// What a store says about a room: the room, its members with read positions and roles,
// every message (with its 既読 count, reactions and action stamp), its notes with every
// version, its pins and every event of its log, as one checksum.
struct RoomDigest {
  std::string sum;
  std::int64_t messages = 0;
  std::int64_t events = 0;
};

template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.status().message());
  return std::move(*r);
}

std::string join_scope(const std::vector<DeptId>& ids) {
  std::string out;
  for (DeptId id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

RoomDigest digest_room(Store& store, RoomId id) {
  Digest d;
  RoomDigest out;
  const Room room = must(store.room(id), "room " + std::to_string(id));
  d.add(std::to_string(room.tenant) + "|" + std::to_string(static_cast<int>(room.kind)) + "|" +
        room.name + "|" + std::to_string(room.created_by) + "|" + std::to_string(room.created_at) +
        "|" + std::to_string(room.msg_seq) + "|" + std::to_string(room.ev) + "|" +
        std::to_string(room.last_activity));
  for (const auto& [user, m] : must(store.members(id), "members of room " + std::to_string(id))) {
    d.add(std::to_string(user.id) + "|" + std::to_string(static_cast<int>(m.role)) + "|" +
          std::to_string(m.read_seq));
  }
  for (Seq after = 0;;) {
    const auto page = must(store.messages(id, after, 0, 500), "messages of room " + std::to_string(id));
    if (page.empty()) break;
    for (const Message& msg : page) {
      d.add(boost::json::serialize(wire::message(msg)));
      d.add(std::string(msg.ack_required ? "1|" : "0|") + std::to_string(msg.ack_count));
      ++out.messages;
    }
    after = page.back().seq;
  }
  for (const Note& listed : must(store.notes(id), "notes of room " + std::to_string(id))) {
    const std::string what = "note " + std::to_string(listed.id);
    d.add(boost::json::serialize(wire::note(must(store.note(id, listed.id), what), true)));
    for (const NoteVersion& v : must(store.note_versions(id, listed.id), what)) {
      d.add(boost::json::serialize(
          wire::note_version(must(store.note_version(id, listed.id, v.version), what), true)));
    }
  }
  for (const Pin& p : must(store.pins(id), "pins of room " + std::to_string(id))) {
    d.add(boost::json::serialize(wire::pin(p)));
  }
  for (EventNo after = 0;;) {
    const auto page = must(store.events_after(id, after, 500), "events of room " + std::to_string(id));
    if (page.empty()) break;
    for (const RoomEvent& e : page) {
      d.add(std::to_string(e.ev) + "|" + (e.frame ? *e.frame : std::string()));
      ++out.events;
    }
    after = page.back().ev;
  }
  out.sum = d.hex();
  return out;
}

// What a store says about a municipality's people: the tenant, its departments and each of
// its users (password hash and the 五十音 order of the directory included).
std::string digest_tenant(Store& store, TenantId id, const std::vector<UserId>& users) {
  Digest d;
  const Tenant t = must(store.tenant(id), "municipality " + std::to_string(id));
  d.add(t.code + "|" + t.name + "|" +
        std::to_string(must(store.tenant_file_bytes(id), "file bytes of " + t.code)));
  for (const Department& dep : must(store.departments(id), "departments of " + t.code)) {
    d.add(std::to_string(dep.id) + "|" + std::to_string(dep.parent) + "|" + dep.name + "|" +
          dep.reading + "|" + dep.code);
  }
  for (UserId uid : users) {
    const User u = must(store.user(uid), "user " + std::to_string(uid));
    d.add(std::to_string(u.id) + "|" + std::to_string(u.tenant) + "|" + u.login + "|" + u.name +
          "|" + u.reading + "|" + std::to_string(u.dept) + "|" + u.title + "|" + u.status + "|" +
          std::to_string(static_cast<int>(u.role)) + "|" + (u.disabled ? "1" : "0") + "|" +
          (u.internet_allowed ? "1" : "0") + "|" + (u.crisis ? "1" : "0") +
          (u.dept_head ? "1" : "0"));
    auto c = store.credentials(id, u.login);
    d.add(c.ok() ? c->password_hash : "-");
  }
  for (const User& u : must(store.find_users(id, "", {}, 1'000'000), "directory of " + t.code)) {
    d.add(std::to_string(u.id));  // the directory's order
  }
  // 安否確認: each check, its tally and its targets in 五十音 order with their answers.
  for (SafetyId before = 0;;) {
    const auto page = must(store.safety_checks(id, before, 100), "safety checks of " + t.code);
    for (const SafetyCheck& c : page.checks) {
      const std::string what = "safety check " + std::to_string(c.id);
      d.add(std::to_string(c.id) + "|" + c.title + "|" + c.template_key + "|" +
            (c.training ? "1" : "0") + "|" + c.questions + "|" + join_scope(c.scope) + "|" +
            (c.internet_answer ? "1" : "0") + "|" + std::to_string(c.started_by) + "|" +
            std::to_string(c.started_at) + "|" + std::to_string(c.closed_at) + "|" +
            std::to_string(c.closed_by) + "|" + c.origin + "|" + c.webhook_event + "|" +
            std::to_string(c.targets) + "|" + std::to_string(c.answered));
      const SafetyTally tally = must(store.safety_tally(c.id, 0), what);
      for (const SafetyTallyRow& r : tally.depts) {
        d.add(std::to_string(r.dept) + "|" + std::to_string(r.targets) + "|" +
              std::to_string(r.answered));
        for (const SafetyCount& n : r.counts) {
          d.add(std::to_string(n.question) + ":" + std::to_string(n.option) + "=" +
                std::to_string(n.count));
        }
      }
      for (MemberKey after;;) {
        const auto targets = must(store.safety_targets_page(c.id, {}, after, 500), what);
        for (const SafetyTarget& x : targets.targets) {
          d.add(std::to_string(x.user.id) + "|" + std::to_string(x.dept) + "|" +
                std::to_string(x.answered_at) + "|" + std::to_string(x.answered_by) + "|" +
                (x.proxy ? "1" : "0") + "|" + x.answer + "|" +
                std::to_string(must(store.safety_answer_history(c.id, x.user.id), what).size()));
        }
        if (!targets.next) break;
        after = *targets.next;
      }
    }
    if (!page.next) break;
    before = page.next;
  }
  return d.hex();
}

}  // namespace

Result<CopyReport> copy_sqlite_to_postgres(const std::string& sqlite_path,
                                           const std::string& conninfo,
                                           const std::function<void(const std::string&)>& progress) {
  CopyReport report;
  try {
    // Both schemas brought up to this binary's first: the SQLite store migrates itself when
    // opened; it is then closed again, and read through a plain connection of its own.
    { sqlite::SqliteStore migrated(sqlite::Options{sqlite_path}); migrated.shutdown(); }
    const std::int64_t version = postgres::migrate(conninfo);
    progress("PostgreSQL schema at version " + std::to_string(version));

    SqliteDb lite;
    if (sqlite3_open_v2(sqlite_path.c_str(), &lite.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      return Status{Code::unavailable, "cannot open " + sqlite_path + ": " + sqlite3_errmsg(lite.db)};
    }
    sqlite3_busy_timeout(lite.db, 5000);
    auto pg = PgConn::open(postgres::ConnectOptions{conninfo, 5, 0, 600000});
    {
      auto r = pg->exec("SELECT count(*) FROM tenants");
      if (const std::int64_t n = r.row(0).i64(0); n > 0) {
        return conflict("the PostgreSQL database already holds " + std::to_string(n) +
                        " municipalities: copy-store only fills an empty one");
      }
    }
    // One snapshot of the SQLite database, one transaction on PostgreSQL: all or nothing.
    if (sqlite3_exec(lite.db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) sqlite_fail(lite.db, "BEGIN");
    pg->script("BEGIN");
    for (const char* table : kTables) {
      TableCount c{table, sqlite_count(lite.db, table), 0};
      c.to = copy_table(lite.db, *pg, table);
      progress(std::string(table) + ": " + std::to_string(c.to) + " rows");
      report.tables.push_back(c);
    }
    postgres::fill_derived_columns(*pg);
    progress("building the search index");
    report.search_documents = rebuild_search(*pg, progress);
    progress("search_docs: " + std::to_string(report.search_documents) + " documents written");
    // Counted again inside the transaction, before it commits.
    for (auto& c : report.tables) {
      const std::int64_t in_pg = pg->exec("SELECT count(*) FROM " + c.table).row(0).i64(0);
      if (in_pg != c.from) {
        pg->script("ROLLBACK");
        return internal_error(c.table + ": " + std::to_string(c.from) + " rows in SQLite, " +
                              std::to_string(in_pg) + " in PostgreSQL; nothing copied");
      }
    }
    pg->script("COMMIT");
    sqlite3_exec(lite.db, "COMMIT", nullptr, nullptr, nullptr);

    // The check: both stores, through the interface the server uses. A difference empties
    // the PostgreSQL database again, so that the copy can be run once more.
    auto undo = [&] {
      try {
        std::string tables;
        for (const char* t : kTables) tables += std::string(tables.empty() ? "" : ", ") + t;
        tables += ", search_docs, search_words";
        pg->script(("TRUNCATE " + tables + " CASCADE").c_str());
      } catch (const std::exception& e) {
        progress(std::string("could not empty the PostgreSQL database again: ") + e.what());
      }
    };
    progress("checking every room through both stores");
    std::vector<RoomId> rooms;
    {
      SqliteStmt s;
      prepare(lite.db, "SELECT id FROM rooms ORDER BY id", s);
      while (sqlite3_step(s.s) == SQLITE_ROW) rooms.push_back(sqlite3_column_int64(s.s, 0));
    }
    sqlite::SqliteStore from(sqlite::Options{sqlite_path});
    postgres::PgStore to(postgres::Options{conninfo, 2, 1});
    {
      std::map<TenantId, std::vector<UserId>> people;
      SqliteStmt s;
      prepare(lite.db, "SELECT t.id, u.id FROM tenants t LEFT JOIN users u ON u.tenant_id=t.id"
                       " ORDER BY t.id, u.id", s);
      while (sqlite3_step(s.s) == SQLITE_ROW) {
        auto& list = people[sqlite3_column_int64(s.s, 0)];
        if (sqlite3_column_type(s.s, 1) != SQLITE_NULL) list.push_back(sqlite3_column_int64(s.s, 1));
      }
      for (const auto& [tenant, users] : people) {
        if (digest_tenant(from, tenant, users) != digest_tenant(to, tenant, users)) {
          from.shutdown();
          to.shutdown();
          undo();
          return internal_error("municipality " + std::to_string(tenant) +
                                ": its departments or users differ after the copy; nothing kept");
        }
      }
    }
    Digest all;
    for (RoomId id : rooms) {
      const RoomDigest a = digest_room(from, id);
      const RoomDigest b = digest_room(to, id);
      if (a.sum != b.sum || a.messages != b.messages || a.events != b.events) {
        from.shutdown();
        to.shutdown();
        undo();
        return internal_error("room " + std::to_string(id) + " differs after the copy: " +
                              std::to_string(a.messages) + " messages and " +
                              std::to_string(a.events) + " events in SQLite, " +
                              std::to_string(b.messages) + " and " + std::to_string(b.events) +
                              " in PostgreSQL (checksums " + a.sum.substr(0, 16) + " / " +
                              b.sum.substr(0, 16) + "); nothing kept");
      }
      all.add(a.sum);
      ++report.rooms_checked;
      report.messages_checked += a.messages;
      report.events_checked += a.events;
    }
    from.shutdown();
    to.shutdown();
    report.checksum = all.hex();
  } catch (const PgError& e) {
    return e.broken() ? Status{Code::unavailable, std::string("PostgreSQL: ") + e.what()}
                      : internal_error(std::string("PostgreSQL: ") + e.what());
  } catch (const std::exception& e) {
    return internal_error(e.what());
  }
  return report;
}

}  // namespace tonari::store
