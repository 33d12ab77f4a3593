// Internal to the SQLite store: what the write halves (sqlite_store_writes.cc,
// sqlite_store_collab.cc) share. Each runs inside the calling write job's transaction, on
// the writer thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/wire.h"
#include "store/sqlite/rows.h"

namespace tonari::store::sqlite {

std::optional<Room> load_room(Connection& db, RoomId id);
bool is_member(Connection& db, RoomId room, UserId user);
// `user`'s membership of `room` (their read position as TONARI_READ_SEQ reads it).
std::optional<Member> member_of(Connection& db, RoomId room, UserId user);
// Applies `may` (if any) to the room and `by`'s membership as this transaction sees them.
Status check_rule(Connection& db, const RoomRule& may, const Room& room, UserId by);
// not_found, as a room is to a non-member.
Status room_hidden(RoomId room);
std::optional<User> load_user(Connection& db, UserId id);
// The message with its files, reactions and action (fill_collab).
std::optional<Message> load_message(Connection& db, RoomId room, Seq seq);
std::optional<FileInfo> load_file(Connection& db, FileId id);
std::string name_of(Connection& db, UserId user);

// Rewrites the stored frames about `msg` (events.msg_seq) to its current state, so that
// resume replays only what may still be seen: its message.* frames; once it is deleted,
// its file.updated frames keep only which file they were about (blank_file()), its
// action.updated frames no question, its pin.added frames the deleted marker.
void rewrite_events(Connection& db, const Message& msg);

// Appends to a group room the system message saying `note` (store.h, "System messages"):
// sent by `by` (0: tonari itself), numbered like a post (the room's next seq and ev; its
// message.created, built from the row as for a post, goes into out.events). Like a post it
// moves `by`'s read position to it if they are a member (TONARI_READ_SEQ: they become the
// room's last sender; the one before keeps what that gave them). `mentions` is what
// Message::mentions lists (the caller writes the mention rows). Direct rooms get none:
// false, nothing written.
bool append_system_message(Connection& db, RoomChange& out, UserId by,
                           const wire::SystemNote& note, TimeMs now,
                           const std::vector<UserId>& mentions = {});

// ---- Working together (sqlite_store_collab.cc) ----
// Stores the action stamp message `seq` asks, with an empty tally; returns its state.
ActionState insert_action(Connection& db, RoomId room, Seq seq, UserId asker,
                          const ActionSpec& spec);
// `user` left the room (`left`) or joined it: their answers there count as a former
// member's (actions.gone) or a member's again. An index probe when they answered nothing.
void count_answers_of_gone(Connection& db, RoomId room, UserId user, bool left);
// Deletes message `seq`'s reactions, answers, action stamp and pin (delete_message).
void delete_collab_of(Connection& db, RoomId room, Seq seq);

// Appends an event built by `make_frame(ev)` to the room's log and advances room.ev.
// `msg_seq` names the message the event is about (message.*, file.updated, action.updated,
// a message's pin.added: rewrite_events finds them by it); 0 for others.
template <class MakeFrame>
RoomEvent append_event(Connection& db, Room& room, TimeMs now, MakeFrame make_frame,
                       Seq msg_seq = 0) {
  const EventNo ev = room.ev + 1;
  auto frame = std::make_shared<const std::string>(make_frame(ev));
  Stmt ins = db.q("INSERT INTO events(room_id, ev, frame, msg_seq, created_at) VALUES(?,?,?,?,?)");
  ins.bind(1, room.id).bind(2, ev).bind(3, *frame);
  if (msg_seq) ins.bind(4, msg_seq); else ins.bind_null(4);
  ins.bind(5, now).run();
  db.q("UPDATE rooms SET ev=? WHERE id=?").bind(1, ev).bind(2, room.id).run();
  room.ev = ev;
  return RoomEvent{room.id, ev, std::move(frame)};
}

}  // namespace tonari::store::sqlite
