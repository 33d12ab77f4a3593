#include "store/postgres/search_docs.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "log/log.h"
#include "search/fulltext.h"
#include "store/postgres/store_impl.h"

namespace tonari::store::postgres {

// ---- Texts ------------------------------------------------------------------------------

namespace {

// tsvector's limit on the bytes of its lexemes (MAXSTRPOS: 2^20 - 1).
constexpr std::size_t kMaxLexemeBytes = (1u << 20) - 1;

}  // namespace

DocText doc_text(std::string_view text) {
  DocText out;
  out.norm = search::normalize(text);
  search::index_tokens(out.norm, [&](std::string_view t) {
    if (!t.empty()) out.tokens.emplace_back(t);
  });
  std::sort(out.tokens.begin(), out.tokens.end());
  out.tokens.erase(std::unique(out.tokens.begin(), out.tokens.end()), out.tokens.end());
  std::size_t bytes = 0, fit = 0;
  while (fit < out.tokens.size() && bytes + out.tokens[fit].size() <= kMaxLexemeBytes) {
    bytes += out.tokens[fit++].size();
  }
  if (fit < out.tokens.size()) {
    log::warn("search.tokens_cut", {{"bytes", static_cast<std::int64_t>(out.norm.size())},
                                    {"tokens", static_cast<std::int64_t>(out.tokens.size())},
                                    {"kept", static_cast<std::int64_t>(fit)}});
    out.tokens.resize(fit);
  }
  return out;
}

std::string joined_tokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) {
    if (!out.empty()) out += '\x1f';
    out += t;
  }
  return out;
}

// ---- Writes -----------------------------------------------------------------------------

namespace {

// A document as written: what it is about, and its text.
struct Doc {
  std::int64_t id = 0;  // 0: the next of search_docs_id_seq
  TenantId tenant = 0;
  RoomId room = 0;
  char kind = 'm';
  Seq seq = 0;
  NoteId note = 0;
  FileId file = 0;
  UserId sender = 0;
  TimeMs at = 0;
  bool has_file = false;
  DocText text;
};

// Adds to search_words those of `words` it does not have (schema version 9).
void add_words(PgConn& db, std::vector<std::string> words) {
  if (words.empty()) return;
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  db.exec("INSERT INTO search_words(word) SELECT w FROM unnest($1::text[]) AS k(w)"
          " WHERE NOT EXISTS (SELECT 1 FROM search_words s WHERE s.word = k.w COLLATE \"C\")",
          Params().texts(words));
}

// Writes `docs` (in this order: new ones get growing ids), each over the document of its
// source if there is one (same id; untouched if already right), in one statement, and
// their words.
void put_docs(PgConn& db, const std::vector<Doc>& docs) {
  if (docs.empty()) return;
  std::vector<std::int64_t> ids, tenants, rooms, seqs, notes, files, senders, ats, has_file;
  std::vector<std::string> kinds, norms, tokens;
  for (const Doc& d : docs) {
    ids.push_back(d.id);
    tenants.push_back(d.tenant);
    rooms.push_back(d.room);
    kinds.emplace_back(1, d.kind);
    seqs.push_back(d.seq);
    notes.push_back(d.note);
    files.push_back(d.file);
    senders.push_back(d.sender);
    ats.push_back(d.at);
    has_file.push_back(d.has_file ? 1 : 0);
    norms.push_back(d.text.norm);
    tokens.push_back(joined_tokens(d.text.tokens));
  }
  db.exec("INSERT INTO search_docs AS d(id, tenant_id, room_id, kind, seq, note_id, file_id,"
          " sender_id, at, has_file, norm, tsv)"
          // A source's document keeps its id; only a new one takes the next (nextval in
          // the SELECT would be spent before ON CONFLICT finds the row: a reindex left a
          // gap as large as the corpus, and the walk's windows short of documents).
          " SELECT CASE WHEN x.id > 0 THEN x.id ELSE coalesce((SELECT e.id FROM search_docs e"
          "   WHERE e.room_id=x.r AND e.kind=x.k AND e.seq=x.s AND e.note_id=x.n"
          "   AND e.file_id=x.f), nextval('search_docs_id_seq')) END,"
          "  x.t, x.r, x.k, x.s, x.n, x.f, x.u, x.a, x.h<>0, x.norm,"
          "  array_to_tsvector(string_to_array(x.toks, chr(31)) || ('#' || x.r))"
          " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[],"
          "  $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[], $11::text[],"
          "  $12::bigint[])"
          "  WITH ORDINALITY AS x(t, r, k, s, n, f, u, a, h, norm, toks, id, i)"
          " ORDER BY x.i"
          " ON CONFLICT (room_id, kind, seq, note_id, file_id) DO UPDATE SET"
          "  tenant_id=excluded.tenant_id, sender_id=excluded.sender_id, at=excluded.at,"
          "  has_file=excluded.has_file, norm=excluded.norm, tsv=excluded.tsv"
          " WHERE (d.tenant_id, d.sender_id, d.at, d.has_file, d.norm, d.tsv) IS DISTINCT FROM"
          "  (excluded.tenant_id, excluded.sender_id, excluded.at, excluded.has_file,"
          "   excluded.norm, excluded.tsv)",
          Params().ids(tenants).ids(rooms).texts(kinds).ids(seqs).ids(notes).ids(files)
              .ids(senders).ids(ats).ids(has_file).texts(norms).texts(tokens).ids(ids));
  std::vector<std::string> words;
  for (const Doc& d : docs) {
    for (const std::string& t : d.text.tokens) {
      if (search::is_word_token(t)) words.push_back(t);
    }
  }
  add_words(db, std::move(words));
}

// A message written in place (an edit, a deletion) is taken off the pending list first: the
// indexer then never writes its document from what it was. If the indexer holds that row
// (its batch is writing the document from the text before), this waits for its commit, and
// what follows here changes the document it wrote.
// Returns the id its document was to have (0: it was not pending).
std::int64_t take_off_pending(PgConn& db, RoomId room, Seq seq) {
  PgResult r = db.exec("DELETE FROM search_pending WHERE message_id ="
                       " (SELECT id FROM messages WHERE room_id=$1 AND seq=$2) RETURNING doc_id",
                       Params().i64(room).i64(seq));
  return r.empty() ? 0 : r.row(0).i64(0);
}

bool message_has_doc(const Message& m) {
  return m.kind != MessageKind::system && m.stamp.empty() && !m.deleted;
}

// A message as its document needs it: where it is, and (has_doc: not a system message, a
// stamp or deleted) the document's fields and text.
struct MessageRow {
  bool has_doc = false;
  Doc doc;
};

// The messages of `ids`, by id (those not found are left out).
std::map<std::int64_t, MessageRow> read_messages(PgConn& db, const std::vector<std::int64_t>& ids) {
  PgResult r = db.exec("SELECT m.id, m.room_id, m.seq, m.sender_id, m.created_at, m.body, m.kind,"
                       " m.stamp, m.deleted, m.nfiles, r.tenant_id, coalesce(a.title, ''),"
                       " coalesce(a.options, '')"
                       " FROM unnest($1::bigint[]) AS k(id) JOIN messages m ON m.id=k.id"
                       " JOIN rooms r ON r.id=m.room_id"
                       " LEFT JOIN actions a ON a.room_id=m.room_id AND a.seq=m.seq",
                       Params().ids(ids));
  std::map<std::int64_t, MessageRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    const Row row = r.row(i);
    MessageRow& m = out[row.i64(0)];
    m.doc.room = row.i64(1);
    m.doc.seq = row.i64(2);
    m.has_doc = row.view(6) != "system" && row.view(7).empty() && !row.boolean(8);
    if (!m.has_doc) continue;
    m.doc.sender = row.i64(3);
    m.doc.at = row.i64(4);
    m.doc.has_file = row.i64(9) != 0;
    m.doc.tenant = row.i64(10);
    m.doc.text = doc_text(message_text(row.view(5), row.view(11), row.view(12)));
  }
  return out;
}

