// Internal to the SQLite store: column lists and row -> domain mappers shared by the read
// and write halves, and the job/read wrappers that turn DbError into Status.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "store/sqlite/db.h"
#include "store/sqlite/writer.h"
#include "store/store.h"

// Column lists are macros so that statements stay string literals (the statement cache is
// keyed by the literal's address).
#define TONARI_USER_COLS                                                                   \
  "u.id,u.tenant_id,u.login,u.name,u.reading,coalesce(u.dept_id,0),coalesce(d.name,''),"   \
  "u.title,u.status,u.role,u.disabled,u.internet_allowed,u.extension,u.crisis,u.dept_head"
#define TONARI_USER_FROM " FROM users u LEFT JOIN departments d ON d.id=u.dept_id "
#define TONARI_USER_NCOLS 15

// 五十音 order of users (`u`): the reading's collation key, then (only between equal
// readings) the name's, then the id (schema migration 7). Two columns, not one key of
// "reading name": in one key the name's kanji, a first-level difference, would decide
// before the reading's voicing or small kana (さとう/さどう), differences at lower levels.
#define TONARI_USER_ORDER "u.reading_key, u.name_key, u.id"

#define TONARI_MESSAGE_COLS                                                                 \
  "m.id,m.room_id,m.seq,m.sender_id,m.sender_name,m.client_id,m.body,m.reply_seq,"          \
  "m.reply_sender,m.reply_sender_name,m.reply_body,m.mentions,m.mention_all,m.created_at,"  \
  "coalesce(m.edited_at,0),m.deleted,m.kind,m.reply_edited,m.stamp,m.ack_required,"      \
  "m.ack_count,m.nfiles"
#define TONARI_MESSAGE_NCOLS 22

// Every field of FileInfo (read_file), in its order.
#define TONARI_FILE_COLS                                                                    \
  "f.id,f.tenant_id,f.room_id,f.uploader_id,f.name,f.size,f.sha256,f.declared_type,"        \
  "f.from_internet,f.state,f.reason,f.detected_type,f.clean_sha256,f.clean_size,"           \
  "f.clean_type,f.clean_name,f.sanitized,f.thumb_sha256,f.width,f.height,f.pages,f.lat,"    \
  "f.lon,f.seq,f.deleted,f.created_at,f.updated_at,f.attempts"
#define TONARI_FILE_NCOLS 28

#define TONARI_ROOM_COLS                                                                    \
  "r.id,r.tenant_id,r.kind,r.name,r.created_by,r.created_at,r.msg_seq,r.ev,r.last_activity,"  \
  "r.description,r.announcement,r.official,r.members_invite,r.members_edit,r.sync_kind,"     \
  "r.sync_dept,r.sync_subtree"
#define TONARI_ROOM_NCOLS 17

// The read position of member row `mb` in room row `r`. The sender of a room's last message
// has read up to the room's msg_seq without a write to `members` (schema migration 4): their
// row there is brought up to date only when someone else posts. Every read of a position
// goes through this.
#define TONARI_READ_SEQ(mb, r) \
  "max(" mb ".read_seq, iif(" r ".last_sender=" mb ".user_id, " r ".msg_seq, 0))"

namespace tonari::store::sqlite {

User read_user(const Stmt& s, int first_col = 0);
// A message without its files: those of a row for which has_files() is true are read by
// fill_files().
Message read_message(const Stmt& s, int first_col = 0);
Room read_room(const Stmt& s, int first_col = 0);
// members.role as MemberRole (member for a name it does not know).
inline MemberRole read_role(const Stmt& s, int col) {
  return member_role_from_name(s.text(col)).value_or(MemberRole::member);
}
FileInfo read_file(const Stmt& s, int first_col = 0);

// Whether the message read by read_message(s, first_col) has files (messages.nfiles).
inline bool has_files(const Stmt& s, int first_col = 0) {
  return s.i64(first_col + TONARI_MESSAGE_NCOLS - 1) != 0;
}
// Gives each of `msgs` (of `room`, ascending seq, each one with files) its files, in the
// order the sender gave them: one query for all. Files of a deleted message are left out.
void fill_files(Connection& db, RoomId room, const std::vector<Message*>& msgs);
// Gives each of `msgs` (of `room`, ascending seq) its reactions (Message::reactions, most
// used first) and its action stamp (Message::action, without `mine`): a range read of
// reaction_counts and of actions, each along its key, whatever the messages are.
void fill_collab(Connection& db, RoomId room, const std::vector<Message*>& msgs);

// An action stamp as stored (schema migration 12), and who asked it.
struct StoredAction {
  ActionState state;
  UserId asker = 0;
};
// The action stamp of message `seq` (its tally as it stands, without `mine`), if any.
std::optional<StoredAction> load_action(Connection& db, RoomId room, Seq seq);
// An answer's picks as action_answers.picks holds them ("option:value,..."), and back.

// The message.created event of `m` at `ev`. It is not stored: the live path (post_message)
// and replay (events_after) both build it here from the message, so they cannot differ.
RoomEvent message_created_event(const Message& m, EventNo ev);

std::string join_ids(const std::vector<UserId>& ids, char sep = ',');
std::vector<UserId> split_ids(const std::string& s);
// A JSON array of ids, for `IN (SELECT value FROM json_each(?))`.
std::string json_ids(const std::vector<std::int64_t>& ids);

// A WriteJob running `fn(Connection&) -> Result<T>` and reporting to `done`.
template <class T, class Fn>
class FnJob final : public WriteJob {
 public:
  FnJob(Fn fn, Callback<T> done, Undo undo = Undo::savepoint, bool keeps_writer_cache = false)
      : fn_(std::move(fn)), done_(std::move(done)), undo_(undo),
        keeps_writer_cache_(keeps_writer_cache) {}

  Undo undo() const override { return undo_; }
  bool keeps_writer_cache() const override { return keeps_writer_cache_; }

  bool apply(Connection& db) override {
    result_.emplace(fn_(db));
    return result_->ok();
  }
  void fail(const DbError& e) override {
    // Constraint text names tables and columns: keep it out of client-facing messages.
    if (e.rc() == kRcOverloaded) {
      result_.emplace(Status(Code::unavailable, "the server is busy; try again"));
      return;
    }
    if (e.rc() == kRcBatchAborted) {
      result_.emplace(Status(Code::unavailable, "storage failed; nothing was written; try again"));
      return;
    }
    result_.emplace(e.is_constraint()
                        ? Status(Code::conflict, "the change conflicts with another; try again")
                        : Status(Code::internal, e.what()));
  }
  void finish(bool committed) override {
    if (!result_) {
      result_.emplace(Status(Code::unavailable, "storage failed; nothing was written; try again"));
    }
    if (!committed && result_->ok()) {
      done_(Result<T>(Status(Code::unavailable, "storage commit failed; nothing was written")));
    } else {
      done_(std::move(*result_));
    }
  }

 private:
  Fn fn_;
  Callback<T> done_;
  const Undo undo_;
  const bool keeps_writer_cache_;
  std::optional<Result<T>> result_;
};

}  // namespace tonari::store::sqlite
