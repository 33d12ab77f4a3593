// The write half of PgStore (the "Working together" writes: pg_store_collab.cc; what both
// share: write_helpers.h). The functions given to write() run on a writer thread inside a
// savepoint of a group-commit transaction (writer.h): returning a non-ok Result rolls back
// that job alone. Those given to write_statement() are one statement each, sent in a
// pipeline with the batch's others. A write that changes a room takes the room's row lock
// first (load_room), which orders it with the room's other writes on every node.
#include <algorithm>
#include <cstdio>
#include <set>

#include "core/wire.h"
#include "search/collation.h"
#include "search/normalize.h"
#include "store/file_rules.h"
#include "store/room_rules.h"
#include "store/postgres/post_job.h"
#include "store/postgres/search_docs.h"
#include "store/postgres/store_impl.h"
#include "store/postgres/write_helpers.h"

namespace tonari::store::postgres {
namespace {

void insert_member(PgConn& db, RoomId room, UserId user, MemberRole role, Seq read_seq,
                   TimeMs now) {
  // sort_key: the user's order key (reading_key, 0x00, name_key), copied so that a room's
  // member list is read in 五十音 order along members_order; a trigger keeps it in step.
  db.exec("INSERT INTO members(room_id, user_id, role, read_seq, joined_at, sort_key)"
          " VALUES($1,$2,$3,$4,$5,(SELECT reading_key || '\\x00'::bytea || name_key FROM users WHERE id=$2))",
          Params().i64(room).i64(user).text(member_role_name(role)).i64(read_seq).i64(now));
  db.exec("UPDATE rooms SET member_count=member_count+1 WHERE id=$1", Params().i64(room));
}

std::optional<MemberRole> role_of(PgConn& db, RoomId room, UserId user) {
  PgResult r = db.exec("SELECT role FROM members WHERE room_id=$1 AND user_id=$2",
                       Params().i64(room).i64(user));
  if (r.empty()) return std::nullopt;
  return member_role(r.row(0).view(0));
}

void set_role(PgConn& db, RoomId room, UserId user, MemberRole role) {
  db.exec("UPDATE members SET role=$1 WHERE room_id=$2 AND user_id=$3",
          Params().text(member_role_name(role)).i64(room).i64(user));
}

// How many owners of the room are active accounts.
std::int64_t active_owners(PgConn& db, RoomId room) {
  return db.exec("SELECT count(*) FROM members m JOIN users u ON u.id=m.user_id"
                 " WHERE m.room_id=$1 AND m.role='owner' AND NOT u.disabled",
                 Params().i64(room)).row(0).i64(0);
}

// The handover rule (store.h, remove_member): if no active account owns the group room
// any more, its longest-standing active admin, else member — earliest joined, then lowest
// user id — becomes its owner, with a member.role_changed event appended to `out`.
// Returns the new owner (0: none), for the system message that follows the events.
UserId keep_an_owner(PgConn& db, RoomChange& out, TimeMs now, const char* reason) {
  if (out.room.kind != RoomKind::group || active_owners(db, out.room.id) > 0) return 0;
  PgResult r = db.exec("SELECT m.user_id FROM members m JOIN users u ON u.id=m.user_id"
                       " WHERE m.room_id=$1 AND NOT u.disabled"
                       " ORDER BY m.role='admin' DESC, m.joined_at, m.user_id LIMIT 1",
                       Params().i64(out.room.id));
  if (r.empty()) return 0;
  const UserId heir = r.row(0).i64(0);
  set_role(db, out.room.id, heir, MemberRole::owner);
  out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
    return wire::member_role_changed_event(out.room.id, ev, heir, MemberRole::owner, 0, reason);
  }));
  return heir;
}

// A system note about one user.
wire::SystemNote note_about(PgConn& db, const char* action, UserId user) {
  wire::SystemNote n = note_of(action);
  n.users.push_back(named(db, user));
  return n;
}

// The system message role_changed: `user`'s role is now `role`, for `reason` (may be null).
void note_role_changed(PgConn& db, RoomChange& out, UserId by, UserId user, MemberRole role,
                       const char* reason, TimeMs now) {
  wire::SystemNote n = note_about(db, "role_changed", user);
  n.role = member_role_name(role);
  if (reason) n.reason = reason;
  append_system_message(db, out, by, n, now);
}

// The room's description and rules as the parameters of rooms' columns description,
// announcement, official, members_invite, members_edit, sync_kind, sync_dept, sync_subtree.
void rules_params(Params& p, const Room& room) {
  const RoomRules& r = room.rules;
  p.text(room.description).boolean(r.announcement).boolean(r.official)
      .boolean(r.members_invite).boolean(r.members_edit).text(org_sync_kind_name(r.sync.kind))
      .i64(r.sync.dept).boolean(r.sync.subtree);
}