// A file's document from (tenant_id, room_id, seq, uploader_id, name, text) at column `c`.
Doc file_doc(const Row& row, int c, FileId id, TimeMs at) {
  Doc d;
  d.tenant = row.i64(c);
  d.room = row.i64(c + 1);
  d.kind = 'f';
  d.seq = row.i64(c + 2);
  d.file = id;
  d.sender = row.i64(c + 3);
  d.at = at;
  d.has_file = true;
  d.text = doc_text(titled(row.view(c + 4), row.view(c + 5)));
  return d;
}

}  // namespace

void index_message(PgConn& db, TenantId tenant, const Message& m) {
  if (!message_has_doc(m)) {
    unindex_message(db, m.room, m.seq);
    return;
  }
  Doc d;
  d.id = take_off_pending(db, m.room, m.seq);  // its place as posted
  d.tenant = tenant;
  d.room = m.room;
  d.seq = m.seq;
  d.sender = m.sender;
  d.at = m.created_at;
  d.has_file = !m.files.empty();
  d.text = doc_text(message_text(m.body, m.action ? &m.action->spec : nullptr));
  put_docs(db, {d});
}

void index_new_files(PgConn& db, RoomId room, Seq seq, TimeMs at) {
  PgResult r = db.exec("SELECT id, tenant_id, room_id, seq, uploader_id, name, text FROM files"
                       " WHERE room_id=$1 AND seq=$2 AND NOT deleted ORDER BY pos",
                       Params().i64(room).i64(seq));
  std::vector<Doc> docs;
  for (int i = 0; i < r.rows(); ++i) docs.push_back(file_doc(r.row(i), 1, r.row(i).i64(0), at));
  put_docs(db, docs);
}

void unindex_message(PgConn& db, RoomId room, Seq seq) {
  take_off_pending(db, room, seq);
  db.exec("DELETE FROM search_docs WHERE room_id=$1 AND kind IN ('m','f') AND seq=$2",
          Params().i64(room).i64(seq));
}

void index_note(PgConn& db, TenantId tenant, RoomId room, NoteId note) {
  unindex_note(db, room, note);
  PgResult r = db.exec("SELECT title, body, updated_by, updated_at FROM notes"
                       " WHERE id=$1 AND room_id=$2 AND NOT deleted",
                       Params().i64(note).i64(room));
  if (r.empty()) return;
  Doc d;
  d.tenant = tenant;
  d.room = room;
  d.kind = 'n';
  d.note = note;
  d.sender = r.row(0).i64(2);
  d.at = r.row(0).i64(3);
  d.text = doc_text(titled(r.row(0).view(0), r.row(0).view(1)));
  put_docs(db, {d});
}

void unindex_note(PgConn& db, RoomId room, NoteId note) {
  db.exec("DELETE FROM search_docs WHERE room_id=$1 AND kind='n' AND seq=0 AND note_id=$2",
          Params().i64(room).i64(note));
}

void reindex_file(PgConn& db, FileId file) {
  PgResult r = db.exec("SELECT f.tenant_id, f.room_id, f.seq, f.uploader_id, f.name, f.text,"
                       " m.created_at, f.deleted OR m.deleted"
                       " FROM files f JOIN messages m ON m.room_id=f.room_id AND m.seq=f.seq"
                       " WHERE f.id=$1 AND f.seq<>0",
                       Params().i64(file));
  if (r.empty()) return;  // not attached: no document until it is
  const Row row = r.row(0);
  if (row.boolean(7)) {
    db.exec("DELETE FROM search_docs WHERE room_id=$1 AND kind='f' AND seq=$2 AND file_id=$3",
            Params().i64(row.i64(1)).i64(row.i64(2)).i64(file));
    return;
  }
  put_docs(db, {file_doc(row, 0, file, row.i64(6))});
}

std::int64_t index_pending(PgConn& db, int max) {
  // The messages and their texts first, outside the transaction that takes them off the
  // list: it holds their rows (an edit or a deletion of one of them waits for it in
  // take_off_pending, with its writer's batch) only while it writes the documents.
  PgResult listed = db.exec("SELECT ctid::text, message_id FROM search_pending LIMIT $1",
                            Params().i64(max));
  if (listed.empty()) return 0;
  std::vector<std::string> listed_rows;  // where each is (its row, found again by it below)
  std::vector<std::int64_t> listed_ids;
  for (int i = 0; i < listed.rows(); ++i) {
    listed_rows.push_back(listed.row(i).text(0));
    listed_ids.push_back(listed.row(i).i64(1));
  }
  // By message id: in id order, as reindex writes them.
  std::map<std::int64_t, MessageRow> read = read_messages(db, listed_ids);

  // Then, in one transaction, those still on the list (an edit or a deletion since took
  // its message off, and wrote or dropped the document itself; another indexer may hold
  // some), and their documents as read: a message on the list has not changed since.
  db.script("BEGIN");
  // By row address (a TID scan each: the list has no index), and message id (the address
  // may hold another row by now).
  PgResult taken = db.exec("WITH t AS (SELECT p.ctid FROM unnest($1::tid[], $2::bigint[])"
                           "  AS k(row, id) JOIN search_pending p ON p.ctid=k.row"
                           "  AND p.message_id=k.id FOR UPDATE OF p SKIP LOCKED)"
                           " DELETE FROM search_pending p USING t WHERE p.ctid=t.ctid"
                           " RETURNING p.message_id, p.doc_id",
                           Params().texts(listed_rows).ids(listed_ids));
  std::map<std::int64_t, std::int64_t> doc_ids;  // by message id
  for (int i = 0; i < taken.rows(); ++i) doc_ids[taken.row(i).i64(0)] = taken.row(i).i64(1);
  std::vector<Doc> docs;
  std::size_t bytes = 0;
  for (auto& [message, m] : read) {
    auto it = doc_ids.find(message);
    if (it == doc_ids.end() || !m.has_doc) continue;
    Doc& d = m.doc;
    d.id = it->second;
    bytes += d.text.norm.size();
    docs.push_back(std::move(d));
    if (bytes > (16u << 20)) {  // a few MiB a statement
      put_docs(db, docs);
      docs.clear();
      bytes = 0;
    }
  }
  put_docs(db, docs);
  db.script("COMMIT");
  return taken.rows();
}

