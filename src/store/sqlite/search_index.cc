#include "store/sqlite/search_index.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>
#include <set>
#include <vector>

#include "log/log.h"
#include "search/fulltext.h"
#include "store/sqlite/rows.h"

namespace tonari::store::sqlite {

// ---- The tokenizer ----------------------------------------------------------------------

namespace {

// The bytes of the UTF-8 sequence that `lead` begins (valid UTF-8: a search form).
int utf8_length(unsigned char lead) { return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4; }

// Stateless: one shared object stands for every tokenizer instance.
int tokenizer_create(void*, const char**, int, Fts5Tokenizer** out) {
  static int instance;
  *out = reinterpret_cast<Fts5Tokenizer*>(&instance);
  return SQLITE_OK;
}

void tokenizer_delete(Fts5Tokenizer*) {}

int tokenizer_tokenize(Fts5Tokenizer*, void* ctx, int flags, const char* text, int n,
                       int (*token)(void*, int, const char*, int, int, int)) {
  if (text == nullptr || n <= 0) return SQLITE_OK;
  // A query is made of patterns that are tokens already (search() quotes each one): taken
  // as they are, or the index would be asked for tokens of tokens. So is a room token
  // (search_docs.room_token: a control character first, which no search form has).
  if ((flags & FTS5_TOKENIZE_QUERY) || text[0] == '\x01') return token(ctx, 0, text, n, 0, n);
  int rc = SQLITE_OK;
  try {
    search::index_tokens(std::string_view(text, static_cast<std::size_t>(n)),
                         [&](std::string_view t) {
      if (rc != SQLITE_OK || t.empty()) return;
      // Offsets only matter to FTS5's auxiliary functions, which nothing here uses.
      int begin = 0, end = n;
      if (t.data() >= text && t.data() + t.size() <= text + n) {
        begin = static_cast<int>(t.data() - text);
        end = begin + static_cast<int>(t.size());
      }
      rc = token(ctx, 0, t.data(), static_cast<int>(t.size()), begin, end);
      // Every kanji also alone (a pair's first: a run's last is alone already), so that a
      // one-kanji term is one token (append_pattern).
      if (rc == SQLITE_OK && search::starts_with_kanji(t)) {
        const int first = utf8_length(static_cast<unsigned char>(t[0]));
        if (first < static_cast<int>(t.size())) rc = token(ctx, 0, t.data(), first, begin, begin + first);
      }
    });
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
  return rc;
}

fts5_api* fts5_of(sqlite3* db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, nullptr) == SQLITE_OK) {
    sqlite3_bind_pointer(s, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    sqlite3_step(s);
  }
  sqlite3_finalize(s);
  return api;
}

}  // namespace

void register_search_tokenizer(sqlite3* db) {
  fts5_api* api = fts5_of(db);
  if (api == nullptr || api->iVersion < 2) {
    throw DbError(SQLITE_ERROR, "this SQLite has no FTS5, which full-text search needs");
  }
  static fts5_tokenizer tokenizer{tokenizer_create, tokenizer_delete, tokenizer_tokenize};
  const int rc = api->xCreateTokenizer(api, "tonari", nullptr, &tokenizer, nullptr);
  if (rc != SQLITE_OK) throw DbError(rc, "registering the FTS5 tokenizer tonari failed");
}

// ---- Documents ------------------------------------------------------------------------------

namespace {

// A document as written: what it is about, and its search form.
struct Doc {
  TenantId tenant = 0;
  RoomId room = 0;
  char kind = 'm';
  Seq seq = 0;
  NoteId note = 0;
  FileId file = 0;
  UserId sender = 0;
  TimeMs at = 0;
  bool has_file = false;
  std::int64_t source = 0;  // message: messages.id; note: notes.id; file: files.id
  std::string norm;
};

std::string kind_text(char kind) { return std::string(1, kind); }

// search_docs.room_token: what `char(1) || room_id` gives.
std::string room_token(RoomId room) { return "\x01" + std::to_string(room); }

// Where the index is (flush_search_index): every document from this id on is pending.
std::int64_t indexed_below(Connection& db) {
  Stmt s = db.q("SELECT value FROM search_state WHERE name='indexed_below'");
  return s.step() ? s.i64(0) : 0;
}

// The mark no higher than the next id a row will get (max + 1): after the newest row goes
// (remove_doc), or rows deleted by hand (prepare_search), the next document is pending.
void lower_mark(Connection& db) {
  db.q("UPDATE search_state SET value=(SELECT coalesce(max(id), 0) + 1 FROM search_docs)"
       " WHERE name='indexed_below' AND value>(SELECT coalesce(max(id), 0) + 1 FROM search_docs)")
      .run();
}

// A new document: its row only. Its id is past every id there has been (the newest row
// is never deleted without lowering indexed_below: remove_doc), so it is pending.
void insert_doc(Connection& db, const Doc& d) {
  const std::string kind = kind_text(d.kind);
  db.q("INSERT INTO search_docs(tenant_id, room_id, kind, seq, note_id, file_id, sender_id, at,"
       " has_file, source, norm) VALUES(?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, d.tenant).bind(2, d.room).bind_ref(3, kind).bind(4, d.seq).bind(5, d.note)
      .bind(6, d.file).bind(7, d.sender).bind(8, d.at).bind(9, d.has_file).bind(10, d.source)
      .bind_ref(11, d.norm).run();
}

// Takes a document out of the index (before its norm changes or its row goes). Pending past
// indexed_below, it is not in it; listed in search_pending, it is only no longer listed;
// indexed, the index is given the tokens it was indexed with — its stored norm and its
// room — to delete (an external-content index keeps no copy of them).
void unindex_doc(Connection& db, std::int64_t id, RoomId room, const std::string& norm) {
  if (id >= indexed_below(db)) return;
  db.q("DELETE FROM search_pending WHERE id=?").bind(1, id).run();
  if (db.changes() > 0) return;
  db.q("INSERT INTO search_fts(search_fts, rowid, norm, room_token) VALUES('delete',?,?,?)")
      .bind(1, id).bind_ref(2, norm).bind(3, room_token(room)).run();
}

void remove_doc(Connection& db, std::int64_t id, RoomId room, const std::string& norm) {
  unindex_doc(db, id, room, norm);
  db.q("DELETE FROM search_docs WHERE id=?").bind(1, id).run();
  // The newest row gone, the next insert takes an id below it again (max + 1): those ids
  // are free, so indexed_below comes down to them, and the next document is pending.
  lower_mark(db);
}

struct Existing {
  std::int64_t id = 0;
  Doc doc;
};

// The document of a source (kind, and its row's id).
std::optional<Existing> find_doc(Connection& db, char kind, std::int64_t source) {
  const std::string k = kind_text(kind);
  Stmt s = db.q("SELECT id, tenant_id, room_id, seq, note_id, file_id, sender_id, at, has_file,"
                " norm FROM search_docs WHERE kind=? AND source=?");
  s.bind_ref(1, k).bind(2, source);
  if (!s.step()) return std::nullopt;
  Existing e;
  e.id = s.i64(0);
  e.doc = Doc{s.i64(1), s.i64(2), kind, s.i64(3), s.i64(4), s.i64(5), s.i64(6), s.i64(7),
              s.i64(8) != 0, source, s.text(9)};
  return e;
}

// Writes `d` over the document of its source (same id), or as a new one. Returns true.
bool upsert_doc(Connection& db, const Doc& d) {
  auto old = find_doc(db, d.kind, d.source);
  if (!old) {
    insert_doc(db, d);
    return true;
  }
  const Doc& o = old->doc;
  const bool same_meta = o.tenant == d.tenant && o.sender == d.sender && o.at == d.at &&
                         o.has_file == d.has_file;
  if (same_meta && o.norm == d.norm) return true;  // a rebuild that finds it right
  // Below the mark, the new text waits on the list (past it, it is pending anyway).
  const bool listed = o.norm != d.norm && old->id < indexed_below(db);
  if (o.norm != d.norm) unindex_doc(db, old->id, o.room, o.norm);
  db.q("UPDATE search_docs SET tenant_id=?, sender_id=?, at=?, has_file=?, norm=? WHERE id=?")
      .bind(1, d.tenant).bind(2, d.sender).bind(3, d.at).bind(4, d.has_file)
      .bind_ref(5, d.norm).bind(6, old->id).run();
  if (listed) db.q("INSERT INTO search_pending(id) VALUES(?)").bind(1, old->id).run();
  return true;
}

void drop_doc(Connection& db, char kind, std::int64_t source) {
  if (auto old = find_doc(db, kind, source)) remove_doc(db, old->id, old->doc.room, old->doc.norm);
}

// A message's document as its row says it should be; nullopt: it has none (or there is no
// such message).
#define TONARI_MESSAGE_DOC_COLS                                                             \
  "m.room_id, m.seq, m.sender_id, m.created_at, m.body, m.kind, m.stamp, m.deleted,"      \
  " m.nfiles, r.tenant_id, coalesce(a.title, ''), coalesce(a.options, ''), m.id"
#define TONARI_MESSAGE_DOC_FROM                                                             \
  " FROM messages m JOIN rooms r ON r.id=m.room_id"                                        \
  " LEFT JOIN actions a ON a.room_id=m.room_id AND a.seq=m.seq "

// Whether the message row read with TONARI_MESSAGE_DOC_COLS from column `c` has a document.
bool message_has_doc(const Stmt& s, int c) {
  return s.i64(c + 7) == 0 && s.text(c + 5) != "system" && s.text(c + 6).empty();
}

Doc message_doc(const Stmt& s, int c) {
  Doc d;
  d.room = s.i64(c);
  d.kind = 'm';
  d.seq = s.i64(c + 1);
  d.sender = s.i64(c + 2);
  d.at = s.i64(c + 3);
  d.has_file = s.i64(c + 8) != 0;
  d.tenant = s.i64(c + 9);
  d.source = s.i64(c + 12);
  d.norm = search::normalize(message_text(s.text(c + 4), s.text(c + 10), s.text(c + 11)));
  return d;
}

std::optional<Doc> note_doc(Connection& db, NoteId note) {
  Stmt s = db.q("SELECT n.room_id, r.tenant_id, n.title, n.body, n.updated_by, n.updated_at"
                " FROM notes n JOIN rooms r ON r.id=n.room_id WHERE n.id=? AND n.deleted=0");
  s.bind(1, note);
  if (!s.step()) return std::nullopt;
  Doc d;
  d.room = s.i64(0);
  d.tenant = s.i64(1);
  d.kind = 'n';
  d.note = note;
  d.source = note;
  d.sender = s.i64(4);
  d.at = s.i64(5);
  d.norm = search::normalize(titled(s.text(2), s.text(3)));
  return d;
}

// A file's document: nullopt unless it is attached to a message still there.
std::optional<Doc> file_doc(Connection& db, FileId file) {
  Stmt s = db.q("SELECT f.tenant_id, f.room_id, f.seq, f.uploader_id, f.name, f.text,"
                " m.created_at FROM files f JOIN messages m ON m.room_id=f.room_id"
                " AND m.seq=f.seq WHERE f.id=? AND f.seq<>0 AND f.deleted=0 AND m.deleted=0");
  s.bind(1, file);
  if (!s.step()) return std::nullopt;
  Doc d;
  d.tenant = s.i64(0);
  d.room = s.i64(1);
  d.kind = 'f';
  d.seq = s.i64(2);
  d.file = file;
  d.source = file;
  d.sender = s.i64(3);
  d.at = s.i64(6);
  d.has_file = true;
  d.norm = search::normalize(titled(s.text(4), s.text(5)));
  return d;
}

// The files of message `seq` (attached, not deleted), in their order.
std::vector<FileId> files_of(Connection& db, RoomId room, Seq seq) {
  std::vector<FileId> out;
  Stmt s = db.q("SELECT id FROM files WHERE room_id=? AND seq=? AND deleted=0 ORDER BY pos");
  s.bind(1, room).bind(2, seq);
  while (s.step()) out.push_back(s.i64(0));
  return out;
}

}  // namespace

std::string new_message_norm(const NewMessage& m) {
  if (!m.stamp.empty()) return {};
  return search::normalize(message_text(m.body, m.action ? &*m.action : nullptr));
}

void index_new_message(Connection& db, TenantId tenant, const Message& m, const std::string& norm) {
  if (m.kind == MessageKind::system || !m.stamp.empty()) return;
  Doc d;
  d.tenant = tenant;
  d.room = m.room;
  d.kind = 'm';
  d.seq = m.seq;
  d.sender = m.sender;
  d.at = m.created_at;
  d.has_file = !m.files.empty();
  d.source = m.id;
  d.norm = norm;  // a copy: a job may be applied again after a rollback
  insert_doc(db, d);
  for (const FileInfo& f : m.files) {
    if (auto fd = file_doc(db, f.id)) insert_doc(db, *fd);
  }
}

void reindex_message_text(Connection& db, RoomId room, Seq seq) {
  Stmt s = db.q("SELECT " TONARI_MESSAGE_DOC_COLS TONARI_MESSAGE_DOC_FROM
                "WHERE m.room_id=? AND m.seq=?");
  s.bind(1, room).bind(2, seq);
  if (!s.step()) return;
  if (!message_has_doc(s, 0)) {
    drop_doc(db, 'm', s.i64(12));
    return;
  }
  const Doc d = message_doc(s, 0);
  upsert_doc(db, d);
}

void unindex_message(Connection& db, RoomId room, Seq seq) {
  std::vector<std::pair<char, std::int64_t>> sources;
  {
    Stmt s = db.q("SELECT id FROM messages WHERE room_id=? AND seq=?");
    s.bind(1, room).bind(2, seq);
    if (s.step()) sources.emplace_back('m', s.i64(0));
  }
  {
    Stmt s = db.q("SELECT id FROM files WHERE room_id=? AND seq=?");
    s.bind(1, room).bind(2, seq);
    while (s.step()) sources.emplace_back('f', s.i64(0));
  }
  for (const auto& [kind, source] : sources) drop_doc(db, kind, source);
}

void index_note(Connection& db, TenantId tenant, RoomId room, NoteId note) {
  drop_doc(db, 'n', note);
  if (auto d = note_doc(db, note)) {
    if (tenant) d->tenant = tenant;
    insert_doc(db, *d);
  }
}

void unindex_note(Connection& db, RoomId, NoteId note) { drop_doc(db, 'n', note); }

void reindex_file(Connection& db, FileId file) {
  if (auto d = file_doc(db, file)) {
    upsert_doc(db, *d);
  } else {
    drop_doc(db, 'f', file);  // not attached (no document), or its message is gone
  }
}

std::int64_t flush_search_index(Connection& db, std::int64_t max_docs) {
  std::int64_t n = 0;
  // The listed ones first (rewritten below the mark: edits, files' texts), in id order.
  {
    std::int64_t upto = 0, listed = 0;
    {
      Stmt s = db.q("SELECT max(id), count(*) FROM"
                    " (SELECT id FROM search_pending ORDER BY id LIMIT ?)");
      s.bind(1, max_docs);
      if (s.step() && !s.is_null(0)) {
        upto = s.i64(0);
        listed = s.i64(1);
      }
    }
    if (listed > 0) {
      db.q("INSERT INTO search_fts(rowid, norm, room_token) SELECT d.id, d.norm, d.room_token"
           " FROM search_pending p JOIN search_docs d ON d.id=p.id WHERE p.id<=? ORDER BY p.id")
          .bind(1, upto).run();
      db.q("DELETE FROM search_pending WHERE id<=?").bind(1, upto).run();
      n += listed;
    }
  }
  if (n >= max_docs) return n;
  // Then the new ones, from the mark on.
  const std::int64_t below = indexed_below(db);
  std::int64_t upto = 0, fresh = 0;
  {
    Stmt s = db.q("SELECT max(id), count(*) FROM"
                  " (SELECT id FROM search_docs WHERE id>=? ORDER BY id LIMIT ?)");
    s.bind(1, below).bind(2, max_docs - n);
    if (!s.step() || s.is_null(0)) return n;
    upto = s.i64(0);
    fresh = s.i64(1);
  }
  db.q("INSERT INTO search_fts(rowid, norm, room_token) SELECT id, norm, room_token"
       " FROM search_docs WHERE id>=? AND id<=? ORDER BY id")
      .bind(1, below).bind(2, upto).run();
  set_search_state(db, "indexed_below", upto + 1);
  return n + fresh;
}

std::int64_t pending_documents(Connection& db) {
  Stmt s = db.q("SELECT (SELECT count(*) FROM search_pending) + (SELECT count(*) FROM search_docs"
                " WHERE id>=coalesce((SELECT value FROM search_state WHERE name='indexed_below'), 0))");
  return s.step() ? s.i64(0) : 0;
}

bool merge_search_index(Connection& db, int pages) {
  // FTS5 changes at least two rows when it merges anything (its structure record and
  // the output's pages), fewer when there is nothing to merge.
  const std::int64_t before = db.total_changes();
  db.q("INSERT INTO search_fts(search_fts, rank) VALUES('merge', ?)").bind(1, pages).run();
  return db.total_changes() - before >= 2;
}

std::int64_t search_index_segments(Connection& db) {
  Stmt s = db.q("SELECT count(DISTINCT segid) FROM search_fts_idx");
  return s.step() ? s.i64(0) : 0;
}

// ---- Search -------------------------------------------------------------------------------

namespace {

// A pattern in FTS5's query syntax: a string (any " doubled), `*` for a prefix. One kanji
// is a token of its own (tokenizer_tokenize), not a prefix: the index has no prefix index
// (schema version 15), and FTS5 answers a prefix by merging the doclists of every token
// that begins with it.
void append_pattern(std::string& out, const search::TokenPattern& p) {
  if (!out.empty()) out += " AND ";
  out += '"';
  for (char c : p.token) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  const bool one_kanji = search::starts_with_kanji(p.token) &&
                         utf8_length(static_cast<unsigned char>(p.token[0])) == static_cast<int>(p.token.size());
  if (p.prefix && !one_kanji) out += " *";
}

struct Row {
  std::int64_t id = 0;
  char kind = 'm';
  RoomId room = 0;
  Seq seq = 0;
  NoteId note = 0;
  FileId file = 0;
  UserId sender = 0;
  TimeMs at = 0;
  std::string norm;  // relevance order only
  double score = 0;
};

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// Fills a hit's texts and its sender's name from the source rows.
void fill_hit(Connection& db, const Row& r, SearchHit& h) {
  h.room = r.room;
  h.sender = r.sender;
  h.at = r.at;
  if (r.kind == 'm') {
    h.kind = SearchHit::Kind::message;
    h.seq = r.seq;
    Stmt s = db.q("SELECT m.body, coalesce(a.title, ''), coalesce(a.options, '') FROM messages m"
                  " LEFT JOIN actions a ON a.room_id=m.room_id AND a.seq=m.seq"
                  " WHERE m.room_id=? AND m.seq=?");
    s.bind(1, r.room).bind(2, r.seq);
    if (s.step()) h.text = message_text(s.text(0), s.text(1), s.text(2));
  } else if (r.kind == 'n') {
    h.kind = SearchHit::Kind::note;
    h.note = r.note;
    Stmt s = db.q("SELECT title, body FROM notes WHERE id=?");
    s.bind(1, r.note);
    if (s.step()) {
      h.title = s.text(0);
      h.text = s.text(1);
    }
  } else {
    h.kind = SearchHit::Kind::file;
    h.seq = r.seq;
    h.file = r.file;
    Stmt s = db.q("SELECT name, text FROM files WHERE id=?");
    s.bind(1, r.file);
    if (s.step()) {
      h.title = s.text(0);
      h.text = s.text(1);
    }
  }
  Stmt u = db.q("SELECT name FROM users WHERE id=?");
  u.bind(1, r.sender);
  if (u.step()) h.sender_name = u.text(0);
}

}  // namespace

// Two statements, each with every condition: the indexed documents — the index narrows to
// those with every pattern of every term, newest first (FTS5 walks its doclists by
// descending rowid, so LIMIT stops it early) — and the pending ones (flush_search_index),
// merged by id. Each keeps only the searcher's rooms and tenant, rechecks each term as a
// substring of the search form and applies the filters, so that LIMIT counts only real
// results: a page is never short because of them.
//
// Where the searcher has at most kMaxRoomsInMatch rooms, they are part of the MATCH too
// (`... AND (room1 OR room2 ...)`, search_docs.room_token), so that FTS5 intersects the
// doclists instead of handing over every candidate for a lookup in search_docs. Measured
// (200,000 bench/municipal_text messages in 2,000 rooms, newest 50, p50 on a shared
// machine), for a member of 50 rooms, join only → rooms in the MATCH: 1-character terms
// 0.87 → 0.38 ms, 2-character 1.14 → 0.46, a word only in others' rooms 6.9 → 1.1 (it
// grows with the corpus for the join: every document of the word is looked up); for a
// member of 100 rooms about even (the word elsewhere 1.9 against 11.5 ms); of 500 rooms
// 2.0–17 ms against 0.15–8.4: the OR of many room tokens costs more than it saves. As a
// prefix (no prefix index, no kanji tokens) a 1-character term cost 9.8–11.8 ms (FTS5
// merges every token that starts with it); a kanji is now a token of its own. Through SqliteStore::search over 1,000,000 messages (a member of 50),
// p50/p99: one character 2.0/21 ms, two 2.2/11, three 2.4/24, two words 6.2/19, words
// only elsewhere 8.2/15 (a busy machine).
constexpr std::size_t kMaxRoomsInMatch = 100;

Result<SearchPage> run_search(Connection& db, const SearchQuery& q) {
  if (q.terms.empty()) return invalid_argument("a search needs at least one term");
  if (q.limit < 1 || q.limit > 100) return invalid_argument("limit must be 1..100");
  SearchPage page;
  if (q.rooms.empty()) return page;

  std::string match;
  {
    std::set<std::pair<std::string, bool>> seen;
    for (const std::string& term : q.terms) {
      for (const search::TokenPattern& p : search::term_patterns(term)) {
        if (seen.emplace(p.token, p.prefix).second) append_pattern(match, p);
      }
    }
  }
  if (match.empty()) {
    return invalid_argument("a search needs a term with a letter, a digit or a Japanese character");
  }
  if (q.rooms.size() <= kMaxRoomsInMatch) {
    std::string rooms;
    for (RoomId r : std::set<RoomId>(q.rooms.begin(), q.rooms.end())) {
      rooms += rooms.empty() ? "(\"" : " OR \"";
      rooms += room_token(r);
      rooms += '"';
    }
    match = "(" + match + ") AND " + rooms + ")";
  }

  std::int64_t before = 0;  // newest first: documents older than this id
  std::int64_t offset = 0;  // relevance: the place in the ranked window
  if (!q.after.empty()) {
    std::optional<std::int64_t> v;
    if (q.relevance) {
      if (q.after[0] == 'r') v = parse_int(std::string_view(q.after).substr(1));
    } else {
      v = parse_int(q.after);
    }
    if (!v) return invalid_argument("after: not a cursor of this search");
    (q.relevance ? offset : before) = *v;
  }

  // The statements' text follows the query's shape (how many terms, which filters); the
  // values are all bound. ?1 is the MATCH, which the pending documents' statement has not.
  std::string where = " AND d.tenant_id=?2 AND d.room_id IN (SELECT value FROM json_each(?3))";
  int n = 3;
  auto param = [&] { return "?" + std::to_string(++n); };
  std::string before_param;
  if (before > 0) {
    before_param = param();
    where += " AND d.id<" + before_param;
  }
  for (std::size_t i = 0; i < q.terms.size(); ++i) where += " AND instr(d.norm, " + param() + ")>0";
  for (std::size_t i = 0; i < q.excluded.size(); ++i) {
    where += " AND instr(d.norm, " + param() + ")=0";
  }
  const char* kind = nullptr;
  switch (q.kind) {
    case SearchQuery::Kind::all: break;
    case SearchQuery::Kind::messages: kind = "m"; break;
    case SearchQuery::Kind::notes: kind = "n"; break;
    case SearchQuery::Kind::files: kind = "f"; break;
  }
  if (kind) where += " AND d.kind=" + param();
  if (q.has_file) where += " AND d.has_file=1";
  if (q.sender) where += " AND d.sender_id=" + param();
  if (q.from) where += " AND d.at>=" + param();
  if (q.to) where += " AND d.at<" + param();
  const std::string limit = param();
  std::string cols =
      "SELECT d.id, d.kind, d.room_id, d.seq, d.note_id, d.file_id, d.sender_id, d.at";
  cols += q.relevance ? ", d.norm" : ", ''";
  // Newest first: one more than the page, to know whether there is a next one. Relevance:
  // the whole window, ranked below.
  const std::int64_t wanted =
      q.relevance ? std::int64_t{search::kRelevanceWindow} : std::int64_t{q.limit} + 1;

  std::vector<Row> rows;
  auto collect = [&](const std::string& sql) {
    Stmt s = db.q_built(sql);
    s.bind(1, match).bind(2, q.tenant).bind(3, json_ids(q.rooms));
    int i = 3;
    if (before > 0) s.bind(++i, before);
    for (const std::string& t : q.terms) s.bind_ref(++i, t);
    for (const std::string& t : q.excluded) s.bind_ref(++i, t);
    if (kind) s.bind(++i, kind);
    if (q.sender) s.bind(++i, q.sender);
    if (q.from) s.bind(++i, q.from);
    if (q.to) s.bind(++i, q.to);
    s.bind(++i, wanted);
    while (s.step()) {
      Row r;
      r.id = s.i64(0);
      const std::string k = s.text(1);
      r.kind = k.empty() ? 'm' : k[0];
      r.room = s.i64(2);
      r.seq = s.i64(3);
      r.note = s.i64(4);
      r.file = s.i64(5);
      r.sender = s.i64(6);
      r.at = s.i64(7);
      if (q.relevance) r.score = search::relevance(s.text(8), q.terms);
      rows.push_back(std::move(r));
    }
  };
  collect(cols + " FROM search_fts CROSS JOIN search_docs d ON d.id=search_fts.rowid"
                 " WHERE search_fts MATCH ?1" +
          (before > 0 ? " AND search_fts.rowid<" + before_param : std::string()) + where +
          " ORDER BY search_fts.rowid DESC LIMIT " + limit);
  // The documents not in the index yet (a few thousand at most: flush_search_index), read
  // one by one: every term is rechecked anyway. Those from the mark on, and those listed.
  collect(cols + " FROM search_docs d WHERE d.id>=coalesce((SELECT value FROM search_state"
                 " WHERE name='indexed_below'), 0)" + where + " ORDER BY d.id DESC LIMIT " + limit);
  collect(cols + " FROM search_pending p CROSS JOIN search_docs d ON d.id=p.id WHERE 1" + where +
          " ORDER BY p.id DESC LIMIT " + limit);
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.id > b.id; });
  if (rows.size() > static_cast<std::size_t>(wanted)) rows.resize(static_cast<std::size_t>(wanted));

