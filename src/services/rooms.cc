#include "services/rooms.h"

#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "core/text_limits.h"
#include "log/log.h"
#include "services/access.h"
#include "services/events.h"
#include "services/policies.h"

namespace tonari::services {

Result<std::pair<Room, std::optional<Member>>> Rooms::load(const Actor& actor, RoomId id) {
  auto rm = ctx_.store.room_and_member(id, actor.user.id);
  if (!rm.ok()) return not_found("room " + std::to_string(id) + " not found");
  TONARI_RETURN_IF_ERROR(policy::can_read_room(actor.user, rm->first, rm->second));
  return std::move(*rm);
}

Result<std::pair<Room, std::optional<Member>>> Rooms::load_any(const Actor& actor, RoomId id) {
  auto rm = ctx_.store.room_and_member(id, actor.user.id);
  if (!rm.ok() && rm.status().code() != Code::not_found) return rm.status();
  if (!rm.ok()) return not_found("room " + std::to_string(id) + " not found");
  return std::move(*rm);
}

Status Rooms::check_name(const std::string& name) const {
  if (!text::valid_utf8(name)) return invalid_argument("name: not valid UTF-8");
  auto trimmed = text::trim(name);
  if (trimmed.empty()) return invalid_argument("name: a room needs a name (it is blank)");
  if (text::char_count(trimmed) > ctx_.limits.max_name_chars) {
    return invalid_argument("name: too long, at most " + std::to_string(ctx_.limits.max_name_chars) +
                            " characters");
  }
  return Status::ok();
}

Status Rooms::check_description(const std::string& description) const {
  if (!text::valid_utf8(description)) return invalid_argument("description: not valid UTF-8");
  if (text::char_count(description) > ctx_.limits.max_description_chars) {
    return invalid_argument("description: too long, at most " +
                            std::to_string(ctx_.limits.max_description_chars) + " characters");
  }
  return Status::ok();
}

Status Rooms::check_sync(TenantId tenant, const OrgSync& sync) {
  if (sync.kind != OrgSync::Kind::department) return Status::ok();
  auto all = ctx_.store.departments(tenant);
  if (!all.ok()) return all.status();
  for (const Department& d : *all) {
    if (d.id == sync.dept) return Status::ok();
  }
  return invalid_argument("rules.sync: department " + std::to_string(sync.dept) +
                          " is not a department of this municipality");
}

void Rooms::for_viewer(const Actor& actor, RoomSummary& s) const {
  s.can = policy::abilities(actor.user, s.room, Member{actor.user.id, s.role, s.read_seq});
  if (s.last_message) blank_for_viewer(actor.user, *s.last_message);
}

Status Rooms::check_contacts(const Actor& actor, const std::vector<UserId>& ids) {
  if (ids.size() > 50000) return invalid_argument("too many users at once");
  auto found = ctx_.store.users_in_tenant(actor.user.tenant, ids);
  if (!found.ok()) return found.status();
  std::set<UserId> ok;
  for (const User& u : *found) {
    if (policy::can_contact(actor.user, u).is_ok()) ok.insert(u.id);
  }
  for (UserId id : ids) {
    if (!ok.count(id)) return not_found("user " + std::to_string(id) + " not found");
  }
  return Status::ok();
}

store::Callback<store::RoomChange> Rooms::publishing(store::Callback<store::RoomChange> done) {
  return [this, done = std::move(done)](Result<store::RoomChange> r) {
    if (r.ok() && r->created) publish_change(ctx_, *r);
    done(std::move(r));
  };
}

Result<std::vector<RoomSummary>> Rooms::list(const Actor& actor) {
  auto all = ctx_.store.rooms_for_user(actor.user.id);
  if (all.ok()) {
    for (RoomSummary& s : *all) for_viewer(actor, s);
  }
  return all;
}

Result<RoomSummary> Rooms::summary(const Actor& actor, RoomId room, bool managing) {
  auto rm = ctx_.store.room_and_member(room, actor.user.id);
  if (!rm.ok()) return not_found("room " + std::to_string(room) + " not found");
  const auto& [r, m] = *rm;
  if (!m && managing && policy::abilities(actor.user, r, m).edit_official) {
    RoomSummary s;
    s.room = r;
    s.display_name = r.name;
    // Every member has or has not read "message 0": both counts are all of them.
    auto counts = ctx_.store.reader_counts(room, 0, 0);
    if (!counts.ok()) return counts.status();
    s.member_count = counts->first + counts->second;
    s.can = policy::abilities(actor.user, r, m);
    return s;
  }
  TONARI_RETURN_IF_ERROR(policy::can_read_room(actor.user, r, m));
  auto s = ctx_.store.room_summary(room, actor.user.id);
  if (s.ok()) for_viewer(actor, *s);
  return s;
}

Result<RoomDetail> Rooms::detail(const Actor& actor, RoomId room, int limit) {
  auto s = summary(actor, room);
  if (!s.ok()) return s.status();
  auto members = ctx_.store.members_page(room, {}, std::clamp(limit, 1, kMaxPage), {});
  if (!members.ok()) return members.status();
  return RoomDetail{std::move(*s), std::move(*members)};
}

Result<store::MemberPage> Rooms::members(const Actor& actor, RoomId room,
                                         const store::MemberKey& after, int limit) {
  auto loaded = load(actor, room);
  if (!loaded.ok()) return loaded.status();
  return ctx_.store.members_page(room, after, std::clamp(limit, 1, kMaxPage), {});
}

// One add_members (or the rest of a create_group) going through its batches in turn.
struct Rooms::Batches {
  RoomId room = 0;
  UserId by = 0;
  std::vector<UserId> users;  // sorted, no duplicates
  std::size_t next = 0;       // users[next...] are still to add
  std::vector<UserId> added;
  store::RoomChange last;
  bool created = false;  // create_group: the room itself is new
  store::RoomRule may;   // applied by each batch's write (none for create_group's rest)
  store::Callback<store::RoomChange> done;
};

void Rooms::add_batch(std::shared_ptr<Batches> b) {
  const std::size_t per = std::max<std::size_t>(1, ctx_.limits.members_per_batch);
  const std::size_t end = std::min(b->users.size(), b->next + per);
  std::vector<UserId> part(b->users.begin() + static_cast<std::ptrdiff_t>(b->next),
                           b->users.begin() + static_cast<std::ptrdiff_t>(end));
  b->next = end;
  ctx_.store.add_members(b->room, b->by, std::move(part), ctx_.clock.now_ms(),
                         ctx_.limits.max_room_members, b->may, [this, b](Result<store::RoomChange> r) {
    if (!r.ok()) {
      if (b->added.empty() && !b->created) return b->done(r.status());
      // What stays must be findable: a new room is named, since the caller has no other way
      // to learn its id (repeating create_group would make another room).
      const std::string before =
          b->created ? "room " + std::to_string(b->room) + " was created with " +
                           std::to_string(b->added.size()) + " members; add the others to it"
                     : std::to_string(b->added.size()) + " users were added before";
      return b->done(Status(r.status().code(), r.status().message() + " (" + before + ")"));
    }
    if (r->created) publish_change(ctx_, *r);
    b->added.insert(b->added.end(), r->joined.begin(), r->joined.end());
    b->last.room = r->room;
    if (b->next < b->users.size()) return add_batch(b);
    store::RoomChange out = std::move(b->last);
    out.joined = std::move(b->added);
    out.created = b->created || !out.joined.empty();
    b->done(std::move(out));
  });
}

Result<std::vector<std::pair<RoomId, EventNo>>> Rooms::cursors(const Actor& actor) {
  return ctx_.store.room_cursors(actor.user.id);
}

Result<std::vector<std::pair<RoomId, std::vector<RoomEvent>>>> Rooms::missed_events(
    const Actor& actor, const std::vector<std::pair<RoomId, EventNo>>& wanted, int limit) {
  // Only rooms the caller is a member of now (membership is checked in the same read; a
  // member is always of the room's municipality, rooms are not shared across them yet).
  return ctx_.store.events_after_as_member(actor.user.id, wanted, limit);
}

void Rooms::create_group(const Actor& actor, NewGroup g, store::Callback<store::RoomChange> done) {
  if (Status st = check_name(g.name); !st.is_ok()) return done(st);
  if (Status st = check_description(g.description); !st.is_ok()) return done(st);
  const bool official = g.rules.official || g.rules.sync.kind != OrgSync::Kind::none;
  if (official && actor.user.role != Role::admin) {
    return done(permission_denied(
        "only an administrator of the municipality can create an official room"));
  }
  if (g.rules.sync.kind != OrgSync::Kind::none && !g.rules.official) {
    return done(invalid_argument("rules.sync: only an official room follows the org tree"));
  }
  if (Status st = check_sync(actor.user.tenant, g.rules.sync); !st.is_ok()) return done(st);
  std::vector<UserId>& members = g.members;
  std::erase(members, actor.user.id);
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  const std::int64_t cap = ctx_.limits.max_room_members;
  if (cap > 0 && static_cast<std::int64_t>(members.size()) + 1 > cap) {
    return done(Status(Code::room_full, "a room has at most " + std::to_string(cap) + " members"));
  }
  if (Status st = check_contacts(actor, members); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "create_room"); !st.is_ok()) return done(st);
  if (g.rules.sync.kind != OrgSync::Kind::none) {
    done = [this, done = std::move(done)](Result<store::RoomChange> r) mutable {
      then_sync(std::move(r), std::move(done));
    };
  }
  // The room with the first batch; the rest (a large room) batch by batch after it.
  const std::size_t first = std::max<std::size_t>(1, ctx_.limits.members_per_batch) - 1;
  auto rest = std::make_shared<Batches>();
  if (members.size() > first) {
    rest->users.assign(members.begin() + static_cast<std::ptrdiff_t>(first), members.end());
    members.resize(first);
  }
  store::NewRoom r{actor.user.tenant, RoomKind::group, std::string(text::trim(g.name)),
                   actor.user.id,     std::move(members), ctx_.clock.now_ms(), cap,
                   std::string(text::trim(g.description)), g.rules};
  if (rest->users.empty()) return ctx_.store.create_room(std::move(r), publishing(std::move(done)));
  rest->by = actor.user.id;
  rest->created = true;
  rest->done = std::move(done);
  ctx_.store.create_room(std::move(r), [this, rest](Result<store::RoomChange> r) {
    if (!r.ok()) return rest->done(r.status());
    publish_change(ctx_, *r);
    rest->room = r->room.id;
    rest->added = r->joined;
    add_batch(rest);
  });
}

