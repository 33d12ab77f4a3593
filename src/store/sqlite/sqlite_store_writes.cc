// The write half of SqliteStore. Every function body here runs on the writer thread inside
// a savepoint of a group-commit transaction (writer.h); returning a non-ok Result rolls
// back that job alone.
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <set>

#include "core/stamps.h"
#include "core/text_limits.h"
#include "core/wire.h"
#include "search/collation.h"
#include "search/normalize.h"
#include "store/file_rules.h"
#include "store/room_rules.h"
#include "store/sqlite/search_index.h"
#include "store/sqlite/store_impl.h"
#include "store/sqlite/write_helpers.h"

namespace tonari::store::sqlite {

std::optional<Room> load_room(Connection& db, RoomId id) {
  Stmt s = db.q("SELECT " TONARI_ROOM_COLS " FROM rooms r WHERE r.id=?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_room(s);
}

bool is_member(Connection& db, RoomId room, UserId user) {
  Stmt s = db.q("SELECT 1 FROM members WHERE room_id=? AND user_id=?");
  s.bind(1, room).bind(2, user);
  return s.step();
}

std::optional<Member> member_of(Connection& db, RoomId room, UserId user) {
  Stmt s = db.q("SELECT mb.role, " TONARI_READ_SEQ("mb", "r") " FROM members mb"
                " JOIN rooms r ON r.id=mb.room_id WHERE mb.room_id=? AND mb.user_id=?");
  s.bind(1, room).bind(2, user);
  if (!s.step()) return std::nullopt;
  return Member{user, read_role(s, 0), s.i64(1)};
}

Status check_rule(Connection& db, const RoomRule& may, const Room& room, UserId by) {
  if (!may) return Status::ok();
  return may(room, member_of(db, room.id, by));
}

Status room_hidden(RoomId room) { return not_found("room " + std::to_string(room) + " not found"); }

std::optional<User> load_user(Connection& db, UserId id) {
  Stmt s = db.q("SELECT " TONARI_USER_COLS TONARI_USER_FROM "WHERE u.id=?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

std::optional<Message> load_message(Connection& db, RoomId room, Seq seq) {
  Stmt s = db.q("SELECT " TONARI_MESSAGE_COLS " FROM messages m WHERE m.room_id=? AND m.seq=?");
  s.bind(1, room).bind(2, seq);
  if (!s.step()) return std::nullopt;
  Message m = read_message(s);
  if (has_files(s)) fill_files(db, room, {&m});
  fill_collab(db, room, {&m});
  return m;
}

std::optional<FileInfo> load_file(Connection& db, FileId id) {
  Stmt s = db.q("SELECT " TONARI_FILE_COLS " FROM files f WHERE f.id=?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_file(s);
}


void rewrite_events(Connection& db, const Message& msg) {
  struct Stored {
    EventNo ev;
    std::string type;
    FileId file;
  };
  std::vector<Stored> events;
  {
    Stmt s = db.q("SELECT ev, json_extract(frame, '$.type'), coalesce(json_extract(frame, '$.file.id'), 0)"
                  " FROM events WHERE room_id=? AND msg_seq=?");
    s.bind(1, msg.room).bind(2, msg.seq);
    while (s.step()) events.push_back(Stored{s.i64(0), s.text(1), s.i64(2)});
  }
  for (const auto& [ev, type, file] : events) {
    std::string frame;
    if (type == "file.updated") {
      if (!msg.deleted) continue;
      auto f = load_file(db, file);
      if (!f) continue;
      frame = wire::file_updated_event(msg.room, ev, blank_file(*f));
    } else if (type == "action.updated" || type == "pin.added") {
      // What they say of the message (its question, its text) goes with it; that they
      // happened stays.
      if (!msg.deleted) continue;
      Stmt s = db.q("SELECT frame FROM events WHERE room_id=? AND ev=?");
      s.bind(1, msg.room).bind(2, ev);
      if (!s.step()) continue;
      boost::system::error_code ec;
      boost::json::value v = boost::json::parse(s.text(0), ec);
      boost::json::object* o = ec ? nullptr : v.if_object();
      if (!o) continue;
      if (type == "pin.added") {
        if (auto* pin = (*o)["pin"].if_object()) (*pin)["message"] = wire::message(msg);
      } else {
        ActionState gone;
        gone.closed = true;
        (*o)["action"] = wire::action_state(gone);
      }
      frame = boost::json::serialize(*o);
    } else {
      frame = wire::message_event(type.c_str(), msg, ev);
    }
    db.q("UPDATE events SET frame=? WHERE room_id=? AND ev=?")
        .bind(1, frame).bind(2, msg.room).bind(3, ev).run();
  }
}

std::string name_of(Connection& db, UserId user) {
  Stmt s = db.q("SELECT name FROM users WHERE id=?");
  s.bind(1, user);
  return s.step() ? s.text(0) : std::string();
}

bool append_system_message(Connection& db, RoomChange& out, UserId by,
                           const wire::SystemNote& note, TimeMs now,
                           const std::vector<UserId>& mentions) {
  if (out.room.kind != RoomKind::group) return false;
  Message msg;
  msg.room = out.room.id;
  msg.seq = out.room.msg_seq + 1;
  msg.sender = by;
  if (by) msg.sender_name = name_of(db, by);
  // Unique in the room, and not printable ASCII: no client's id (services::Messages) can
  // be taken for it.
  msg.client_id = "system\u00b7" + std::to_string(msg.seq);
  msg.body = wire::system_note_json(note);
  msg.kind = MessageKind::system;
  msg.created_at = now;
  msg.mentions = mentions;
  const EventNo ev = out.room.ev + 1;
  db.q("INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, created_at,"
       " created_ev, kind, mentions) VALUES(?,?,?,?,?,?,?,?,'system',?)")
      .bind(1, msg.room).bind(2, msg.seq).bind(3, msg.sender).bind(4, msg.sender_name)
      .bind(5, msg.client_id).bind(6, msg.body).bind(7, now).bind(8, ev)
      .bind(9, join_ids(mentions)).run();
  msg.id = db.last_insert_id();
  UserId last_sender = 0;
  {
    Stmt s = db.q("SELECT last_sender FROM rooms WHERE id=?");
    s.bind(1, msg.room);
    if (s.step()) last_sender = s.i64(0);
  }
  const UserId reader = by != 0 && is_member(db, msg.room, by) ? by : 0;
  if (last_sender != 0 && last_sender != reader) {
    db.q("UPDATE members SET read_seq=max(read_seq, ?) WHERE room_id=? AND user_id=?")
        .bind(1, out.room.msg_seq).bind(2, msg.room).bind(3, last_sender).run();
  }
  out.room.msg_seq = msg.seq;
  out.room.ev = ev;
  out.room.last_activity = now;
  db.q("UPDATE rooms SET ev=?, msg_seq=?, last_activity=?, last_sender=? WHERE id=?")
      .bind(1, ev).bind(2, msg.seq).bind(3, now).bind(4, reader).bind(5, msg.room).run();
  out.events.push_back(message_created_event(msg, ev));
  return true;
}

namespace {

void insert_member(Connection& db, RoomId room, UserId user, MemberRole role, Seq read_seq,
                   TimeMs now) {
  // sort_key: the user's order key (reading_key, 0x00, name_key: schema version 8), copied
  // so that a room's member list is read in 五十音 order along an index (members_order); a
  // trigger keeps the copies in step.
  db.q("INSERT INTO members(room_id, user_id, role, read_seq, joined_at, sort_key)"
       " VALUES(?1,?2,?3,?4,?5,(SELECT CAST(reading_key || x'00' || name_key AS BLOB) FROM users WHERE id=?2))")
      .bind(1, room).bind(2, user).bind(3, member_role_name(role))
      .bind(4, read_seq).bind(5, now).run();
  db.q("UPDATE rooms SET member_count=member_count+1 WHERE id=?").bind(1, room).run();
  count_answers_of_gone(db, room, user, false);
}

std::optional<MemberRole> role_of(Connection& db, RoomId room, UserId user) {
  Stmt s = db.q("SELECT role FROM members WHERE room_id=? AND user_id=?");
  s.bind(1, room).bind(2, user);
  if (!s.step()) return std::nullopt;
  return read_role(s, 0);
}

void set_role(Connection& db, RoomId room, UserId user, MemberRole role) {
  db.q("UPDATE members SET role=? WHERE room_id=? AND user_id=?")
      .bind(1, member_role_name(role)).bind(2, room).bind(3, user).run();
}

// Whether an active account other than `except` owns the group room.
bool has_other_owner(Connection& db, RoomId room, UserId except) {
  Stmt s = db.q("SELECT 1 FROM members m JOIN users u ON u.id=m.user_id"
                " WHERE m.room_id=? AND m.role='owner' AND u.disabled=0 AND m.user_id<>? LIMIT 1");
  s.bind(1, room).bind(2, except);
  return s.step();
}

// The handover rule (store.h, remove_member): if no active account owns the group room
// any more, its longest-standing active admin, else member — earliest joined, then lowest
// user id — becomes its owner, with a member.role_changed event appended to `out`; returns
// them (0: nobody). Called after an owner left or was disabled (a scan of the room's
// members, which only that pays).
UserId keep_an_owner(Connection& db, RoomChange& out, TimeMs now, const char* reason) {
  if (out.room.kind != RoomKind::group || has_other_owner(db, out.room.id, 0)) return 0;
  UserId heir = 0;
  {
    Stmt s = db.q("SELECT m.user_id FROM members m JOIN users u ON u.id=m.user_id"
                  " WHERE m.room_id=? AND u.disabled=0"
                  " ORDER BY m.role<>'admin', m.joined_at, m.user_id LIMIT 1");
    s.bind(1, out.room.id);
    if (!s.step()) return 0;
    heir = s.i64(0);
  }
  set_role(db, out.room.id, heir, MemberRole::owner);
  out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
    return wire::member_role_changed_event(out.room.id, ev, heir, MemberRole::owner, 0, reason);
  }));
  return heir;
}

// A system note about one user.
wire::SystemNote note_about(Connection& db, const char* action, UserId user) {
  wire::SystemNote n;
  n.action = action;
  n.users.emplace_back(user, name_of(db, user));
  return n;
}

// A system note about `users` (their first kMaxUsersPerSystemNote named, all counted).
wire::SystemNote note_about(const char* action, const std::vector<User>& users) {
  wire::SystemNote n;
  n.action = action;
  for (std::size_t i = 0; i < users.size() && i < wire::kMaxUsersPerSystemNote; ++i) {
    n.users.emplace_back(users[i].id, users[i].name);
  }
  n.count = static_cast<std::int64_t>(users.size());
  return n;
}

// Stores the room's name, description and rules as `room` has them.
void store_settings(Connection& db, const Room& room) {
  db.q("UPDATE rooms SET name=?, description=?, announcement=?, official=?, members_invite=?,"
       " members_edit=?, sync_kind=?, sync_dept=?, sync_subtree=? WHERE id=?")
      .bind(1, room.name).bind(2, room.description).bind(3, room.rules.announcement)
      .bind(4, room.rules.official).bind(5, room.rules.members_invite)
      .bind(6, room.rules.members_edit).bind(7, org_sync_kind_name(room.rules.sync.kind))
      .bind(8, room.rules.sync.dept).bind(9, room.rules.sync.subtree).bind(10, room.id).run();
}

// update_room.
Result<RoomChange> update_room_in(Connection& db, RoomId room_id, UserId by, const RoomPatch& patch,
                                  TimeMs now, const RoomRule& may) {
  auto room = load_room(db, room_id);
  if (!room) return room_hidden(room_id);
  TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
  if (room->kind != RoomKind::group) {
    return invalid_argument("a 1:1 room has no name, description or rules to change");
  }
  RoomChange out;
  const auto notes = apply_room_patch(*room, patch, out.room);
  if (notes.empty()) {
    out.created = false;
    return out;
  }
  store_settings(db, out.room);
  out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
    return wire::room_updated_event(out.room, ev, by);
  }));
  for (const wire::SystemNote& n : notes) append_system_message(db, out, by, n, now);
  return out;
}

