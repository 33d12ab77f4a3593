// The working-together half of SqliteStore (store.h, "Working together"): reactions, action
// stamps, notes and pins — their writes (run on the writer thread, each in its job's
// savepoint), their reads, and the row helpers the other halves use for them (fill_collab,
// load_action, insert_action ...). Tables: schema migration 12.
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/wire.h"
#include "store/action_rules.h"
#include "store/sqlite/search_index.h"
#include "store/sqlite/store_impl.h"
#include "store/sqlite/write_helpers.h"

#define TONARI_ACTION_COLS                                                                  \
  "a.seq,a.kind,a.title,a.options,a.multiple,a.deadline,a.results_public,a.changeable,"     \
  "a.anonymous,a.assignees,a.closed,a.closed_at,a.closed_by,a.answered,a.gone,a.counts,"    \
  "a.asker"

// A note with its authors' names; `body` the body column or '' (lists).
#define TONARI_NOTE_SELECT(body)                                                            \
  "SELECT n.id,n.room_id,n.title," body ",n.version,n.created_by,coalesce(cu.name,''),"     \
  "n.created_at,n.updated_by,coalesce(uu.name,''),n.updated_at FROM notes n"                \
  " LEFT JOIN users cu ON cu.id=n.created_by LEFT JOIN users uu ON uu.id=n.updated_by "

