#include "services/rooms.h"

#include <algorithm>
#include <set>

#include "core/text_limits.h"
#include "log/log.h"
#include "services/events.h"
#include "services/policies.h"

namespace tonari::services {

Result<std::pair<Room, std::optional<Member>>> Rooms::load(const Actor& actor, RoomId id) {
  auto rm = ctx_.store.room_and_member(id, actor.user.id);
  if (!rm.ok()) return not_found("room " + std::to_string(id) + " not found");
  TONARI_RETURN_IF_ERROR(policy::can_read_room(actor.user, rm->first, rm->second));
  return std::move(*rm);
}

Status Rooms::check_name(const std::string& name) const {
  if (!text::valid_utf8(name)) return invalid_argument("name: not valid UTF-8");
  auto trimmed = text::trim(name);
  if (trimmed.empty()) return invalid_argument("name is required");
  if (text::char_count(trimmed) > ctx_.limits.max_name_chars) {
    return invalid_argument("name: at most " + std::to_string(ctx_.limits.max_name_chars) +
                            " characters");
  }
  return Status::ok();
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
  return ctx_.store.rooms_for_user(actor.user.id);
}

Result<RoomSummary> Rooms::summary(const Actor& actor, RoomId room) {
  auto loaded = load(actor, room);
  if (!loaded.ok()) return loaded.status();
  return ctx_.store.room_summary(room, actor.user.id);
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

void Rooms::create_group(const Actor& actor, std::string name, std::vector<UserId> members,
                         store::Callback<store::RoomChange> done) {
  if (Status st = check_name(name); !st.is_ok()) return done(st);
  std::erase(members, actor.user.id);
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  const std::int64_t cap = ctx_.limits.max_room_members;
  if (cap > 0 && static_cast<std::int64_t>(members.size()) + 1 > cap) {
    return done(Status(Code::room_full, "a room has at most " + std::to_string(cap) + " members"));
  }
  if (Status st = check_contacts(actor, members); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "create_room"); !st.is_ok()) return done(st);
  // The room with the first batch; the rest (a large room) batch by batch after it.
  const std::size_t first = std::max<std::size_t>(1, ctx_.limits.members_per_batch) - 1;
  auto rest = std::make_shared<Batches>();
  if (members.size() > first) {
    rest->users.assign(members.begin() + static_cast<std::ptrdiff_t>(first), members.end());
    members.resize(first);
  }
  store::NewRoom r{actor.user.tenant, RoomKind::group, std::string(text::trim(name)),
                   actor.user.id, std::move(members), ctx_.clock.now_ms(), cap};
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

void Rooms::open_direct(const Actor& actor, UserId peer, store::Callback<store::RoomChange> done) {
  if (peer == actor.user.id) return done(invalid_argument("a 1:1 room needs another person"));
  if (Status st = check_contacts(actor, {peer}); !st.is_ok()) return done(st);
  if (Status st = ctx_.take_write(actor.user.id, "open_direct"); !st.is_ok()) return done(st);
  store::NewRoom r{actor.user.tenant, RoomKind::direct, "", actor.user.id, {peer},
                   ctx_.clock.now_ms()};
  ctx_.store.create_room(std::move(r), publishing(std::move(done)));
}

void Rooms::rename(const Actor& actor, RoomId room, std::string name,
                   store::Callback<store::RoomChange> done) {
  auto loaded = load(actor, room);
  if (!loaded.ok()) return done(loaded.status());
  if (Status st = policy::can_rename(actor.user, loaded->first, loaded->second); !st.is_ok()) {
    return done(st);
  }
  if (Status st = check_name(name); !st.is_ok()) return done(st);
  // The rule again in the write: the room or the actor's membership may change meanwhile.
  if (Status st = ctx_.take_write(actor.user.id, "rename"); !st.is_ok()) return done(st);
  ctx_.store.rename_room(room, actor.user.id, std::string(text::trim(name)), ctx_.clock.now_ms(),
                         [user = actor.user](const Room& r, const std::optional<Member>& m) {
                           return policy::can_rename(user, r, m);
                         },
                         publishing(std::move(done)));
}

void Rooms::add_members(const Actor& actor, RoomId room, std::vector<UserId> users,
                        store::Callback<store::RoomChange> done) {
  auto loaded = load(actor, room);
  if (!loaded.ok()) return done(loaded.status());
  if (Status st = policy::can_add_members(actor.user, loaded->first, loaded->second);
      !st.is_ok()) {
    return done(st);
  }
  if (users.empty()) return done(invalid_argument("users: at least one user id"));
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
  auto loaded = load(actor, room);
  if (!loaded.ok()) return done(loaded.status());
  if (Status st = policy::can_remove_member(actor.user, loaded->first, loaded->second, user);
      !st.is_ok()) {
    return done(st);
  }
  if (Status st = ctx_.take_write(actor.user.id, "remove_member"); !st.is_ok()) return done(st);
  ctx_.store.remove_member(room, actor.user.id, user, ctx_.clock.now_ms(),
                           [by = actor.user, user](const Room& r, const std::optional<Member>& m) {
                             return policy::can_remove_member(by, r, m, user);
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

}  // namespace tonari::services
