// The writes of PgStore's "Working together" (store.h): reactions, action stamps, notes and
// pins. Each runs in a writer's transaction and takes the room's row lock first, like every
// write of a room, so that the tallies it keeps (reaction_counts; actions.answered, gone,
// counts) change one write at a time: an answer costs a few rows whatever the room's size.
#include <algorithm>

#include "store/action_rules.h"
#include "store/postgres/search_docs.h"
#include "store/postgres/write_helpers.h"

namespace tonari::store::postgres {
namespace {

// The room, locked, if `user` is a member of it and (with `tenant`) it is of that
// municipality; else not_found, as if it did not exist (store.h, the writes about
// messages).
Result<Room> member_room(PgConn& db, RoomId room, UserId user, TenantId tenant = 0) {
  auto r = load_room(db, room);
  if (!r || (tenant != 0 && r->tenant != tenant) || !is_member(db, room, user)) {
    return room_hidden(room);
  }
  return *r;
}

Status message_gone(Seq seq) { return not_found("message " + std::to_string(seq) + " not found"); }
Status no_action(Seq seq) {
  return not_found("message " + std::to_string(seq) + " asks no question");
}
Status note_gone(NoteId id) { return not_found("note " + std::to_string(id) + " not found"); }

// The asker of the action stamp of message `seq` and its state; no_action if none.
Result<std::pair<UserId, ActionState>> asked(PgConn& db, RoomId room, Seq seq) {
  auto state = load_action(db, room, seq);
  if (!state) return no_action(seq);
  PgResult a = db.exec("SELECT asker FROM actions WHERE room_id=$1 AND seq=$2",
                       Params().i64(room).i64(seq));
  return std::make_pair(a.row(0).i64(0), std::move(*state));
}

RoomEvent action_event(PgConn& db, Room& room, Seq seq, const ActionState& a, TimeMs now) {
  return append_event(db, room, now, [&](EventNo ev) {
    return wire::action_updated_event(room.id, ev, seq, a);
  }, seq);
}

// pin.added; a message's names it (events.msg_seq), so that deleting the message blanks
// it (rewrite_events).
void add_pin_event(PgConn& db, RoomChange& out, const Pin& p, TimeMs now) {
  out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
    return wire::pin_added_event(out.room.id, ev, p);
  }, p.kind == Pin::Kind::message ? p.seq : 0));
}

void remove_pin_event(PgConn& db, RoomChange& out, Pin::Kind kind, std::int64_t target,
                      TimeMs now) {
  out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
    return wire::pin_removed_event(out.room.id, ev, kind, target);
  }));
}

}  // namespace

void forget_message_parts(PgConn& db, const Message& msg) {
  const Params key = Params().i64(msg.room).i64(msg.seq);
  if (!msg.reactions.empty()) {
    db.exec("DELETE FROM reactions WHERE room_id=$1 AND seq=$2", key);
    db.exec("DELETE FROM reaction_counts WHERE room_id=$1 AND seq=$2", key);
  }
  if (msg.action) {
    db.exec("DELETE FROM action_picks WHERE room_id=$1 AND seq=$2", key);
    db.exec("DELETE FROM action_answers WHERE room_id=$1 AND seq=$2", key);
    db.exec("DELETE FROM actions WHERE room_id=$1 AND seq=$2", key);
  }
  db.exec("DELETE FROM pins WHERE room_id=$1 AND kind='message' AND target=$2", key);
}

void recount_answers(PgConn& db, RoomId room, const std::vector<UserId>& users, int by) {
  if (users.empty()) return;
  db.exec("UPDATE actions a SET gone=a.gone-$3*x.n"
          " FROM (SELECT seq, count(*) AS n FROM action_answers"
          "       WHERE user_id = ANY($2::bigint[]) AND room_id=$1 GROUP BY seq) x"
          " WHERE a.room_id=$1 AND a.seq=x.seq",
          Params().i64(room).ids(users).i64(by));
}

// ---- Reactions --------------------------------------------------------------------------