  std::size_t first = 0, end = rows.size();
  if (q.relevance) {
    // Ties (and the window) newest first; rows came newest first, so a stable sort keeps it.
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Row& a, const Row& b) { return a.score > b.score; });
    first = std::min<std::size_t>(static_cast<std::size_t>(offset), rows.size());
    end = std::min(rows.size(), first + static_cast<std::size_t>(q.limit));
    if (end < rows.size()) page.next = "r" + std::to_string(end);
  } else if (rows.size() > static_cast<std::size_t>(q.limit)) {
    end = static_cast<std::size_t>(q.limit);
    page.next = std::to_string(rows[end - 1].id);
  }
  for (std::size_t i = first; i < end; ++i) {
    SearchHit h;
    fill_hit(db, rows[i], h);
    page.hits.push_back(std::move(h));
  }
  return page;
}

// ---- Rebuilding ------------------------------------------------------------------------------

std::int64_t reindex_total(Connection& db, TenantId tenant) {
  std::int64_t total = 0;
  {
    Stmt s = db.q("SELECT count(*) FROM messages m JOIN rooms r ON r.id=m.room_id"
                  " WHERE ?1=0 OR r.tenant_id=?1");
    s.bind(1, tenant);
    if (s.step()) total += s.i64(0);
  }
  {
    Stmt s = db.q("SELECT count(*) FROM notes n JOIN rooms r ON r.id=n.room_id"
                  " WHERE n.deleted=0 AND (?1=0 OR r.tenant_id=?1)");
    s.bind(1, tenant);
    if (s.step()) total += s.i64(0);
  }
  return total;
}