bool add_missing_words(PgConn& db, int max) {
  db.script("BEGIN");
  // The row held until COMMIT: one indexer at a time goes on from where the last stopped.
  PgResult state = db.exec("SELECT value FROM search_state WHERE name='words_missing_below' FOR UPDATE");
  if (state.empty()) {
    db.script("COMMIT");
    return false;
  }
  const std::int64_t below = state.row(0).i64(0);
  PgResult batch = db.exec("SELECT min(id), count(*) FROM (SELECT id FROM search_docs WHERE id<$1"
                           " ORDER BY id DESC LIMIT $2) b",
                           Params().i64(below).i64(max));
  const std::int64_t n = batch.row(0).i64(1);
  if (n > 0) {
    PgResult lexemes = db.exec("SELECT DISTINCT u.lexeme FROM search_docs d, unnest(d.tsv) u"
                               " WHERE d.id>=$1 AND d.id<$2",
                               Params().i64(batch.row(0).i64(0)).i64(below));
    std::vector<std::string> words;
    for (int i = 0; i < lexemes.rows(); ++i) {
      if (search::is_word_token(lexemes.row(i).view(0))) words.push_back(lexemes.row(i).text(0));
    }
    add_words(db, std::move(words));
  }
  if (n < max) {
    db.exec("DELETE FROM search_state WHERE name='words_missing_below'");
  } else {
    db.exec("UPDATE search_state SET value=$1 WHERE name='words_missing_below'",
            Params().i64(batch.row(0).i64(0)));
  }
  db.script("COMMIT");
  return n == max;
}

std::int64_t pending_messages(PgConn& db) {
  return db.exec("SELECT count(*) FROM search_pending").row(0).i64(0);
}

std::int64_t pending_messages_estimate(PgConn& db) {
  return db.exec("SELECT greatest(coalesce(n_live_tup, 0), 0) FROM pg_stat_user_tables"
                 " WHERE relid = 'search_pending'::regclass")
      .row(0).i64(0);
}

// ---- Search -----------------------------------------------------------------------------

namespace {

// The most rooms a search asks the index for as lexemes (run_search).
constexpr std::size_t kMaxRoomLexemes = 100;
// The most documents of the searcher's rooms the search reads one by one, past the newest
// window, for a term the walk found frequent there (run_search). More when the index
// would have to expand a prefix (one Japanese character: every pair it begins), whose
// bitmap costs far more than the same number of lexemes': over the bench's 1,000,000
// messages, 税 (a member of 50 rooms, 41 results wanted) took 44 ms through the index
// and 2.6 ms walking 1,066 of the rooms' documents.
constexpr double kMaxRoomWalkRows = 2000;
constexpr double kMaxRoomWalkRowsPrefix = 8000;


// A pattern as a tsquery operand, verbatim (no parser, no stemming): single-quoted with '
// and \ doubled, `:*` for a prefix.
void append_pattern(std::string& out, const search::TokenPattern& p) {
  if (!out.empty()) out += " & ";
  out += '\'';
  for (char c : p.token) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  out += '\'';
  if (p.prefix) out += ":*";
}

// The words of search_words that `prefix` begins, if at most kMaxPrefixWords. GIN reads a
// prefix's postings (a partial match: a bitmap of all of them first) three times as slowly
// as the same lexeme's: over the bench's 1,000,000 messages, 'lgw':* and the searcher's
// rooms took 21-24 ms, 'lgwan' 7-12; 'rpa':* & '導入' 31-33 ms, 'rpa' & '導入' 12-13.
constexpr int kMaxPrefixWords = 64;
std::optional<std::vector<std::string>> words_with_prefix(PgConn& db, const std::string& prefix) {
  // Byte order (COLLATE "C"): the words that start with it are at least it and less than it
  // followed by the last code point.
  PgResult r = db.exec("SELECT DISTINCT word FROM search_words WHERE word >= $1 COLLATE \"C\""
                       " AND word < $2 COLLATE \"C\" ORDER BY word LIMIT $3",
                       Params().text(prefix).text(prefix + "\xF4\x8F\xBF\xBF").i64(kMaxPrefixWords + 1));
  if (r.rows() > kMaxPrefixWords) return std::nullopt;
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.row(i).text(0));
  return out;
}