// What a reply quotes of `m` (its first 100 characters): a stamp's words, an action
// stamp's question, else the text.
std::string quote_of(const Message& m) {
  if (!m.stamp.empty()) {
    if (const StampInfo* st = find_stamp(m.stamp)) return std::string(st->ja);
  }
  if (m.action) return text::cut(m.action->spec.title, 100);
  return text::cut(m.body, 100);
}

// Sets the quote of message `seq` in every reply to it (body; edited: marks it so) and
// rewrites the replies' stored events: quotes follow edits, a delete blanks them.
void requote(Connection& db, RoomId room, Seq seq, const std::string& body, bool edited) {
  std::vector<Seq> replies;
  {
    Stmt s = db.q("SELECT seq FROM messages WHERE room_id=? AND reply_seq=?");
    s.bind(1, room).bind(2, seq);
    while (s.step()) replies.push_back(s.i64(0));
  }
  if (replies.empty()) return;
  db.q("UPDATE messages SET reply_body=?, reply_edited=max(reply_edited, ?)"
       " WHERE room_id=? AND reply_seq=?")
      .bind(1, body).bind(2, edited).bind(3, room).bind(4, seq).run();
  for (Seq r : replies) {
    if (auto reply = load_message(db, room, r)) rewrite_events(db, *reply);
  }
}

std::string search_key(const std::string& name, const std::string& reading,
                       const std::string& login) {
  // Separators keep a query from matching across the boundary of two fields.
  return search::fold(name) + "\x1f" + search::fold(reading) + "\x1f" + search::fold(login);
}

}  // namespace

void SqliteStore::create_tenant(std::string code, std::string name, TimeMs now,
                                Callback<Tenant> done) {
  write<Tenant>([code = std::move(code), name = std::move(name), now](Connection& db) -> Result<Tenant> {
    {
      Stmt s = db.q("SELECT 1 FROM tenants WHERE code=?");
      s.bind(1, code);
      if (s.step()) return conflict("municipality code " + code + " already exists");
    }
    db.q("INSERT INTO tenants(code, name, created_at) VALUES(?,?,?)")
        .bind(1, code).bind(2, name).bind(3, now).run();
    return Tenant{db.last_insert_id(), code, name};
  }, std::move(done));
}

