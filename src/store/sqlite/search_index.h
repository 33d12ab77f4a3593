// Internal to the SQLite store: full-text search (issue 22; schema migration 13). The
// search documents (search_docs: one per message, note and attached file, with its search
// form `norm`), their FTS5 index (search_fts, tokenizer "tonari"), the writes that keep
// both in step inside the writing transaction, the search statement, and reindex's batches.
// store.h ("Search") is the contract; search/fulltext.h the normalizer and tokens.
//
// Which documents exist (the same on PostgreSQL):
// - a message that is not a system message, not a stamp (Message::stamp) and not deleted,
//   even with an empty text (a files-only message: an edit that gives it text keeps its
//   place): its body, and for an action stamp then its question and option labels, one per
//   line (message_text); has_file when it has files;
// - a note not deleted: title, a new line, body; the last editor, when last saved; a save
//   gives it a new id (it moves to the newest place);
// - a file attached to a message not deleted, whatever its state: name, a new line, its
//   extracted text (files.text, FileOutcome::text); the uploader, its message's time.
// Ids grow with time (INTEGER PRIMARY KEY: max + 1); newest first is by id.
// Thread safety: the writes run on the writer's connection inside its transaction; the rest
// on any connection, one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/types.h"
#include "store/sqlite/db.h"
#include "store/search_text.h"
#include "store/store.h"

struct sqlite3;

namespace tonari::store::sqlite {

// Registers the FTS5 tokenizer "tonari" on `db` (Connection does, on every connection):
// in document mode it gives search::index_tokens of its input (a search form) and every
// kanji alone (what a one-kanji term asks for); in query mode its input verbatim as one
// token (search() quotes each pattern). Throws DbError if this SQLite has no FTS5.
void register_search_tokenizer(sqlite3* db);

// ---- Writes (inside the caller's transaction) -------------------------------------------

// The search form of what `m` posts (new_message_norm, computed before the write job, off
// the writer thread: the one thread every write waits for), and the freshly posted
// message's document with that norm and those of its attached files (none for a stamp).
// `tenant`: the room's.
std::string new_message_norm(const NewMessage& m);
void index_new_message(Connection& db, TenantId tenant, const Message& m, const std::string& norm);
// An edited message's document takes its new text in place (same id).
void reindex_message_text(Connection& db, RoomId room, Seq seq);
// A deleted message's document goes, its files' with it.
void unindex_message(Connection& db, RoomId room, Seq seq);
// A note created or saved: its document (a new one: the newest place).
void index_note(Connection& db, TenantId tenant, RoomId room, NoteId note);
void unindex_note(Connection& db, RoomId room, NoteId note);
// A file's document after its text or state changed (finish_file_job): in place, if the
// file is attached to a message still there.
void reindex_file(Connection& db, FileId file);

// Adds up to `max_docs` pending documents to the FTS index; returns how many. Pending are
// the documents from search_state's indexed_below on (new ones: ids only grow, and the
// mark comes down when the newest row goes, remove_doc), and those listed in
// search_pending (rewritten below the mark: an edit, a file's text), taken first. Writes
// put a document's row (and its listing) in their own transaction, and leave its tokens
// to this: FTS5 writes a segment per transaction and merges segments as they pile up, so
// that documents indexed a few thousand at a time cost a fraction of one at a time in the
// group commits of posts (measured: sqlite_store_search.cc, maybe_flush_search). Searches
// read pending documents directly (run_search), so nothing is ever missing from a result.
std::int64_t flush_search_index(Connection& db, std::int64_t max_docs);
std::int64_t pending_documents(Connection& db);

// FTS5 keeps the index as segments, one or more per flush, and merges them as it writes:
// a level's segments into one of the next level once there are kAutomerge of them
// (merging a little at each write), all at once past kCrisisMerge. A search reads every
// segment, so fewer are faster to search; each merge rewrites what it merges, so fewer
// merges are cheaper to write. While posts come, the index merges 16 at a time (each
// document is rewritten about half as often as with FTS5's default, 4); when the writer
// has nothing else to do, merge_search_index takes the levels down to fewer than 4
// segments, as FTS5's default would have kept them. Measured: docs/performance.md.
inline constexpr int kAutomerge = 16;
inline constexpr int kCrisisMerge = 64;
// One step of that idle merging (FTS5 'merge': levels of 4 segments or more, at most
// about `pages` leaf pages written). Returns false when there was nothing to merge.
bool merge_search_index(Connection& db, int pages);
// The index's segments (tests, the merging's figures).
std::int64_t search_index_segments(Connection& db);

// ---- Reads ------------------------------------------------------------------------------

// Store::search on a read connection (inside its read transaction).
Result<SearchPage> run_search(Connection& db, const SearchQuery& q);

// ---- Upkeep -----------------------------------------------------------------------------

// Where a rebuild is: sources (messages in id order, notes in save order, merged by time so
// that new documents get ids in time order), then a sweep of the documents for orphans.
struct ReindexCursor {
  int phase = 0;              // 0: sources, 1: orphans, 2: done
  std::int64_t message = 0;   // last message row id handled
  TimeMs note_at = -1;        // last note handled (updated_at, id)
  NoteId note = 0;
  std::int64_t doc = 0;       // last document id swept
  std::int64_t written = 0;   // documents written or confirmed so far
  std::int64_t done = 0;      // source rows handled so far
};
// How many source rows (messages and notes) a rebuild of `tenant` (0: all) goes through.
std::int64_t reindex_total(Connection& db, TenantId tenant);
// One batch of a rebuild, in the caller's transaction: up to `batch` source rows (or
// documents swept). Returns false once the rebuild is complete (cursor.phase 2).
bool reindex_step(Connection& db, TenantId tenant, int batch, ReindexCursor& cursor);

// What search_state says; -1 when there is no row.
std::int64_t search_state(Connection& db, const char* name);
void set_search_state(Connection& db, const char* name, std::int64_t value);
void clear_search_state(Connection& db, const char* name);

// On open (SqliteStore's constructor, on the writer's connection, before any write):
// - the FTS index built with other tokens (fts_version): rebuilt from search_docs now,
//   since deleting a document from it needs the tokens it was indexed with;
// - documents never all written (no norm_version: the upgrade to schema 13, or a store
//   run with indexing off): written now, in batches, with `search.reindex` log events;
// - documents of another normalizer (norm_version): a warning asking for
//   `tonari admin reindex`.
// `indexing` false (Options::search_index): nothing written; norm_version dropped, so that
// the next open with indexing on completes the documents.
void prepare_search(Connection& db, bool indexing);

}  // namespace tonari::store::sqlite
