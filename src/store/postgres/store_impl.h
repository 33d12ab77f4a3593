// Internal to the PostgreSQL store: column lists and row mappers shared by the read and
// write halves, and the read/write wrappers that turn PgError into Status.
#pragma once

#include <string>
#include <vector>

#include "log/log.h"
#include "store/postgres/pg.h"
#include "store/postgres/pg_store.h"
#include "store/postgres/read_pool.h"
#include "store/postgres/writer.h"

// The same column lists as the SQLite store's (store/sqlite/rows.h), so that the mappers
// read the same positions.
#define TONARI_PG_USER_COLS                                                                 \
  "u.id,u.tenant_id,u.login,u.name,u.reading,coalesce(u.dept_id,0),coalesce(d.name,''),"   \
  "u.title,u.status,u.role,u.disabled,u.internet_allowed,u.extension,u.crisis,u.dept_head"
#define TONARI_PG_USER_FROM " FROM users u LEFT JOIN departments d ON d.id=u.dept_id "
#define TONARI_PG_USER_NCOLS 15
// 五十音 order of users: the reading's sort key, then the name's, then the id.
#define TONARI_PG_USER_ORDER "u.reading_key, u.name_key, u.id"

#define TONARI_PG_MESSAGE_COLS                                                              \
  "m.id,m.room_id,m.seq,m.sender_id,m.sender_name,m.client_id,m.body,m.reply_seq,"          \
  "m.reply_sender,m.reply_sender_name,m.reply_body,m.mentions,m.mention_all,m.created_at,"  \
  "coalesce(m.edited_at,0),m.deleted,m.kind,m.reply_edited,m.nfiles,m.stamp,m.reaction_keys,"  \
  "m.has_action,m.ack_required,m.ack_count"
#define TONARI_PG_MESSAGE_NCOLS 24

#define TONARI_PG_FILE_COLS                                                                 \
  "f.id,f.tenant_id,f.room_id,f.uploader_id,f.name,f.size,f.sha256,f.declared_type,"        \
  "f.from_internet,f.state,f.reason,f.detected_type,f.clean_sha256,f.clean_size,"           \
  "f.clean_type,f.clean_name,f.sanitized,f.thumb_sha256,f.width,f.height,f.pages,f.lat,"    \
  "f.lon,f.seq,f.deleted,f.created_at,f.updated_at,f.attempts"
#define TONARI_PG_FILE_NCOLS 28

#define TONARI_PG_ROOM_COLS                                                                 \
  "r.id,r.tenant_id,r.kind,r.name,r.created_by,r.created_at,r.msg_seq,r.ev,r.last_activity,"  \
  "r.description,r.announcement,r.official,r.members_invite,r.members_edit,r.sync_kind,"     \
  "r.sync_dept,r.sync_subtree"
#define TONARI_PG_ROOM_NCOLS 17

// The read position of member row `mb` in room row `r`: the sender of a room's last
// message has read up to its msg_seq without a write to `members` (rooms.last_sender).
// Every read of a position goes through this.
#define TONARI_PG_READ_SEQ(mb, r) \
  "greatest(" mb ".read_seq, CASE WHEN " r ".last_sender=" mb ".user_id THEN " r ".msg_seq ELSE 0 END)"

// Member row `mb` (of room $1) has not answered the action stamp of message `seq` (a
// parameter): the condition of MemberFilter::unanswered (a task adds: an assignee).
#define TONARI_PG_UNANSWERED(seq)                                                            \
  "NOT EXISTS (SELECT 1 FROM action_answers an WHERE an.room_id=$1 AND an.seq=" seq          \
  " AND an.user_id=mb.user_id)"