namespace tonari::store::sqlite {
namespace {

std::int64_t member_count(Connection& db, RoomId room) {
  Stmt s = db.q("SELECT member_count FROM rooms WHERE id=?");
  s.bind(1, room);
  return s.step() ? s.i64(0) : 0;
}

// A task's pending: its assignees who are still members of the room and are not done (at
// most 100 of them, each looked up by key).
std::int64_t task_pending(Connection& db, RoomId room, Seq seq,
                          const std::vector<UserId>& assignees) {
  Stmt s = db.q("SELECT count(*) FROM members mb WHERE mb.room_id=?1"
                " AND mb.user_id IN (SELECT value FROM json_each(?2))"
                " AND NOT EXISTS(SELECT 1 FROM action_answers a WHERE a.room_id=?1"
                " AND a.user_id=mb.user_id AND a.seq=?3)");
  s.bind(1, room).bind(2, json_ids(assignees)).bind(3, seq);
  return s.step() ? s.i64(0) : 0;
}

// An action row (TONARI_ACTION_COLS at column 0). Pending of a question that is not a task:
// the members now, less those who answered, plus the answerers who have left since
// (actions.gone), so that no read counts answers.
StoredAction read_action(Connection& db, const Stmt& s, RoomId room, std::int64_t members) {
  StoredAction out;
  ActionState& a = out.state;
  a.spec.kind = action_kind_from_name(s.text(1)).value_or(ActionKind::yesno);
  a.spec.title = s.text(2);
  boost::system::error_code ec;
  boost::json::value options = boost::json::parse(s.text(3), ec);
  if (!ec && options.is_array()) {
    for (const auto& v : options.as_array()) {
      if (v.is_string()) a.spec.options.emplace_back(v.as_string());
    }
  }
  a.spec.multiple = s.i64(4) != 0;
  a.spec.deadline = s.i64(5);
  a.spec.results_public = s.i64(6) != 0;
  a.spec.changeable = s.i64(7) != 0;
  a.spec.anonymous = s.i64(8) != 0;
  a.spec.assignees = split_ids(s.text(9));
  a.closed = s.i64(10) != 0;
  a.closed_at = s.i64(11);
  a.closed_by = s.i64(12);
  a.tally.answered = s.i64(13);
  a.tally.counts = split_ids(s.text(15));
  out.asker = s.i64(16);
  a.tally.pending = a.spec.kind == ActionKind::task
                        ? task_pending(db, room, s.i64(0), a.spec.assignees)
                        : std::max<std::int64_t>(0, members - a.tally.answered + s.i64(14));
  return out;
}

// The room, if `user` is a member of it (and it is of municipality `tenant`, when not 0):
// to anyone else it is not_found (store.h, the writes about messages).
Result<Room> room_of_member(Connection& db, RoomId room_id, UserId user, TenantId tenant) {
  auto room = load_room(db, room_id);
  if (!room || (tenant != 0 && room->tenant != tenant) || !is_member(db, room_id, user)) {
    return room_hidden(room_id);
  }
  return *room;
}

// `user`'s order key in the room (members.sort_key), copied next to what they did.
std::string sort_key_in(Connection& db, RoomId room, UserId user) {
  Stmt s = db.q("SELECT sort_key FROM members WHERE room_id=? AND user_id=?");
  s.bind(1, room).bind(2, user);
  return s.step() ? s.text(0) : std::string();
}

Status no_message(Seq seq) { return not_found("message " + std::to_string(seq) + " not found"); }

Note read_note_row(const Stmt& s) {
  Note n;
  n.id = s.i64(0);
  n.room = s.i64(1);
  n.title = s.text(2);
  n.body = s.text(3);
  n.version = s.i64(4);
  n.created_by = s.i64(5);
  n.created_by_name = s.text(6);
  n.created_at = s.i64(7);
  n.updated_by = s.i64(8);
  n.updated_by_name = s.text(9);
  n.updated_at = s.i64(10);
  return n;
}

// Note `id` of `room` if it is there and not deleted; its body only `with_body`.
std::optional<Note> load_note(Connection& db, RoomId room, NoteId id, bool with_body) {
  if (with_body) {
    Stmt s = db.q(TONARI_NOTE_SELECT("n.body") "WHERE n.id=? AND n.room_id=? AND n.deleted=0");
    s.bind(1, id).bind(2, room);
    if (!s.step()) return std::nullopt;
    return read_note_row(s);
  }
  Stmt s = db.q(TONARI_NOTE_SELECT("''") "WHERE n.id=? AND n.room_id=? AND n.deleted=0");
  s.bind(1, id).bind(2, room);
  if (!s.step()) return std::nullopt;
  return read_note_row(s);
}

Status no_note(NoteId id) { return not_found("note " + std::to_string(id) + " not found"); }

NoteVersion read_version_row(const Stmt& s) {
  return NoteVersion{s.i64(0), s.i64(1), s.text(2), s.text(3), s.i64(4), s.text(5), s.i64(6),
                     s.i64(7)};
}

// A page of users (TONARI_USER_COLS, then when, then the order key, then with_picks the
// picks) read one row past `limit` to tell whether another follows.
UserPage read_user_page(Stmt& s, int limit, bool with_picks) {
  UserPage out;
  std::string last_key;
  const int c = TONARI_USER_NCOLS;
  while (s.step()) {
    if (static_cast<int>(out.users.size()) == limit) {
      out.next = MemberKey{std::move(last_key), out.users.back().id};
      break;
    }
    out.users.push_back(read_user(s));
    out.at.push_back(s.i64(c));
    last_key = s.text(c + 1);  // the blob's bytes
    if (with_picks) out.picks.push_back(picks_of(s.text(c + 2)));
  }
  return out;
}

}  // namespace

// ---- Row helpers (rows.h, write_helpers.h) ------------------------------------------------

void fill_collab(Connection& db, RoomId room, const std::vector<Message*>& msgs) {
  if (msgs.empty()) return;
  const Seq lo = msgs.front()->seq;
  const Seq hi = msgs.back()->seq;
  {
    Stmt s = db.q("SELECT seq, key, count FROM reaction_counts WHERE room_id=? AND seq>=?"
                  " AND seq<=? ORDER BY seq, count DESC, id");
    s.bind(1, room).bind(2, lo).bind(3, hi);
    std::size_t i = 0;
    while (s.step()) {
      const Seq seq = s.i64(0);
      while (i < msgs.size() && msgs[i]->seq < seq) ++i;
      if (i == msgs.size()) break;
      if (msgs[i]->seq == seq) msgs[i]->reactions.push_back(ReactionCount{s.text(1), s.i64(2)});
    }
  }
  Stmt s = db.q("SELECT " TONARI_ACTION_COLS " FROM actions a WHERE a.room_id=? AND a.seq>=?"
                " AND a.seq<=? ORDER BY a.seq");
  s.bind(1, room).bind(2, lo).bind(3, hi);
  std::size_t i = 0;
  std::int64_t members = -1;  // read once, if a question is there
  while (s.step()) {
    const Seq seq = s.i64(0);
    while (i < msgs.size() && msgs[i]->seq < seq) ++i;
    if (i == msgs.size()) break;
    if (msgs[i]->seq != seq) continue;
    if (members < 0) members = member_count(db, room);
    msgs[i]->action = read_action(db, s, room, members).state;
  }
}

std::optional<StoredAction> load_action(Connection& db, RoomId room, Seq seq) {
  Stmt s = db.q("SELECT " TONARI_ACTION_COLS " FROM actions a WHERE a.room_id=? AND a.seq=?");
  s.bind(1, room).bind(2, seq);
  if (!s.step()) return std::nullopt;
  return read_action(db, s, room, member_count(db, room));
}

ActionState insert_action(Connection& db, RoomId room, Seq seq, UserId asker,
                          const ActionSpec& spec) {
  ActionState a;
  a.spec = spec;
  a.tally.counts.assign(action_slots(spec), 0);
  boost::json::array options;
  for (const std::string& label : spec.options) options.emplace_back(label);
  db.q("INSERT INTO actions(room_id, seq, asker, kind, title, options, multiple, deadline,"
       " results_public, changeable, anonymous, assignees, counts)"
       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)")
      .bind(1, room).bind(2, seq).bind(3, asker).bind(4, action_kind_name(spec.kind))
      .bind(5, spec.title).bind(6, boost::json::serialize(options)).bind(7, spec.multiple)
      .bind(8, spec.deadline).bind(9, spec.results_public).bind(10, spec.changeable)
      .bind(11, spec.anonymous).bind(12, join_ids(spec.assignees))
      .bind(13, join_ids(a.tally.counts)).run();
  a.tally.pending = spec.kind == ActionKind::task ? task_pending(db, room, seq, spec.assignees)
                                                  : member_count(db, room);
  return a;
}

void count_answers_of_gone(Connection& db, RoomId room, UserId user, bool left) {
  db.q("UPDATE actions SET gone=gone+?3 WHERE room_id=?1 AND seq IN"
       " (SELECT seq FROM action_answers WHERE room_id=?1 AND user_id=?2)")
      .bind(1, room).bind(2, user).bind(3, left ? 1 : -1).run();
}

void delete_collab_of(Connection& db, RoomId room, Seq seq) {
  db.q("DELETE FROM reactions WHERE room_id=? AND seq=?").bind(1, room).bind(2, seq).run();
  db.q("DELETE FROM reaction_counts WHERE room_id=? AND seq=?").bind(1, room).bind(2, seq).run();
  db.q("DELETE FROM action_picks WHERE room_id=? AND seq=?").bind(1, room).bind(2, seq).run();
  db.q("DELETE FROM action_answers WHERE room_id=? AND seq=?").bind(1, room).bind(2, seq).run();
  db.q("DELETE FROM actions WHERE room_id=? AND seq=?").bind(1, room).bind(2, seq).run();
  db.q("DELETE FROM pins WHERE room_id=? AND kind='message' AND target=?")
      .bind(1, room).bind(2, seq).run();
}

// ---- Reactions ----------------------------------------------------------------------------

void SqliteStore::react(NewReaction r, Callback<RoomChange> done) {
  write<RoomChange>([r = std::move(r)](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, r.room, r.user, r.tenant);
    if (!room.ok()) return room.status();
    {
      Stmt s = db.q("SELECT kind, deleted FROM messages WHERE room_id=? AND seq=?");
      s.bind(1, r.room).bind(2, r.seq);
      if (!s.step() || s.i64(1) != 0) return no_message(r.seq);
      if (s.text(0) == "system") return invalid_argument("a system message takes no reactions");
    }
    bool had = false;
    {
      Stmt s = db.q("SELECT 1 FROM reactions WHERE room_id=? AND user_id=? AND seq=? AND key=?");
      s.bind(1, r.room).bind(2, r.user).bind(3, r.seq).bind(4, r.key);
      had = s.step();
    }
    std::int64_t count = 0;
    bool listed = false;  // the message has this key
    {
      Stmt s = db.q("SELECT count FROM reaction_counts WHERE room_id=? AND seq=? AND key=?");
      s.bind(1, r.room).bind(2, r.seq).bind(3, r.key);
      if (s.step()) {
        listed = true;
        count = s.i64(0);
      }
    }
    RoomChange out;
    out.room = *room;
    if (had == r.on) {
      out.created = false;
      out.count = count;
      return out;
    }
    if (r.on) {
      if (!listed) {
        Stmt n = db.q("SELECT count(*) FROM reaction_counts WHERE room_id=? AND seq=?");
        n.bind(1, r.room).bind(2, r.seq);
        if (n.step() && n.i64(0) >= static_cast<std::int64_t>(kMaxReactionKeysPerMessage)) {
          return conflict("a message has at most " +
                          std::to_string(kMaxReactionKeysPerMessage) + " different reactions");
        }
      }
      db.q("INSERT INTO reaction_counts(room_id, seq, key, count) VALUES(?,?,?,1)"
           " ON CONFLICT(room_id, seq, key) DO UPDATE SET count=count+1")
          .bind(1, r.room).bind(2, r.seq).bind(3, r.key).run();
      db.q("INSERT INTO reactions(room_id, user_id, seq, key, sort_key, at) VALUES(?,?,?,?,?,?)")
          .bind(1, r.room).bind(2, r.user).bind(3, r.seq).bind(4, r.key)
          .bind_blob(5, sort_key_in(db, r.room, r.user)).bind(6, r.now).run();
      ++count;
    } else {
      db.q("DELETE FROM reactions WHERE room_id=? AND user_id=? AND seq=? AND key=?")
          .bind(1, r.room).bind(2, r.user).bind(3, r.seq).bind(4, r.key).run();
      // A key nobody has any more is gone (put back, it is the newest of its count).
      if (count <= 1) {
        db.q("DELETE FROM reaction_counts WHERE room_id=? AND seq=? AND key=?")
            .bind(1, r.room).bind(2, r.seq).bind(3, r.key).run();
      } else {
        db.q("UPDATE reaction_counts SET count=count-1 WHERE room_id=? AND seq=? AND key=?")
            .bind(1, r.room).bind(2, r.seq).bind(3, r.key).run();
      }
      --count;
    }
    out.count = count;
    out.events.push_back(append_event(db, out.room, r.now, [&](EventNo ev) {
      return wire::reaction_updated_event(r.room, ev, r.seq, r.key, count, r.user, r.on);
    }));
    return out;
  }, std::move(done));
}