void PgStore::react(NewReaction r, Callback<RoomChange> done) {
  write<RoomChange>(r.room, [r = std::move(r)](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, r.room, r.user, r.tenant);
    if (!room.ok()) return room.status();
    PgResult m = db.exec("SELECT kind, deleted, reaction_keys FROM messages"
                         " WHERE room_id=$1 AND seq=$2",
                         Params().i64(r.room).i64(r.seq));
    if (m.empty() || m.row(0).boolean(1)) return message_gone(r.seq);
    if (m.row(0).view(0) == "system") return invalid_argument("a system message has no reactions");
    PgResult cur = db.exec("SELECT count FROM reaction_counts WHERE room_id=$1 AND seq=$2 AND key=$3",
                           Params().i64(r.room).i64(r.seq).text(r.key));
    const bool new_key = cur.empty();
    std::int64_t count = new_key ? 0 : cur.row(0).i64(0);
    RoomChange out;
    out.room = *room;
    if (r.on && new_key && m.row(0).i64(2) >= static_cast<std::int64_t>(kMaxReactionKeysPerMessage)) {
      return conflict("a message has at most " + std::to_string(kMaxReactionKeysPerMessage) +
                      " different reactions");
    }
    // The reactor's order key is the member's (members.sort_key), for reactors_page.
    PgResult changed = r.on
        ? db.exec("INSERT INTO reactions(room_id, seq, key, user_id, sort_key, at)"
                  " SELECT $1, $2, $3, $4, mb.sort_key, $5 FROM members mb"
                  " WHERE mb.room_id=$1 AND mb.user_id=$4 ON CONFLICT DO NOTHING",
                  Params().i64(r.room).i64(r.seq).text(r.key).i64(r.user).i64(r.now))
        : db.exec("DELETE FROM reactions WHERE room_id=$1 AND seq=$2 AND key=$3 AND user_id=$4",
                  Params().i64(r.room).i64(r.seq).text(r.key).i64(r.user));
    if (changed.affected() == 0) {
      out.created = false;
      out.count = count;
      return out;
    }
    count += r.on ? 1 : -1;
    out.events.push_back(append_event(db, out.room, r.now, [&](EventNo ev) {
      return wire::reaction_updated_event(r.room, ev, r.seq, r.key, count, r.user, r.on);
    }, r.seq));
    const Params key = Params().i64(r.room).i64(r.seq).text(r.key);
    if (new_key) {
      db.exec("INSERT INTO reaction_counts(room_id, seq, key, count) VALUES($1,$2,$3,1)", key);
    } else if (count == 0) {
      db.exec("DELETE FROM reaction_counts WHERE room_id=$1 AND seq=$2 AND key=$3", key);
    } else {
      db.exec("UPDATE reaction_counts SET count=$4 WHERE room_id=$1 AND seq=$2 AND key=$3",
              Params().i64(r.room).i64(r.seq).text(r.key).i64(count));
    }
    if (new_key || count == 0) {
      db.exec("UPDATE messages SET reaction_keys=reaction_keys+$3 WHERE room_id=$1 AND seq=$2",
              Params().i64(r.room).i64(r.seq).i64(new_key ? 1 : -1));
    }
    out.count = count;
    return out;
  }, std::move(done));
}

// ---- Action stamps ----------------------------------------------------------------------