void SqliteStore::create_department(Department d, Callback<Department> done) {
  write<Department>([d = std::move(d)](Connection& db) mutable -> Result<Department> {
    auto code_taken = [&](const std::string& code) {
      Stmt s = db.q("SELECT 1 FROM departments WHERE tenant_id=? AND code=?");
      s.bind(1, d.tenant).bind(2, code);
      return s.step();
    };
    if (!d.code.empty() && code_taken(d.code)) {
      return conflict("department code " + d.code + " already exists");
    }
    if (d.parent) {
      Stmt s = db.q("SELECT 1 FROM departments WHERE id=? AND tenant_id=?");
      s.bind(1, d.parent).bind(2, d.tenant);
      if (!s.step()) return not_found("parent department not found");
    }
    {
      Stmt s = db.q("SELECT code FROM departments WHERE tenant_id=? AND name=?"
                    " AND coalesce(parent_id,0)=?");
      s.bind(1, d.tenant).bind(2, d.name).bind(3, d.parent);
      if (s.step()) {
        return conflict("a department named " + d.name + " already exists there (code " +
                        s.text(0) + ")");
      }
    }
    Stmt s = db.q("INSERT INTO departments(tenant_id, parent_id, name, reading, code)"
                  " VALUES(?,?,?,?,?)");
    s.bind(1, d.tenant);
    if (d.parent) s.bind(2, d.parent); else s.bind_null(2);
    // A generated code is settled once the id is known (below); the id is unique, so a
    // placeholder of it is too.
    s.bind(3, d.name).bind(4, d.reading).bind(5, d.code.empty() ? "\x1f" : d.code).run();
    d.id = db.last_insert_id();
    if (d.code.empty()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "D%04lld", static_cast<long long>(d.id));
      d.code = buf;
      // Someone may have chosen this code by hand: then the id tells it apart.
      if (code_taken(d.code)) d.code += "-" + std::to_string(d.id);
      db.q("UPDATE departments SET code=? WHERE id=?").bind(1, d.code).bind(2, d.id).run();
    }
    return d;
  }, std::move(done));
}