// ---- Action stamps ------------------------------------------------------------------------

void SqliteStore::answer_action(NewAnswer a, Callback<RoomChange> done) {
  // No event (the tally goes out coalesced: publish_action), no change to the room row: a
  // few rows by key and the question's tally, whatever the number of answers.
  write<RoomChange>([a = std::move(a)](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, a.room, a.user, a.tenant);
    if (!room.ok()) return room.status();
    auto stored = load_action(db, a.room, a.seq);
    if (!stored) return not_found("message " + std::to_string(a.seq) + " asks nothing");
    ActionState& state = stored->state;
    const ActionSpec& spec = state.spec;
    const bool task = spec.kind == ActionKind::task;
    if (task && std::find(spec.assignees.begin(), spec.assignees.end(), a.user) ==
                    spec.assignees.end()) {
      return permission_denied("only its assignees answer a task");
    }
    // The messages are the reasons the services send (docs/api.md).
    if (state.closed) return conflict("closed");
    if (spec.deadline != 0 && a.now > spec.deadline) return conflict("deadline");
    std::optional<std::vector<ActionPick>> before;
    TimeMs before_at = 0;
    std::string before_key;
    {
      Stmt s = db.q("SELECT picks, at, sort_key FROM action_answers"
                    " WHERE room_id=? AND user_id=? AND seq=?");
      s.bind(1, a.room).bind(2, a.user).bind(3, a.seq);
      if (s.step()) {
        before = picks_of(s.text(0));
        before_at = s.i64(1);
        before_key = s.text(2);
      }
    }
    RoomChange out;
    out.room = *room;
    // Already so (a retry): nothing written, the answer as it stands.
    if (a.picks.empty() ? !before : before == a.picks) {
      out.created = false;
      if (before) {
        state.mine = *before;
        state.mine_at = before_at;
      }
      out.action = std::move(state);
      return out;
    }
    if (!a.picks.empty()) TONARI_RETURN_IF_ERROR(check_picks(spec, a.picks));
    if (before && !spec.changeable && !task) return conflict("answered");

    // The tally, kept in this transaction: the old picks out, the new ones in.
    auto& counts = state.tally.counts;
    auto slot = [&](const ActionPick& p) { return action_slot(spec, p); };
    if (before) {
      for (const ActionPick& p : *before) {
        if (slot(p) < counts.size() && counts[slot(p)] > 0) --counts[slot(p)];
        db.q("DELETE FROM action_picks WHERE room_id=? AND seq=? AND option=? AND value=?"
             " AND sort_key=? AND user_id=?")
            .bind(1, a.room).bind(2, a.seq).bind(3, p.option).bind(4, p.value)
            .bind_blob(5, before_key).bind(6, a.user).run();
      }
    }
    const std::int64_t delta = (a.picks.empty() ? 0 : 1) - (before ? 1 : 0);
    state.tally.answered += delta;
    if (a.picks.empty()) {
      db.q("DELETE FROM action_answers WHERE room_id=? AND user_id=? AND seq=?")
          .bind(1, a.room).bind(2, a.user).bind(3, a.seq).run();
    } else {
      const std::string key = sort_key_in(db, a.room, a.user);
      db.q("INSERT INTO action_answers(room_id, user_id, seq, picks, sort_key, at)"
           " VALUES(?,?,?,?,?,?) ON CONFLICT(room_id, user_id, seq)"
           " DO UPDATE SET picks=excluded.picks, sort_key=excluded.sort_key, at=excluded.at")
          .bind(1, a.room).bind(2, a.user).bind(3, a.seq).bind(4, picks_text(a.picks))
          .bind_blob(5, key).bind(6, a.now).run();
      for (const ActionPick& p : a.picks) {
        ++counts[slot(p)];
        db.q("INSERT INTO action_picks(room_id, seq, option, value, sort_key, user_id, at)"
             " VALUES(?,?,?,?,?,?,?)")
            .bind(1, a.room).bind(2, a.seq).bind(3, p.option).bind(4, p.value)
            .bind_blob(5, key).bind(6, a.user).bind(7, a.now).run();
      }
      state.mine = a.picks;
      state.mine_at = a.now;
    }
    db.q("UPDATE actions SET counts=?, answered=? WHERE room_id=? AND seq=?")
        .bind(1, join_ids(counts)).bind(2, state.tally.answered).bind(3, a.room)
        .bind(4, a.seq).run();
    state.tally.pending = task ? task_pending(db, a.room, a.seq, spec.assignees)
                               : std::max<std::int64_t>(0, state.tally.pending - delta);
    out.action = std::move(state);
    return out;
  }, std::move(done));
}