std::string search_key(const std::string& name, const std::string& reading,
                       const std::string& login) {
  // Separators keep a query from matching across the boundary of two fields.
  return search::fold(name) + "\x1f" + search::fold(reading) + "\x1f" + search::fold(login);
}

}  // namespace

void PgStore::create_tenant(std::string code, std::string name, TimeMs now,
                            Callback<Tenant> done) {
  write<Tenant>(0, [code = std::move(code), name = std::move(name), now](PgConn& db) -> Result<Tenant> {
    if (!db.exec("SELECT 1 FROM tenants WHERE code=$1", Params().text(code)).empty()) {
      return conflict("municipality code " + code + " already exists");
    }
    PgResult r = db.exec("INSERT INTO tenants(code, name, created_at) VALUES($1,$2,$3) RETURNING id",
                         Params().text(code).text(name).i64(now));
    return Tenant{r.row(0).i64(0), code, name};
  }, std::move(done));
}

void PgStore::create_department(Department d, Callback<Department> done) {
  write<Department>(0, [d = std::move(d)](PgConn& db) mutable -> Result<Department> {
    auto code_taken = [&](const std::string& code) {
      return !db.exec("SELECT 1 FROM departments WHERE tenant_id=$1 AND code=$2",
                      Params().i64(d.tenant).text(code)).empty();
    };
    if (!d.code.empty() && code_taken(d.code)) {
      return conflict("department code " + d.code + " already exists");
    }
    if (d.parent && db.exec("SELECT 1 FROM departments WHERE id=$1 AND tenant_id=$2",
                            Params().i64(d.parent).i64(d.tenant)).empty()) {
      return not_found("parent department not found");
    }
    {
      PgResult r = db.exec("SELECT code FROM departments WHERE tenant_id=$1 AND name=$2"
                           " AND coalesce(parent_id,0)=$3",
                           Params().i64(d.tenant).text(d.name).i64(d.parent));
      if (!r.empty()) {
        return conflict("a department named " + d.name + " already exists there (code " +
                        r.row(0).text(0) + ")");
      }
    }
    Params p;
    p.i64(d.tenant);
    if (d.parent) p.i64(d.parent); else p.null();
    // A generated code is settled once the id is known (below); the id is unique, so a
    // placeholder of it is too.
    p.text(d.name).text(d.reading).text(d.code.empty() ? "\x1f" : d.code);
    PgResult r = db.exec("INSERT INTO departments(tenant_id, parent_id, name, reading, code)"
                         " VALUES($1,$2,$3,$4,$5) RETURNING id", p);
    d.id = r.row(0).i64(0);
    if (d.code.empty()) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "D%04lld", static_cast<long long>(d.id));
      d.code = buf;
      // Someone may have chosen this code by hand: then the id tells it apart.
      if (code_taken(d.code)) d.code += "-" + std::to_string(d.id);
      db.exec("UPDATE departments SET code=$1 WHERE id=$2", Params().text(d.code).i64(d.id));
    }
    return d;
  }, std::move(done));
}

void PgStore::create_user(NewUser u, TimeMs now, Callback<User> done) {
  write<User>(0, [u = std::move(u), now](PgConn& db) -> Result<User> {
    if (!db.exec("SELECT 1 FROM users WHERE tenant_id=$1 AND login=$2",
                 Params().i64(u.tenant).text(u.login)).empty()) {
      return conflict("login id " + u.login + " is already taken");
    }
    Params p;
    p.i64(u.tenant).text(u.login).text(u.name).text(u.reading)
        .bytes(search::sort_key_ja(u.reading)).bytes(search::sort_key_ja(u.name))
        .text(search_key(u.name, u.reading, u.login));
    if (u.dept) p.i64(u.dept); else p.null();
    p.text(u.title).text(u.status).text(u.role == Role::admin ? "admin" : "staff")
        .text(u.password_hash).i64(now);
    PgResult r = db.exec(
        "INSERT INTO users(tenant_id, login, name, reading, reading_key, name_key, search_key,"
        " dept_id, title, status, role, password_hash, created_at)"
        " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id", p);
    auto user = load_user(db, r.row(0).i64(0));
    if (!user) return internal_error("user vanished after insert");
    return *user;
  }, std::move(done));
}

void PgStore::claim_node_id(TimeMs now, Callback<std::int64_t> done) {
  write_statement<std::int64_t>(
      0, "INSERT INTO node_ids(claimed_at) VALUES($1) RETURNING id", Params().i64(now),
      [](const PgResult& r) -> Result<std::int64_t> { return r.row(0).i64(0); }, std::move(done));
}