void SqliteStore::create_user(NewUser u, TimeMs now, Callback<User> done) {
  write<User>([u = std::move(u), now](Connection& db) -> Result<User> {
    {
      Stmt s = db.q("SELECT 1 FROM users WHERE tenant_id=? AND login=?");
      s.bind(1, u.tenant).bind(2, u.login);
      if (s.step()) return conflict("login id " + u.login + " is already taken");
    }
    Stmt s = db.q(
        "INSERT INTO users(tenant_id, login, name, reading, reading_key, name_key, search_key,"
        " dept_id, title, status, role, password_hash, created_at)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, u.tenant).bind(2, u.login).bind(3, u.name).bind(4, u.reading)
        .bind_blob(5, search::sort_key_ja(u.reading))
        .bind_blob(6, search::sort_key_ja(u.name))
        .bind(7, search_key(u.name, u.reading, u.login));
    if (u.dept) s.bind(8, u.dept); else s.bind_null(8);
    s.bind(9, u.title).bind(10, u.status).bind(11, u.role == Role::admin ? "admin" : "staff")
        .bind(12, u.password_hash).bind(13, now).run();
    auto user = load_user(db, db.last_insert_id());
    if (!user) return internal_error("user vanished after insert");
    return *user;
  }, std::move(done));
}

void SqliteStore::claim_node_id(TimeMs now, Callback<std::int64_t> done) {
  write_one_statement<std::int64_t>([now](Connection& db) -> Result<std::int64_t> {
    db.q("INSERT INTO node_ids(claimed_at) VALUES(?)").bind(1, now).run();
    return db.last_insert_id();
  }, std::move(done));
}

void SqliteStore::ensure_secret(std::string name, std::string fresh, Callback<std::string> done) {
  write_one_statement<std::string>(
      [name = std::move(name), fresh = std::move(fresh)](Connection& db) -> Result<std::string> {
        db.q("INSERT INTO secrets(name, value) VALUES(?,?) ON CONFLICT(name) DO NOTHING")
            .bind(1, name).bind(2, fresh).run();
        Stmt s = db.q("SELECT value FROM secrets WHERE name=?");
        s.bind(1, name);
        if (!s.step()) return internal_error("secret " + name + " vanished");
        return s.text(0);
      }, std::move(done));
}

void SqliteStore::set_status(UserId user, std::string status, Callback<User> done) {
  write_one_statement<User>([user, status = std::move(status)](Connection& db) -> Result<User> {
    db.q("UPDATE users SET status=? WHERE id=?").bind(1, status).bind(2, user).run();
    auto u = load_user(db, user);
    if (!u) return not_found("user not found");
    return *u;
  }, std::move(done));
}

void SqliteStore::update_user(UserId user, UserPatch patch, Callback<User> done) {
  write<User>([user, patch = std::move(patch)](Connection& db) -> Result<User> {
    auto u = load_user(db, user);
    if (!u) return not_found("user " + std::to_string(user) + " not found");
    if (patch.dept && *patch.dept != 0) {
      Stmt s = db.q("SELECT 1 FROM departments WHERE id=? AND tenant_id=?");
      s.bind(1, *patch.dept).bind(2, u->tenant);
      if (!s.step()) {
        return invalid_argument("department " + std::to_string(*patch.dept) +
                                " is not one of this municipality's");
      }
    }
    if (patch.name || patch.reading) {
      // The order and search keys follow (the members_sort_key trigger: members' copies).
      const std::string& name = patch.name ? *patch.name : u->name;
      const std::string& reading = patch.reading ? *patch.reading : u->reading;
      db.q("UPDATE users SET name=?, reading=?, reading_key=?, name_key=?, search_key=? WHERE id=?")
          .bind(1, name).bind(2, reading).bind_blob(3, search::sort_key_ja(reading))
          .bind_blob(4, search::sort_key_ja(name)).bind(5, search_key(name, reading, u->login))
          .bind(6, user).run();
    }
    const DeptId dept = patch.dept ? *patch.dept : u->dept;
    Stmt up = db.q("UPDATE users SET dept_id=?, title=?, extension=?, status=? WHERE id=?");
    if (dept) up.bind(1, dept); else up.bind_null(1);
    up.bind(2, patch.title ? *patch.title : u->title)
        .bind(3, patch.extension ? *patch.extension : u->extension)
        .bind(4, patch.status ? *patch.status : u->status).bind(5, user).run();
    return *load_user(db, user);
  }, std::move(done));
}

void SqliteStore::set_user_disabled(UserId user, bool disabled, TimeMs now, Callback<User> done) {
  write<User>([=](Connection& db) -> Result<User> {
    db.q("UPDATE users SET disabled=? WHERE id=?").bind(1, disabled ? 1 : 0).bind(2, user).run();
    if (db.changes() == 0) return not_found("user not found");
    if (disabled) {
      db.q("DELETE FROM sessions WHERE user_id=?").bind(1, user).run();
      db.q("INSERT INTO revocations(user_id, at) VALUES(?,?)").bind(1, user).bind(2, now).run();
      // Ownership of the group rooms it owns passes on (it stays a member).
      std::vector<RoomId> owned;
      {
        Stmt s = db.q("SELECT m.room_id FROM members m JOIN rooms r ON r.id=m.room_id"
                      " WHERE m.user_id=? AND m.role='owner' AND r.kind='group'");
        s.bind(1, user);
        while (s.step()) owned.push_back(s.i64(0));
      }
      for (RoomId id : owned) {
        RoomChange change;
        change.room = *load_room(db, id);
        set_role(db, id, user, MemberRole::member);
        change.events.push_back(append_event(db, change.room, now, [&](EventNo ev) {
          return wire::member_role_changed_event(id, ev, user, MemberRole::member, 0,
                                                 "owner_disabled");
        }));
        if (UserId heir = keep_an_owner(db, change, now, "owner_disabled")) {
          wire::SystemNote n = note_about(db, "role_changed", heir);
          n.role = member_role_name(MemberRole::owner);
          n.reason = "owner_disabled";
          append_system_message(db, change, 0, n, now);
        }
      }
    }
    return *load_user(db, user);
  }, std::move(done));
}

void SqliteStore::create_session(Session s, Callback<bool> done) {
  write_one_statement<bool>([s = std::move(s)](Connection& db) -> Result<bool> {
    // Not for a disabled account: a login whose password check raced the disabling would
    // otherwise leave a session that enabling the account again brings back.
    db.q("INSERT INTO sessions(token_hash, user_id, csrf, created_at, expires_at)"
         " SELECT ?,?,?,?,? WHERE EXISTS(SELECT 1 FROM users WHERE id=? AND disabled=0)")
        .bind(1, s.token_hash).bind(2, s.user).bind(3, s.csrf).bind(4, s.created_at)
        .bind(5, s.expires_at).bind(6, s.user).run();
    if (db.changes() == 0) return unauthenticated("account disabled");
    return true;
  }, std::move(done));
}

void SqliteStore::extend_session(std::string token_hash, TimeMs expires_at, Callback<bool> done) {
  write_one_statement<bool>([h = std::move(token_hash), expires_at](Connection& db) -> Result<bool> {
    db.q("UPDATE sessions SET expires_at=? WHERE token_hash=?").bind(1, expires_at).bind(2, h).run();
    return true;
  }, std::move(done));
}

void SqliteStore::delete_session(std::string token_hash, Callback<bool> done) {
  write_one_statement<bool>([h = std::move(token_hash)](Connection& db) -> Result<bool> {
    db.q("DELETE FROM sessions WHERE token_hash=?").bind(1, h).run();
    return db.changes() > 0;
  }, std::move(done));
}

void SqliteStore::purge_sessions(TimeMs now, Callback<std::int64_t> done) {
  write<std::int64_t>([now](Connection& db) -> Result<std::int64_t> {
    db.q("DELETE FROM sessions WHERE expires_at<?").bind(1, now).run();
    const auto purged = static_cast<std::int64_t>(db.changes());
    // Servers poll revocations every second: a day-old one has long been acted on.
    db.q("DELETE FROM revocations WHERE at<?").bind(1, TimeMs{now - 24 * 3600 * 1000}).run();
    return purged;
  }, std::move(done));
}

void SqliteStore::create_room(NewRoom r, Callback<RoomChange> done) {
  write<RoomChange>([r = std::move(r)](Connection& db) -> Result<RoomChange> {
    std::set<UserId> ids(r.members.begin(), r.members.end());
    ids.erase(r.creator);
    if (r.max_members > 0 && static_cast<std::int64_t>(ids.size()) + 1 > r.max_members) {
      return Status(Code::room_full, "a room has at most " + std::to_string(r.max_members) +
                                         " members");
    }
    std::optional<std::string> direct_key;
    if (r.kind == RoomKind::direct) {
      if (ids.size() != 1) return invalid_argument("a direct room has exactly two members");
      UserId peer = *ids.begin();
      direct_key = std::to_string(std::min(r.creator, peer)) + ":" +
                   std::to_string(std::max(r.creator, peer));
      Stmt s = db.q("SELECT " TONARI_ROOM_COLS " FROM rooms r WHERE r.direct_key=?");
      s.bind(1, *direct_key);
      if (s.step()) {
        RoomChange existing;
        existing.room = read_room(s);
        existing.created = false;
        return existing;
      }
    }
    Stmt ins = db.q("INSERT INTO rooms(tenant_id, kind, name, direct_key, created_by, created_at,"
                    " last_activity) VALUES(?,?,?,?,?,?,?)");
    ins.bind(1, r.tenant).bind(2, room_kind_name(r.kind)).bind(3, r.name);
    if (direct_key) ins.bind(4, *direct_key); else ins.bind_null(4);
    ins.bind(5, r.creator).bind(6, r.now).bind(7, r.now).run();

    RoomChange out;
    out.room = Room{db.last_insert_id(), r.tenant, r.kind, r.name, r.creator, r.now, 0, 0, r.now,
                    {}, {}};
    if (r.kind == RoomKind::group) {
      out.room.description = r.description;
      out.room.rules = r.rules;
      store_settings(db, out.room);
    }
    insert_member(db, out.room.id, r.creator, MemberRole::owner, 0, r.now);
    std::vector<User> joined;
    if (auto u = load_user(db, r.creator)) joined.push_back(*u);
    for (UserId id : ids) {
      auto u = load_user(db, id);
      if (!u || u->tenant != r.tenant) return not_found("user " + std::to_string(id) + " not found");
      insert_member(db, out.room.id, id, MemberRole::member, 0, r.now);
      joined.push_back(*u);
    }
    for (const User& u : joined) out.joined.push_back(u.id);
    out.events.push_back(append_event(db, out.room, r.now, [&](EventNo ev) {
      return wire::member_joined_event(out.room.id, ev, joined, r.creator);
    }));
    std::vector<User> others;  // the note names the first members without the creator
    for (const User& u : joined) {
      if (u.id != r.creator) others.push_back(u);
    }
    wire::SystemNote n = note_about("room_created", others);
    n.name = r.name;
    append_system_message(db, out, r.creator, n, r.now);
    return out;
  }, std::move(done));
}

void SqliteStore::add_members(RoomId room_id, UserId by, std::vector<UserId> users, TimeMs now,
                              std::int64_t max_members, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([=, users = std::move(users), may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room) return room_hidden(room_id);
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    RoomChange out;
    out.room = *room;
    std::vector<User> joined;
    for (UserId id : std::set<UserId>(users.begin(), users.end())) {
      if (is_member(db, room_id, id)) continue;
      auto u = load_user(db, id);
      if (!u || u->tenant != room->tenant || u->disabled)
        return not_found("user " + std::to_string(id) + " not found");
      joined.push_back(*u);
    }
    // The cap, against the count this transaction sees: no add can slip past it.
    if (max_members > 0 && !joined.empty()) {
      Stmt c = db.q("SELECT member_count FROM rooms WHERE id=?");
      c.bind(1, room_id);
      const std::int64_t count = c.step() ? c.i64(0) : 0;
      if (count + static_cast<std::int64_t>(joined.size()) > max_members) {
        return Status(Code::room_full,
                      "a room has at most " + std::to_string(max_members) + " members (" +
                          std::to_string(count) + " now, " + std::to_string(joined.size()) +
                          " more asked)");
      }
    }
    for (const User& u : joined) {
      // A newcomer has "read" what was said before they joined: no backlog of unread.
      insert_member(db, room_id, u.id, MemberRole::member, room->msg_seq, now);
      out.joined.push_back(u.id);
    }
    if (joined.empty()) {
      out.created = false;
      return out;
    }
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::member_joined_event(room_id, ev, joined, by);
    }));
    wire::SystemNote n = note_about("members_added", joined);
    if (by == 0) n.reason = "org";
    append_system_message(db, out, by, n, now);
    return out;
  }, std::move(done));
}