void SqliteStore::publish_action(RoomId room_id, Seq seq, TimeMs now, Callback<RoomChange> done) {
  write<RoomChange>([=](Connection& db) -> Result<RoomChange> {
    RoomChange out;
    out.created = false;
    auto room = load_room(db, room_id);
    if (!room) return out;
    out.room = *room;
    auto stored = load_action(db, room_id, seq);
    if (!stored) return out;
    out.created = true;
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::action_updated_event(room_id, ev, seq, stored->state);
    }, seq));
    out.action = std::move(stored->state);
    return out;
  }, std::move(done));
}

void SqliteStore::publish_acks(RoomId room_id, Seq seq, TimeMs now, Callback<RoomChange> done) {
  write<RoomChange>([=](Connection& db) -> Result<RoomChange> {
    RoomChange out;
    out.created = false;
    auto room = load_room(db, room_id);
    if (!room) return out;
    out.room = *room;
    // The count as this transaction reads it: every ack committed before it is counted.
    auto msg = load_message(db, room_id, seq);
    if (!msg || msg->deleted || !msg->ack_required) return out;
    out.created = true;
    out.count = msg->ack_count;
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::message_acks_event(room_id, ev, seq, msg->ack_count);
    }));
    return out;
  }, std::move(done));
}

void SqliteStore::close_action(RoomId room_id, Seq seq, UserId by, TimeMs now, AuthorRule may,
                               Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, room_id, by, 0);
    if (!room.ok()) return room.status();
    auto stored = load_action(db, room_id, seq);
    if (!stored) return not_found("message " + std::to_string(seq) + " asks nothing");
    if (may) TONARI_RETURN_IF_ERROR(may(*room, member_of(db, room_id, by), stored->asker));
    RoomChange out;
    out.room = *room;
    ActionState& state = stored->state;
    if (state.closed) {
      out.created = false;
      out.action = std::move(state);
      return out;
    }
    db.q("UPDATE actions SET closed=1, closed_at=?, closed_by=? WHERE room_id=? AND seq=?")
        .bind(1, now).bind(2, by).bind(3, room_id).bind(4, seq).run();
    state.closed = true;
    state.closed_at = now;
    state.closed_by = by;
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::action_updated_event(room_id, ev, seq, state);
    }, seq));
    wire::SystemNote n;
    n.action = "action_closed";
    n.seq = seq;
    n.title = state.spec.title;
    append_system_message(db, out, by, n, now);
    out.action = std::move(state);
    return out;
  }, std::move(done));
}