void Rooms::then_sync(Result<store::RoomChange> r, store::Callback<store::RoomChange> done) {
  if (!r.ok()) return done(std::move(r));
  auto change = std::make_shared<store::RoomChange>(std::move(*r));
  sync_room(change->room, [change, done = std::move(done)](Status st) {
    if (!st.is_ok()) {
      return done(Status(st.code(), st.message() + " (room " + std::to_string(change->room.id) +
                                        " was changed; its org-tree members are not all in)"));
    }
    done(std::move(*change));
  });
}

void Rooms::open_direct(const Actor& actor, UserId peer, store::Callback<store::RoomChange> done) {
  if (peer == actor.user.id) return done(invalid_argument("a 1:1 room needs another person"));
  if (Status st = check_contacts(actor, {peer}); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "open_direct"); !st.is_ok()) return done(st);
  store::NewRoom r{actor.user.tenant, RoomKind::direct, "", actor.user.id, {peer},
                   ctx_.clock.now_ms()};
  ctx_.store.create_room(std::move(r), publishing(std::move(done)));
}

void Rooms::update(const Actor& actor, RoomId room, RoomUpdate u,
                   store::Callback<store::RoomChange> done) {
  auto loaded = load_any(actor, room);
  if (!loaded.ok()) return done(loaded.status());
  const Room& current = loaded->first;
  store::RoomPatch patch;
  patch.name = u.name;
  patch.description = u.description;
  if (u.has_rules()) {
    RoomRules r = current.rules;
    if (u.announcement) r.announcement = *u.announcement;
    if (u.official) r.official = *u.official;
    if (u.members_invite) r.members_invite = *u.members_invite;
    if (u.members_edit) r.members_edit = *u.members_edit;
    if (u.sync) r.sync = *u.sync;
    patch.rules = r;
  }
  if (Status st = policy::can_update_room(actor.user, current, loaded->second, patch);
      !st.is_ok()) {
    return done(st);
  }
  if (!patch.name && !patch.description && !patch.rules) {
    return done(invalid_argument("nothing to change: give name, description or rules"));
  }
  if (patch.name) {
    if (Status st = check_name(*patch.name); !st.is_ok()) return done(st);
    patch.name = std::string(text::trim(*patch.name));
  }
  if (patch.description) {
    if (Status st = check_description(*patch.description); !st.is_ok()) return done(st);
    patch.description = std::string(text::trim(*patch.description));
  }
  bool linking = false;
  if (patch.rules) {
    const OrgSync& sync = patch.rules->sync;
    if (sync.kind != OrgSync::Kind::none && !patch.rules->official) {
      return done(invalid_argument("rules.sync: only an official room follows the org tree"));
    }
    if (Status st = check_sync(current.tenant, sync); !st.is_ok()) return done(st);
    // Given again unchanged, the sync runs again: adding is idempotent, and this is how a
    // link cut short (a crash, a full room) is completed.
    linking = sync.kind != OrgSync::Kind::none;
  }
  if (Status st = ctx_.take_write(actor.user.id, "update_room"); !st.is_ok()) return done(st);
  if (linking) {
    done = [this, done = std::move(done)](Result<store::RoomChange> r) mutable {
      then_sync(std::move(r), std::move(done));
    };
  }
  // The rule again in the write: the room or the actor's membership may change meanwhile.
  store::RoomRule may = [user = actor.user, patch](const Room& r, const std::optional<Member>& m) {
    return policy::can_update_room(user, r, m, patch);
  };
  ctx_.store.update_room(room, actor.user.id, std::move(patch), ctx_.clock.now_ms(),
                         std::move(may), publishing(std::move(done)));
}

