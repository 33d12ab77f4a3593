// Internal to the PostgreSQL store: full-text search (issue 22; schema version 5). The
// search documents (search_docs: one per message, note and attached file, with its search
// form `norm` and its tokens as a tsvector under a GIN index), the writes that keep them in
// step, the search statement, and reindex's batches.
// store.h ("Search") is the contract; search/fulltext.h the normalizer and the tokens.
//
// Which documents exist (the same as on SQLite, store/sqlite/search_index.h):
// - a message that is not a system message, not a stamp and not deleted, even with an
//   empty text (a files-only message): its body, and for an action stamp then its question
//   and option labels, one per line (message_text); has_file when it has files;
// - a note not deleted: title, a new line, body; its last editor, when last saved; a save
//   gives it a new id (it moves to the newest place);
// - a file attached to a message not deleted, whatever its state: name, a new line, its
//   text (files.text: FileOutcome::text of a ready file); the uploader, its message's time.
// Ids grow with time (an identity column); newest first is by id.
//
// Pending messages: a post writes no document. It puts its message in search_pending, in
// its own transaction, with the id the document will have (the next of the identity's
// sequence: the order of posting), and the indexer (search_indexer.h) writes the documents
// a few thousand at a time (index_pending), moments later. Writing them with each post cost
// PostgreSQL as much again as the post itself (documents, tsvectors and GIN entries in the
// small batches of group commits); in batches the index costs less, and it gives way to
// the writers while they have a queue. Searches read the pending messages of the
// searcher's rooms directly (run_search): nothing is ever missing from a result. An edit or
// a deletion takes its message off the list (waiting for a batch that holds it) before it
// writes or drops the document, so a document never keeps a text from before either.
// Notes, files and edits write their documents in their own transaction, as before. A document's tsvector
// holds its tokens and one lexeme for its room, '#' and the room's id (no token has a '#'),
// which the search's second statement asks for with the terms (run_search says why).
// Thread safety: functions of one PgConn, which one thread uses at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg.h"
#include "store/search_text.h"
#include "store/store.h"

namespace tonari::store::postgres {

// A document's search form and its distinct tokens: the lexemes of its tsvector.
struct DocText {
  std::string norm;
  std::vector<std::string> tokens;
};
// normalize(text) and its tokens. A tsvector holds at most 1 MiB of lexemes: a text with
// more distinct tokens (a file of over 150,000 distinct character pairs: never real text)
// keeps as many as fit, is found by those only, and is logged (search.tokens_cut).
DocText doc_text(std::string_view text);
// The tokens as one text, for statements that take many documents' tokens in one text[]:
// string_to_array(x, chr(31)) in SQL gives them back (a token has no control character).
std::string joined_tokens(const std::vector<std::string>& tokens);

// ---- Writes (inside the caller's transaction) -------------------------------------------

// The document of message `m` (as load_message() reads it) of a room of `tenant`: written
// in place (same id) or as a new one; dropped if the message has none (system, stamp,
// deleted). For an edit.
void index_message(PgConn& db, TenantId tenant, const Message& m);
// The documents of the files just attached to message `seq`, posted at `at`.
void index_new_files(PgConn& db, RoomId room, Seq seq, TimeMs at);
// A deleted message's document goes, its files' with it.
void unindex_message(PgConn& db, RoomId room, Seq seq);
// A note created or saved: its document, a new one (the newest place).
void index_note(PgConn& db, TenantId tenant, RoomId room, NoteId note);
void unindex_note(PgConn& db, RoomId room, NoteId note);
// A file's document after its text or state changed (finish_file_job): in place, if the
// file is attached to a message still there.
void reindex_file(PgConn& db, FileId file);

// Writes the documents of up to `max` pending messages (in the order of the list; rows another
// indexer holds are skipped) and takes them off the list: reads and normalizes them first,
// then takes and writes them in a transaction of its own (BEGIN ... COMMIT on `db`, which
// must not be in one). Returns how many it took.
std::int64_t index_pending(PgConn& db, int max);
// How many messages are pending: counted (every row of the list read), and estimated from
// PostgreSQL's statistics (live rows; they lag by a second or so), which is what the
// indexer's pace asks for after each batch: a count of 200,000 pending took 6 ms, the
// statistics 0.4.
std::int64_t pending_messages(PgConn& db);
std::int64_t pending_messages_estimate(PgConn& db);

// Words (search_words, schema version 9): every document written adds its words, so that
// a search ending with a word asks the index for the words it begins rather than for a
// prefix. The documents from before version 9 have theirs added by this, up to `max` of
// them a transaction, newest first (the indexer calls it while idle); until none is left
// searches ask for prefixes. Returns whether some may be left.
bool add_missing_words(PgConn& db, int max);

// ---- Reads ------------------------------------------------------------------------------

// Store::search, on a connection inside a read snapshot: the hits' texts agree with it, and
// the planner settings it makes (SET LOCAL) end with it. It reads the newest `window`
// documents one by one before it asks the index (Options::search_window).
Result<SearchPage> run_search(PgConn& db, const SearchQuery& q, std::int64_t window);

// ---- Upkeep -----------------------------------------------------------------------------

// Where a rebuild is: sources (messages in id order and notes in save order, merged by
// time so that new documents get ids in time order; a message's files with it), then a
// sweep of the documents for orphans.
struct ReindexCursor {
  int phase = 0;              // 0: sources, 1: orphans, 2: done
  std::int64_t message = 0;   // last message id handled
  TimeMs note_at = -1;        // last note handled (updated_at, id)
  NoteId note = 0;
  std::int64_t doc = 0;       // last document id swept
  std::int64_t written = 0;   // documents written or found right so far
  std::int64_t done = 0;      // source rows handled so far
};
// How many source rows (messages and notes) a rebuild of `tenant` (0: all) goes through.
std::int64_t reindex_total(PgConn& db, TenantId tenant);
// One batch of a rebuild, in the caller's transaction: up to `batch` source rows (or
// documents swept). It takes the share lock of the rooms of its sources first, so that
// no write of those rooms (each takes its room's row lock first) comes between its reads
// and its writes. Returns false once the rebuild is complete (cursor.phase 2).
bool reindex_step(PgConn& db, TenantId tenant, int batch, ReindexCursor& cursor);

// What search_state says; -1 when there is no row.
std::int64_t search_state(PgConn& db, const char* name);
void set_search_state(PgConn& db, const char* name, std::int64_t value);
void clear_search_state(PgConn& db, const char* name);

// On open (PgStore's constructor): with indexing on, a warning asking for `tonari admin
// reindex` if the documents are not all written or were written by another normalizer;
// with it off (Options::search_index), norm_version is dropped, so that the next migrate
// completes the documents.
void check_search_state(PgConn& db, bool indexing);

// Writes every document, in batches that each commit, logging `search.reindex` progress,
// then records norm_version: migrate() calls it while the documents are not all written
// (the upgrade to schema version 5, or a store run with indexing off). Throws PgError.
void backfill_search(PgConn& db);

}  // namespace tonari::store::postgres