// `words` as one tsquery operand, any of them; none: `prefix` verbatim, which no document
// has then (a word of one would be among them).
void append_words(std::string& out, const std::vector<std::string>& words, const std::string& prefix) {
  if (words.empty()) {
    append_pattern(out, search::TokenPattern{prefix, false});
    return;
  }
  std::string any;
  for (const std::string& w : words) {
    std::string one;
    append_pattern(one, search::TokenPattern{w, false});
    any += (any.empty() ? "" : " | ") + one;
  }
  if (!out.empty()) out += " & ";
  out += "(" + any + ")";
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

struct Found {
  std::int64_t id = 0;
  char kind = 'm';
  RoomId room = 0;
  Seq seq = 0;
  NoteId note = 0;
  FileId file = 0;
  UserId sender = 0;
  TimeMs at = 0;
  double score = 0;  // relevance order only
};

// The hits of `rows`: their texts and senders' names, one statement per kind.
std::vector<SearchHit> hits_of(PgConn& db, const std::vector<const Found*>& rows) {
  std::vector<SearchHit> out(rows.size());
  std::vector<std::int64_t> msg_rooms, msg_seqs, notes, files, users;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Found& r = *rows[i];
    SearchHit& h = out[i];
    h.room = r.room;
    h.sender = r.sender;
    h.at = r.at;
    users.push_back(r.sender);
    if (r.kind == 'm') {
      h.kind = SearchHit::Kind::message;
      h.seq = r.seq;
      msg_rooms.push_back(r.room);
      msg_seqs.push_back(r.seq);
    } else if (r.kind == 'n') {
      h.kind = SearchHit::Kind::note;
      h.note = r.note;
      notes.push_back(r.note);
    } else {
      h.kind = SearchHit::Kind::file;
      h.seq = r.seq;
      h.file = r.file;
      files.push_back(r.file);
    }
  }
  std::map<std::pair<RoomId, Seq>, std::string> message_texts;
  if (!msg_rooms.empty()) {
    PgResult r = db.exec("SELECT m.room_id, m.seq, m.body, coalesce(a.title, ''),"
                         " coalesce(a.options, '')"
                         " FROM unnest($1::bigint[], $2::bigint[]) AS k(room, seq)"
                         " JOIN messages m ON m.room_id=k.room AND m.seq=k.seq"
                         " LEFT JOIN actions a ON a.room_id=m.room_id AND a.seq=m.seq",
                         Params().ids(msg_rooms).ids(msg_seqs));
    for (int i = 0; i < r.rows(); ++i) {
      const Row row = r.row(i);
      message_texts[{row.i64(0), row.i64(1)}] = message_text(row.view(2), row.view(3), row.view(4));
    }
  }
  std::map<std::int64_t, std::pair<std::string, std::string>> note_texts;  // title, text
  std::map<std::int64_t, std::pair<std::string, std::string>> file_texts;
  if (!notes.empty()) {
    PgResult r = db.exec("SELECT id, title, body FROM notes WHERE id = ANY($1::bigint[])",
                         Params().ids(notes));
    for (int i = 0; i < r.rows(); ++i) {
      note_texts[r.row(i).i64(0)] = {r.row(i).text(1), r.row(i).text(2)};
    }
  }
  if (!files.empty()) {
    PgResult r = db.exec("SELECT id, name, text FROM files WHERE id = ANY($1::bigint[])",
                         Params().ids(files));
    for (int i = 0; i < r.rows(); ++i) {
      file_texts[r.row(i).i64(0)] = {r.row(i).text(1), r.row(i).text(2)};
    }
  }
  std::map<UserId, std::string> names;
  {
    PgResult r = db.exec("SELECT id, name FROM users WHERE id = ANY($1::bigint[])",
                         Params().ids(users));
    for (int i = 0; i < r.rows(); ++i) names[r.row(i).i64(0)] = r.row(i).text(1);
  }
  for (SearchHit& h : out) {
    if (auto it = names.find(h.sender); it != names.end()) h.sender_name = it->second;
    if (h.kind == SearchHit::Kind::message) {
      if (auto it = message_texts.find({h.room, h.seq}); it != message_texts.end()) {
        h.text = std::move(it->second);
      }
      continue;
    }
    auto& texts = h.kind == SearchHit::Kind::note ? note_texts : file_texts;
    if (auto it = texts.find(h.kind == SearchHit::Kind::note ? h.note : h.file); it != texts.end()) {
      h.title = it->second.first;
      h.text = it->second.second;
    }
  }
  return out;
}

}  // namespace