namespace tonari::store::postgres {

User read_user(const Row& row, int first_col = 0);
// A message without the parts kept in other tables (its files, reactions and action stamp:
// parts_of() says which it has, fill_parts() reads them).
Message read_message(const Row& row, int first_col = 0);
Room read_room(const Row& row, int first_col = 0);
FileInfo read_file(const Row& row, int first_col = 0);
MemberRole member_role(std::string_view role);

// The parts of the message read by read_message(row, first_col) that are kept in other
// tables (messages.nfiles, reaction_keys, has_action; a deleted message has none).
struct MessageParts {
  bool files = false;
  bool reactions = false;
  bool action = false;
};
MessageParts parts_of(const Row& row, int first_col = 0);
// Gives each of `msgs` (of `room`, ascending seq) the parts that `parts` (the same length)
// says it has: one query per kind for all of them.
void fill_parts(PgConn& db, RoomId room, const std::vector<Message*>& msgs,
                const std::vector<MessageParts>& parts);
// Gives each of `msgs` (of `room`, ascending seq, each one with files) its files, in the
// order the sender gave them: one query for all. Files of a deleted message are left out.
void fill_files(PgConn& db, RoomId room, const std::vector<Message*>& msgs);
// Gives each of `msgs` (of any rooms) its reactions, most used first, then first put there
// first; or the action stamp it asks (without `mine`): one query for all.
void fill_reactions(PgConn& db, const std::vector<Message*>& msgs);
void fill_actions(PgConn& db, const std::vector<Message*>& msgs);
// The action stamp that message `seq` asks, as it is now (without `mine`); none if the
// message is deleted.
std::optional<ActionState> load_action(PgConn& db, RoomId room, Seq seq);

// Note `id` of `room` (not_found: none), with its body if `with_body`.
std::optional<Note> load_note(PgConn& db, RoomId room, NoteId id, bool with_body);
// The room's pins, most recently pinned first, with what they point to (Pin::message: not
// deleted ones; Pin::note_info: without its body); only `only` (kind, target) when given.
std::vector<Pin> load_pins(PgConn& db, RoomId room,
                           std::optional<std::pair<Pin::Kind, std::int64_t>> only = {});
// The picks of an answer as action_answers.picks keeps them ("option:value,...") and back.

// The message.created event of `m` at `ev`, built from the message (it is not stored).
RoomEvent message_created_event(const Message& m, EventNo ev);

std::vector<UserId> split_ids(std::string_view s);
// "1,2,3", as split_ids() reads it.
std::string join_ids(const std::vector<std::int64_t>& ids);

// The Status of a read that failed.
Status read_status(const PgError& e);

template <class T, class Fn>
Result<T> PgStore::read(Fn fn) {
  for (bool again = true;; again = false) {
    auto lease = pool_->acquire();
    if (!lease.ok()) return lease.status();
    try {
      return fn(*lease.value());
    } catch (const PgError& e) {
      // A pooled connection may have died while idle (the server restarted): the read
      // runs once more on a new one (a read changes nothing).
      if (e.broken() && again && lease.value().reused()) {
        pool_->clear_idle();
        continue;
      }
      return read_status(e);
    }
  }
}

template <class T, class Fn>
Result<T> PgStore::read_snapshot(Fn fn) {
  return read<T>([&](PgConn& db) -> Result<T> {
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      Result<T> out = fn(db);
      db.exec("COMMIT");
      return out;
    } catch (const PgError& e) {
      // The connection is closed instead of pooled if this fails too (in_transaction).
      if (!e.broken()) {
        try {
          db.exec("ROLLBACK");
        } catch (const PgError&) {
        }
      }
      throw;
    }
  });
}

template <class T, class Fn>
void PgStore::write(RoomId room, Fn fn, Callback<T> done) {
  writers_->submit(std::make_unique<FnJob<T, Fn>>(room, std::move(fn), std::move(done)));
}

template <class T, class Decode>
void PgStore::write_statement(RoomId room, const char* sql, Params params, Decode decode,
                              Callback<T> done) {
  writers_->submit(std::make_unique<StatementJob<T, Decode>>(room, sql, std::move(params),
                                                             std::move(decode), std::move(done)));
}

}  // namespace tonari::store::postgres
