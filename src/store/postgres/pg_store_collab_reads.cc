// The reads of PgStore's "Working together" (store.h). The pages of who reacted and who
// answered are read along an index in the members' order (the copies of members.sort_key
// in reactions, action_answers and action_picks) from a keyset cursor: a page costs its
// rows, not the room's.
#include <charconv>
#include <map>

#include "store/action_rules.h"
#include "store/postgres/store_impl.h"

namespace tonari::store::postgres {
namespace {

#define TONARI_PG_NOTE_SELECT(body)                                                          \
  "SELECT n.id, n.room_id, r.tenant_id, n.title, " body ", n.version, n.created_by,"        \
  " coalesce(cu.name, ''), n.created_at, n.updated_by, coalesce(uu.name, ''), n.updated_at"  \
  " FROM notes n JOIN rooms r ON r.id=n.room_id LEFT JOIN users cu ON cu.id=n.created_by"    \
  " LEFT JOIN users uu ON uu.id=n.updated_by "

Note read_note(const Row& row) {
  Note n;
  n.id = row.i64(0);
  n.room = row.i64(1);
  n.tenant = row.i64(2);
  n.title = row.text(3);
  n.body = row.text(4);
  n.version = row.i64(5);
  n.created_by = row.i64(6);
  n.created_by_name = row.text(7);
  n.created_at = row.i64(8);
  n.updated_by = row.i64(9);
  n.updated_by_name = row.text(10);
  n.updated_at = row.i64(11);
  return n;
}

#define TONARI_PG_VERSION_SELECT(body)                                                       \
  "SELECT v.note_id, v.version, v.title, " body ", v.by_id, coalesce(u.name, ''), v.at,"    \
  " v.restored_from FROM note_versions v JOIN notes n ON n.id=v.note_id"                     \
  " LEFT JOIN users u ON u.id=v.by_id WHERE n.room_id=$1 AND v.note_id=$2 AND NOT n.deleted "

NoteVersion read_version(const Row& row) {
  return NoteVersion{row.i64(0), row.i64(1), row.text(2), row.text(3),
                     row.i64(4), row.text(5), row.i64(6), row.i64(7)};
}

// A page of users (TONARI_PG_USER_COLS, then when, the order key and the picks' text) of
// `limit` rows and, when one more came, where the next starts.
UserPage user_page(const PgResult& r, int limit, bool with_picks) {
  UserPage out;
  std::string last_key;
  for (int i = 0; i < r.rows(); ++i) {
    if (static_cast<int>(out.users.size()) == limit) {
      out.next = MemberKey{std::move(last_key), out.users.back().id};
      break;
    }
    const Row row = r.row(i);
    out.users.push_back(read_user(row));
    out.at.push_back(row.i64(TONARI_PG_USER_NCOLS));
    last_key = row.bytes(TONARI_PG_USER_NCOLS + 1);
    if (with_picks) out.picks.push_back(picks_of(row.view(TONARI_PG_USER_NCOLS + 2)));
  }
  return out;
}

}  // namespace

std::optional<Note> load_note(PgConn& db, RoomId room, NoteId id, bool with_body) {
  PgResult r = db.exec(with_body ? TONARI_PG_NOTE_SELECT("n.body")
                                   "WHERE n.id=$1 AND n.room_id=$2 AND NOT n.deleted"
                                 : TONARI_PG_NOTE_SELECT("''")
                                   "WHERE n.id=$1 AND n.room_id=$2 AND NOT n.deleted",
                       Params().i64(id).i64(room));
  if (r.empty()) return std::nullopt;
  return read_note(r.row(0));
}

std::vector<Pin> load_pins(PgConn& db, RoomId room,
                           std::optional<std::pair<Pin::Kind, std::int64_t>> only) {
  Params p;
  p.i64(room);
  if (only) p.text(pin_kind_name(only->first)).i64(only->second);
  PgResult r = db.exec(
      only ? "SELECT p.kind, p.target, p.by_id, coalesce(u.name, ''), p.at FROM pins p"
             " LEFT JOIN users u ON u.id=p.by_id WHERE p.room_id=$1 AND p.kind=$2 AND p.target=$3"
           : "SELECT p.kind, p.target, p.by_id, coalesce(u.name, ''), p.at FROM pins p"
             " LEFT JOIN users u ON u.id=p.by_id WHERE p.room_id=$1 ORDER BY p.at DESC, p.id DESC",
      p);
  std::vector<Pin> pins;
  std::vector<std::int64_t> seqs, notes;
  for (int i = 0; i < r.rows(); ++i) {
    const Row row = r.row(i);
    Pin pin;
    pin.kind = row.view(0) == "note" ? Pin::Kind::note : Pin::Kind::message;
    (pin.kind == Pin::Kind::note ? pin.note : pin.seq) = row.i64(1);
    (pin.kind == Pin::Kind::note ? notes : seqs).push_back(row.i64(1));
    pin.by = row.i64(2);
    pin.by_name = row.text(3);
    pin.at = row.i64(4);
    pins.push_back(std::move(pin));
  }
  std::map<Seq, Message> messages;
  if (!seqs.empty()) {
    PgResult m = db.exec("SELECT " TONARI_PG_MESSAGE_COLS " FROM messages m WHERE m.room_id=$1"
                         " AND m.seq = ANY($2::bigint[]) AND NOT m.deleted ORDER BY m.seq",
                         Params().i64(room).ids(seqs));
    std::vector<Message*> ptrs;
    std::vector<MessageParts> parts;
    for (int i = 0; i < m.rows(); ++i) {
      Message& msg = messages[m.row(i).i64(2)] = read_message(m.row(i));
      ptrs.push_back(&msg);
      parts.push_back(parts_of(m.row(i)));
    }
    fill_parts(db, room, ptrs, parts);
  }
  std::map<NoteId, Note> noted;
  if (!notes.empty()) {
    PgResult n = db.exec(TONARI_PG_NOTE_SELECT("''")
                         "WHERE n.room_id=$1 AND n.id = ANY($2::bigint[]) AND NOT n.deleted",
                         Params().i64(room).ids(notes));
    for (int i = 0; i < n.rows(); ++i) noted.emplace(n.row(i).i64(0), read_note(n.row(i)));
  }
  // A pin whose message or note is gone (deleted meanwhile) is left out.
  std::vector<Pin> out;
  for (Pin& pin : pins) {
    if (pin.kind == Pin::Kind::message) {
      auto it = messages.find(pin.seq);
      if (it == messages.end()) continue;
      pin.message = std::move(it->second);
    } else {
      auto it = noted.find(pin.note);
      if (it == noted.end()) continue;
      pin.note_info = std::move(it->second);
    }
    out.push_back(std::move(pin));
  }
  return out;
}

Result<Store::ViewerMarks> PgStore::viewer_marks(RoomId room, Seq lo, Seq hi, UserId viewer) {
  return read<ViewerMarks>([&](PgConn& db) -> Result<ViewerMarks> {
    ViewerMarks out;
    const Params p = Params().i64(viewer).i64(room).i64(lo).i64(hi);
    PgResult r = db.exec("SELECT seq, key FROM reactions WHERE user_id=$1 AND room_id=$2"
                         " AND seq>=$3 AND seq<=$4 ORDER BY seq, key",
                         p);
    for (int i = 0; i < r.rows(); ++i) out.reacted.emplace_back(r.row(i).i64(0), r.row(i).text(1));
    PgResult a = db.exec("SELECT seq, picks, at FROM action_answers WHERE user_id=$1 AND room_id=$2"
                         " AND seq>=$3 AND seq<=$4 ORDER BY seq",
                         p);
    for (int i = 0; i < a.rows(); ++i) {
      out.answered.emplace_back(a.row(i).i64(0),
                                std::make_pair(picks_of(a.row(i).view(1)), a.row(i).i64(2)));
    }
    PgResult k = db.exec("SELECT seq FROM message_acks WHERE user_id=$1 AND room_id=$2"
                         " AND seq>=$3 AND seq<=$4 ORDER BY seq",
                         p);
    for (int i = 0; i < k.rows(); ++i) out.acked.push_back(k.row(i).i64(0));
    return out;
  });
}

Result<UserPage> PgStore::reactors_page(RoomId room, Seq seq, const std::string& key,
                                        const MemberKey& after, int limit) {
  return read<UserPage>([&](PgConn& db) -> Result<UserPage> {
    PgResult r = db.exec(
        "SELECT " TONARI_PG_USER_COLS ", x.at, x.sort_key FROM reactions x"
        " JOIN users u ON u.id=x.user_id LEFT JOIN departments d ON d.id=u.dept_id"
        " WHERE x.room_id=$1 AND x.seq=$2 AND x.key=$3"
        " AND (x.sort_key, x.user_id) > ($4::bytea, $5::bigint)"
        " ORDER BY x.sort_key, x.user_id LIMIT $6",
        Params().i64(room).i64(seq).text(key).bytes(after.sort_key).i64(after.user).i64(limit + 1));
    return user_page(r, limit, false);
  });
}

Result<ActionState> PgStore::action(RoomId room, Seq seq) {
  return read<ActionState>([&](PgConn& db) -> Result<ActionState> {
    auto a = load_action(db, room, seq);
    if (!a) return not_found("message " + std::to_string(seq) + " asks no question");
    return std::move(*a);
  });
}

Result<UserPage> PgStore::action_answers_page(RoomId room, Seq seq, int option, int value,
                                              const MemberKey& after, int limit) {
  return read<UserPage>([&](PgConn& db) -> Result<UserPage> {
    Params p;
    p.i64(room).i64(seq).bytes(after.sort_key).i64(after.user).i64(limit + 1);
    if (option < 0) {
      PgResult r = db.exec(
          "SELECT " TONARI_PG_USER_COLS ", x.at, x.sort_key, x.picks FROM action_answers x"
          " JOIN users u ON u.id=x.user_id LEFT JOIN departments d ON d.id=u.dept_id"
          " WHERE x.room_id=$1 AND x.seq=$2 AND (x.sort_key, x.user_id) > ($3::bytea, $4::bigint)"
          " ORDER BY x.sort_key, x.user_id LIMIT $5",
          p);
      return user_page(r, limit, true);
    }
    p.i64(option).i64(value);
    PgResult r = db.exec(
        "SELECT " TONARI_PG_USER_COLS ", x.at, x.sort_key FROM action_picks x"
        " JOIN users u ON u.id=x.user_id LEFT JOIN departments d ON d.id=u.dept_id"
        " WHERE x.room_id=$1 AND x.seq=$2 AND x.option=$6 AND x.value=$7"
        " AND (x.sort_key, x.user_id) > ($3::bytea, $4::bigint)"
        " ORDER BY x.sort_key, x.user_id LIMIT $5",
        p);
    return user_page(r, limit, false);
  });
}

Result<std::vector<Note>> PgStore::notes(RoomId room) {
  return read<std::vector<Note>>([&](PgConn& db) -> Result<std::vector<Note>> {
    PgResult r = db.exec(TONARI_PG_NOTE_SELECT("''")
                         "WHERE n.room_id=$1 AND NOT n.deleted ORDER BY n.updated_at DESC, n.id DESC",
                         Params().i64(room));
    std::vector<Note> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_note(r.row(i)));
    return out;
  });
}