void PgStore::ensure_secret(std::string name, std::string fresh, Callback<std::string> done) {
  // Two statements: the SELECT's snapshot, taken after the INSERT, sees a value that
  // another node committed while the INSERT waited for it.
  write<std::string>(0, [name = std::move(name), fresh = std::move(fresh)](PgConn& db) -> Result<std::string> {
    db.exec("INSERT INTO secrets(name, value) VALUES($1,$2) ON CONFLICT (name) DO NOTHING",
            Params().text(name).text(fresh));
    PgResult r = db.exec("SELECT value FROM secrets WHERE name=$1", Params().text(name));
    if (r.empty()) return internal_error("secret " + name + " vanished");
    return r.row(0).text(0);
  }, std::move(done));
}

void PgStore::set_status(UserId user, std::string status, Callback<User> done) {
  write_statement<User>(
      0,
      "WITH u AS (UPDATE users SET status=$1 WHERE id=$2 RETURNING *)"
      " SELECT " TONARI_PG_USER_COLS " FROM u LEFT JOIN departments d ON d.id=u.dept_id",
      Params().text(status).i64(user),
      [](const PgResult& r) -> Result<User> {
        if (r.empty()) return not_found("user not found");
        return read_user(r.row(0));
      },
      std::move(done));
}

void PgStore::update_user(UserId user, UserPatch patch, Callback<User> done) {
  write<User>(0, [user, patch = std::move(patch)](PgConn& db) -> Result<User> {
    PgResult cur = db.exec("SELECT tenant_id, login, name, reading FROM users WHERE id=$1 FOR UPDATE",
                           Params().i64(user));
    if (cur.empty()) return not_found("user " + std::to_string(user) + " not found");
    const TenantId tenant = cur.row(0).i64(0);
    if (patch.dept && *patch.dept != 0 &&
        db.exec("SELECT 1 FROM departments WHERE id=$1 AND tenant_id=$2",
                Params().i64(*patch.dept).i64(tenant)).empty()) {
      return invalid_argument("department " + std::to_string(*patch.dept) +
                              " is not a department of this municipality");
    }
    if (patch.name || patch.reading) {
      // The order and search keys follow (and a trigger the members' copies of the order).
      const std::string name = patch.name.value_or(cur.row(0).text(2));
      const std::string reading = patch.reading.value_or(cur.row(0).text(3));
      db.exec("UPDATE users SET name=$1, reading=$2, reading_key=$3, name_key=$4, search_key=$5"
              " WHERE id=$6",
              Params().text(name).text(reading).bytes(search::sort_key_ja(reading))
                  .bytes(search::sort_key_ja(name))
                  .text(search_key(name, reading, cur.row(0).text(1))).i64(user));
    }
    if (patch.dept) {
      Params p;
      if (*patch.dept) p.i64(*patch.dept); else p.null();
      db.exec("UPDATE users SET dept_id=$1 WHERE id=$2", p.i64(user));
    }
    auto set_text = [&](const char* sql, const std::optional<std::string>& v) {
      if (v) db.exec(sql, Params().text(*v).i64(user));
    };
    set_text("UPDATE users SET title=$1 WHERE id=$2", patch.title);
    set_text("UPDATE users SET extension=$1 WHERE id=$2", patch.extension);
    set_text("UPDATE users SET status=$1 WHERE id=$2", patch.status);
    auto u = load_user(db, user);
    if (!u) return not_found("user " + std::to_string(user) + " not found");
    return *u;
  }, std::move(done));
}

void PgStore::set_user_disabled(UserId user, bool disabled, TimeMs now, Callback<User> done) {
  write<User>(0, [=](PgConn& db) -> Result<User> {
    PgResult up = db.exec("UPDATE users SET disabled=$1 WHERE id=$2",
                          Params().boolean(disabled).i64(user));
    if (up.affected() == 0) return not_found("user not found");
    if (disabled) {
      db.exec("DELETE FROM sessions WHERE user_id=$1", Params().i64(user));
      db.exec("INSERT INTO revocations(user_id, at) VALUES($1,$2)", Params().i64(user).i64(now));
      // Ownership of the group rooms it owns passes on (it stays a member); the rooms in
      // id order, as every batch locks them.
      PgResult owned = db.exec("SELECT m.room_id FROM members m JOIN rooms r ON r.id=m.room_id"
                               " WHERE m.user_id=$1 AND m.role='owner' AND r.kind='group'"
                               " ORDER BY m.room_id",
                               Params().i64(user));
      for (int i = 0; i < owned.rows(); ++i) {
        const RoomId id = owned.row(i).i64(0);
        RoomChange change;
        auto room = load_room(db, id);
        if (!room) continue;
        change.room = *room;
        set_role(db, id, user, MemberRole::member);
        change.events.push_back(append_event(db, change.room, now, [&](EventNo ev) {
          return wire::member_role_changed_event(id, ev, user, MemberRole::member, 0,
                                                 "owner_disabled");
        }));
        if (UserId heir = keep_an_owner(db, change, now, "owner_disabled")) {
          note_role_changed(db, change, 0, heir, MemberRole::owner, "owner_disabled", now);
        }
      }
    }
    auto u = load_user(db, user);
    if (!u) return not_found("user not found");
    return *u;
  }, std::move(done));
}