void PgStore::answer_action(NewAnswer a, Callback<RoomChange> done) {
  write<RoomChange>(a.room, [a = std::move(a)](PgConn& db) -> Result<RoomChange> {
    auto room = load_room(db, a.room);
    PgResult mb = db.exec("SELECT sort_key FROM members WHERE room_id=$1 AND user_id=$2",
                          Params().i64(a.room).i64(a.user));
    if (!room || (a.tenant != 0 && room->tenant != a.tenant) || mb.empty()) {
      return room_hidden(a.room);
    }
    auto state = load_action(db, a.room, a.seq);
    if (!state) return no_action(a.seq);
    const ActionSpec& spec = state->spec;
    if (state->closed) return conflict("closed");
    if (spec.deadline > 0 && a.now > spec.deadline) return conflict("deadline");
    const bool task = spec.kind == ActionKind::task;
    if (task && std::find(spec.assignees.begin(), spec.assignees.end(), a.user) ==
                    spec.assignees.end()) {
      return permission_denied("only the task's assignees answer it");
    }
    TONARI_RETURN_IF_ERROR(check_picks(spec, a.picks));
    const Params key = Params().i64(a.room).i64(a.seq).i64(a.user);
    PgResult old = db.exec("SELECT picks, at FROM action_answers"
                           " WHERE room_id=$1 AND seq=$2 AND user_id=$3",
                           key);
    const std::vector<ActionPick> before = old.empty() ? std::vector<ActionPick>{}
                                                       : picks_of(old.row(0).view(0));
    RoomChange out;
    out.room = *room;
    if (before == a.picks) {
      out.created = false;
      state->mine = before;
      state->mine_at = old.empty() ? 0 : old.row(0).i64(1);
      out.action = std::move(*state);
      return out;
    }
    if (!before.empty() && !spec.changeable && !task) return conflict("answered");

    // The answer's row, its picks' rows, and the tally: the counts it leaves and takes.
    const std::int64_t answered = before.empty() ? 1 : a.picks.empty() ? -1 : 0;
    const std::string sort_key = mb.row(0).bytes(0);
    if (a.picks.empty()) {
      db.exec("DELETE FROM action_answers WHERE room_id=$1 AND seq=$2 AND user_id=$3", key);
    } else {
      db.exec("INSERT INTO action_answers(room_id, seq, user_id, picks, sort_key, at)"
              " VALUES($1,$2,$3,$4,$5,$6) ON CONFLICT (room_id, seq, user_id)"
              " DO UPDATE SET picks=excluded.picks, at=excluded.at",
              Params().i64(a.room).i64(a.seq).i64(a.user).text(picks_text(a.picks))
                  .bytes(sort_key).i64(a.now));
    }
    if (!before.empty()) {
      db.exec("DELETE FROM action_picks WHERE room_id=$1 AND seq=$2 AND user_id=$3", key);
    }
    if (!a.picks.empty()) {
      std::vector<std::int64_t> options, values;
      for (const ActionPick& p : a.picks) {
        options.push_back(p.option);
        values.push_back(p.value);
      }
      db.exec("INSERT INTO action_picks(room_id, seq, user_id, option, value, sort_key, at)"
              " SELECT $1, $2, $3, o, v, $6, $7 FROM unnest($4::bigint[], $5::bigint[]) AS p(o, v)",
              Params().i64(a.room).i64(a.seq).i64(a.user).ids(options).ids(values)
                  .bytes(sort_key).i64(a.now));
    }
    std::vector<std::int64_t>& counts = state->tally.counts;
    counts.resize(action_slots(spec));
    for (const ActionPick& p : before) --counts[action_slot(spec, p)];
    for (const ActionPick& p : a.picks) ++counts[action_slot(spec, p)];
    db.exec("UPDATE actions SET answered=answered+$3, counts=$4 WHERE room_id=$1 AND seq=$2",
            Params().i64(a.room).i64(a.seq).i64(answered).text(join_ids(counts)));
    state->tally.answered += answered;
    state->tally.pending = std::max<std::int64_t>(0, state->tally.pending - answered);
    state->mine = a.picks;
    state->mine_at = a.picks.empty() ? 0 : a.now;
    out.action = std::move(*state);
    return out;
  }, std::move(done));
}

void PgStore::publish_action(RoomId room_id, Seq seq, TimeMs now, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=](PgConn& db) -> Result<RoomChange> {
    RoomChange out;
    out.created = false;
    auto room = load_room(db, room_id);
    if (!room) return out;
    out.room = *room;
    auto state = load_action(db, room_id, seq);
    if (!state) return out;
    out.created = true;
    out.events.push_back(action_event(db, out.room, seq, *state, now));
    out.action = std::move(*state);
    return out;
  }, std::move(done));
}

void PgStore::publish_acks(RoomId room_id, Seq seq, TimeMs now, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=](PgConn& db) -> Result<RoomChange> {
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

void PgStore::close_action(RoomId room_id, Seq seq, UserId by, TimeMs now, AuthorRule may,
                           Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, room_id, by);
    if (!room.ok()) return room.status();
    auto found = asked(db, room_id, seq);
    if (!found.ok()) return found.status();
    auto& [asker, state] = *found;
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by, asker));
    RoomChange out;
    out.room = *room;
    if (state.closed) {
      out.created = false;
      out.action = std::move(state);
      return out;
    }
    db.exec("UPDATE actions SET closed=true, closed_at=$3, closed_by=$4 WHERE room_id=$1 AND seq=$2",
            Params().i64(room_id).i64(seq).i64(now).i64(by));
    state.closed = true;
    state.closed_at = now;
    state.closed_by = by;
    out.events.push_back(action_event(db, out.room, seq, state, now));
    wire::SystemNote n = note_of("action_closed");
    n.seq = seq;
    n.title = state.spec.title;
    append_system_message(db, out, by, n, now);
    out.action = std::move(state);
    return out;
  }, std::move(done));
}

