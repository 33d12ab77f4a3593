#include "store/sqlite/schema.h"

#include <string>

#include "search/collation.h"
#include "store/sqlite/db.h"
#include "log/log.h"

namespace tonari::store::sqlite {
namespace {

// Never edit a migration that has shipped: append a new one.
const char* const kMigrations[] = {
    // 1: the chat core.
    R"sql(
CREATE TABLE tenants(
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL);

CREATE TABLE departments(
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  parent_id INTEGER REFERENCES departments(id),
  name TEXT NOT NULL,
  reading TEXT NOT NULL DEFAULT '');
CREATE INDEX departments_tenant ON departments(tenant_id);

CREATE TABLE users(
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  login TEXT NOT NULL,
  name TEXT NOT NULL,
  reading TEXT NOT NULL,
  reading_key BLOB NOT NULL,   -- ICU Japanese sort key (migration 7: of the reading alone)
  search_key TEXT NOT NULL,    -- folded name, reading and login, for directory search
  dept_id INTEGER REFERENCES departments(id),
  title TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT 'staff',
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE(tenant_id, login));
CREATE INDEX users_tenant_order ON users(tenant_id, reading_key);

CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE rooms(
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  direct_key TEXT UNIQUE,      -- "lo:hi" user ids of a direct room
  created_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  msg_seq INTEGER NOT NULL DEFAULT 0,
  ev INTEGER NOT NULL DEFAULT 0,
  member_count INTEGER NOT NULL DEFAULT 0,
  last_activity INTEGER NOT NULL);

CREATE TABLE members(
  room_id INTEGER NOT NULL REFERENCES rooms(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  role TEXT NOT NULL DEFAULT 'member',
  read_seq INTEGER NOT NULL DEFAULT 0,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY(room_id, user_id)) WITHOUT ROWID;
CREATE INDEX members_user ON members(user_id, room_id);
CREATE INDEX members_read ON members(room_id, read_seq);

CREATE TABLE messages(
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(id),
  seq INTEGER NOT NULL,
  sender_id INTEGER NOT NULL,
  sender_name TEXT NOT NULL,
  client_id TEXT NOT NULL,
  body TEXT NOT NULL,
  reply_seq INTEGER,
  reply_sender INTEGER,
  reply_sender_name TEXT,
  reply_body TEXT,
  mentions TEXT NOT NULL DEFAULT '',
  mention_all INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  edited_at INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  created_ev INTEGER NOT NULL,
  UNIQUE(room_id, seq),
  UNIQUE(room_id, sender_id, client_id));
CREATE INDEX messages_reply ON messages(room_id, reply_seq) WHERE reply_seq IS NOT NULL;

-- One row per (message, mentioned user); user_id 0 stands for @all.
CREATE TABLE mentions(
  room_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY(room_id, user_id, seq)) WITHOUT ROWID;

-- The room event log that resume replays; `frame` is the JSON exactly as sent.
-- A rowid table (appends are cheap) with the (room_id, ev) key as an index: frames are
-- too large for a WITHOUT ROWID table to pay.
CREATE TABLE events(
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL,
  ev INTEGER NOT NULL,
  frame TEXT NOT NULL,
  msg_seq INTEGER,             -- the message a message.* event is about
  created_at INTEGER NOT NULL,
  UNIQUE(room_id, ev));
CREATE INDEX events_msg ON events(room_id, msg_seq) WHERE msg_seq IS NOT NULL;
)sql",
    // 2: cheaper appends (docs/performance.md, ingest).
    // - The idempotency key leads with client_id: clients make time-ordered ids, so new
    //   keys land at the right edge of the index instead of in one page per room.
    // - message.created is no longer copied into `events`: replay builds it from the
    //   message row (messages.created_ev says where it falls in the room's event order).
    R"sql(
CREATE TABLE messages2(
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(id),
  seq INTEGER NOT NULL,
  sender_id INTEGER NOT NULL,
  sender_name TEXT NOT NULL,
  client_id TEXT NOT NULL,
  body TEXT NOT NULL,
  reply_seq INTEGER,
  reply_sender INTEGER,
  reply_sender_name TEXT,
  reply_body TEXT,
  mentions TEXT NOT NULL DEFAULT '',
  mention_all INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  edited_at INTEGER,
  deleted INTEGER NOT NULL DEFAULT 0,
  created_ev INTEGER NOT NULL,
  UNIQUE(room_id, seq),
  UNIQUE(client_id, sender_id, room_id));
INSERT INTO messages2 SELECT * FROM messages ORDER BY id;
DROP INDEX messages_reply;
DROP TABLE messages;
ALTER TABLE messages2 RENAME TO messages;
CREATE INDEX messages_reply ON messages(room_id, reply_seq) WHERE reply_seq IS NOT NULL;
DELETE FROM events WHERE json_extract(frame, '$.type')='message.created';
)sql",
    // 3: no index on members' read positions. Every post moves its sender's position and
    // every 既読 moves the reader's, so the index cost a delete and an insert in it each
    // time; the one read that used it (read counts for a page of history) reads the room's
    // members by the primary key instead, all of whom it needs for older pages anyway.
    R"sql(
DROP INDEX IF EXISTS members_read;
)sql",
    // 4: a post no longer writes its sender's read position. The room remembers who posted
    // its last message; that member has read up to the room's msg_seq (rows.h,
    // TONARI_READ_SEQ), and their row in `members` is brought up to it only when someone
    // else posts. A run of posts by one member (and every post of the ingest benchmark)
    // then costs one write less each.
    R"sql(
ALTER TABLE rooms ADD COLUMN last_sender INTEGER NOT NULL DEFAULT 0;
)sql",
    // 5: revocations: users whose sessions were ended (an account disabled), which every
    // server polls to recheck those users' live connections (the CLI that disables an
    // account runs in another process, and a cluster has many servers).
    R"sql(