void PgStore::create_session(Session s, Callback<bool> done) {
  // Not for a disabled account: a login whose password check raced the disabling would
  // otherwise leave a session that enabling the account again brings back.
  write_statement<bool>(
      0,
      "INSERT INTO sessions(token_hash, user_id, csrf, created_at, expires_at)"
      " SELECT $1,$2,$3,$4,$5 WHERE EXISTS(SELECT 1 FROM users WHERE id=$2 AND NOT disabled)",
      Params().text(s.token_hash).i64(s.user).text(s.csrf).i64(s.created_at).i64(s.expires_at),
      [](const PgResult& r) -> Result<bool> {
        if (r.affected() == 0) return unauthenticated("account disabled");
        return true;
      },
      std::move(done));
}

void PgStore::extend_session(std::string token_hash, TimeMs expires_at, Callback<bool> done) {
  write_statement<bool>(
      0, "UPDATE sessions SET expires_at=$1 WHERE token_hash=$2",
      Params().i64(expires_at).text(token_hash),
      [](const PgResult&) -> Result<bool> { return true; }, std::move(done));
}

void PgStore::delete_session(std::string token_hash, Callback<bool> done) {
  write_statement<bool>(
      0, "DELETE FROM sessions WHERE token_hash=$1", Params().text(token_hash),
      [](const PgResult& r) -> Result<bool> { return r.affected() > 0; }, std::move(done));
}

void PgStore::purge_sessions(TimeMs now, Callback<std::int64_t> done) {
  // Servers poll revocations every second: a day-old one has long been acted on.
  write_statement<std::int64_t>(
      0,
      "WITH s AS (DELETE FROM sessions WHERE expires_at<$1 RETURNING 1),"
      " r AS (DELETE FROM revocations WHERE at<$2)"
      " SELECT count(*) FROM s",
      Params().i64(now).i64(now - 24 * 3600 * 1000),
      [](const PgResult& r) -> Result<std::int64_t> { return r.row(0).i64(0); }, std::move(done));
}

void PgStore::create_room(NewRoom r, Callback<RoomChange> done) {
  write<RoomChange>(0, [r = std::move(r)](PgConn& db) -> Result<RoomChange> {
    std::set<UserId> ids(r.members.begin(), r.members.end());
    ids.erase(r.creator);
    if (r.max_members > 0 && static_cast<std::int64_t>(ids.size()) + 1 > r.max_members) {
      return Status(Code::room_full, "a room has at most " + std::to_string(r.max_members) +
                                         " members");
    }
    std::optional<std::string> direct_key;
    auto existing_direct = [&]() -> std::optional<RoomChange> {
      PgResult e = db.exec("SELECT " TONARI_PG_ROOM_COLS " FROM rooms r WHERE r.direct_key=$1",
                           Params().text(*direct_key));
      if (e.empty()) return std::nullopt;
      RoomChange existing;
      existing.room = read_room(e.row(0));
      existing.created = false;
      return existing;
    };
    if (r.kind == RoomKind::direct) {
      if (ids.size() != 1) return invalid_argument("a direct room has exactly two members");
      const UserId peer = *ids.begin();
      direct_key = std::to_string(std::min(r.creator, peer)) + ":" +
                   std::to_string(std::max(r.creator, peer));
      if (auto existing = existing_direct()) return std::move(*existing);
    }
    RoomChange out;
    out.room = Room{0, r.tenant, r.kind, r.name, r.creator, r.now, 0, 0, r.now, {}, {}};
    if (r.kind == RoomKind::group) {
      out.room.description = r.description;
      out.room.rules = r.rules;
    }
    Params p;
    p.i64(r.tenant).text(room_kind_name(r.kind)).text(r.name);
    if (direct_key) p.text(*direct_key); else p.null();
    p.i64(r.creator).i64(r.now).i64(r.now);
    rules_params(p, out.room);
    // Another node may create the same direct room meanwhile: then its room is the one.
    PgResult ins = db.exec("INSERT INTO rooms(tenant_id, kind, name, direct_key, created_by,"
                           " created_at, last_activity, description, announcement, official,"
                           " members_invite, members_edit, sync_kind, sync_dept, sync_subtree)"
                           " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"
                           " ON CONFLICT (direct_key) DO NOTHING RETURNING id", p);
    if (ins.empty()) {
      if (auto existing = existing_direct()) return std::move(*existing);
      return conflict("the direct room was created meanwhile; try again");
    }
    out.room.id = ins.row(0).i64(0);
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
    if (r.kind == RoomKind::group) {
      wire::SystemNote n = note_of("room_created");
      n.name = r.name;
      for (const User& u : joined) {
        if (u.id != r.creator) n.users.emplace_back(u.id, u.name);
      }
      n.count = static_cast<std::int64_t>(n.users.size());
      append_system_message(db, out, r.creator, n, r.now);
    }
    return out;
  }, std::move(done));
}