void PgStore::remind_action(RoomId room_id, Seq seq, UserId by, TimeMs now, AuthorRule may,
                            Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, room_id, by);
    if (!room.ok()) return room.status();
    auto found = asked(db, room_id, seq);
    if (!found.ok()) return found.status();
    auto& [asker, state] = *found;
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by, asker));
    if (state.closed) return conflict("closed");
    // Everyone pending gets a mention row of the reminder (its seq: the room's next), so
    // that their mention_unread counts it; the note and Message::mentions name the first.
    const bool task = state.spec.kind == ActionKind::task;
    const Seq reminder = room->msg_seq + 1;
    Params p;
    p.i64(room_id).i64(seq);
    if (task) p.ids(state.spec.assignees);
    p.i64(reminder);
    PgResult mentioned = db.exec(
        task ? "INSERT INTO mentions(room_id, user_id, seq) SELECT $1, mb.user_id, $4 FROM members mb"
               " WHERE mb.room_id=$1 AND mb.user_id = ANY($3::bigint[]) AND " TONARI_PG_UNANSWERED("$2")
             : "INSERT INTO mentions(room_id, user_id, seq) SELECT $1, mb.user_id, $3 FROM members mb"
               " WHERE mb.room_id=$1 AND " TONARI_PG_UNANSWERED("$2"),
        p);
    const std::int64_t count = mentioned.affected();
    if (count == 0) return conflict("everyone has answered");
    Params q;
    q.i64(room_id).i64(seq);
    if (task) q.ids(state.spec.assignees);
    q.i64(static_cast<std::int64_t>(wire::kMaxUsersPerSystemNote));
    PgResult first = db.exec(
        task ? "SELECT u.id, u.name FROM members mb JOIN users u ON u.id=mb.user_id WHERE mb.room_id=$1"
               " AND mb.user_id = ANY($3::bigint[]) AND " TONARI_PG_UNANSWERED("$2")
               " ORDER BY mb.sort_key, mb.user_id LIMIT $4"
             : "SELECT u.id, u.name FROM members mb JOIN users u ON u.id=mb.user_id WHERE mb.room_id=$1"
               " AND " TONARI_PG_UNANSWERED("$2") " ORDER BY mb.sort_key, mb.user_id LIMIT $3",
        q);
    wire::SystemNote n = note_of("action_reminded");
    n.seq = seq;
    n.title = state.spec.title;
    n.count = count;
    std::vector<UserId> ids;
    for (int i = 0; i < first.rows(); ++i) {
      n.users.emplace_back(first.row(i).i64(0), first.row(i).text(1));
      ids.push_back(first.row(i).i64(0));
    }
    RoomChange out;
    out.room = *room;
    out.message = append_system_message(db, out, by, n, now, ids);
    out.count = count;
    out.action = std::move(state);
    return out;
  }, std::move(done));
}

// ---- Notes ------------------------------------------------------------------------------

void PgStore::create_note(NewNote n, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(n.room, [n = std::move(n), may = std::move(may), index = opts_.search_index](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, n.room, n.by, n.tenant);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, n.by));
    PgResult ins = db.exec("INSERT INTO notes(room_id, title, body, version, created_by, created_at,"
                           " updated_by, updated_at) VALUES($1,$2,$3,1,$4,$5,$4,$5) RETURNING id",
                           Params().i64(n.room).text(n.title).text(n.body).i64(n.by).i64(n.now));
    const NoteId id = ins.row(0).i64(0);
    db.exec("INSERT INTO note_versions(note_id, version, title, body, by_id, at)"
            " VALUES($1,1,$2,$3,$4,$5)",
            Params().i64(id).text(n.title).text(n.body).i64(n.by).i64(n.now));
    if (index) index_note(db, room->tenant, n.room, id);
    RoomChange out;
    out.room = *room;
    out.note = load_note(db, n.room, id, true);
    out.events.push_back(append_event(db, out.room, n.now, [&](EventNo ev) {
      Note listed = *out.note;
      listed.body.clear();
      return wire::note_updated_event(n.room, ev, listed);
    }));
    wire::SystemNote sn = note_of("note_created");
    sn.note = id;
    sn.title = n.title;
    append_system_message(db, out, n.by, sn, n.now);
    return out;
  }, std::move(done));
}

void PgStore::update_note(NoteEdit e, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(e.room, [e = std::move(e), may = std::move(may), index = opts_.search_index](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, e.room, e.by, e.tenant);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, e.by));
    auto note = load_note(db, e.room, e.note, true);
    if (!note) return note_gone(e.note);
    if (note->version != e.base_version) {
      return conflict("the note is at version " + std::to_string(note->version) + ", not " +
                      std::to_string(e.base_version));
    }
    RoomChange out;
    out.room = *room;
    if (note->title == e.title && note->body == e.body) {
      out.created = false;
      out.note = std::move(note);
      return out;
    }
    const std::int64_t version = note->version + 1;
    db.exec("UPDATE notes SET title=$1, body=$2, version=$3, updated_by=$4, updated_at=$5 WHERE id=$6",
            Params().text(e.title).text(e.body).i64(version).i64(e.by).i64(e.now).i64(e.note));
    db.exec("INSERT INTO note_versions(note_id, version, title, body, by_id, at, restored_from)"
            " VALUES($1,$2,$3,$4,$5,$6,$7)",
            Params().i64(e.note).i64(version).text(e.title).text(e.body).i64(e.by).i64(e.now)
                .i64(e.restored_from));
    // A new document: the saved note moves to the newest place.
    if (index) index_note(db, room->tenant, e.room, e.note);
    out.note = load_note(db, e.room, e.note, true);
    out.events.push_back(append_event(db, out.room, e.now, [&](EventNo ev) {
      Note listed = *out.note;
      listed.body.clear();
      return wire::note_updated_event(e.room, ev, listed);
    }));
    wire::SystemNote sn = note_of("note_updated");
    sn.note = e.note;
    sn.title = e.title;
    sn.version = version;
    sn.restored_from = e.restored_from;
    append_system_message(db, out, e.by, sn, e.now);
    return out;
  }, std::move(done));
}