-- AUTOINCREMENT: ids never repeat, even once the purge has emptied the table (servers
-- remember the last id they acted on).
CREATE TABLE revocations(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  at INTEGER NOT NULL);
)sql",
    // 6 (issue 17, org slice): departments by code. A code is the municipality's own
    // 組織コード, unique in the municipality and stable across renames; departments made
    // before codes existed get a generated one (D0001, D0002 ...). The store refuses a new
    // department named like one of its siblings, so that a path (総務部/総務課/庶務係)
    // names at most one.
    R"sql(
ALTER TABLE departments ADD COLUMN code TEXT NOT NULL DEFAULT '';
UPDATE departments SET code=printf('D%04d', id);
CREATE UNIQUE INDEX departments_code ON departments(tenant_id, code);
)sql",
    // 7 (issue 17, defects slice): 五十音 order is the order of the readings. The key was
    // of "reading name", in which the name's kanji (a first-level difference) decided
    // before the reading's voicing or small kana (さとう/さどう, はった/はつた). Now
    // reading_key is the reading's key alone and name_key the name's, ordered by
    // (reading_key, name_key, id) — rows.h, TONARI_USER_ORDER. tonari_sort_key_ja() is
    // search::sort_key_ja, defined on the connection by migrate().
    R"sql(
ALTER TABLE users ADD COLUMN name_key BLOB NOT NULL DEFAULT x'';
UPDATE users SET reading_key=tonari_sort_key_ja(reading), name_key=tonari_sort_key_ja(name);
DROP INDEX users_tenant_order;
CREATE INDEX users_tenant_order ON users(tenant_id, reading_key, name_key, id);
)sql",
    // 8 (issue 17, limits slice: paged member lists): each member row carries its user's
    // order key (reading_key, a 0x00 byte, name_key: ICU sort keys hold no 0x00, so the
    // bytes sort as the pair (reading_key, name_key) does; || makes text, so it is cast back),
    // indexed with the room, so that a page of a room's members (or of a message's readers)
    // in 五十音 order is read along an index from a keyset cursor, never by sorting the
    // whole room. The trigger keeps the copies in step when a reading's key changes.
    R"sql(
ALTER TABLE members ADD COLUMN sort_key BLOB NOT NULL DEFAULT x'';
UPDATE members SET sort_key=coalesce((SELECT CAST(reading_key || x'00' || name_key AS BLOB) FROM users WHERE id=members.user_id), x'');
CREATE INDEX members_order ON members(room_id, sort_key, user_id);
CREATE TRIGGER members_sort_key AFTER UPDATE OF reading_key, name_key ON users BEGIN
  UPDATE members SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB) WHERE user_id=NEW.id;
END;
)sql",
    // 9 (issue 18, the cluster seam): node ids that are never handed out twice (each
    // serving process claims one: its connections' tags are made from it), and secrets
    // shared by every node of a cluster (a store-wide known-device key).
    R"sql(