void PgStore::add_members(RoomId room_id, UserId by, std::vector<UserId> users, TimeMs now,
                          std::int64_t max_members, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, users = std::move(users), may = std::move(may)](PgConn& db) -> Result<RoomChange> {
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
    // The cap, against the count this transaction sees under the room's lock: no add can
    // slip past it.
    if (max_members > 0 && !joined.empty()) {
      PgResult c = db.exec("SELECT member_count FROM rooms WHERE id=$1", Params().i64(room_id));
      const std::int64_t count = c.empty() ? 0 : c.row(0).i64(0);
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
    recount_answers(db, room_id, out.joined, 1);
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::member_joined_event(room_id, ev, joined, by);
    }));
    if (out.room.kind == RoomKind::group) {
      wire::SystemNote n = note_of("members_added");
      for (const User& u : joined) n.users.emplace_back(u.id, u.name);
      n.count = static_cast<std::int64_t>(joined.size());
      if (by == 0) n.reason = "org";
      append_system_message(db, out, by, n, now);
    }
    return out;
  }, std::move(done));
}

void PgStore::remove_member(RoomId room_id, UserId by, UserId user, TimeMs now,
                            RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
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
    db.exec("DELETE FROM members WHERE room_id=$1 AND user_id=$2", Params().i64(room_id).i64(user));
    recount_answers(db, room_id, {user}, -1);
    db.exec("UPDATE rooms SET member_count=member_count-1 WHERE id=$1", Params().i64(room_id));
    out.left.push_back(user);
    const UserId heir = *role == MemberRole::owner ? keep_an_owner(db, out, now, "owner_left") : 0;
    if (out.room.kind == RoomKind::group) {
      append_system_message(
          db, out, by, note_about(db, by == user ? "member_left" : "member_removed", user), now);
      if (heir) note_role_changed(db, out, by, heir, MemberRole::owner, "owner_left", now);
    }
    return out;
  }, std::move(done));
}

void PgStore::take_over_room(RoomId room_id, UserId user, TimeMs now,
                             Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=](PgConn& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room) return not_found("room not found");
    if (room->kind != RoomKind::group) return invalid_argument("a 1:1 room has no owner");
    RoomChange out;
    out.room = *room;
    std::vector<UserId> owners;
    {
      PgResult r = db.exec("SELECT user_id FROM members WHERE room_id=$1 AND role='owner' ORDER BY user_id",
                           Params().i64(room_id));
      for (int i = 0; i < r.rows(); ++i) owners.push_back(r.row(i).i64(0));
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
      recount_answers(db, room_id, {user}, 1);
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

void PgStore::update_room(RoomId room_id, UserId by, RoomPatch patch, TimeMs now,
                          RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, patch = std::move(patch),
                              may = std::move(may)](PgConn& db) -> Result<RoomChange> {
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
    Params p;
    p.text(out.room.name);
    rules_params(p, out.room);
    p.i64(room_id);
    db.exec("UPDATE rooms SET name=$1, description=$2, announcement=$3, official=$4,"
            " members_invite=$5, members_edit=$6, sync_kind=$7, sync_dept=$8, sync_subtree=$9"
            " WHERE id=$10", p);
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::room_updated_event(out.room, ev, by);
    }));
    for (const wire::SystemNote& n : notes) append_system_message(db, out, by, n, now);
    return out;
  }, std::move(done));
}

void PgStore::set_member_role(RoomId room_id, UserId by, UserId user, MemberRole role,
                              TimeMs now, RoomRule may, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, may = std::move(may)](PgConn& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room) return room_hidden(room_id);
    TONARI_RETURN_IF_ERROR(check_rule(db, may, *room, by));
    if (room->kind != RoomKind::group) return invalid_argument("a 1:1 room has no roles");
    const auto was = role_of(db, room_id, user);
    if (!was) return not_found("user is not a member of this room");
    RoomChange out;
    out.room = *room;
    if (*was == role) {
      out.created = false;
      return out;
    }
    set_role(db, room_id, user, role);
    // Under the room's lock: no other change of its owners comes between.
    if (*was == MemberRole::owner && active_owners(db, room_id) == 0) {
      return conflict("the room's last owner cannot step down: make someone else owner first");
    }
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::member_role_changed_event(room_id, ev, user, role, by, "set");
    }));
    note_role_changed(db, out, by, user, role, nullptr, now);
    return out;
  }, std::move(done));
}

void PgStore::post_message(NewMessage m, Callback<RoomChange> done) {
  writers_->submit(std::make_unique<PostJob>(std::move(m), opts_.search_index, std::move(done)));
}