void SqliteStore::remind_action(RoomId room_id, Seq seq, UserId by, TimeMs now, AuthorRule may,
                                Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, room_id, by, 0);
    if (!room.ok()) return room.status();
    auto stored = load_action(db, room_id, seq);
    if (!stored) return not_found("message " + std::to_string(seq) + " asks nothing");
    if (may) TONARI_RETURN_IF_ERROR(may(*room, member_of(db, room_id, by), stored->asker));
    const ActionState& state = stored->state;
    if (state.closed) return conflict("closed");
    // Those who have not answered (MemberFilter::unanswered), in member-list order.
    std::vector<UserId> pending;
    if (state.spec.kind == ActionKind::task) {
      Stmt s = db.q("SELECT mb.user_id FROM members mb WHERE mb.room_id=?1"
                    " AND mb.user_id IN (SELECT value FROM json_each(?3)) AND NOT EXISTS("
                    "SELECT 1 FROM action_answers a WHERE a.room_id=?1 AND a.user_id=mb.user_id"
                    " AND a.seq=?2) ORDER BY mb.sort_key, mb.user_id");
      s.bind(1, room_id).bind(2, seq).bind(3, json_ids(state.spec.assignees));
      while (s.step()) pending.push_back(s.i64(0));
    } else {
      Stmt s = db.q("SELECT mb.user_id FROM members mb WHERE mb.room_id=?1 AND NOT EXISTS("
                    "SELECT 1 FROM action_answers a WHERE a.room_id=?1 AND a.user_id=mb.user_id"
                    " AND a.seq=?2) ORDER BY mb.sort_key, mb.user_id");
      s.bind(1, room_id).bind(2, seq);
      while (s.step()) pending.push_back(s.i64(0));
    }
    if (pending.empty()) return conflict("everyone has answered");
    wire::SystemNote n;
    n.action = "action_reminded";
    n.seq = seq;
    n.title = state.spec.title;
    n.count = static_cast<std::int64_t>(pending.size());
    const std::size_t named = std::min(pending.size(), wire::kMaxUsersPerSystemNote);
    const std::vector<UserId> first(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(named));
    for (UserId id : first) n.users.emplace_back(id, name_of(db, id));
    RoomChange out;
    out.room = *room;
    out.count = n.count;
    if (!append_system_message(db, out, by, n, now, first)) {
      out.created = false;  // a 1:1 room: no system messages there
    } else {
      // Every one of them has it as a mention (mention_unread), not only those it names.
      for (UserId id : pending) {
        db.q("INSERT INTO mentions(room_id, user_id, seq) VALUES(?,?,?)")
            .bind(1, room_id).bind(2, id).bind(3, out.room.msg_seq).run();
      }
    }
    out.action = state;
    return out;
  }, std::move(done));
}

// ---- Notes --------------------------------------------------------------------------------

void SqliteStore::create_note(NewNote n, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([n = std::move(n), may = std::move(may),
                     index = opts_.search_index](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, n.room, n.by, n.tenant);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, n.by));
    db.q("INSERT INTO notes(room_id, title, body, version, created_by, created_at, updated_by,"
         " updated_at) VALUES(?,?,?,1,?,?,?,?)")
        .bind(1, n.room).bind(2, n.title).bind(3, n.body).bind(4, n.by).bind(5, n.now)
        .bind(6, n.by).bind(7, n.now).run();
    const NoteId id = db.last_insert_id();
    db.q("INSERT INTO note_versions(note_id, version, title, body, by_id, at) VALUES(?,1,?,?,?,?)")
        .bind(1, id).bind(2, n.title).bind(3, n.body).bind(4, n.by).bind(5, n.now).run();
    if (index) index_note(db, room->tenant, n.room, id);
    RoomChange out;
    out.room = *room;
    out.note = load_note(db, n.room, id, true);
    if (!out.note) return internal_error("note vanished after insert");
    out.events.push_back(append_event(db, out.room, n.now, [&](EventNo ev) {
      return wire::note_updated_event(n.room, ev, *out.note);
    }));
    wire::SystemNote s;
    s.action = "note_created";
    s.note = id;
    s.title = n.title;
    append_system_message(db, out, n.by, s, n.now);
    return out;
  }, std::move(done));
}

void SqliteStore::update_note(NoteEdit e, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([e = std::move(e), may = std::move(may),
                     index = opts_.search_index](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, e.room, e.by, e.tenant);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, e.by));
    auto current = load_note(db, e.room, e.note, true);
    if (!current) return no_note(e.note);
    // The reason the services send (docs/api.md), with the note as it is now.
    if (current->version != e.base_version) return conflict("version");
    RoomChange out;
    out.room = *room;
    if (current->title == e.title && current->body == e.body) {
      out.created = false;
      out.note = std::move(current);
      return out;
    }
    const std::int64_t version = current->version + 1;
    db.q("UPDATE notes SET title=?, body=?, version=?, updated_by=?, updated_at=? WHERE id=?")
        .bind(1, e.title).bind(2, e.body).bind(3, version).bind(4, e.by).bind(5, e.now)
        .bind(6, e.note).run();
    db.q("INSERT INTO note_versions(note_id, version, title, body, by_id, at, restored_from)"
         " VALUES(?,?,?,?,?,?,?)")
        .bind(1, e.note).bind(2, version).bind(3, e.title).bind(4, e.body).bind(5, e.by)
        .bind(6, e.now).bind(7, e.restored_from).run();
    if (index) index_note(db, room->tenant, e.room, e.note);  // a new id: the newest place
    out.note = load_note(db, e.room, e.note, true);
    out.events.push_back(append_event(db, out.room, e.now, [&](EventNo ev) {
      return wire::note_updated_event(e.room, ev, *out.note);
    }));
    wire::SystemNote s;
    s.action = "note_updated";
    s.note = e.note;
    s.title = e.title;
    s.version = version;
    s.restored_from = e.restored_from;
    append_system_message(db, out, e.by, s, e.now);
    return out;
  }, std::move(done));
}

