// Internal to the PostgreSQL store: what its writes share (pg_store_writes.cc and
// pg_store_collab.cc), all run in a writer's transaction (writer.h) by a job that holds the
// room's row lock (load_room) when it changes a room.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/wire.h"
#include "store/postgres/store_impl.h"

namespace tonari::store::postgres {

// The room, locked until the transaction ends.
std::optional<Room> load_room(PgConn& db, RoomId id);
bool is_member(PgConn& db, RoomId room, UserId user);
std::optional<Member> load_member(PgConn& db, RoomId room, UserId user);
// Applies `may` (if any) to the room and `by`'s membership as this transaction sees them.
Status check_rule(PgConn& db, const RoomRule& may, const Room& room, UserId by);
// The same for a rule about something `author` made.
Status check_rule(PgConn& db, const AuthorRule& may, const Room& room, UserId by,
                  UserId author);
// not_found, as a room that is not there.
Status room_hidden(RoomId room);
Status system_message_refused(const char* what);

std::optional<User> load_user(PgConn& db, UserId id);
// The message with all its parts (fill_parts).
std::optional<Message> load_message(PgConn& db, RoomId room, Seq seq);

// Appends an event built by `make_frame(ev)` to the room's log and advances room.ev.
// `msg_seq` names the message of an event about one (message.*, file.updated,
// reaction.updated, action.updated, pin.added; 0 for others): deleting it finds them
// (rewrite_events).
template <class MakeFrame>
RoomEvent append_event(PgConn& db, Room& room, TimeMs now, MakeFrame make_frame,
                       Seq msg_seq = 0) {
  const EventNo ev = room.ev + 1;
  auto frame = std::make_shared<const std::string>(make_frame(ev));
  Params p;
  p.i64(room.id).i64(ev).text(*frame);
  if (msg_seq) p.i64(msg_seq); else p.null();
  p.i64(now);
  db.exec("INSERT INTO events(room_id, ev, frame, msg_seq, created_at) VALUES($1,$2,$3,$4,$5)", p);
  db.exec("UPDATE rooms SET ev=$1 WHERE id=$2", Params().i64(ev).i64(room.id));
  room.ev = ev;
  return RoomEvent{room.id, ev, std::move(frame)};
}

// Rewrites the stored message.* frames of `msg` to its current state, so that resume
// replays only what may still be seen. A deleted message's file.updated frames keep only
// which file they were about (blank_file()), its action.updated frames nothing of the
// question, its pin.added frames the deleted marker.
void rewrite_events(PgConn& db, const Message& msg);
// Rewrites the stored events of the replies whose seqs are `replies`' first column (their
// quote changed).
void rewrite_replies(PgConn& db, RoomId room, const PgResult& replies);

// Deletes what `msg` (as load_message() read it) has in other tables: its reactions, its
// action stamp with the answers, its pin (delete_message).
void forget_message_parts(PgConn& db, const Message& msg);
// `users` joined the room (by +1) or left it (by -1): their answers to its action stamps
// count as members' again, or as those of users gone (actions.gone).
void recount_answers(PgConn& db, RoomId room, const std::vector<UserId>& users, int by);

// A user as a system message names them: id and name.
std::pair<UserId, std::string> named(PgConn& db, UserId id);
wire::SystemNote note_of(const char* action);
// Appends the system message `note` to the group room (store.h, "System messages"), sent
// by `by` (0: tonari itself): the room's next seq and ev, with its message.created event
// in `out`. `by` becomes the room's last sender if a member (they have read it, as after a
// post: tonari_post); the last sender before, if someone else, keeps in their member row
// what that gave them. `mentions`: the ids its Message::mentions lists (the mention rows
// are the caller's). Returns the message.
Message append_system_message(PgConn& db, RoomChange& out, UserId by,
                              const wire::SystemNote& note, TimeMs now,
                              const std::vector<UserId>& mentions = {});

}  // namespace tonari::store::postgres