namespace {

// Phase 0: the next `batch` sources in time order (messages by id, notes by when saved).
void reindex_sources(Connection& db, TenantId tenant, int batch, ReindexCursor& c) {
  struct Source {
    TimeMs at;
    bool note;
    std::int64_t id;  // message row id, or note id
  };
  std::vector<Source> sources;
  std::vector<std::optional<Doc>> message_docs;  // for the messages, in order
  std::vector<std::pair<RoomId, Seq>> message_keys;
  TimeMs last_message_at = std::numeric_limits<TimeMs>::max();
  {
    // CROSS JOIN: along messages' rowid, whatever the planner thinks of the tenant's rooms.
    Stmt s = db.q("SELECT m.id, " TONARI_MESSAGE_DOC_COLS
                  " FROM messages m CROSS JOIN rooms r ON r.id=m.room_id"
                  " LEFT JOIN actions a ON a.room_id=m.room_id AND a.seq=m.seq"
                  " WHERE m.id>?1 AND (?2=0 OR r.tenant_id=?2) ORDER BY m.id LIMIT ?3");
    s.bind(1, c.message).bind(2, tenant).bind(3, batch);
    while (s.step()) {
      const std::int64_t id = s.i64(0);
      const bool has_doc = message_has_doc(s, 1);
      Doc d;
      if (has_doc) {
        d = message_doc(s, 1);
      } else {
        d.room = s.i64(1);
        d.seq = s.i64(2);
        d.at = s.i64(4);
      }
      sources.push_back({d.at, false, id});
      message_keys.emplace_back(d.room, d.seq);
      message_docs.push_back(has_doc ? std::optional<Doc>(std::move(d)) : std::nullopt);
    }
    if (static_cast<int>(message_docs.size()) == batch) last_message_at = sources.back().at;
  }
  {
    Stmt s = db.q("SELECT n.id, n.updated_at FROM notes n CROSS JOIN rooms r ON r.id=n.room_id"
                  " WHERE n.deleted=0 AND (n.updated_at>?1 OR (n.updated_at=?1 AND n.id>?2))"
                  " AND n.updated_at<=?3 AND (?4=0 OR r.tenant_id=?4)"
                  " ORDER BY n.updated_at, n.id LIMIT ?5");
    s.bind(1, c.note_at).bind(2, c.note).bind(3, last_message_at).bind(4, tenant).bind(5, batch);
    while (s.step()) sources.push_back({s.i64(1), true, s.i64(0)});
  }
  if (sources.empty()) {
    c.phase = 1;
    return;
  }
  // Both lists are in time order and each holds all of its kind up to the first `batch` of
  // the merge: the merge's first `batch` are the next sources in time order.
  std::vector<std::size_t> message_index(sources.size(), 0);
  for (std::size_t i = 0, m = 0; i < sources.size(); ++i) {
    if (!sources[i].note) message_index[i] = m++;
  }
  std::vector<std::size_t> order(sources.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return sources[a].at < sources[b].at;
  });
  if (order.size() > static_cast<std::size_t>(batch)) order.resize(static_cast<std::size_t>(batch));
  for (std::size_t i : order) {
    const Source& src = sources[i];
    if (src.note) {
      if (auto d = note_doc(db, src.id)) {
        upsert_doc(db, *d);
        ++c.written;
      }
      c.note_at = src.at;
      c.note = src.id;
    } else {
      const auto& doc = message_docs[message_index[i]];
      const auto [room, seq] = message_keys[message_index[i]];
      if (doc) {
        upsert_doc(db, *doc);
        ++c.written;
        for (FileId f : files_of(db, room, seq)) {
          if (auto fd = file_doc(db, f)) {
            upsert_doc(db, *fd);
            ++c.written;
          }
        }
      } else {
        unindex_message(db, room, seq);
      }
      c.message = src.id;
    }
    ++c.done;
  }
}