void Rooms::set_role(const Actor& actor, RoomId room, UserId user, MemberRole role,
                     store::Callback<store::RoomChange> done) {
  auto loaded = load_any(actor, room);
  if (!loaded.ok()) return done(loaded.status());
  if (Status st = policy::can_set_role(actor.user, loaded->first, loaded->second, user, role);
      !st.is_ok()) {
    return done(st);
  }
  if (role != MemberRole::member) {
    auto target = ctx_.store.user(user);
    if (target.ok() && target->disabled) {
      return done(invalid_argument("a disabled (利用停止) account cannot be given a role"));
    }
  }
  if (Status st = ctx_.take_write(actor.user.id, "set_role"); !st.is_ok()) return done(st);
  ctx_.store.set_member_role(
      room, actor.user.id, user, role, ctx_.clock.now_ms(),
      [by = actor.user, user, role](const Room& r, const std::optional<Member>& m) {
        return policy::can_set_role(by, r, m, user, role);
      },
      publishing(std::move(done)));
}

void Rooms::add_members(const Actor& actor, RoomId room, std::vector<UserId> users,
                        store::Callback<store::RoomChange> done) {
  auto loaded = load_any(actor, room);
  if (!loaded.ok()) return done(loaded.status());
  if (Status st = policy::can_add_members(actor.user, loaded->first, loaded->second);
      !st.is_ok()) {
    return done(st);
  }
  if (users.empty()) return done(invalid_argument("users: at least one user id"));
  if (!loaded->second && std::find(users.begin(), users.end(), actor.user.id) != users.end()) {
    // An administrator joins a room they are not in by taking it over (logged, and the
    // owners learn of it), not by quietly adding themselves.
    return done(permission_denied("an administrator joins a room they are not in by taking it over"));
  }
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  const std::int64_t cap = ctx_.limits.max_room_members;
  if (cap > 0 && static_cast<std::int64_t>(users.size()) > cap) {
    return done(Status(Code::room_full, "a room has at most " + std::to_string(cap) + " members"));
  }
  if (Status st = check_contacts(actor, users); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "add_members"); !st.is_ok()) return done(st);
  auto b = std::make_shared<Batches>();
  b->room = room;
  b->by = actor.user.id;
  b->users = std::move(users);
  b->done = std::move(done);
  // The rule again in each write: the room or the actor's membership may change meanwhile.
  b->may = [user = actor.user](const Room& r, const std::optional<Member>& m) {
    return policy::can_add_members(user, r, m);
  };
  add_batch(std::move(b));
}