void SqliteStore::remove_member(RoomId room_id, UserId by, UserId user, TimeMs now,
                                RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room) return room_hidden(room_id);
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    const auto role = role_of(db, room_id, user);
    if (!role) return not_found("user is not a member of this room");
    RoomChange out;
    out.room = *room;
    // The event goes out first so that the leaving member still receives it.
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::member_left_event(room_id, ev, user, by);
    }));
    db.q("DELETE FROM members WHERE room_id=? AND user_id=?").bind(1, room_id).bind(2, user).run();
    db.q("UPDATE rooms SET member_count=member_count-1 WHERE id=?").bind(1, room_id).run();
    count_answers_of_gone(db, room_id, user, true);
    out.left.push_back(user);
    const UserId heir = *role == MemberRole::owner ? keep_an_owner(db, out, now, "owner_left") : 0;
    append_system_message(db, out, by,
                          note_about(db, by == user ? "member_left" : "member_removed", user), now);
    if (heir) {
      wire::SystemNote n = note_about(db, "role_changed", heir);
      n.role = member_role_name(MemberRole::owner);
      n.reason = "owner_left";
      append_system_message(db, out, by, n, now);
    }
    return out;
  }, std::move(done));
}

void SqliteStore::take_over_room(RoomId room_id, UserId user, TimeMs now,
                                 Callback<RoomChange> done) {
  write<RoomChange>([=](Connection& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room) return not_found("room not found");
    if (room->kind != RoomKind::group) return invalid_argument("a 1:1 room has no owner");
    RoomChange out;
    out.room = *room;
    std::vector<UserId> owners;
    {
      Stmt s = db.q("SELECT user_id FROM members WHERE room_id=? AND role='owner' ORDER BY user_id");
      s.bind(1, room_id);
      while (s.step()) owners.push_back(s.i64(0));
    }
    if (owners == std::vector<UserId>{user}) {
      out.created = false;
      return out;
    }
    const auto role = role_of(db, room_id, user);
    if (!role) {
      auto u = load_user(db, user);
      if (!u || u->tenant != room->tenant || u->disabled) return not_found("user not found");
      insert_member(db, room_id, user, MemberRole::owner, room->msg_seq, now);
      out.joined.push_back(user);
      out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
        return wire::member_joined_event(room_id, ev, {*u}, user);
      }));
    } else {
      set_role(db, room_id, user, MemberRole::owner);
    }
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::member_role_changed_event(room_id, ev, user, MemberRole::owner, user,
                                             "takeover");
    }));
    for (UserId o : owners) {
      if (o == user) continue;
      set_role(db, room_id, o, MemberRole::member);
      out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
        return wire::member_role_changed_event(room_id, ev, o, MemberRole::member, user,
                                               "takeover");
      }));
    }
    append_system_message(db, out, user, note_about(db, "taken_over", user), now);
    return out;
  }, std::move(done));
}

void SqliteStore::update_room(RoomId room_id, UserId by, RoomPatch patch, TimeMs now,
                              RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([=, patch = std::move(patch), may = std::move(may)](Connection& db) {
    return update_room_in(db, room_id, by, patch, now, may);
  }, std::move(done));
}

void SqliteStore::set_member_role(RoomId room_id, UserId by, UserId user, MemberRole role,
                                  TimeMs now, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>([=, may = std::move(may)](Connection& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room) return room_hidden(room_id);
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    if (room->kind != RoomKind::group) return invalid_argument("a 1:1 room has no roles");
    const auto current = role_of(db, room_id, user);
    if (!current) return not_found("user is not a member of this room");
    RoomChange out;
    out.room = *room;
    if (*current == role) {
      out.created = false;
      return out;
    }
    if (*current == MemberRole::owner && !has_other_owner(db, room_id, user)) {
      return conflict("the room's last owner cannot step down: make someone else owner first");
    }
    set_role(db, room_id, user, role);
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::member_role_changed_event(room_id, ev, user, role, by, "set");
    }));
    wire::SystemNote n = note_about(db, "role_changed", user);
    n.role = member_role_name(role);
    append_system_message(db, out, by, n, now);
    return out;
  }, std::move(done));
}