// Whether document row `s` (id, kind, room_id, seq, note_id, file_id) still has its source.
bool has_source(Connection& db, char kind, RoomId room, Seq seq, NoteId note, FileId file) {
  if (kind == 'm') {
    Stmt q = db.q("SELECT 1 FROM messages WHERE room_id=? AND seq=? AND deleted=0"
                  " AND kind<>'system' AND stamp=''");
    q.bind(1, room).bind(2, seq);
    return q.step();
  }
  if (kind == 'n') {
    Stmt q = db.q("SELECT 1 FROM notes WHERE id=? AND room_id=? AND deleted=0");
    q.bind(1, note).bind(2, room);
    return q.step();
  }
  if (kind == 'f') {
    Stmt q = db.q("SELECT 1 FROM files f JOIN messages m ON m.room_id=f.room_id AND m.seq=f.seq"
                  " WHERE f.id=? AND f.room_id=? AND f.seq=? AND f.deleted=0 AND m.deleted=0");
    q.bind(1, file).bind(2, room).bind(3, seq);
    return q.step();
  }
  return false;
}

// Phase 1: documents whose source is gone.
void sweep_orphans(Connection& db, TenantId tenant, int batch, ReindexCursor& c) {
  struct Found {
    std::int64_t id;
    char kind;
    RoomId room;
    Seq seq;
    NoteId note;
    FileId file;
    std::string norm;
  };
  std::vector<Found> docs;
  {
    Stmt s = db.q("SELECT id, kind, room_id, seq, note_id, file_id, norm FROM search_docs"
                  " WHERE id>?1 AND (?2=0 OR tenant_id=?2) ORDER BY id LIMIT ?3");
    s.bind(1, c.doc).bind(2, tenant).bind(3, batch);
    while (s.step()) {
      const std::string k = s.text(1);
      docs.push_back({s.i64(0), k.empty() ? '?' : k[0], s.i64(2), s.i64(3), s.i64(4), s.i64(5),
                      s.text(6)});
    }
  }
  if (docs.empty()) {
    c.phase = 2;
    return;
  }
  for (const Found& d : docs) {
    if (!has_source(db, d.kind, d.room, d.seq, d.note, d.file)) {
      remove_doc(db, d.id, d.room, d.norm);
    }
    c.doc = d.id;
  }
}

}  // namespace