void PgStore::delete_note(RoomId room_id, NoteId note_id, UserId by, TimeMs now, AuthorRule may,
                          Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, room_id, by);
    if (!room.ok()) return room.status();
    auto note = load_note(db, room_id, note_id, false);
    if (!note) return note_gone(note_id);
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by, note->created_by));
    db.exec("DELETE FROM note_versions WHERE note_id=$1", Params().i64(note_id));
    db.exec("UPDATE notes SET deleted=true, body='' WHERE id=$1", Params().i64(note_id));
    unindex_note(db, room_id, note_id);  // even with indexing off (delete_message says why)
    const bool pinned = db.exec("DELETE FROM pins WHERE room_id=$1 AND kind='note' AND target=$2",
                                Params().i64(room_id).i64(note_id)).affected() > 0;
    RoomChange out;
    out.room = *room;
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::note_deleted_event(room_id, ev, note_id);
    }));
    if (pinned) remove_pin_event(db, out, Pin::Kind::note, note_id, now);
    wire::SystemNote sn = note_of("note_deleted");
    sn.note = note_id;
    sn.title = note->title;
    append_system_message(db, out, by, sn, now);
    note->deleted = true;
    out.note = std::move(note);
    return out;
  }, std::move(done));
}

// ---- Pins -------------------------------------------------------------------------------

void PgStore::pin(RoomId room_id, UserId by, Pin::Kind kind, std::int64_t target, TimeMs now,
                  RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, room_id, by);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    if (kind == Pin::Kind::message) {
      PgResult m = db.exec("SELECT kind, deleted FROM messages WHERE room_id=$1 AND seq=$2",
                           Params().i64(room_id).i64(target));
      if (m.empty() || m.row(0).boolean(1)) return message_gone(target);
      if (m.row(0).view(0) == "system") return invalid_argument("a system message cannot be pinned");
    } else if (!load_note(db, room_id, target, false)) {
      return note_gone(target);
    }
    RoomChange out;
    out.room = *room;
    PgResult pins = db.exec("SELECT count(*), count(*) FILTER (WHERE kind=$2 AND target=$3)"
                            " FROM pins WHERE room_id=$1",
                            Params().i64(room_id).text(pin_kind_name(kind)).i64(target));
    if (pins.row(0).i64(1) > 0) {
      out.created = false;
      return out;
    }
    if (pins.row(0).i64(0) >= static_cast<std::int64_t>(kMaxPinsPerRoom)) {
      return conflict("a room has at most " + std::to_string(kMaxPinsPerRoom) + " pins");
    }
    db.exec("INSERT INTO pins(room_id, kind, target, by_id, at) VALUES($1,$2,$3,$4,$5)",
            Params().i64(room_id).text(pin_kind_name(kind)).i64(target).i64(by).i64(now));
    const std::vector<Pin> added = load_pins(db, room_id, std::make_pair(kind, target));
    if (added.empty()) return internal_error("the pin vanished");
    add_pin_event(db, out, added.front(), now);
    return out;
  }, std::move(done));
}

void PgStore::unpin(RoomId room_id, UserId by, Pin::Kind kind, std::int64_t target, TimeMs now,
                    RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
    auto room = member_room(db, room_id, by);
    if (!room.ok()) return room.status();
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    RoomChange out;
    out.room = *room;
    PgResult gone = db.exec("DELETE FROM pins WHERE room_id=$1 AND kind=$2 AND target=$3",
                            Params().i64(room_id).text(pin_kind_name(kind)).i64(target));
    if (gone.affected() == 0) {
      out.created = false;
      return out;
    }
    remove_pin_event(db, out, kind, target, now);
    return out;
  }, std::move(done));
}

}  // namespace tonari::store::postgres