CREATE TABLE node_ids(id INTEGER PRIMARY KEY AUTOINCREMENT, claimed_at INTEGER NOT NULL);
CREATE TABLE secrets(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql",
    // 10 (issue 19, files): uploaded files and their sanitizing jobs, per-tenant settings
    // and file bytes, and who may use tonari from the Internet zone.
    // - messages.nfiles: how many files a message has (0 for nearly all), so that reads of
    //   plain messages never look at `files`; a page whose messages have none costs nothing
    //   more.
    // - files.seq/pos: the message a file is attached to (0: not yet) and its place among
    //   that message's files; files_message reads a page's attachments in order.
    // - files_jobs: the sanitizing queue (oldest processing file first); it holds only the
    //   files in state processing.
    // - tenant_usage: each tenant's bytes of originals, kept in step by create_file in the
    //   transaction that inserts, so a quota check reads one row instead of summing every
    //   file of the tenant.
    // - A file.updated event names its file's message in events.msg_seq, as message.*
    //   events do: deleting the message finds it there (and blanks the file in it).
    R"sql(
ALTER TABLE users ADD COLUMN internet_allowed INTEGER NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN nfiles INTEGER NOT NULL DEFAULT 0;
CREATE TABLE files(
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  room_id INTEGER NOT NULL REFERENCES rooms(id),
  uploader_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  declared_type TEXT NOT NULL DEFAULT '',
  from_internet INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'processing',
  reason TEXT NOT NULL DEFAULT '',
  detected_type TEXT NOT NULL DEFAULT '',
  clean_sha256 TEXT NOT NULL DEFAULT '',
  clean_size INTEGER NOT NULL DEFAULT 0,
  clean_type TEXT NOT NULL DEFAULT '',
  clean_name TEXT NOT NULL DEFAULT '',
  sanitized INTEGER NOT NULL DEFAULT 0,
  thumb_sha256 TEXT NOT NULL DEFAULT '',
  width INTEGER NOT NULL DEFAULT 0,
  height INTEGER NOT NULL DEFAULT 0,
  pages INTEGER NOT NULL DEFAULT 0,
  lat REAL,
  lon REAL,
  seq INTEGER NOT NULL DEFAULT 0,
  pos INTEGER NOT NULL DEFAULT 0,
  deleted INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_node INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0);
CREATE INDEX files_message ON files(room_id, seq, pos);
CREATE INDEX files_jobs ON files(created_at, id) WHERE state='processing';
CREATE TABLE tenant_usage(
  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id),
  file_bytes INTEGER NOT NULL DEFAULT 0);
CREATE TABLE tenant_settings(
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY(tenant_id, key)) WITHOUT ROWID;
)sql",
    // 11 (issue 20, rooms with rules): a room's description and rules (RoomRules, one
    // column each; rooms made before keep the defaults of a new group room), a member role
    // 'admin' (members.role is text: no change), users' extension (内線), system messages
    // (messages.kind 'system', body wire::SystemNote's JSON) and quotes that say whether
    // the quoted message was edited.
    R"sql(
ALTER TABLE rooms ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN announcement INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN official INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN members_invite INTEGER NOT NULL DEFAULT 1;
ALTER TABLE rooms ADD COLUMN members_edit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN sync_kind TEXT NOT NULL DEFAULT 'none';
ALTER TABLE rooms ADD COLUMN sync_dept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN sync_subtree INTEGER NOT NULL DEFAULT 1;
CREATE INDEX rooms_synced ON rooms(tenant_id, id) WHERE sync_kind<>'none';
ALTER TABLE users ADD COLUMN extension TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
ALTER TABLE messages ADD COLUMN reply_edited INTEGER NOT NULL DEFAULT 0;
)sql",
    // 12 (issue 21, working together): stamp messages, reactions, action stamps, notes and
    // pins. Each table that lists users (reactions, answers, picks) carries the user's
    // order key (members.sort_key) next to them, so that who reacted, who answered an
    // option and who has not answered are read in 五十音 order along an index, a page at a
    // time; the trigger keeps those copies in step too (in the rooms the user is in).
    // - reaction_counts: per message and key, how many; its rowid is the order keys were
    //   first put there (most used first, then that). A history page reads it by range.
    // - actions: the question with its tally, kept in step by each answer's transaction
    //   (counts: "n,n,...", answered), so that reading it never counts answers. gone: the
    //   answers of users who are no longer members (pending = members - answered + gone).
    // - action_answers: one per user (picks "option:value,..."); action_picks: one row per
    //   pick, for the answerers of one option and value.
    R"sql(