bool reindex_step(Connection& db, TenantId tenant, int batch, ReindexCursor& cursor) {
  if (batch < 1) batch = 1;
  if (cursor.phase == 0) reindex_sources(db, tenant, batch, cursor);
  else if (cursor.phase == 1) sweep_orphans(db, tenant, batch, cursor);
  // What the batch wrote goes into the index with it, in one segment.
  while (flush_search_index(db, 100000) > 0) {}
  return cursor.phase < 2;
}

// ---- State ------------------------------------------------------------------------------------

std::int64_t search_state(Connection& db, const char* name) {
  Stmt s = db.q("SELECT value FROM search_state WHERE name=?");
  s.bind(1, name);
  return s.step() ? s.i64(0) : -1;
}

void set_search_state(Connection& db, const char* name, std::int64_t value) {
  db.q("INSERT INTO search_state(name, value) VALUES(?,?)"
       " ON CONFLICT(name) DO UPDATE SET value=excluded.value")
      .bind(1, name).bind(2, value).run();
}

void clear_search_state(Connection& db, const char* name) {
  db.q("DELETE FROM search_state WHERE name=?").bind(1, name).run();
}

void prepare_search(Connection& db, bool indexing) {
  // The merge settings (kAutomerge), kept in search_fts_config: written when they differ.
  for (const auto& [name, value] : {std::pair<const char*, int>{"automerge", kAutomerge},
                                    {"crisismerge", kCrisisMerge}}) {
    {
      Stmt s = db.q("SELECT v FROM search_fts_config WHERE k=?");
      s.bind(1, name);
      if (s.step() && s.i64(0) == value) continue;
    }
    db.q("INSERT INTO search_fts(search_fts, rank) VALUES(?, ?)").bind(1, name).bind(2, value).run();
  }
  const std::int64_t fts_version = search_state(db, "fts_version");
  if (fts_version != search::kFulltextVersion) {
    // 'delete' gives the index the tokens a document was indexed with, computed again by
    // this binary's tokenizer: with other tokens in the index it would corrupt it. So the
    // index is rebuilt from the stored search forms first, with this binary's tokens.
    // (No version yet: the index was just created, empty, or created again by schema
    // version 15 over the documents there are.)
    std::int64_t docs = 0;
    {
      Stmt s = db.q("SELECT count(*) FROM search_docs");
      if (s.step()) docs = s.i64(0);
    }
    if (fts_version >= 0) {
      log::warn("search.index_rebuild", {{"from_version", fts_version},
                                         {"to_version", search::kFulltextVersion},
                                         {"documents", docs}});
    } else if (docs > 0) {
      log::info("search.index_rebuild", {{"documents", docs}});
    }
    const auto started = std::chrono::steady_clock::now();
    db.exec("BEGIN IMMEDIATE");
    try {
      // Every document is in the index after this, pending ones too.
      db.exec("INSERT INTO search_fts(search_fts) VALUES('rebuild'); DELETE FROM search_pending;");
      db.exec("INSERT OR REPLACE INTO search_state(name, value)"
              " SELECT 'indexed_below', coalesce(max(id), 0) + 1 FROM search_docs");
      set_search_state(db, "fts_version", search::kFulltextVersion);
      db.exec("COMMIT");
      if (docs > 0) {
        log::info("search.index_rebuilt",
                  {{"documents", docs},
                   {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
      }
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
  const std::int64_t norm_version = search_state(db, "norm_version");
  if (!indexing) {
    // Posts from now on are not indexed: the next open with indexing on completes it.
    if (norm_version >= 0) {
      clear_search_state(db, "norm_version");
      log::warn("search.indexing_off", {});
    }
    return;
  }
  // The mark no higher than the next id (max + 1): documents deleted by hand (a dropped
  // index, before reindex) would otherwise leave the next ones below it, unlisted.
  lower_mark(db);
  // Documents left pending by the last run (SqliteStore flushes them every so often).
  for (bool more = true; more;) {
    db.exec("BEGIN IMMEDIATE");
    try {
      more = flush_search_index(db, 20000) > 0;
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
  if (norm_version >= 0) {
    if (norm_version != search::kFulltextVersion) {
      log::warn("search.reindex_needed",
                {{"index_version", norm_version},
                 {"version", search::kFulltextVersion},
                 {"what", "the search index was built by another version of the normalizer:"
                          " run `tonari admin reindex` (it rebuilds online)"}});
    }
    return;
  }
  // The upgrade to schema 13 (or indexing turned back on): every document, now, before
  // the store takes writes, in batches that each commit.
  const auto started = std::chrono::steady_clock::now();
  auto last_log = started;
  ReindexCursor cursor;
  const std::int64_t total = reindex_total(db, 0);
  // (A new database has nothing to write: no lines about it.)
  if (total > 0) log::info("search.reindex", {{"done", 0}, {"total", total}, {"by", "open"}});
  bool more = true;
  while (more) {
    db.exec("BEGIN IMMEDIATE");
    try {
      more = reindex_step(db, 0, 2000, cursor);
      if (!more) set_search_state(db, "norm_version", search::kFulltextVersion);
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
    const auto now = std::chrono::steady_clock::now();
    if (total > 0 && (!more || now - last_log >= std::chrono::seconds(2))) {
      last_log = now;
      log::info("search.reindex",
                {{"done", cursor.done}, {"total", total}, {"documents", cursor.written},
                 {"ms",
                  std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count()}});
    }
  }
}

}  // namespace tonari::store::sqlite