void PgStore::edit_message(RoomId room_id, Seq seq, UserId editor, std::string body,
                           TimeMs now, Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=, body = std::move(body), index = opts_.search_index](PgConn& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    // Checked here, in the write: the service's check came before, and the editor may have
    // left since.
    if (!room || !is_member(db, room_id, editor)) return room_hidden(room_id);
    auto msg = load_message(db, room_id, seq);
    if (!msg) return not_found("message " + std::to_string(seq) + " not found");
    if (msg->kind == MessageKind::system) return system_message_refused("edited");
    if (msg->sender != editor) return permission_denied("only the sender can edit a message");
    if (msg->deleted) return invalid_argument("a deleted message cannot be edited");
    if (!msg->stamp.empty()) return invalid_argument("a stamp message cannot be edited");
    db.exec("UPDATE messages SET body=$1, edited_at=$2 WHERE room_id=$3 AND seq=$4",
            Params().text(body).i64(now).i64(room_id).i64(seq));
    msg->body = body;
    msg->edited_at = now;
    if (index) index_message(db, room->tenant, *msg);  // in place: it keeps its place
    // Quotes follow the edit (cut as tonari_post cuts them), in the replies' rows and in
    // their stored events; those of a stamp or an action stamp show its quote_text, which
    // the body does not change.
    if (msg->stamp.empty() && !msg->action) {
      PgResult replies = db.exec(
          "UPDATE messages SET reply_edited=true, reply_body=CASE WHEN char_length($1::text) > 100"
          " THEN left($1::text, 100) || '…' ELSE $1::text END"
          " WHERE room_id=$2 AND reply_seq=$3 RETURNING seq",
          Params().text(body).i64(room_id).i64(seq));
      rewrite_replies(db, room_id, replies);
    }
    RoomChange out;
    out.room = *room;
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::message_event("message.edited", *msg, ev);
    }, seq));
    out.message = std::move(*msg);
    return out;
  }, std::move(done));
}

void PgStore::delete_message(RoomId room_id, Seq seq, UserId by, TimeMs now,
                             Callback<RoomChange> done) {
  write<RoomChange>(room_id, [=](PgConn& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    if (!room || !is_member(db, room_id, by)) return room_hidden(room_id);
    auto msg = load_message(db, room_id, seq);
    if (!msg) return not_found("message " + std::to_string(seq) + " not found");
    if (msg->kind == MessageKind::system) return system_message_refused("deleted");
    if (msg->sender != by) return permission_denied("only the sender can delete a message");
    RoomChange out;
    out.room = *room;
    if (msg->deleted) {  // deleting twice changes nothing
      out.created = false;
      out.message = std::move(*msg);
      return out;
    }
    db.exec("UPDATE messages SET body='', reply_seq=NULL, reply_sender=NULL, reply_sender_name=NULL,"
            " reply_body=NULL, mentions='', mention_all=false, deleted=true, edited_at=$1,"
            " nfiles=0, stamp='', quote_text='', has_action=false, reaction_keys=0, ack_count=0"
            " WHERE room_id=$2 AND seq=$3",
            Params().i64(now).i64(room_id).i64(seq));
    db.exec("DELETE FROM mentions WHERE room_id=$1 AND seq=$2", Params().i64(room_id).i64(seq));
    if (msg->ack_required) {
      db.exec("DELETE FROM message_acks WHERE room_id=$1 AND seq=$2", Params().i64(room_id).i64(seq));
      msg->ack_count = 0;
    }
    forget_message_parts(db, *msg);
    // Its search documents go, its files' with them; even with indexing off, so that a
    // document written before never finds it.
    unindex_message(db, room_id, seq);
    // Its files go with it: nobody gets them any more (FileInfo::deleted).
    if (!msg->files.empty()) {
      db.exec("UPDATE files SET deleted=true, updated_at=$1 WHERE room_id=$2 AND seq=$3",
              Params().i64(now).i64(room_id).i64(seq));
      msg->files.clear();
    }
    msg->body.clear();
    msg->stamp.clear();
    msg->reactions.clear();
    msg->action.reset();
    msg->reply_to.reset();
    msg->mentions.clear();
    msg->mention_all = false;
    msg->deleted = true;
    msg->edited_at = now;
    // The deleted text must not come back through resume, nor live on in the quotes of
    // replies: rewrite the stored events of the message and of every reply to it.
    rewrite_events(db, *msg);
    rewrite_replies(db, room_id,
                    db.exec("UPDATE messages SET reply_body='' WHERE room_id=$1 AND reply_seq=$2"
                            " RETURNING seq",
                            Params().i64(room_id).i64(seq)));
    out.events.push_back(append_event(db, out.room, now, [&](EventNo ev) {
      return wire::message_event("message.deleted", *msg, ev);
    }, seq));
    out.message = std::move(*msg);
    return out;
  }, std::move(done));
}