ALTER TABLE messages ADD COLUMN stamp TEXT NOT NULL DEFAULT '';
CREATE TABLE reaction_counts(
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  count INTEGER NOT NULL,
  UNIQUE(room_id, seq, key));
CREATE TABLE reactions(
  room_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  key TEXT NOT NULL,
  sort_key BLOB NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY(room_id, user_id, seq, key)) WITHOUT ROWID;
CREATE INDEX reactions_order ON reactions(room_id, seq, key, sort_key, user_id);
CREATE TABLE actions(
  room_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  asker INTEGER NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  options TEXT NOT NULL,
  multiple INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  results_public INTEGER NOT NULL,
  changeable INTEGER NOT NULL,
  anonymous INTEGER NOT NULL,
  assignees TEXT NOT NULL,
  closed INTEGER NOT NULL DEFAULT 0,
  closed_at INTEGER NOT NULL DEFAULT 0,
  closed_by INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0,
  gone INTEGER NOT NULL DEFAULT 0,
  counts TEXT NOT NULL,
  PRIMARY KEY(room_id, seq)) WITHOUT ROWID;
CREATE TABLE action_answers(
  room_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  picks TEXT NOT NULL,
  sort_key BLOB NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY(room_id, user_id, seq)) WITHOUT ROWID;
CREATE INDEX action_answers_order ON action_answers(room_id, seq, sort_key, user_id);
CREATE TABLE action_picks(
  room_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  option INTEGER NOT NULL,
  value INTEGER NOT NULL,
  sort_key BLOB NOT NULL,
  user_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY(room_id, seq, option, value, sort_key, user_id)) WITHOUT ROWID;
-- A deleted note keeps its row (deleted, body emptied) so that its id is never reused.
CREATE TABLE notes(
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(id),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_by INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_by INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0);
CREATE INDEX notes_room ON notes(room_id, updated_at) WHERE deleted=0;
CREATE TABLE note_versions(
  id INTEGER PRIMARY KEY,
  note_id INTEGER NOT NULL REFERENCES notes(id),
  version INTEGER NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  by_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  restored_from INTEGER NOT NULL DEFAULT 0,
  UNIQUE(note_id, version));
-- kind 'message' (target: the seq) or 'note' (target: the note's id); newest: highest id.
CREATE TABLE pins(
  id INTEGER PRIMARY KEY,
  room_id INTEGER NOT NULL REFERENCES rooms(id),
  kind TEXT NOT NULL,
  target INTEGER NOT NULL,
  by_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  UNIQUE(room_id, kind, target));
DROP TRIGGER members_sort_key;
CREATE TRIGGER members_sort_key AFTER UPDATE OF reading_key, name_key ON users BEGIN
  UPDATE members SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB) WHERE user_id=NEW.id;
  UPDATE reactions SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB)
    WHERE room_id IN (SELECT room_id FROM members WHERE user_id=NEW.id) AND user_id=NEW.id;
  UPDATE action_answers SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB)
    WHERE room_id IN (SELECT room_id FROM members WHERE user_id=NEW.id) AND user_id=NEW.id;
  UPDATE action_picks SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB)
    WHERE (room_id, seq) IN (SELECT room_id, seq FROM action_answers WHERE user_id=NEW.id
                             AND room_id IN (SELECT room_id FROM members WHERE user_id=NEW.id))
      AND user_id=NEW.id;