void SqliteStore::delete_note(RoomId room_id, NoteId note, UserId by, TimeMs now, AuthorRule may,
                              Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may), index = opts_.search_index](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, room_id, by, 0);
    if (!room.ok()) return room.status();
    auto current = load_note(db, room_id, note, false);
    if (!current) return no_note(note);
    if (may) TONARI_RETURN_IF_ERROR(may(*room, member_of(db, room_id, by), current->created_by));
    db.q("UPDATE notes SET deleted=1, body='' WHERE id=?").bind(1, note).run();
    db.q("DELETE FROM note_versions WHERE note_id=?").bind(1, note).run();
    if (index) unindex_note(db, room_id, note);
    RoomChange out;
    out.room = *room;
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::note_deleted_event(room_id, ev, note);
    }));
    db.q("DELETE FROM pins WHERE room_id=? AND kind='note' AND target=?")
        .bind(1, room_id).bind(2, note).run();
    if (db.changes() > 0) {
      out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
        return wire::pin_removed_event(room_id, ev, Pin::Kind::note, note);
      }));
    }
    wire::SystemNote s;
    s.action = "note_deleted";
    s.note = note;
    s.title = current->title;
    append_system_message(db, out, by, s, now);
    out.note = std::move(current);
    return out;
  }, std::move(done));
}

// ---- Pins ---------------------------------------------------------------------------------

void SqliteStore::pin(RoomId room_id, UserId by, Pin::Kind kind, std::int64_t target, TimeMs now,
                      RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, room_id, by, 0);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    RoomChange out;
    out.room = *room;
    {
      Stmt s = db.q("SELECT 1 FROM pins WHERE room_id=? AND kind=? AND target=?");
      s.bind(1, room_id).bind(2, pin_kind_name(kind)).bind(3, target);
      if (s.step()) {
        out.created = false;
        return out;
      }
    }
    Pin p;
    p.kind = kind;
    p.by = by;
    p.by_name = name_of(db, by);
    p.at = now;
    if (kind == Pin::Kind::message) {
      p.seq = target;
      p.message = load_message(db, room_id, target);
      if (!p.message || p.message->deleted) return no_message(target);
      if (p.message->kind == MessageKind::system) {
        return invalid_argument("a system message cannot be pinned");
      }
    } else {
      p.note = target;
      p.note_info = load_note(db, room_id, target, false);
      if (!p.note_info) return no_note(target);
    }
    {
      Stmt s = db.q("SELECT count(*) FROM pins WHERE room_id=?");
      s.bind(1, room_id);
      if (s.step() && s.i64(0) >= static_cast<std::int64_t>(kMaxPinsPerRoom)) {
        return conflict("a room has at most " + std::to_string(kMaxPinsPerRoom) + " pins");
      }
    }
    db.q("INSERT INTO pins(room_id, kind, target, by_id, at) VALUES(?,?,?,?,?)")
        .bind(1, room_id).bind(2, pin_kind_name(kind)).bind(3, target).bind(4, by)
        .bind(5, now).run();
    // A message's pin.added names it in events.msg_seq: deleting it blanks the copy in it.
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::pin_added_event(room_id, ev, p);
    }, kind == Pin::Kind::message ? target : 0));
    return out;
  }, std::move(done));
}

void SqliteStore::unpin(RoomId room_id, UserId by, Pin::Kind kind, std::int64_t target,
                        TimeMs now, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, room_id, by, 0);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    RoomChange out;
    out.room = *room;
    db.q("DELETE FROM pins WHERE room_id=? AND kind=? AND target=?")
        .bind(1, room_id).bind(2, pin_kind_name(kind)).bind(3, target).run();
    if (db.changes() == 0) {
      out.created = false;
      return out;
    }
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::pin_removed_event(room_id, ev, kind, target);
    }));
    return out;
  }, std::move(done));
}

// ---- Reads --------------------------------------------------------------------------------

Result<Store::ViewerMarks> SqliteStore::viewer_marks(RoomId room, Seq lo, Seq hi, UserId viewer) {
  return read<ViewerMarks>([&](Connection& db) -> Result<ViewerMarks> {
    ViewerMarks out;
    {
      Stmt s = db.q("SELECT seq, key FROM reactions WHERE room_id=? AND user_id=? AND seq>=?"
                    " AND seq<=? ORDER BY seq, key");
      s.bind(1, room).bind(2, viewer).bind(3, lo).bind(4, hi);
      while (s.step()) out.reacted.emplace_back(s.i64(0), s.text(1));
    }
    {
      Stmt s = db.q("SELECT seq, picks, at FROM action_answers WHERE room_id=? AND user_id=?"
                    " AND seq>=? AND seq<=? ORDER BY seq");
      s.bind(1, room).bind(2, viewer).bind(3, lo).bind(4, hi);
      while (s.step()) out.answered.emplace_back(s.i64(0), std::make_pair(picks_of(s.text(1)), s.i64(2)));
    }
    Stmt s = db.q("SELECT seq FROM message_acks WHERE room_id=? AND user_id=? AND seq>=?"
                  " AND seq<=? ORDER BY seq");
    s.bind(1, room).bind(2, viewer).bind(3, lo).bind(4, hi);
    while (s.step()) out.acked.push_back(s.i64(0));
    return out;
  });
}