void SqliteStore::post_message(NewMessage m, Callback<RoomChange> done) {
  // Every refusal below comes before the first write (the insert).
  // The search form is made here, on the caller's thread (search_index.h).
  std::string norm = opts_.search_index ? new_message_norm(m) : std::string();
  write_checks_first<RoomChange>([m = std::move(m), &cache = post_cache_, norm = std::move(norm),
                                  index = opts_.search_index,
                                  &unindexed = unindexed_](Connection& db) -> Result<RoomChange> {
    // An idempotent retry: the first message with this client id, nothing written.
    auto earlier = [&]() -> std::optional<RoomChange> {
      Stmt s = db.q("SELECT " TONARI_MESSAGE_COLS " FROM messages m"
                    " WHERE m.client_id=? AND m.sender_id=? AND m.room_id=?");
      s.bind(1, m.client_id).bind(2, m.sender).bind(3, m.room);
      if (!s.step()) return std::nullopt;
      RoomChange out;
      out.created = false;
      out.message = read_message(s);
      if (has_files(s)) fill_files(db, m.room, {&*out.message});
      fill_collab(db, m.room, {&*out.message});
      return out;
    };
    // A refusal of the message's content is checked against a retry first: the message
    // may have been accepted before the quoted message or the mentioned members changed.
    auto refuse = [&](Status st) -> Result<RoomChange> {
      if (auto first = earlier()) {
        if (auto room = load_room(db, m.room)) first->room = *room;
        return std::move(*first);
      }
      return st;
    };
    // The room and the sender's membership: as the sender's last post left them (the
    // cache, dropped by any other write), else in one read (the hot path runs no other).
    // policy::can_post, checked in the transaction that writes: only a member, in the
    // room's own municipality; to anyone else the room does not exist (not even their own
    // earlier messages in it).
    RoomChange out;
    const auto hidden = [&] { return not_found("room " + std::to_string(m.room) + " not found"); };
    UserId last_sender = 0;  // who posted the room's last message
    if (auto hit = cache.find(m.room, m.sender)) {
      out.room = std::move(hit->room);
      last_sender = hit->last_sender;
      out.sender_read_before = hit->read_seq;
    } else {
      Stmt s = db.q("SELECT " TONARI_ROOM_COLS ", " TONARI_READ_SEQ("mb", "r") ", r.last_sender"
                    " FROM rooms r LEFT JOIN members mb ON mb.room_id=r.id AND mb.user_id=?"
                    " WHERE r.id=?");
      s.bind(1, m.sender).bind(2, m.room);
      if (!s.step() || s.is_null(TONARI_ROOM_NCOLS)) return hidden();
      out.room = read_room(s);
      out.sender_read_before = s.i64(TONARI_ROOM_NCOLS);
      last_sender = s.i64(TONARI_ROOM_NCOLS + 1);
      cache.remember(out.room, last_sender, m.sender, out.sender_read_before);
    }
    if (m.tenant && out.room.tenant != m.tenant) return hidden();
    // An announcement room: only its owners and admins (and a tenant admin who is a
    // member) post. A read only in such rooms: the hot path stays as it was.
    if (out.room.rules.announcement && !m.tenant_admin &&
        role_of(db, m.room, m.sender) == MemberRole::member) {
      return refuse(permission_denied("only the owners and admins of an announcement room post in it"));
    }
    std::string sender_name = m.sender_name;
    if (sender_name.empty()) {
      auto sender = load_user(db, m.sender);
      if (!sender) return refuse(not_found("sender not found"));
      sender_name = std::move(sender->name);
    }

    Message msg;
    msg.room = m.room;
    msg.seq = out.room.msg_seq + 1;
    msg.sender = m.sender;
    msg.sender_name = std::move(sender_name);
    msg.client_id = m.client_id;
    msg.body = m.body;
    msg.stamp = m.stamp;
    msg.ack_required = m.ack_required;
    msg.mention_all = m.mention_all;
    msg.created_at = m.now;
    if (m.reply_to > 0) {
      auto quoted = load_message(db, m.room, m.reply_to);
      if (!quoted) return refuse(invalid_argument("reply_to: no message " + std::to_string(m.reply_to) + " in this room"));
      if (quoted->deleted) return refuse(invalid_argument("reply_to: that message was deleted"));
      if (quoted->kind == MessageKind::system) {
        return refuse(invalid_argument("reply_to: a system message cannot be quoted"));
      }
      msg.reply_to = ReplySnapshot{quoted->seq, quoted->sender, quoted->sender_name,
                                   quote_of(*quoted), quoted->edited_at != 0};
    }
    for (UserId id : std::set<UserId>(m.mentions.begin(), m.mentions.end())) {
      if (!is_member(db, m.room, id))
        return refuse(invalid_argument("mentions: user " + std::to_string(id) + " is not a member of this room"));
      msg.mentions.push_back(id);
    }
    // The files, checked here (before the first write): the sender's uploads to this room,
    // not attached yet, neither deleted nor blocked.
    if (m.files.size() > kMaxFilesPerMessage) return refuse(too_many_files());
    for (std::size_t i = 0; i < m.files.size(); ++i) {
      const FileId id = m.files[i];
      auto f = load_file(db, id);
      if (!f || f->uploader != m.sender || f->room != m.room || f->seq != 0 || f->deleted ||
          f->state == FileState::blocked ||
          std::find(m.files.begin(), m.files.begin() + static_cast<std::ptrdiff_t>(i), id) !=
              m.files.begin() + static_cast<std::ptrdiff_t>(i)) {
        return refuse(cannot_attach(id));
      }
      f->seq = msg.seq;
      f->updated_at = m.now;
      msg.files.push_back(std::move(*f));
    }
    const EventNo ev = out.room.ev + 1;
    {
      // The strings are bound without a copy (bind_ref): msg and `mentions` outlive `ins`.
      const std::string mentions = join_ids(msg.mentions);
      Stmt ins = db.q(
          "INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, reply_seq,"
          " reply_sender, reply_sender_name, reply_body, mentions, mention_all, created_at,"
          " created_ev, nfiles, reply_edited, stamp, ack_required)"
          " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
          " ON CONFLICT(client_id, sender_id, room_id) DO NOTHING");
      ins.bind(1, msg.room).bind(2, msg.seq).bind(3, msg.sender).bind_ref(4, msg.sender_name)
          .bind_ref(5, msg.client_id).bind_ref(6, msg.body);
      if (msg.reply_to) {
        ins.bind(7, msg.reply_to->seq).bind(8, msg.reply_to->sender)
            .bind_ref(9, msg.reply_to->sender_name).bind_ref(10, msg.reply_to->body);
      } else {
        ins.bind_null(7).bind_null(8).bind_null(9).bind_null(10);
      }
      ins.bind_ref(11, mentions).bind(12, msg.mention_all).bind(13, msg.created_at)
          .bind(14, ev).bind(15, static_cast<std::int64_t>(msg.files.size()))
          .bind(16, msg.reply_to && msg.reply_to->edited).bind_ref(17, msg.stamp)
          .bind(18, msg.ack_required).run();
    }
    if (db.changes() == 0) {  // the idempotency key exists: a retry
      auto first = earlier();
      if (!first) return internal_error("message vanished during a retry");
      first->room = out.room;
      return std::move(*first);
    }
    msg.id = db.last_insert_id();
    if (m.action) msg.action = insert_action(db, msg.room, msg.seq, msg.sender, *m.action);
    for (UserId id : msg.mentions) {
      db.q("INSERT INTO mentions(room_id, user_id, seq) VALUES(?,?,?)")
          .bind(1, msg.room).bind(2, id).bind(3, msg.seq).run();
    }
    if (msg.mention_all) {
      db.q("INSERT INTO mentions(room_id, user_id, seq) VALUES(?,0,?)")
          .bind(1, msg.room).bind(2, msg.seq).run();
    }
    for (std::size_t i = 0; i < msg.files.size(); ++i) {
      db.q("UPDATE files SET seq=?, pos=?, updated_at=? WHERE id=?")
          .bind(1, msg.seq).bind(2, static_cast<std::int64_t>(i)).bind(3, m.now)
          .bind(4, msg.files[i].id).run();
    }
    if (index && msg.stamp.empty()) {
      index_new_message(db, out.room.tenant, msg, norm);
      unindexed.fetch_add(1 + static_cast<std::int64_t>(msg.files.size()), std::memory_order_relaxed);
    }
    // message.created is not stored in `events`: replay rebuilds it from this row. Its
    // frame is built after the commit, off the writer thread (below).
    // The sender has read their own message without a write of their own (TONARI_READ_SEQ):
    // they become the room's last sender. The one before them, if someone else, keeps
    // what that gave them in their member row.
    if (last_sender != 0 && last_sender != msg.sender) {
      db.q("UPDATE members SET read_seq=max(read_seq, ?) WHERE room_id=? AND user_id=?")
          .bind(1, out.room.msg_seq).bind(2, msg.room).bind(3, last_sender).run();
    }
    out.room.ev = ev;
    out.room.msg_seq = msg.seq;
    out.room.last_activity = m.now;
    db.q("UPDATE rooms SET ev=?, msg_seq=?, last_activity=?, last_sender=? WHERE id=?")
        .bind(1, out.room.ev).bind(2, msg.seq).bind(3, m.now).bind(4, msg.sender)
        .bind(5, msg.room).run();
    cache.remember(out.room, msg.sender, msg.sender, msg.seq);
    out.message = std::move(msg);
    return out;
  }, [done = std::move(done)](Result<RoomChange> r) {
    if (r.ok() && r->created) r->events.push_back(message_created_event(*r->message, r->room.ev));
    done(std::move(r));
  }, /*keeps_writer_cache=*/true);
}