Result<Note> PgStore::note(RoomId room, NoteId id) {
  return read<Note>([&](PgConn& db) -> Result<Note> {
    auto n = load_note(db, room, id, true);
    if (!n) return not_found("note " + std::to_string(id) + " not found");
    return std::move(*n);
  });
}

Result<std::vector<NoteVersion>> PgStore::note_versions(RoomId room, NoteId note) {
  using Out = std::vector<NoteVersion>;
  return read<Out>([&](PgConn& db) -> Result<Out> {
    PgResult r = db.exec(TONARI_PG_VERSION_SELECT("''") "ORDER BY v.version DESC",
                         Params().i64(room).i64(note));
    if (r.empty()) return not_found("note " + std::to_string(note) + " not found");
    Out out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_version(r.row(i)));
    return out;
  });
}

Result<NoteVersion> PgStore::note_version(RoomId room, NoteId note, std::int64_t version) {
  return read<NoteVersion>([&](PgConn& db) -> Result<NoteVersion> {
    PgResult r = db.exec(TONARI_PG_VERSION_SELECT("v.body") "AND v.version=$3",
                         Params().i64(room).i64(note).i64(version));
    if (r.empty()) {
      return not_found("note " + std::to_string(note) + " has no version " + std::to_string(version));
    }
    return read_version(r.row(0));
  });
}

Result<std::vector<Pin>> PgStore::pins(RoomId room) {
  return read<std::vector<Pin>>(
      [&](PgConn& db) -> Result<std::vector<Pin>> { return load_pins(db, room); });
}

}  // namespace tonari::store::postgres