Result<UserPage> SqliteStore::reactors_page(RoomId room, Seq seq, const std::string& key,
                                            const MemberKey& after, int limit) {
  return read<UserPage>([&](Connection& db) -> Result<UserPage> {
    // Along reactions_order (room_id, seq, key, sort_key, user_id) from the cursor on.
    Stmt s = db.q("SELECT " TONARI_USER_COLS ", r.at, r.sort_key FROM reactions r"
                  " JOIN users u ON u.id=r.user_id LEFT JOIN departments d ON d.id=u.dept_id"
                  " WHERE r.room_id=?1 AND r.seq=?2 AND r.key=?3"
                  " AND (r.sort_key, r.user_id) > (?4, ?5)"
                  " ORDER BY r.sort_key, r.user_id LIMIT ?6");
    s.bind(1, room).bind(2, seq).bind(3, key).bind_blob(4, after.sort_key).bind(5, after.user)
        .bind(6, limit + 1);
    return read_user_page(s, limit, false);
  });
}

Result<ActionState> SqliteStore::action(RoomId room, Seq seq) {
  return read<ActionState>([&](Connection& db) -> Result<ActionState> {
    auto stored = load_action(db, room, seq);
    if (!stored) return not_found("message " + std::to_string(seq) + " asks nothing");
    return std::move(stored->state);
  });
}

Result<UserPage> SqliteStore::action_answers_page(RoomId room, Seq seq, int option, int value,
                                                  const MemberKey& after, int limit) {
  return read<UserPage>([&](Connection& db) -> Result<UserPage> {
    if (option >= 0) {
      // Along action_picks' key (room_id, seq, option, value, sort_key, user_id).
      Stmt s = db.q("SELECT " TONARI_USER_COLS ", p.at, p.sort_key FROM action_picks p"
                    " JOIN users u ON u.id=p.user_id LEFT JOIN departments d ON d.id=u.dept_id"
                    " WHERE p.room_id=?1 AND p.seq=?2 AND p.option=?3 AND p.value=?4"
                    " AND (p.sort_key, p.user_id) > (?5, ?6)"
                    " ORDER BY p.sort_key, p.user_id LIMIT ?7");
      s.bind(1, room).bind(2, seq).bind(3, option).bind(4, value)
          .bind_blob(5, after.sort_key).bind(6, after.user).bind(7, limit + 1);
      return read_user_page(s, limit, false);
    }
    // Along action_answers_order (room_id, seq, sort_key, user_id).
    Stmt s = db.q("SELECT " TONARI_USER_COLS ", a.at, a.sort_key, a.picks FROM action_answers a"
                  " JOIN users u ON u.id=a.user_id LEFT JOIN departments d ON d.id=u.dept_id"
                  " WHERE a.room_id=?1 AND a.seq=?2 AND (a.sort_key, a.user_id) > (?3, ?4)"
                  " ORDER BY a.sort_key, a.user_id LIMIT ?5");
    s.bind(1, room).bind(2, seq).bind_blob(3, after.sort_key).bind(4, after.user)
        .bind(5, limit + 1);
    return read_user_page(s, limit, true);
  });
}

Result<std::vector<Note>> SqliteStore::notes(RoomId room) {
  return read<std::vector<Note>>([&](Connection& db) -> Result<std::vector<Note>> {
    Stmt s = db.q(TONARI_NOTE_SELECT("''") "WHERE n.room_id=? AND n.deleted=0"
                  " ORDER BY n.updated_at DESC, n.id DESC");
    s.bind(1, room);
    std::vector<Note> out;
    while (s.step()) out.push_back(read_note_row(s));
    return out;
  });
}

Result<Note> SqliteStore::note(RoomId room, NoteId id) {
  return read<Note>([&](Connection& db) -> Result<Note> {
    auto n = load_note(db, room, id, true);
    if (!n) return no_note(id);
    return std::move(*n);
  });
}

Result<std::vector<NoteVersion>> SqliteStore::note_versions(RoomId room, NoteId id) {
  using Out = std::vector<NoteVersion>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    if (!load_note(db, room, id, false)) return no_note(id);
    Stmt s = db.q("SELECT v.note_id, v.version, v.title, '', v.by_id, coalesce(u.name,''), v.at,"
                  " v.restored_from FROM note_versions v LEFT JOIN users u ON u.id=v.by_id"
                  " WHERE v.note_id=? ORDER BY v.version DESC");
    s.bind(1, id);
    Out out;
    while (s.step()) out.push_back(read_version_row(s));
    return out;
  });
}

Result<NoteVersion> SqliteStore::note_version(RoomId room, NoteId id, std::int64_t version) {
  return read<NoteVersion>([&](Connection& db) -> Result<NoteVersion> {
    if (!load_note(db, room, id, false)) return no_note(id);
    Stmt s = db.q("SELECT v.note_id, v.version, v.title, v.body, v.by_id, coalesce(u.name,''),"
                  " v.at, v.restored_from FROM note_versions v LEFT JOIN users u ON u.id=v.by_id"
                  " WHERE v.note_id=? AND v.version=?");
    s.bind(1, id).bind(2, version);
    if (!s.step()) {
      return not_found("note " + std::to_string(id) + " has no version " + std::to_string(version));
    }
    return read_version_row(s);
  });
}

Result<std::vector<Pin>> SqliteStore::pins(RoomId room) {
  return read<std::vector<Pin>>([&](Connection& db) -> Result<std::vector<Pin>> {
    std::vector<Pin> out;
    {
      Stmt s = db.q("SELECT p.kind, p.target, p.by_id, coalesce(u.name,''), p.at FROM pins p"
                    " LEFT JOIN users u ON u.id=p.by_id WHERE p.room_id=? ORDER BY p.id DESC");
      s.bind(1, room);
      while (s.step()) {
        Pin p;
        p.kind = s.text(0) == "note" ? Pin::Kind::note : Pin::Kind::message;
        if (p.kind == Pin::Kind::note) p.note = s.i64(1); else p.seq = s.i64(1);
        p.by = s.i64(2);
        p.by_name = s.text(3);
        p.at = s.i64(4);
        out.push_back(std::move(p));
      }
    }
    // At most kMaxPinsPerRoom, each read by its key.
    for (Pin& p : out) {
      if (p.kind == Pin::Kind::message) {
        p.message = load_message(db, room, p.seq);
      } else {
        p.note_info = load_note(db, room, p.note, false);
      }
    }
    return out;
  });
}

