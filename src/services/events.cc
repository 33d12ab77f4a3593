#include "services/events.h"

#include <boost/json.hpp>
#include <set>

#include "core/wire.h"
#include "services/access.h"
#include "services/policies.h"

namespace tonari::services {

void publish_change(Context& ctx, const store::RoomChange& change) {
  // The membership change rides on the first event, the member.joined or member.left that
  // reports it; the others (an ownership handover after it) are plain room events.
  const TenantId tenant = change.room.tenant;
  bool first = true;
  for (const RoomEvent& e : change.events) {
    if (first) {
      ctx.bus.publish(bus::Event{e.room, e.ev, tenant, e.frame, change.joined, change.left, {}});
    } else {
      ctx.bus.publish(bus::Event{e.room, e.ev, tenant, e.frame, {}, {}, {}});
    }
    first = false;
  }
  if (change.joined.empty()) return;
  // Every new member gets the room as they see it. In a group room that view differs only
  // in the role, so one read serves all of them (an all-staff room can add thousands).
  auto base = ctx.store.room_summary(change.room.id, change.joined.front());
  if (!base.ok()) return;
  // What each may do depends on their role in the room and on whether they administer
  // the municipality (policy::abilities): one read finds those who do.
  std::set<UserId> admins;
  if (change.room.kind == RoomKind::group) {
    auto users = ctx.store.users_in_tenant(tenant, change.joined);
    if (users.ok()) {
      for (const User& u : *users) {
        if (u.role == Role::admin) admins.insert(u.id);
      }
    }
  }
  for (UserId u : change.joined) {
    RoomSummary s;
    if (change.room.kind == RoomKind::direct) {
      auto mine = ctx.store.room_summary(change.room.id, u);
      if (!mine.ok()) continue;
      s = std::move(*mine);
    } else {
      // `base` is the first one's view: the creator of a new room or an administrator who
      // took one over is its owner; everyone added with them is a member.
      s = *base;
      if (u != change.joined.front()) s.role = MemberRole::member;
    }
    User who;
    who.id = u;
    who.tenant = tenant;
    who.role = admins.count(u) ? Role::admin : Role::staff;
    s.can = policy::abilities(who, s.room, Member{u, s.role, s.read_seq});
    if (s.last_message) blank_for_viewer(who, *s.last_message);
    boost::json::object frame{{"type", "room.added"}, {"room", wire::room_summary(s)}};
    auto text = std::make_shared<const std::string>(boost::json::serialize(frame));
    ctx.bus.publish(bus::Event{change.room.id, 0, tenant, text, {}, {}, {u}});
  }
}

}  // namespace tonari::services