END;
)sql",
    // 13 (issue 22, full-text search): one search document per message, note and attached
    // file (search_index.h says which, and when each is written), in search_docs with its
    // search form (norm: search::normalize), and an FTS5 index over norm with the "tonari"
    // tokenizer (search::index_tokens; registered on every connection by Connection).
    // - search_fts is an external-content table: the text is only in search_docs, the
    //   index holds which documents have each token (detail=none: no positions, since a
    //   match is decided by rechecking the substring in norm; columnsize=0: no bm25).
    //   Besides norm's tokens it indexes one token per document for its room
    //   (room_token, a control character and the room's id), so that the searcher's rooms
    //   are part of the MATCH (measured: search_index.cc, run_search()); and a prefix
    //   index of one character (gone in version 15).
    // - files.text: a ready file's extracted text (FileOutcome::text), kept with the file
    //   so that a file attached after it was sanitized, and reindex, can index it.
    // - search_state: fts_version, the tokens the FTS index was built with, and
    //   norm_version, the normalizer of search_docs.norm (kFulltextVersion; no row: the
    //   documents were never all written — SqliteStore fills them when it opens).
    // - search_docs_source finds a source's document by its row's id, which grows with
    //   time: new keys land at the right edge of the index. (Keyed by room, it dirtied a
    //   page per room in each commit: posting cost 5 µs more a message.)
    // - search_pending: documents written but not yet in search_fts, which takes them a
    //   few thousand at a time (search_index.h, flush_search_index; since version 15 only
    //   those rewritten below indexed_below).
    R"sql(
ALTER TABLE files ADD COLUMN text TEXT NOT NULL DEFAULT '';
CREATE TABLE search_docs(
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL,
  room_id INTEGER NOT NULL,
  kind TEXT NOT NULL,                -- 'm' message, 'n' note, 'f' file
  seq INTEGER NOT NULL DEFAULT 0,    -- message: its seq; file: its message's
  note_id INTEGER NOT NULL DEFAULT 0,
  file_id INTEGER NOT NULL DEFAULT 0,
  sender_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  has_file INTEGER NOT NULL DEFAULT 0,
  source INTEGER NOT NULL,           -- the row of messages, notes or files (by kind)
  norm TEXT NOT NULL,
  room_token TEXT GENERATED ALWAYS AS (char(1) || room_id) VIRTUAL);
CREATE UNIQUE INDEX search_docs_source ON search_docs(kind, source);
CREATE VIRTUAL TABLE search_fts USING fts5(norm, room_token, content='search_docs',
  content_rowid='id', tokenize='tonari', detail=none, columnsize=0, prefix='1');
CREATE TABLE search_pending(id INTEGER PRIMARY KEY);
CREATE TABLE search_state(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
)sql",
    // 14 (issue 23, disaster mode):
    // - users.crisis / dept_head: the 危機管理 and 所属長 flags.
    // - 確認必須: messages.ack_required and ack_count (kept with the message, so that history
    //   reads cost no count), message_acks one row per acknowledgement.
    // - 安否確認: safety_checks; safety_targets, every target written when the check starts
    //   (dept_id: their department then; sort_key: the member-list order, kept current by
    //   the members_sort_key trigger like the other copies) with the latest answer;
    //   safety_picks, the latest answer's choices with the target's dept_id, so that a tally
    //   is one GROUP BY; safety_answers, every answer, (check, user, client_id) unique: a
    //   retried answer is found, not written twice.
    R"sql(
ALTER TABLE users ADD COLUMN crisis INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN dept_head INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN ack_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN ack_count INTEGER NOT NULL DEFAULT 0;
CREATE TABLE message_acks(
  room_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY(room_id, seq, user_id)) WITHOUT ROWID;
CREATE INDEX message_acks_user ON message_acks(room_id, user_id, seq);
CREATE TABLE safety_checks(
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  title TEXT NOT NULL,
  template TEXT NOT NULL DEFAULT '',
  training INTEGER NOT NULL DEFAULT 0,
  questions TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',       -- department ids "1,2"; '': the whole tenant
  internet_answer INTEGER NOT NULL DEFAULT 0,
  started_by INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  closed_at INTEGER NOT NULL DEFAULT 0,
  closed_by INTEGER NOT NULL DEFAULT 0,
  origin TEXT NOT NULL DEFAULT 'manual',
  webhook_event TEXT NOT NULL DEFAULT '',
  targets INTEGER NOT NULL DEFAULT 0,   -- counts kept with the check: lists read no targets
  answered INTEGER NOT NULL DEFAULT 0);
CREATE INDEX safety_checks_tenant ON safety_checks(tenant_id, id);
CREATE UNIQUE INDEX safety_checks_event ON safety_checks(tenant_id, webhook_event)
  WHERE webhook_event<>'';
CREATE TABLE safety_targets(
  check_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  dept_id INTEGER NOT NULL DEFAULT 0,
  sort_key BLOB NOT NULL,
  answered_at INTEGER NOT NULL DEFAULT 0,
  answered_by INTEGER NOT NULL DEFAULT 0,
  proxy INTEGER NOT NULL DEFAULT 0,
  answer TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(check_id, user_id)) WITHOUT ROWID;