// ---- 確認必須: acknowledged messages --------------------------------------------------

void SqliteStore::ack_message(RoomId room_id, Seq seq, UserId user, TenantId tenant, TimeMs now,
                              Callback<RoomChange> done) {
  write<RoomChange>([=](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, room_id, user, tenant);
    if (!room.ok()) return room.status();
    std::int64_t count = 0;
    {
      Stmt s = db.q("SELECT deleted, ack_required, ack_count FROM messages WHERE room_id=? AND seq=?");
      s.bind(1, room_id).bind(2, seq);
      if (!s.step() || s.i64(0) != 0) return no_message(seq);
      if (s.i64(1) == 0) return invalid_argument("not ack required");
      count = s.i64(2);
    }
    RoomChange out;
    out.room = *room;
    db.q("INSERT INTO message_acks(room_id, seq, user_id, at) VALUES(?,?,?,?)"
         " ON CONFLICT DO NOTHING")
        .bind(1, room_id).bind(2, seq).bind(3, user).bind(4, now).run();
    if (db.changes() == 0) {  // acknowledged already: a retry
      out.created = false;
      out.count = count;
      return out;
    }
    db.q("UPDATE messages SET ack_count=ack_count+1 WHERE room_id=? AND seq=?")
        .bind(1, room_id).bind(2, seq).run();
    out.count = count + 1;
    return out;
  }, std::move(done));
}

Result<std::pair<std::int64_t, std::int64_t>> SqliteStore::ack_counts(RoomId room, Seq seq,
                                                                      UserId sender) {
  using Out = std::pair<std::int64_t, std::int64_t>;
  return read<Out>([&](Connection& db) -> Result<Out> {
    Stmt s = db.q("SELECT coalesce(sum(a.user_id IS NOT NULL),0), coalesce(sum(a.user_id IS NULL),0)"
                  " FROM members mb LEFT JOIN message_acks a ON a.room_id=mb.room_id AND a.seq=?2"
                  " AND a.user_id=mb.user_id WHERE mb.room_id=?1 AND mb.user_id<>?3");
    s.bind(1, room).bind(2, seq).bind(3, sender);
    if (!s.step()) return Out{0, 0};
    return Out{s.i64(0), s.i64(1)};
  });
}

void SqliteStore::remind_ack(RoomId room_id, Seq seq, UserId by, DeptId dept, TimeMs now,
                             AuthorRule may, Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = room_of_member(db, room_id, by, 0);
    if (!room.ok()) return room.status();
    UserId sender = 0;
    {
      Stmt s = db.q("SELECT deleted, ack_required, sender_id FROM messages WHERE room_id=? AND seq=?");
      s.bind(1, room_id).bind(2, seq);
      if (!s.step() || s.i64(0) != 0) return no_message(seq);
      if (s.i64(1) == 0) return invalid_argument("not ack required");
      sender = s.i64(2);
    }
    if (may) TONARI_RETURN_IF_ERROR(may(*room, member_of(db, room_id, by), sender));
    // MemberFilter::unacked, in member-list order.
    std::vector<UserId> pending;
    {
      Stmt s = db.q("WITH RECURSIVE sub(id) AS (SELECT ?4 UNION SELECT d.id FROM departments d"
                    " JOIN sub ON d.parent_id=sub.id)"
                    " SELECT mb.user_id FROM members mb JOIN users u ON u.id=mb.user_id"
                    " WHERE mb.room_id=?1 AND mb.user_id<>?3"
                    " AND (?4=0 OR coalesce(u.dept_id,0) IN (SELECT id FROM sub))"
                    " AND NOT EXISTS(SELECT 1 FROM message_acks a WHERE a.room_id=?1 AND a.seq=?2"
                    " AND a.user_id=mb.user_id) ORDER BY mb.sort_key, mb.user_id");
      s.bind(1, room_id).bind(2, seq).bind(3, sender).bind(4, dept);
      while (s.step()) pending.push_back(s.i64(0));
    }
    if (pending.empty()) return conflict("everyone has acknowledged");
    wire::SystemNote n;
    n.action = "ack_reminded";
    n.seq = seq;
    n.count = static_cast<std::int64_t>(pending.size());
    const std::size_t named = std::min(pending.size(), wire::kMaxUsersPerSystemNote);
    const std::vector<UserId> first(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(named));
    for (UserId id : first) n.users.emplace_back(id, name_of(db, id));
    RoomChange out;
    out.room = *room;
    out.count = n.count;
    if (!append_system_message(db, out, by, n, now, first)) {
      out.created = false;  // a 1:1 room: no system messages there
    } else {
      // Every one of them has it as a mention (mention_unread), not only those it names.
      for (UserId id : pending) {
        db.q("INSERT INTO mentions(room_id, user_id, seq) VALUES(?,?,?)")
            .bind(1, room_id).bind(2, id).bind(3, out.room.msg_seq).run();
      }
      out.message = load_message(db, room_id, out.room.msg_seq);
    }
    return out;
  }, std::move(done));
}

}  // namespace tonari::store::sqlite