void Rooms::remove_member(const Actor& actor, RoomId room, UserId user,
                          store::Callback<store::RoomChange> done) {
  auto loaded = load_any(actor, room);
  if (!loaded.ok()) return done(loaded.status());
  // The target's role as read now (a promotion racing this removal is not rechecked).
  auto target = ctx_.store.member(room, user);
  if (!target.ok()) return done(target.status());
  const MemberRole target_role = *target ? (*target)->role : MemberRole::member;
  if (Status st = policy::can_remove_member(actor.user, loaded->first, loaded->second, user,
                                            target_role);
      !st.is_ok()) {
    return done(st);
  }
  if (Status st = ctx_.take_write(actor.user.id, "remove_member"); !st.is_ok()) return done(st);
  ctx_.store.remove_member(room, actor.user.id, user, ctx_.clock.now_ms(),
                           [by = actor.user, user, target_role](const Room& r,
                                                                const std::optional<Member>& m) {
                             return policy::can_remove_member(by, r, m, user, target_role);
                           },
                           publishing(std::move(done)));
}

void Rooms::take_over(const Actor& actor, RoomId room, store::Callback<store::RoomChange> done) {
  auto rm = ctx_.store.room_and_member(room, actor.user.id);
  if (!rm.ok()) {
    if (rm.status().code() != Code::not_found) return done(rm.status());
    return done(not_found("room " + std::to_string(room) + " not found"));
  }
  if (Status st = policy::can_take_over(actor.user, rm->first, rm->second); !st.is_ok()) {
    return done(st);
  }
  ctx_.store.take_over_room(
      room, actor.user.id, ctx_.clock.now_ms(),
      publishing([room, admin = actor.user.id, done = std::move(done)](Result<store::RoomChange> r) {
        if (r.ok() && r->created) {
          log::info("room.taken_over", {{"room", room}, {"admin", admin}});
        }
        done(std::move(r));
      }));
}