void SqliteStore::edit_message(RoomId room_id, Seq seq, UserId editor, std::string body,
                               TimeMs now, Callback<RoomChange> done) {
  write<RoomChange>([=, body = std::move(body), index = opts_.search_index](Connection& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    // Checked here, in the write: the service's check came before, and the editor may have
    // left since.
    if (!room || !is_member(db, room_id, editor)) return room_hidden(room_id);
    auto msg = load_message(db, room_id, seq);
    if (!msg) return not_found("message " + std::to_string(seq) + " not found");
    if (msg->kind == MessageKind::system) return permission_denied("a system message cannot be edited");
    if (msg->sender != editor) return permission_denied("only the sender can edit a message");
    if (msg->deleted) return invalid_argument("a deleted message cannot be edited");
    if (!msg->stamp.empty()) return invalid_argument("a stamp has no text to edit");
    db.q("UPDATE messages SET body=?, edited_at=? WHERE room_id=? AND seq=?")
        .bind(1, body).bind(2, now).bind(3, room_id).bind(4, seq).run();
    if (index) reindex_message_text(db, room_id, seq);  // in place: it keeps its place
    msg->body = body;
    msg->edited_at = now;
    // Replies to an action stamp quote its question, which an edit leaves as it was.
    if (!msg->action) requote(db, room_id, seq, quote_of(*msg), true);
    RoomChange out;
    out.room = *room;
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::message_event("message.edited", *msg, ev);
    }, seq));
    out.message = std::move(*msg);
    return out;
  }, std::move(done));
}

void SqliteStore::delete_message(RoomId room_id, Seq seq, UserId by, TimeMs now,
                                 Callback<RoomChange> done) {
  write<RoomChange>([=, index = opts_.search_index](Connection& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room || !is_member(db, room_id, by)) return room_hidden(room_id);
    auto msg = load_message(db, room_id, seq);
    if (!msg) return not_found("message " + std::to_string(seq) + " not found");
    if (msg->kind == MessageKind::system) return permission_denied("a system message cannot be deleted");
    if (msg->sender != by) return permission_denied("only the sender can delete a message");
    RoomChange out;
    out.room = *room;
    if (msg->deleted) {  // deleting twice changes nothing
      out.created = false;
      out.message = std::move(*msg);
      return out;
    }
    db.q("UPDATE messages SET body='', reply_seq=NULL, reply_sender=NULL, reply_sender_name=NULL,"
         " reply_body=NULL, mentions='', mention_all=0, deleted=1, edited_at=?, nfiles=0,"
         " ack_count=0 WHERE room_id=? AND seq=?")
        .bind(1, now).bind(2, room_id).bind(3, seq).run();
    db.q("DELETE FROM mentions WHERE room_id=? AND seq=?").bind(1, room_id).bind(2, seq).run();
    if (msg->ack_required) {
      db.q("DELETE FROM message_acks WHERE room_id=? AND seq=?").bind(1, room_id).bind(2, seq).run();
      msg->ack_count = 0;
    }
    // Its files go with it: nobody gets them any more (FileInfo::deleted).
    if (!msg->files.empty()) {
      db.q("UPDATE files SET deleted=1, updated_at=? WHERE room_id=? AND seq=?")
          .bind(1, now).bind(2, room_id).bind(3, seq).run();
      msg->files.clear();
    }
    // Its reactions, answers, question and pins go with it, and its search documents.
    delete_collab_of(db, room_id, seq);
    if (index) unindex_message(db, room_id, seq);
    msg->body.clear();
    msg->reply_to.reset();
    msg->mentions.clear();
    msg->mention_all = false;
    msg->deleted = true;
    msg->edited_at = now;
    msg->reactions.clear();
    msg->action.reset();
    // The deleted text must not come back through resume, nor live on in the quotes of
    // replies: rewrite the stored events of the message and of every reply to it.
    rewrite_events(db, *msg);
    requote(db, room_id, seq, "", false);
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::message_event("message.deleted", *msg, ev);
    }, seq));
    out.message = std::move(*msg);
    return out;
  }, std::move(done));
}

void SqliteStore::mark_read(RoomId room_id, UserId user, Seq seq, TenantId tenant,
                            Callback<ReadChange> done) {
  // One read, then at most one write: no savepoint needed (the hot path of an all-staff
  // room, where thousands of members read each message).
  write_one_statement<ReadChange>([=](Connection& db) -> Result<ReadChange> {
    Stmt s = db.q("SELECT r.msg_seq, " TONARI_READ_SEQ("m", "r") ", r.tenant_id FROM rooms r"
                  " JOIN members m ON m.room_id=r.id WHERE r.id=? AND m.user_id=?");
    s.bind(1, room_id).bind(2, user);
    if (!s.step() || (tenant != 0 && s.i64(2) != tenant)) {
      return not_found("room " + std::to_string(room_id) + " not found");
    }
    const Seq msg_seq = s.i64(0);
    ReadChange out;
    out.old_seq = s.i64(1);
    out.new_seq = std::max(out.old_seq, std::min(seq, msg_seq));
    if (out.new_seq != out.old_seq) {
      db.q("UPDATE members SET read_seq=? WHERE room_id=? AND user_id=?")
          .bind(1, out.new_seq).bind(2, room_id).bind(3, user).run();
    }
    return out;
  }, std::move(done));
}

}  // namespace tonari::store::sqlite

// ---- Files ------------------------------------------------------------------------------