CREATE INDEX safety_targets_order ON safety_targets(check_id, sort_key, user_id);
CREATE INDEX safety_targets_user ON safety_targets(user_id, check_id);
CREATE TABLE safety_picks(
  check_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  question INTEGER NOT NULL,
  option INTEGER NOT NULL,
  dept_id INTEGER NOT NULL,
  PRIMARY KEY(check_id, user_id, question)) WITHOUT ROWID;
CREATE TABLE safety_answers(
  id INTEGER PRIMARY KEY,
  check_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  by_id INTEGER NOT NULL,
  proxy INTEGER NOT NULL,
  at INTEGER NOT NULL,
  answer TEXT NOT NULL,
  client_id TEXT NOT NULL,
  UNIQUE(check_id, user_id, client_id));
DROP TRIGGER members_sort_key;
CREATE TRIGGER members_sort_key AFTER UPDATE OF reading_key, name_key ON users BEGIN
  UPDATE members SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB) WHERE user_id=NEW.id;
  UPDATE reactions SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB)
    WHERE room_id IN (SELECT room_id FROM members WHERE user_id=NEW.id) AND user_id=NEW.id;
  UPDATE action_answers SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB)
    WHERE room_id IN (SELECT room_id FROM members WHERE user_id=NEW.id) AND user_id=NEW.id;
  UPDATE action_picks SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB)
    WHERE (room_id, seq) IN (SELECT room_id, seq FROM action_answers WHERE user_id=NEW.id
                             AND room_id IN (SELECT room_id FROM members WHERE user_id=NEW.id))
      AND user_id=NEW.id;
  UPDATE safety_targets SET sort_key=CAST(NEW.reading_key || x'00' || NEW.name_key AS BLOB)
    WHERE user_id=NEW.id;
END;
)sql",
    // 15 (issue 22):
    // - search_fts without its prefix index. Every kanji is a token of its own instead
    //   (search_index.cc, tokenizer_tokenize), so that a one-kanji term is still one
    //   doclist, and a document writes about 47 index entries instead of 64: the prefix
    //   index had one for every token. The index is built again when the store opens
    //   (fts_version gone: prepare_search).
    // - search_state's indexed_below: the documents from that id on are pending, so a new
    //   one writes no row in search_pending; the list keeps those rewritten below it
    //   (search_index.h, flush_search_index). Measured: 5,100 instructions a post less.
    R"sql(
DROP TABLE search_fts;
CREATE VIRTUAL TABLE search_fts USING fts5(norm, room_token, content='search_docs',
  content_rowid='id', tokenize='tonari', detail=none, columnsize=0);
DELETE FROM search_state WHERE name='fts_version';
INSERT OR REPLACE INTO search_state(name, value)
  SELECT 'indexed_below', coalesce(max(id), 0) + 1 FROM search_docs;
)sql",
};

}  // namespace

std::int64_t latest_version() { return sizeof(kMigrations) / sizeof(kMigrations[0]); }

void migrate(Connection& db, std::int64_t up_to) {
  std::int64_t version = 0;
  {
    Stmt s = db.q("PRAGMA user_version");
    if (s.step()) version = s.i64(0);
  }
  std::int64_t latest = latest_version();
  // A newer tonari's database: its meaning may have changed under this binary's SQL (since
  // version 4 a member's read position is not all in its row), so it is not opened at all.
  if (version > latest) {
    throw DbError(-1, "the database has schema version " + std::to_string(version) +
                          ", newer than this tonari's " + std::to_string(latest) +
                          ": it was written by a newer tonari, and going back is not supported");
  }
  if (up_to >= 0 && up_to < latest) latest = up_to;
  if (version < latest) db.define_function("tonari_sort_key_ja", &search::sort_key_ja);
  for (std::int64_t v = version; v < latest; ++v) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(kMigrations[v]);
      db.exec(("PRAGMA user_version=" + std::to_string(v + 1)).c_str());
      db.exec("COMMIT");
    } catch (...) {
      log::error("store.migration_failed",
                 {{"to_version", v + 1}, {"error", log::describe(std::current_exception())}});
      db.exec("ROLLBACK");
      throw;
    }
  }
}

}  // namespace tonari::store::sqlite