void PgStore::mark_read(RoomId room_id, UserId user, Seq seq, TenantId tenant,
                        Callback<ReadChange> done) {
  // One statement: the position before, and the move forward if any. The room's row lock
  // comes first, as in every write of a room (its posts write the members' rows too).
  write_statement<ReadChange>(
      room_id,
      "WITH r AS (SELECT id, msg_seq, tenant_id, last_sender FROM rooms WHERE id=$1 FOR NO KEY UPDATE),"
      " cur AS (SELECT r.msg_seq, r.tenant_id, " TONARI_PG_READ_SEQ("mb", "r") " AS pos"
      "   FROM r JOIN members mb ON mb.room_id=r.id AND mb.user_id=$2),"
      " up AS (UPDATE members mb SET read_seq=greatest(cur.pos, least($3::bigint, cur.msg_seq))"
      "   FROM cur WHERE mb.room_id=$1 AND mb.user_id=$2 AND ($4::bigint=0 OR cur.tenant_id=$4)"
      "   AND least($3::bigint, cur.msg_seq)>cur.pos)"
      " SELECT msg_seq, pos, tenant_id FROM cur",
      Params().i64(room_id).i64(user).i64(seq).i64(tenant),
      [room_id, seq, tenant](const PgResult& r) -> Result<ReadChange> {
        if (r.empty() || (tenant != 0 && r.row(0).i64(2) != tenant)) return room_hidden(room_id);
        ReadChange out;
        out.old_seq = r.row(0).i64(1);
        out.new_seq = std::max(out.old_seq, std::min(seq, r.row(0).i64(0)));
        return out;
      },
      std::move(done));
}

}  // namespace tonari::store::postgres

// ---- Files ------------------------------------------------------------------------------