namespace tonari::store::sqlite {

void SqliteStore::create_file(NewFile f, std::int64_t quota_bytes, Callback<FileInfo> done) {
  write<FileInfo>([f = std::move(f), quota_bytes](Connection& db) -> Result<FileInfo> {
    if (f.size < 0) return invalid_argument("a file's size cannot be negative");
    {
      Stmt s = db.q("SELECT r.tenant_id FROM rooms r JOIN members mb ON mb.room_id=r.id"
                    " AND mb.user_id=? WHERE r.id=?");
      s.bind(1, f.uploader).bind(2, f.room);
      if (!s.step() || s.i64(0) != f.tenant) return room_hidden(f.room);
    }
    // The quota, against the tenant's running total as this transaction sees it (the
    // writer is the only one): the bytes are added in the same transaction as the file.
    std::int64_t used = 0;
    {
      Stmt s = db.q("SELECT file_bytes FROM tenant_usage WHERE tenant_id=?");
      s.bind(1, f.tenant);
      if (s.step()) used = s.i64(0);
    }
    if (quota_bytes > 0 && used + f.size > quota_bytes) {
      return quota_exceeded(used, f.size, quota_bytes);
    }
    db.q("INSERT INTO tenant_usage(tenant_id, file_bytes) VALUES(?,?)"
         " ON CONFLICT(tenant_id) DO UPDATE SET file_bytes=file_bytes+excluded.file_bytes")
        .bind(1, f.tenant).bind(2, f.size).run();
    db.q("INSERT INTO files(tenant_id, room_id, uploader_id, name, size, sha256, declared_type,"
         " from_internet, created_at, updated_at) VALUES(?,?,?,?,?,?,?,?,?,?)")
        .bind(1, f.tenant).bind(2, f.room).bind(3, f.uploader).bind(4, f.name).bind(5, f.size)
        .bind(6, f.sha256).bind(7, f.declared_type).bind(8, f.from_internet).bind(9, f.now)
        .bind(10, f.now).run();
    auto out = load_file(db, db.last_insert_id());
    if (!out) return internal_error("file vanished after insert");
    return *out;
  }, std::move(done));
}

void SqliteStore::claim_file_job(std::int64_t node, TimeMs now, TimeMs lease_ms,
                                 Callback<std::optional<FileInfo>> done) {
  using Out = std::optional<FileInfo>;
  // One read, then one write: the writer is the only one, so nobody takes the file between.
  write_one_statement<Out>([=](Connection& db) -> Result<Out> {
    std::optional<FileInfo> f;
    {
      Stmt s = db.q("SELECT " TONARI_FILE_COLS " FROM files f WHERE f.state='processing'"
                    " AND (f.lease_node=0 OR f.lease_until<?) ORDER BY f.created_at, f.id LIMIT 1");
      s.bind(1, now);
      if (!s.step()) return Out();
      f = read_file(s);
    }
    db.q("UPDATE files SET lease_node=?, lease_until=?, attempts=attempts+1 WHERE id=?")
        .bind(1, node).bind(2, now + lease_ms).bind(3, f->id).run();
    ++f->attempts;
    return f;
  }, std::move(done));
}

void SqliteStore::release_file_jobs(std::int64_t node, Callback<std::int64_t> done) {
  write_one_statement<std::int64_t>([node](Connection& db) -> Result<std::int64_t> {
    db.q("UPDATE files SET lease_node=0, lease_until=0 WHERE state='processing'"
         " AND lease_node<>0 AND (?1=0 OR lease_node=?1)")
        .bind(1, node).run();
    return static_cast<std::int64_t>(db.changes());
  }, std::move(done));
}

void SqliteStore::finish_file_job(FileOutcome o, Callback<RoomChange> done) {
  write<RoomChange>([o = std::move(o), index = opts_.search_index](Connection& db) -> Result<RoomChange> {
    if (o.state == FileState::processing) {
      return invalid_argument("a sanitizing job ends in ready, withheld or blocked");
    }
    auto f = load_file(db, o.file);
    if (!f) return not_found("file " + std::to_string(o.file) + " not found");
    {
      Stmt s = db.q("SELECT lease_node FROM files WHERE id=?");
      s.bind(1, o.file);
      if (f->state != FileState::processing || o.node == 0 || !s.step() || s.i64(0) != o.node) {
        return not_the_job_holder(o.file);
      }
    }
    Stmt up = db.q("UPDATE files SET state=?, reason=?, detected_type=?, clean_sha256=?,"
                   " clean_size=?, clean_type=?, clean_name=?, sanitized=?, thumb_sha256=?,"
                   " width=?, height=?, pages=?, lat=?, lon=?, updated_at=?, lease_node=0,"
                   " lease_until=0, text=? WHERE id=?");
    up.bind(1, file_state_name(o.state)).bind(2, o.reason).bind(3, o.detected_type)
        .bind(4, o.clean_sha256).bind(5, o.clean_size).bind(6, o.clean_type)
        .bind(7, o.clean_name).bind(8, o.sanitized).bind(9, o.thumb_sha256).bind(10, o.width)
        .bind(11, o.height).bind(12, o.pages);
    if (o.lat) up.bind_f64(13, *o.lat); else up.bind_null(13);
    if (o.lon) up.bind_f64(14, *o.lon); else up.bind_null(14);
    // Only a delivered file has text to find (a withheld or blocked one its name alone).
    up.bind(15, o.now)
        .bind(16, o.state == FileState::ready ? file_text(o.text) : "")
        .bind(17, o.file).run();
    if (index) reindex_file(db, o.file);
    f = load_file(db, o.file);
    RoomChange out;
    out.created = false;
    auto room = load_room(db, f->room);
    if (room) out.room = *room;
    // Attached to a message that is still there: the room hears of it, in its event order.
    if (room && f->seq != 0 && !f->deleted) {
      out.created = true;
      out.events.push_back(append_event(db, out.room, o.now, [&](EventNo ev) {
        return wire::file_updated_event(out.room.id, ev, *f);
      }, f->seq));
    }
    return out;
  }, std::move(done));
}

// ---- Settings ---------------------------------------------------------------------------

void SqliteStore::set_tenant_setting(TenantId tenant, std::string key, std::string value,
                                     Callback<bool> done) {
  write_one_statement<bool>([=, key = std::move(key), value = std::move(value)](Connection& db) -> Result<bool> {
    {
      Stmt s = db.q("SELECT 1 FROM tenants WHERE id=?");
      s.bind(1, tenant);
      if (!s.step()) return not_found("no such municipality");
    }
    db.q("INSERT INTO tenant_settings(tenant_id, key, value) VALUES(?,?,?)"
         " ON CONFLICT(tenant_id, key) DO UPDATE SET value=excluded.value")
        .bind(1, tenant).bind(2, key).bind(3, value).run();
    return true;
  }, std::move(done));
}

void SqliteStore::set_internet_allowed(UserId user, bool allowed, Callback<User> done) {
  write<User>([=](Connection& db) -> Result<User> {
    bool was = false;
    {
      Stmt s = db.q("SELECT internet_allowed FROM users WHERE id=?");
      s.bind(1, user);
      if (!s.step()) return not_found("user " + std::to_string(user) + " not found");
      was = s.i64(0) != 0;
    }
    if (was != allowed) {
      db.q("UPDATE users SET internet_allowed=? WHERE id=?").bind(1, allowed).bind(2, user).run();
      // Servers recheck the user's live connections, and forget the user's cached
      // sessions, as for a disabled account (revocations_after).
      if (!allowed) {
        db.q("INSERT INTO revocations(user_id, at)"
             " VALUES(?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))")
            .bind(1, user).run();
      }
    }
    return *load_user(db, user);
  }, std::move(done));
}

}  // namespace tonari::store::sqlite