// Up to three statements, each of which keeps only the searcher's tenant and rooms,
// rechecks each term as a substring of the search form (strpos) and applies the filters,
// so that LIMIT counts only real results: a page is never short because of them.
// 1. The newest `window` ids, walked along the primary key, newest first, each
//    checked for tenant and rooms before its tsvector: a frequent term (課, 会議) fills
//    the page there, whatever the corpus's size.
// 2. If the page is not full but the walk found some: the rate it found them at among the
//    searcher's rooms' documents says how far back the page fills; while that is at most
//    kMaxRoomWalkRows of their documents (kMaxRoomWalkRowsPrefix for a prefix the index
//    would expand), those are read through search_docs_room, a
//    stretch at a time, the rate found again after each (a
//    searcher in quiet rooms sees few of them in the newest window: 29 matches of 課 in 98
//    of theirs among the bench's newest 10,000 of 1,000,000, where the index would have
//    given all 8,871 of theirs, 14,960 heap blocks, 320-680 ms, for the 22 missing).
// 3. If the page is still not full: the older documents through the GIN index, asked for
//    the term patterns AND one of the searcher's room lexemes, then the heap rows of the
//    candidates; the matches are rare by then, so they are few.
// Measured over 200,000 bench/municipal_text messages in 2,000 rooms, for a member of 50,
// the bench's query classes (1, 2, 3 characters, two words, a word only in others' rooms),
// on a shared 2-core machine (load 10: the figures are high, their ratios are what count):
// - the walk of 10,000 documents took at most 8-12 ms per class; of 50,000, up to 56;
// - the planner alone (one statement) picks the walk or the bitmaps well for most terms
//   but guessed 'の':* at a third of its frequency and took the bitmaps (130 ms where the
//   walk took 20), and a term frequent only in others' rooms makes its walk read the
//   whole table; so the second statement is made to use the bitmaps (SET LOCAL);
// - the rooms in the index's query, against `room_id = ANY` ANDed as a bitmap of
//   search_docs_source, worst of each class (min of 15): 30 / 7 / 11 / 8 / 6 ms against
//   42 / 25 / 27 / 24 / 12 ms; btree_gin's (room_id, tsv) index instead scans the terms'
//   posting lists once per room (GIN has no ScalarArrayOp): 54 ms for two words, 800 ms
//   for a prefix word (rpa).
// Both are planned for their values each time (exec_planned), not prepared: their text
// follows the query's shape (terms, filters), thousands of shapes that would each keep a
// prepared statement in every pooled connection.
Result<SearchPage> run_search(PgConn& db, const SearchQuery& q, std::int64_t window) {
  if (q.terms.empty()) return invalid_argument("a search needs at least one term");
  if (q.limit < 1 || q.limit > 100) return invalid_argument("limit must be 1..100");
  window = std::max<std::int64_t>(window, 1);
  SearchPage page;
  if (q.rooms.empty()) return page;

  std::string tsquery;
  bool prefix_in_index = false;  // a pattern the index must expand (kMaxRoomWalkRowsPrefix)
  {
    std::set<std::pair<std::string, bool>> seen;
    std::optional<bool> words_known;
    for (const std::string& term : q.terms) {
      for (const search::TokenPattern& p : search::term_patterns(term)) {
        if (!seen.emplace(p.token, p.prefix).second) continue;
        // A word that ends a term: the words it begins, when search_words has them all.
        if (p.prefix && search::is_word_token(p.token)) {
          if (!words_known) {
            words_known = db.exec("SELECT 1 FROM search_state WHERE name='words_missing_below'").empty();
          }
          if (*words_known) {
            if (auto words = words_with_prefix(db, p.token)) {
              append_words(tsquery, *words, p.token);
              continue;
            }
          }
        }
        prefix_in_index = prefix_in_index || p.prefix;
        append_pattern(tsquery, p);
      }
    }
  }
  if (tsquery.empty()) {
    return invalid_argument("a search needs a term with a letter, a digit or a Japanese character");
  }

  // Newest first: "<id>", documents older than it. Relevance: "r<offset>.<top>", the place
  // in the ranked window of documents up to id <top> (the first page's newest), so that
  // documents written meanwhile do not shift the pages.
  std::int64_t before = 0, offset = 0, top = 0;
  if (!q.after.empty()) {
    std::optional<std::int64_t> v, t;
    if (q.relevance) {
      const std::string_view a(q.after);
      const std::size_t dot = a.find('.');
      if (a[0] == 'r' && dot != std::string_view::npos) {
        v = parse_int(a.substr(1, dot - 1));
        t = parse_int(a.substr(dot + 1));
      }
      if (!t) v.reset();
    } else {
      v = parse_int(q.after);
    }
    if (!v) return invalid_argument("after: not a cursor of this search");
    if (q.relevance) {
      offset = *v;
      top = *t;
    } else {
      before = *v;
    }
  }

  // The conditions besides the index's (the same in both statements below, $5 on).
  std::string rest;
  Params values;  // $5 ...
  auto param = [&] { return "$" + std::to_string(values.size() + 4); };
  for (const std::string& t : q.terms) {
    values.text(t);
    rest += " AND strpos(d.norm, " + param() + ")>0";
  }
  for (const std::string& t : q.excluded) {
    values.text(t);
    rest += " AND strpos(d.norm, " + param() + ")=0";
  }
  switch (q.kind) {
    case SearchQuery::Kind::all: break;
    case SearchQuery::Kind::messages: rest += " AND d.kind='m'"; break;
    case SearchQuery::Kind::notes: rest += " AND d.kind='n'"; break;
    case SearchQuery::Kind::files: rest += " AND d.kind='f'"; break;
  }
  if (q.has_file) rest += " AND d.has_file";
  if (q.sender) {
    values.i64(q.sender);
    rest += " AND d.sender_id=" + param();
  }
  if (q.from) {
    values.i64(q.from);
    rest += " AND d.at>=" + param();
  }
  if (q.to) {
    values.i64(q.to);
    rest += " AND d.at<" + param();
  }
  // $1 the tsquery, $2 the tenant, $3 the rooms, $4 the ids' bound (exclusive), then the
  // values of `rest`, then the limits.
  auto params = [&](const std::string& match, std::int64_t below) {
    Params p;
    p.text(match).i64(q.tenant).ids(q.rooms).i64(below);
    p.append(values);
    return p;
  };
  const char* cols = "SELECT d.id, d.kind, d.room_id, d.seq, d.note_id, d.file_id, d.sender_id, d.at";
  const std::string norm = q.relevance ? ", d.norm" : ", ''";
  const std::string first_n = "$" + std::to_string(values.size() + 5);
  const std::string next_n = "$" + std::to_string(values.size() + 6);
  // Newest first: one more than the page, to know whether there is a next one. Relevance:
  // the whole window, ranked here.
  const std::int64_t want =
      q.relevance ? std::int64_t{search::kRelevanceWindow} : std::int64_t{q.limit} + 1;
  const std::int64_t bound = q.relevance ? (top > 0 ? top + 1 : std::numeric_limits<std::int64_t>::max())
                                         : (before > 0 ? before : std::numeric_limits<std::int64_t>::max());

  std::vector<Found> rows;
  auto take = [&](const PgResult& r) {
    for (int i = 0; i < r.rows(); ++i) {
      const Row row = r.row(i);
      Found& f = rows.emplace_back();
      f.id = row.i64(0);
      f.kind = row.view(1).empty() ? 'm' : row.view(1)[0];
      f.room = row.i64(2);
      f.seq = row.i64(3);
      f.note = row.i64(4);
      f.file = row.i64(5);
      f.sender = row.i64(6);
      f.at = row.i64(7);
      if (q.relevance) f.score = search::relevance(row.view(8), q.terms);
    }
  };
  // The newest `window` ids below the bound, [below, bound), and whether there are older
  // documents: two reads of the primary key's ends.
  PgResult ends = db.exec("SELECT max(id), min(id) FROM search_docs WHERE id<$1", Params().i64(bound));
  const bool any = !ends.row(0).is_null(0);
  std::int64_t below = any ? std::max(ends.row(0).i64(0) - window + 1, ends.row(0).i64(1)) : 0;
  const std::int64_t oldest = any ? ends.row(0).i64(1) : 0;
  const std::int64_t walked = any ? ends.row(0).i64(0) + 1 - below : 0;  // ids
  bool older = any && below > oldest;
  // First those, newest first, the cheap conditions (tenant, rooms) before the index's and
  // the substrings: a frequent term fills the page there, whatever the corpus's size.
  if (any) {
    Params p = params(tsquery, bound);
    p.i64(below).i64(want);
    take(db.exec_planned(std::string(cols) + norm + " FROM search_docs d WHERE d.id>=" + first_n +
                         " AND d.id<$4 AND CASE WHEN d.tenant_id=$2 AND d.room_id = ANY($3::bigint[])"
                         " THEN d.tsv @@ $1::tsquery" + rest + " ELSE false END"
                         " ORDER BY d.id DESC LIMIT " + next_n,
                         p));
  }
  // Then, if the page is not full and there are older documents: a term that is frequent
  // in the searcher's rooms (the walk found some) through their documents in id order
  // (search_docs_room), in stretches that each should fill the page twice over at the rate
  // found so far, up to max_walk documents in all; then the rest through the index.
  // (A single stretch fell short for 税 in the bench, 21 of 23, and the index then read
  // the rooms' 1,900 older matches: 46 ms, where a second stretch takes a few.)
  if (older && static_cast<std::int64_t>(rows.size()) < want) {
    // Only bitmaps in both statements below, whatever the planner guesses of a term's
    // frequency (it guessed 'の':* at a third of what it is); undone at the block's end.
    db.script("SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off");
    if (!rows.empty()) {
      // The rooms' documents in [lo, hi).
      auto rooms_docs = [&](std::int64_t lo, std::int64_t hi) {
        return db.exec("SELECT count(*) FROM search_docs WHERE room_id = ANY($1::bigint[])"
                       " AND id>=$2 AND id<$3",
                       Params().ids(q.rooms).i64(lo).i64(hi)).row(0).i64(0);
      };
      // Those in the walked window: the rate of matches among them, and how many of them a
      // stretch of ids holds (about: an edit or a reindex leaves ids unused).
      const std::int64_t in_rooms = rooms_docs(below, bound);
      const double ids_per_doc =
          static_cast<double>(walked) / static_cast<double>(std::max<std::int64_t>(in_rooms, 1));
      // Each stretch as long as it takes to fill the page twice over at the rate found so
      // far, or rather at what that rate may well be (hits + 2 sqrt(hits) + 1 of them: the
      // newest window holds a few hundred of the rooms' documents, so a count of 3 there
      // may stand for 10, and at 3 the walk's first stretch would pass max_walk and leave
      // the term to the index); one that falls short is followed by another, the rate
      // found again, until the page is full or the rooms' documents read would pass
      // max_walk.
      auto seen = static_cast<double>(std::max<std::int64_t>(in_rooms, static_cast<std::int64_t>(rows.size())));
      const double max_walk = prefix_in_index ? kMaxRoomWalkRowsPrefix : kMaxRoomWalkRows;
      double read = 0;
      // `tsv || ''` so that the index of the terms is not one of the bitmaps: the rooms'
      // documents in a stretch are few, the term's are many.
      for (int stretch = 0; stretch < 4 && older; ++stretch) {
        const auto hits = static_cast<std::int64_t>(rows.size());
        if (hits >= want || hits == 0) break;
        const auto h = static_cast<double>(hits);
        const double docs_needed =
            2.0 * static_cast<double>(want - hits) * seen / (h + 2.0 * std::sqrt(h) + 1.0);
        if (read + docs_needed > max_walk) break;
        auto span = std::max<std::int64_t>(1, static_cast<std::int64_t>(docs_needed * ids_per_doc));
        std::int64_t lo = std::max<std::int64_t>(oldest, below - span);
        // Counted, since ids are not quite dense: a stretch with far more of the rooms'
        // documents than needed is made shorter once.
        auto docs = static_cast<double>(rooms_docs(lo, below));
        if (docs > 2 * docs_needed) {
          span = std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(span) * docs_needed / docs));
          lo = std::max<std::int64_t>(oldest, below - span);
          docs = static_cast<double>(rooms_docs(lo, below));
        }
        if (read + docs > max_walk) break;
        Params p = params(tsquery, below);
        p.i64(lo).i64(want - hits);
        take(db.exec_planned(std::string(cols) + norm +
                             " FROM search_docs d WHERE d.room_id = ANY($3::bigint[]) AND d.id>=" +
                             first_n + " AND d.id<$4 AND d.tenant_id=$2"
                             " AND (d.tsv || ''::tsvector) @@ $1::tsquery" + rest +
                             " ORDER BY d.id DESC LIMIT " + next_n,
                             p));
        read += docs;
        seen += docs;
        below = lo;
        older = lo > oldest;
      }
    }
    // The older documents through the index, the searcher's rooms as lexemes of the
    // tsquery (a few rooms: the index intersects their posting lists with the terms'),
    // then the heap rows of the candidates: the matches are rare by then (fewer than one
    // in `window` / want, or in kMaxRoomWalkRows / want of the rooms' documents), so there
    // are few to read.
    if (older && static_cast<std::int64_t>(rows.size()) < want) {
      std::string match = tsquery;
      // `+ 0`: the room lexemes narrow to the rooms already, a bitmap of search_docs_room
      // for them would only add work; the condition stays as the exact filter.
      const char* rooms = "d.room_id + 0 = ANY($3::bigint[])";
      if (q.rooms.size() <= kMaxRoomLexemes) {
        match = "(" + tsquery + ") & (";
        for (std::size_t i = 0; i < q.rooms.size(); ++i) {
          match += (i ? " | '#" : "'#") + std::to_string(q.rooms[i]) + "'";
        }
        match += ")";
      } else {
        // A member of many rooms: a tsquery of each would cost the index more than the
        // bitmap of their ids in search_docs_room, ANDed with the terms'.
        rooms = "d.room_id = ANY($3::bigint[])";
      }
      Params p = params(match, below);
      p.i64(want - static_cast<std::int64_t>(rows.size()));
      take(db.exec_planned(std::string(cols) + norm +
                           " FROM search_docs d WHERE d.tsv @@ $1::tsquery AND d.tenant_id=$2"
                           " AND " + rooms + " AND d.id<$4" + rest +
                           " ORDER BY d.id DESC LIMIT " + first_n,
                           p));
    }
    db.script("SET LOCAL enable_indexscan = on; SET LOCAL enable_seqscan = on");
  }

  // The messages posted but not indexed yet (search_pending), in the searcher's rooms, read
  // one by one and checked here like the documents above: a few thousand in all at most,
  // most of the time none (index_pending). Newest first by the ids their documents will
  // have. One the indexer has written meanwhile is not in this snapshot's list; one written
  // by an edit or a reindex is in search_docs, where the statements above found it.
  // Two statements, so that the messages are read by id whatever the planner makes of
  // the list's size (its statistics lag behind a list that fills and empties in seconds).
  // Newest first, a full page already: only those newer than its last can be on it.
  const std::int64_t above =
      !q.relevance && static_cast<std::int64_t>(rows.size()) >= want ? rows.back().id : 0;
  std::optional<PgResult> pending;
  if (q.kind == SearchQuery::Kind::all || q.kind == SearchQuery::Kind::messages) {
    pending.emplace(db.exec("SELECT message_id, doc_id FROM search_pending"
                            " WHERE room_id = ANY($1::bigint[]) AND doc_id<$2 AND doc_id>$3",
                            Params().ids(q.rooms).i64(bound).i64(above)));
  }
  if (pending && !pending->empty()) {
    std::vector<std::int64_t> message_ids, doc_ids;
    for (int i = 0; i < pending->rows(); ++i) {
      message_ids.push_back(pending->row(i).i64(0));
      doc_ids.push_back(pending->row(i).i64(1));
    }
    Params p;
    p.ids(message_ids).ids(doc_ids).i64(q.tenant);
    std::string sql =
        "SELECT k.doc, m.room_id, m.seq, m.sender_id, m.created_at, m.body,"
        " coalesce(a.title, ''), coalesce(a.options, '')"
        " FROM unnest($1::bigint[], $2::bigint[]) AS k(id, doc) JOIN messages m ON m.id=k.id"
        " JOIN rooms r ON r.id=m.room_id"
        " LEFT JOIN actions a ON a.room_id=m.room_id AND a.seq=m.seq"
        " WHERE r.tenant_id=$3 AND NOT m.deleted AND m.kind<>'system' AND m.stamp=''"
        " AND NOT EXISTS (SELECT 1 FROM search_docs d WHERE d.room_id=m.room_id AND d.kind='m'"
        "  AND d.seq=m.seq AND d.note_id=0 AND d.file_id=0)";
    auto next = [&] { return "$" + std::to_string(p.size() + 1); };
    if (q.has_file) sql += " AND m.nfiles>0";
    if (q.sender) {
      sql += " AND m.sender_id=" + next();
      p.i64(q.sender);
    }
    if (q.from) {
      sql += " AND m.created_at>=" + next();
      p.i64(q.from);
    }
    if (q.to) {
      sql += " AND m.created_at<" + next();
      p.i64(q.to);
    }
    PgResult r = db.exec(sql, p);
    bool added = false;
    for (int i = 0; i < r.rows(); ++i) {
      const Row row = r.row(i);
      const std::string text = search::normalize(message_text(row.view(5), row.view(6), row.view(7)));
      auto has = [&](const std::string& t) { return text.find(t) != std::string::npos; };
      if (!std::all_of(q.terms.begin(), q.terms.end(), has) ||
          std::any_of(q.excluded.begin(), q.excluded.end(), has)) {
        continue;
      }
      Found& f = rows.emplace_back();
      f.id = row.i64(0);
      f.room = row.i64(1);
      f.seq = row.i64(2);
      f.sender = row.i64(3);
      f.at = row.i64(4);
      if (q.relevance) f.score = search::relevance(text, q.terms);
      added = true;
    }
    if (added) {
      std::stable_sort(rows.begin(), rows.end(),
                       [](const Found& a, const Found& b) { return a.id > b.id; });
      if (static_cast<std::int64_t>(rows.size()) > want) rows.resize(static_cast<std::size_t>(want));
    }
  }

  std::size_t first = 0, end = rows.size();
  if (q.relevance) {
    if (top == 0 && !rows.empty()) top = rows.front().id;
    // Ties (and the window) newest first: the rows came newest first, a stable sort keeps it.
    std::stable_sort(rows.begin(), rows.end(),
                     [](const Found& a, const Found& b) { return a.score > b.score; });
    first = std::min<std::size_t>(static_cast<std::size_t>(offset), rows.size());
    end = std::min(rows.size(), first + static_cast<std::size_t>(q.limit));
    if (end < rows.size()) page.next = "r" + std::to_string(end) + "." + std::to_string(top);
  } else if (rows.size() > static_cast<std::size_t>(q.limit)) {
    end = static_cast<std::size_t>(q.limit);
    page.next = std::to_string(rows[end - 1].id);
  }
  std::vector<const Found*> shown;
  for (std::size_t i = first; i < end; ++i) shown.push_back(&rows[i]);
  page.hits = hits_of(db, shown);
  return page;
}