namespace tonari::store::postgres {

void PgStore::create_file(NewFile f, std::int64_t quota_bytes, Callback<FileInfo> done) {
  // Room 0 (the first in its batch, before any room's lock): an upload takes its tenant's
  // usage row, which no other write takes after a room's lock.
  write<FileInfo>(0, [f = std::move(f), quota_bytes](PgConn& db) -> Result<FileInfo> {
    if (f.size < 0) return invalid_argument("a file's size cannot be negative");
    PgResult room = db.exec("SELECT r.tenant_id FROM rooms r JOIN members mb ON mb.room_id=r.id"
                            " AND mb.user_id=$1 WHERE r.id=$2",
                            Params().i64(f.uploader).i64(f.room));
    if (room.empty() || room.row(0).i64(0) != f.tenant) return room_hidden(f.room);
    // The tenant's running total, under its row lock until the transaction ends: uploads of
    // one tenant on every node pass the quota one at a time. Undone with the job if over.
    PgResult used = db.exec("INSERT INTO tenant_usage(tenant_id, file_bytes) VALUES($1,$2)"
                            " ON CONFLICT (tenant_id) DO UPDATE"
                            " SET file_bytes=tenant_usage.file_bytes+excluded.file_bytes"
                            " RETURNING file_bytes",
                            Params().i64(f.tenant).i64(f.size));
    const std::int64_t total = used.row(0).i64(0);
    if (quota_bytes > 0 && total > quota_bytes) {
      return quota_exceeded(total - f.size, f.size, quota_bytes);
    }
    PgResult r = db.exec("INSERT INTO files AS f(tenant_id, room_id, uploader_id, name, size, sha256,"
                         " declared_type, from_internet, created_at, updated_at)"
                         " VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) RETURNING " TONARI_PG_FILE_COLS,
                         Params().i64(f.tenant).i64(f.room).i64(f.uploader).text(f.name)
                             .i64(f.size).text(f.sha256).text(f.declared_type)
                             .boolean(f.from_internet).i64(f.now));
    return read_file(r.row(0));
  }, std::move(done));
}

void PgStore::claim_file_job(std::int64_t node, TimeMs now, TimeMs lease_ms,
                             Callback<std::optional<FileInfo>> done) {
  using Out = std::optional<FileInfo>;
  // SKIP LOCKED: a file another node is claiming right now is passed over, not waited
  // for, and one claimed since this statement's snapshot is checked again (its lease is
  // then taken): two nodes never hold the same lease.
  write_statement<Out>(
      0,
      "UPDATE files f SET lease_node=$1, lease_until=$2::bigint+$3::bigint, attempts=f.attempts+1"
      " FROM (SELECT id FROM files WHERE state='processing' AND (lease_node=0 OR lease_until<$2)"
      "       ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) c"
      " WHERE f.id=c.id RETURNING " TONARI_PG_FILE_COLS,
      Params().i64(node).i64(now).i64(lease_ms),
      [](const PgResult& r) -> Result<Out> {
        if (r.empty()) return Out();
        return Out(read_file(r.row(0)));
      },
      std::move(done));
}

void PgStore::release_file_jobs(std::int64_t node, Callback<std::int64_t> done) {
  write_statement<std::int64_t>(
      0,
      "UPDATE files SET lease_node=0, lease_until=0 WHERE state='processing' AND lease_node<>0"
      " AND ($1::bigint=0 OR lease_node=$1)",
      Params().i64(node),
      [](const PgResult& r) -> Result<std::int64_t> { return r.affected(); }, std::move(done));
}

void PgStore::finish_file_job(FileOutcome o, Callback<RoomChange> done) {
  if (o.state == FileState::processing) {
    done(invalid_argument("a sanitizing job ends in ready, withheld or blocked"));
    return;
  }
  // The file's room (which never changes) picks the writer: a room's writes all go through
  // one, and the event below takes the room's lock like every other write of the room.
  auto file = this->file(o.file);
  if (!file.ok()) {
    done(file.status());
    return;
  }
  const RoomId room_id = file->room;
  write<RoomChange>(room_id, [o = std::move(o), room_id, index = opts_.search_index](PgConn& db) -> Result<RoomChange> {
    auto room = load_room(db, room_id);
    PgResult cur = db.exec("SELECT state, lease_node FROM files WHERE id=$1 FOR UPDATE",
                           Params().i64(o.file));
    if (cur.empty()) return not_found("file " + std::to_string(o.file) + " not found");
    if (cur.row(0).view(0) != "processing" || o.node == 0 || cur.row(0).i64(1) != o.node) {
      return not_the_job_holder(o.file);
    }
    Params p;
    p.text(file_state_name(o.state)).text(o.reason).text(o.detected_type).text(o.clean_sha256)
        .i64(o.clean_size).text(o.clean_type).text(o.clean_name).boolean(o.sanitized)
        .text(o.thumb_sha256).i64(o.width).i64(o.height).i64(o.pages);
    if (o.lat) p.f64(*o.lat); else p.null();
    if (o.lon) p.f64(*o.lon); else p.null();
    // Only a delivered file has text to find (a withheld or blocked one its name alone).
    p.i64(o.now).text(o.state == FileState::ready ? file_text(o.text) : std::string_view())
        .i64(o.file);
    PgResult up = db.exec(
        "UPDATE files f SET state=$1, reason=$2, detected_type=$3, clean_sha256=$4, clean_size=$5,"
        " clean_type=$6, clean_name=$7, sanitized=$8, thumb_sha256=$9, width=$10, height=$11,"
        " pages=$12, lat=$13, lon=$14, updated_at=$15, lease_node=0, lease_until=0, text=$16"
        " WHERE id=$17 RETURNING " TONARI_PG_FILE_COLS, p);
    const FileInfo f = read_file(up.row(0));
    if (index) reindex_file(db, o.file);
    RoomChange out;
    out.created = false;
    if (room) out.room = *room;
    // Attached to a message that is still there: the room hears of it, in its event order.
    if (room && f.seq != 0 && !f.deleted) {
      out.created = true;
      out.events.push_back(append_event(db, out.room, o.now, [&](EventNo ev) {
        return wire::file_updated_event(out.room.id, ev, f);
      }, f.seq));
    }
    return out;
  }, std::move(done));
}

// ---- Settings ---------------------------------------------------------------------------

void PgStore::set_tenant_setting(TenantId tenant, std::string key, std::string value,
                                 Callback<bool> done) {
  write_statement<bool>(
      0,
      "INSERT INTO tenant_settings(tenant_id, key, value)"
      " SELECT $1,$2,$3 WHERE EXISTS(SELECT 1 FROM tenants WHERE id=$1)"
      " ON CONFLICT (tenant_id, key) DO UPDATE SET value=excluded.value",
      Params().i64(tenant).text(key).text(value),
      [](const PgResult& r) -> Result<bool> {
        if (r.affected() == 0) return not_found("no such municipality");
        return true;
      },
      std::move(done));
}

void PgStore::set_internet_allowed(UserId user, bool allowed, Callback<User> done) {
  write<User>(0, [=](PgConn& db) -> Result<User> {
    PgResult was = db.exec("SELECT internet_allowed FROM users WHERE id=$1 FOR UPDATE",
                           Params().i64(user));
    if (was.empty()) return not_found("user " + std::to_string(user) + " not found");
    if (was.row(0).boolean(0) != allowed) {
      db.exec("UPDATE users SET internet_allowed=$1 WHERE id=$2", Params().boolean(allowed).i64(user));
      // Servers recheck the user's live connections, and forget the user's cached
      // sessions, as for a disabled account (revocations_after).
      if (!allowed) {
        db.exec("INSERT INTO revocations(user_id, at)"
                " VALUES($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                Params().i64(user));
      }
    }
    auto u = load_user(db, user);
    if (!u) return not_found("user " + std::to_string(user) + " not found");
    return *u;
  }, std::move(done));
}

}  // namespace tonari::store::postgres
