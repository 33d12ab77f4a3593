#include "store/postgres/write_helpers.h"

#include <tuple>

#include "store/file_rules.h"

namespace tonari::store::postgres {
namespace {

std::optional<FileInfo> load_file(PgConn& db, FileId id) {
  PgResult r = db.exec("SELECT " TONARI_PG_FILE_COLS " FROM files f WHERE f.id=$1", Params().i64(id));
  if (r.empty()) return std::nullopt;
  return read_file(r.row(0));
}

}  // namespace

std::optional<Room> load_room(PgConn& db, RoomId id) {
  PgResult r = db.exec("SELECT " TONARI_PG_ROOM_COLS " FROM rooms r WHERE r.id=$1 FOR NO KEY UPDATE",
                       Params().i64(id));
  if (r.empty()) return std::nullopt;
  return read_room(r.row(0));
}

bool is_member(PgConn& db, RoomId room, UserId user) {
  return !db.exec("SELECT 1 FROM members WHERE room_id=$1 AND user_id=$2",
                  Params().i64(room).i64(user)).empty();
}

std::optional<Member> load_member(PgConn& db, RoomId room, UserId user) {
  PgResult r = db.exec("SELECT mb.role, " TONARI_PG_READ_SEQ("mb", "r") " FROM members mb"
                       " JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=$1 AND mb.user_id=$2",
                       Params().i64(room).i64(user));
  if (r.empty()) return std::nullopt;
  return Member{user, member_role(r.row(0).view(0)), r.row(0).i64(1)};
}

Status check_rule(PgConn& db, const RoomRule& may, const Room& room, UserId by) {
  if (!may) return Status::ok();
  return may(room, load_member(db, room.id, by));
}

Status check_rule(PgConn& db, const AuthorRule& may, const Room& room, UserId by,
                  UserId author) {
  if (!may) return Status::ok();
  return may(room, load_member(db, room.id, by), author);
}

Status room_hidden(RoomId room) { return not_found("room " + std::to_string(room) + " not found"); }

Status system_message_refused(const char* what) {
  return permission_denied(std::string("a system message cannot be ") + what);
}

std::optional<User> load_user(PgConn& db, UserId id) {
  PgResult r = db.exec("SELECT " TONARI_PG_USER_COLS TONARI_PG_USER_FROM "WHERE u.id=$1",
                       Params().i64(id));
  if (r.empty()) return std::nullopt;
  return read_user(r.row(0));
}

std::optional<Message> load_message(PgConn& db, RoomId room, Seq seq) {
  PgResult r = db.exec("SELECT " TONARI_PG_MESSAGE_COLS " FROM messages m WHERE m.room_id=$1 AND m.seq=$2",
                       Params().i64(room).i64(seq));
  if (r.empty()) return std::nullopt;
  Message m = read_message(r.row(0));
  fill_parts(db, room, {&m}, {parts_of(r.row(0))});
  return m;
}

void rewrite_events(PgConn& db, const Message& msg) {
  PgResult r = db.exec("SELECT ev, (frame::json)->>'type', coalesce(((frame::json)->'file'->>'id')::bigint, 0),"
                       " (frame::json)->'pin'->>'by', (frame::json)->'pin'->>'by_name',"
                       " (frame::json)->'pin'->>'at'"
                       " FROM events WHERE room_id=$1 AND msg_seq=$2",
                       Params().i64(msg.room).i64(msg.seq));
  for (int i = 0; i < r.rows(); ++i) {
    const EventNo ev = r.row(i).i64(0);
    const std::string type = r.row(i).text(1);
    std::string frame;
    if (type.starts_with("message.")) {
      frame = wire::message_event(type.c_str(), msg, ev);
    } else if (!msg.deleted) {
      continue;
    } else if (type == "file.updated") {
      auto f = load_file(db, r.row(i).i64(2));
      if (!f) continue;
      frame = wire::file_updated_event(msg.room, ev, blank_file(*f));
    } else if (type == "action.updated") {
      frame = wire::action_updated_event(msg.room, ev, msg.seq, ActionState{});
    } else if (type == "pin.added") {
      Pin p;
      p.seq = msg.seq;
      p.by = r.row(i).i64(3);
      p.by_name = r.row(i).text(4);
      p.at = r.row(i).i64(5);
      p.message = msg;
      frame = wire::pin_added_event(msg.room, ev, p);
    } else {
      continue;  // reaction.updated: a key and who, nothing of the message
    }
    db.exec("UPDATE events SET frame=$1 WHERE room_id=$2 AND ev=$3",
            Params().text(frame).i64(msg.room).i64(ev));
  }
}

void rewrite_replies(PgConn& db, RoomId room, const PgResult& replies) {
  for (int i = 0; i < replies.rows(); ++i) {
    if (auto reply = load_message(db, room, replies.row(i).i64(0))) rewrite_events(db, *reply);
  }
}

std::pair<UserId, std::string> named(PgConn& db, UserId id) {
  PgResult r = db.exec("SELECT name FROM users WHERE id=$1", Params().i64(id));
  return {id, r.empty() ? std::string() : r.row(0).text(0)};
}

wire::SystemNote note_of(const char* action) {
  wire::SystemNote n;
  n.action = action;
  return n;
}

Message append_system_message(PgConn& db, RoomChange& out, UserId by,
                              const wire::SystemNote& note, TimeMs now,
                              const std::vector<UserId>& mentions) {
  Message m;
  m.room = out.room.id;
  m.seq = out.room.msg_seq + 1;
  m.kind = MessageKind::system;
  m.created_at = now;
  if (by) std::tie(m.sender, m.sender_name) = named(db, by);
  // Unique per room, as the idempotency key needs; a client's ids never look like this.
  m.client_id = "system\u00b7" + std::to_string(m.seq);
  m.body = wire::system_note_json(note);
  m.mentions = mentions;
  const EventNo ev = out.room.ev + 1;
  PgResult ins = db.exec("INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id,"
                         " body, kind, created_at, created_ev, mentions)"
                         " VALUES($1,$2,$3,$4,$5,$6,'system',$7,$8,$9) RETURNING id",
                         Params().i64(m.room).i64(m.seq).i64(m.sender).text(m.sender_name)
                             .text(m.client_id).text(m.body).i64(now).i64(ev)
                             .text(join_ids(mentions)));
  m.id = ins.row(0).i64(0);
  const UserId reader = by && is_member(db, m.room, by) ? by : 0;
  db.exec("UPDATE members mb SET read_seq=greatest(mb.read_seq, r.msg_seq) FROM rooms r"
          " WHERE r.id=$1 AND mb.room_id=r.id AND mb.user_id=r.last_sender AND r.last_sender<>$2",
          Params().i64(m.room).i64(reader));
  db.exec("UPDATE rooms SET msg_seq=$1, ev=$2, last_activity=$3, last_sender=$4 WHERE id=$5",
          Params().i64(m.seq).i64(ev).i64(now).i64(reader).i64(m.room));
  out.room.msg_seq = m.seq;
  out.room.ev = ev;
  out.room.last_activity = now;
  out.events.push_back(message_created_event(m, ev));
  return m;
}

}  // namespace tonari::store::postgres