// ---- Rebuilding -------------------------------------------------------------------------

std::int64_t reindex_total(PgConn& db, TenantId tenant) {
  return db.exec("SELECT (SELECT count(*) FROM messages m JOIN rooms r ON r.id=m.room_id"
                 "        WHERE $1::bigint=0 OR r.tenant_id=$1)"
                 " + (SELECT count(*) FROM notes n JOIN rooms r ON r.id=n.room_id"
                 "    WHERE NOT n.deleted AND ($1::bigint=0 OR r.tenant_id=$1))",
                 Params().i64(tenant)).row(0).i64(0);
}

namespace {

// Phase 0: the next `batch` sources in time order (messages by id, notes by when saved),
// read again under their rooms' share locks, and their documents written.
void reindex_sources(PgConn& db, TenantId tenant, int batch, ReindexCursor& c) {
  struct Source {
    TimeMs at;
    bool note;
    std::int64_t id;  // message id, or note id
    RoomId room;
  };
  std::vector<Source> sources;
  TimeMs last_message_at = std::numeric_limits<TimeMs>::max();
  {
    PgResult r = db.exec("SELECT m.id, m.created_at, m.room_id FROM messages m"
                         " JOIN rooms r ON r.id=m.room_id"
                         " WHERE m.id>$1 AND ($2::bigint=0 OR r.tenant_id=$2) ORDER BY m.id LIMIT $3",
                         Params().i64(c.message).i64(tenant).i64(batch));
    for (int i = 0; i < r.rows(); ++i) {
      sources.push_back({r.row(i).i64(1), false, r.row(i).i64(0), r.row(i).i64(2)});
    }
    if (r.rows() == batch) last_message_at = sources.back().at;
  }
  {
    PgResult r = db.exec("SELECT n.id, n.updated_at, n.room_id FROM notes n"
                         " JOIN rooms r ON r.id=n.room_id"
                         " WHERE NOT n.deleted AND (n.updated_at, n.id) > ($1::bigint, $2::bigint)"
                         " AND n.updated_at<=$3 AND ($4::bigint=0 OR r.tenant_id=$4)"
                         " ORDER BY n.updated_at, n.id LIMIT $5",
                         Params().i64(c.note_at).i64(c.note).i64(last_message_at).i64(tenant)
                             .i64(batch));
    for (int i = 0; i < r.rows(); ++i) {
      sources.push_back({r.row(i).i64(1), true, r.row(i).i64(0), r.row(i).i64(2)});
    }
  }
  if (sources.empty()) {
    c.phase = 1;
    return;
  }
  // Both lists are in time order and each holds all of its kind up to the first `batch` of
  // the merge: the merge's first `batch` are the next sources in time order.
  std::stable_sort(sources.begin(), sources.end(),
                   [](const Source& a, const Source& b) { return a.at < b.at; });
  if (sources.size() > static_cast<std::size_t>(batch)) sources.resize(static_cast<std::size_t>(batch));

  std::vector<std::int64_t> rooms, message_ids, note_ids;
  for (const Source& s : sources) {
    rooms.push_back(s.room);
    (s.note ? note_ids : message_ids).push_back(s.id);
  }
  std::sort(rooms.begin(), rooms.end());
  rooms.erase(std::unique(rooms.begin(), rooms.end()), rooms.end());
  // Every write of a room takes its row lock (FOR NO KEY UPDATE) first, which this waits
  // for and holds off until the batch commits: what is read below stays as read.
  db.exec("SELECT 1 FROM rooms WHERE id = ANY($1::bigint[]) ORDER BY id FOR SHARE",
          Params().ids(rooms));

  std::map<std::int64_t, MessageRow> messages;  // by message id
  if (!message_ids.empty()) {
    messages = read_messages(db, message_ids);
    // A posted message the indexer has not reached yet: its document takes the id it was
    // given when posted (its place as posted), and it leaves the list, as in index_message.
    PgResult pending = db.exec("DELETE FROM search_pending p USING unnest($1::bigint[]) AS k(id)"
                               " WHERE p.message_id=k.id RETURNING p.message_id, p.doc_id",
                               Params().ids(message_ids));
    for (int i = 0; i < pending.rows(); ++i) {
      if (auto it = messages.find(pending.row(i).i64(0)); it != messages.end()) {
        it->second.doc.id = pending.row(i).i64(1);
      }
    }
  }
  std::map<NoteId, Doc> notes;
  if (!note_ids.empty()) {
    PgResult r = db.exec("SELECT n.id, n.room_id, r.tenant_id, n.title, n.body, n.updated_by,"
                         " n.updated_at FROM notes n JOIN rooms r ON r.id=n.room_id"
                         " WHERE n.id = ANY($1::bigint[]) AND NOT n.deleted",
                         Params().ids(note_ids));
    for (int i = 0; i < r.rows(); ++i) {
      const Row row = r.row(i);
      Doc d;
      d.room = row.i64(1);
      d.tenant = row.i64(2);
      d.kind = 'n';
      d.note = row.i64(0);
      d.sender = row.i64(5);
      d.at = row.i64(6);
      d.text = doc_text(titled(row.view(3), row.view(4)));
      notes.emplace(d.note, std::move(d));
    }
  }

  // Written a few MiB at a time: a batch's files may hold up to kMaxFileTextBytes of text
  // each, read one message's at a time.
  std::vector<Doc> docs;
  std::size_t pending = 0;
  auto add = [&](Doc d) {
    pending += d.text.norm.size();
    docs.push_back(std::move(d));
    ++c.written;
    if (pending > (16u << 20)) {
      put_docs(db, docs);
      docs.clear();
      pending = 0;
    }
  };
  std::vector<std::int64_t> gone_rooms, gone_seqs;
  for (const Source& s : sources) {
    if (s.note) {
      // A note deleted since it was listed lost its document with it (delete_note).
      if (auto it = notes.find(s.id); it != notes.end()) add(std::move(it->second));
      c.note_at = s.at;
      c.note = s.id;
    } else if (auto it = messages.find(s.id); it != messages.end()) {
      MessageRow& m = it->second;
      if (m.has_doc) {
        const RoomId room = m.doc.room;
        const Seq seq = m.doc.seq;
        const TimeMs at = m.doc.at;
        const bool has_file = m.doc.has_file;
        add(std::move(m.doc));
        if (has_file) {
          PgResult r = db.exec("SELECT id, tenant_id, room_id, seq, uploader_id, name, text FROM files"
                               " WHERE room_id=$1 AND seq=$2 AND NOT deleted ORDER BY pos",
                               Params().i64(room).i64(seq));
          for (int i = 0; i < r.rows(); ++i) add(file_doc(r.row(i), 1, r.row(i).i64(0), at));
        }
      } else {
        gone_rooms.push_back(m.doc.room);
        gone_seqs.push_back(m.doc.seq);
      }
      c.message = s.id;
    } else {
      c.message = s.id;
    }
    ++c.done;
  }
  if (!gone_rooms.empty()) {
    db.exec("DELETE FROM search_docs d USING unnest($1::bigint[], $2::bigint[]) AS k(room, seq)"
            " WHERE d.room_id=k.room AND d.kind IN ('m','f') AND d.seq=k.seq",
            Params().ids(gone_rooms).ids(gone_seqs));
  }
  put_docs(db, docs);
}

// Phase 1: documents whose source is gone, `batch` documents at a time, in one statement
// (one snapshot: a source and its document are written in one transaction, so a document
// seen without its source is an orphan).
void sweep_orphans(PgConn& db, TenantId tenant, int batch, ReindexCursor& c) {
  PgResult r = db.exec(
      "WITH b AS (SELECT id, kind, room_id, seq, note_id, file_id FROM search_docs"
      "           WHERE id>$1 AND ($2::bigint=0 OR tenant_id=$2) ORDER BY id LIMIT $3),"
      " gone AS (DELETE FROM search_docs d USING b WHERE d.id=b.id AND NOT CASE b.kind"
      "   WHEN 'm' THEN EXISTS (SELECT 1 FROM messages m WHERE m.room_id=b.room_id"
      "     AND m.seq=b.seq AND NOT m.deleted AND m.kind<>'system' AND m.stamp='')"
      "   WHEN 'n' THEN EXISTS (SELECT 1 FROM notes n WHERE n.id=b.note_id"
      "     AND n.room_id=b.room_id AND NOT n.deleted)"
      "   WHEN 'f' THEN EXISTS (SELECT 1 FROM files f JOIN messages m ON m.room_id=f.room_id"
      "     AND m.seq=f.seq WHERE f.id=b.file_id AND f.room_id=b.room_id AND f.seq=b.seq"
      "     AND NOT f.deleted AND NOT m.deleted)"
      "   ELSE false END RETURNING 1)"
      " SELECT (SELECT max(id) FROM b), (SELECT count(*) FROM gone)",
      Params().i64(c.doc).i64(tenant).i64(batch));
  if (r.row(0).is_null(0)) {
    c.phase = 2;
    return;
  }
  c.doc = r.row(0).i64(0);
}

}  // namespace