namespace {

// Whether `sync` follows a user of department `dept` (0: none): the municipality, or the
// department itself or, with subtree, one of its descendants (`parent`: each one's parent).
bool follows(const OrgSync& sync, DeptId dept, const std::map<DeptId, DeptId>& parent) {
  if (sync.kind == OrgSync::Kind::tenant) return true;
  if (sync.kind != OrgSync::Kind::department || !dept) return false;
  if (dept == sync.dept) return true;
  if (!sync.subtree) return false;
  // At most as many steps as there are departments: a broken tree never loops.
  for (std::size_t steps = 0; steps <= parent.size(); ++steps) {
    auto it = parent.find(dept);
    if (it == parent.end() || !it->second) return false;
    dept = it->second;
    if (dept == sync.dept) return true;
  }
  return false;
}

}  // namespace

void Rooms::sync_room(const Room& room, std::function<void(Status)> done) {
  const OrgSync& sync = room.rules.sync;
  if (sync.kind == OrgSync::Kind::none || room.kind != RoomKind::group) return done(Status::ok());
  std::vector<DeptId> depts;
  if (sync.kind == OrgSync::Kind::department) {
    auto all = ctx_.store.departments(room.tenant);
    if (!all.ok()) return done(all.status());
    std::map<DeptId, DeptId> parent;
    for (const Department& d : *all) parent[d.id] = d.parent;
    for (const Department& d : *all) {
      if (follows(sync, d.id, parent)) depts.push_back(d.id);
    }
    if (depts.empty()) return done(Status::ok());
  }
  // Active users only (find_users leaves the disabled out), every one of them.
  const std::int64_t cap = ctx_.limits.max_room_members;  // 0: no cap
  const int limit = cap > 0 ? static_cast<int>(std::min<std::int64_t>(cap, INT_MAX)) : INT_MAX;
  auto users = ctx_.store.find_users(room.tenant, "", depts, limit);
  if (!users.ok()) return done(users.status());
  if (users->empty()) return done(Status::ok());
  auto b = std::make_shared<Batches>();
  b->room = room.id;
  b->by = 0;  // the org tree, not a person: the system note says reason org
  for (const User& u : *users) b->users.push_back(u.id);
  std::sort(b->users.begin(), b->users.end());
  b->done = [done = std::move(done)](Result<store::RoomChange> r) { done(r.status()); };
  add_batch(std::move(b));
}