bool reindex_step(PgConn& db, TenantId tenant, int batch, ReindexCursor& cursor) {
  if (batch < 1) batch = 1;
  if (cursor.phase == 0) reindex_sources(db, tenant, batch, cursor);
  else if (cursor.phase == 1) sweep_orphans(db, tenant, batch, cursor);
  return cursor.phase < 2;
}

// ---- State ------------------------------------------------------------------------------

std::int64_t search_state(PgConn& db, const char* name) {
  PgResult r = db.exec("SELECT value FROM search_state WHERE name=$1", Params().text(name));
  return r.empty() ? -1 : r.row(0).i64(0);
}

void set_search_state(PgConn& db, const char* name, std::int64_t value) {
  db.exec("INSERT INTO search_state(name, value) VALUES($1,$2)"
          " ON CONFLICT (name) DO UPDATE SET value=excluded.value",
          Params().text(name).i64(value));
}

void clear_search_state(PgConn& db, const char* name) {
  db.exec("DELETE FROM search_state WHERE name=$1", Params().text(name));
}

void check_search_state(PgConn& db, bool indexing) {
  const std::int64_t version = search_state(db, "norm_version");
  if (!indexing) {
    if (version >= 0) {
      clear_search_state(db, "norm_version");
      log::warn("search.indexing_off", {});
    }
    return;
  }
  if (version != search::kFulltextVersion) {
    log::warn("search.reindex_needed",
              {{"index_version", version},
               {"version", search::kFulltextVersion},
               {"what", version < 0 ? "the search index is not complete (indexing was off):"
                                      " run `tonari admin reindex` (it rebuilds online)"
                                    : "the search index was built by another version of the"
                                      " normalizer: run `tonari admin reindex` (it rebuilds online)"}});
  }
}

void backfill_search(PgConn& db) {
  const auto started = std::chrono::steady_clock::now();
  auto last_log = started;
  ReindexCursor cursor;
  const std::int64_t total = reindex_total(db, 0);
  log::info("search.reindex", {{"done", 0}, {"total", total}, {"by", "migrate"}});
  for (bool more = true; more;) {
    db.script("BEGIN");
    try {
      more = reindex_step(db, 0, 2000, cursor);
      if (!more) set_search_state(db, "norm_version", search::kFulltextVersion);
      db.script("COMMIT");
    } catch (const PgError&) {
      if (db.usable()) db.script("ROLLBACK");
      throw;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!more || now - last_log >= std::chrono::seconds(2)) {
      last_log = now;
      log::info("search.reindex",
                {{"done", cursor.done}, {"total", total}, {"documents", cursor.written},
                 {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(now - started).count()}});
    }
  }
}

}  // namespace tonari::store::postgres