namespace {

// One sync_tenant going through the tenant's synced rooms in turn.
struct TenantWalk {
  std::vector<Room> rooms;
  std::size_t next = 0;
  Status first;  // the first error, reported once every room was tried
  std::function<void(Status)> done;
};

void walk(Rooms& rooms, std::shared_ptr<TenantWalk> w) {
  if (w->next == w->rooms.size()) return w->done(w->first);
  const Room& room = w->rooms[w->next++];
  rooms.sync_room(room, [&rooms, w](Status st) {
    if (!st.is_ok() && w->first.is_ok()) w->first = st;
    walk(rooms, w);
  });
}

}  // namespace

void Rooms::sync_tenant(TenantId tenant, std::function<void(Status)> done) {
  auto rooms = ctx_.store.synced_rooms(tenant);
  if (!rooms.ok()) return done(rooms.status());
  auto w = std::make_shared<TenantWalk>();
  w->rooms = std::move(*rooms);
  w->done = std::move(done);
  walk(*this, std::move(w));
}

// One sync_user going through its rooms in turn.
struct Rooms::UserSync {
  UserId user = 0;
  std::vector<std::pair<RoomId, bool>> steps;  // the room, and join (true) or leave
  std::size_t next = 0;
  Status first;  // the first refusal (room_full), reported once the others are done
  std::function<void(Status)> done;
};

void Rooms::sync_user(const User& user, std::optional<DeptId> old_dept,
                      std::function<void(Status)> done) {
  auto rooms = ctx_.store.synced_rooms(user.tenant);
  if (!rooms.ok()) return done(rooms.status());
  if (rooms->empty()) return done(Status::ok());
  auto all = ctx_.store.departments(user.tenant);
  if (!all.ok()) return done(all.status());
  std::map<DeptId, DeptId> parent;
  for (const Department& d : *all) parent[d.id] = d.parent;
  auto sync = std::make_shared<UserSync>();
  sync->user = user.id;
  sync->done = std::move(done);
  for (const Room& r : *rooms) {
    const bool now = !user.disabled && follows(r.rules.sync, user.dept, parent);
    const bool before = old_dept && follows(r.rules.sync, *old_dept, parent);
    if (now && !before) sync->steps.emplace_back(r.id, true);
    if (before && !follows(r.rules.sync, user.dept, parent)) sync->steps.emplace_back(r.id, false);
  }
  sync_step(std::move(sync));
}


void Rooms::sync_step(std::shared_ptr<UserSync> s) {
  if (s->next == s->steps.size()) return s->done(s->first);
  const auto [room, join] = s->steps[s->next++];
  auto next = [this, s](Result<store::RoomChange> r) {
    if (r.ok() && r->created) publish_change(ctx_, *r);
    // not_found: not a member (any more), nothing to leave.
    if (!r.ok() && r.status().code() != Code::not_found && s->first.is_ok()) s->first = r.status();
    sync_step(s);
  };
  if (join) {
    ctx_.store.add_members(room, 0, {s->user}, ctx_.clock.now_ms(), ctx_.limits.max_room_members,
                           {}, std::move(next));
  } else {
    ctx_.store.remove_member(room, 0, s->user, ctx_.clock.now_ms(), {}, std::move(next));
  }
}

}  // namespace tonari::services
