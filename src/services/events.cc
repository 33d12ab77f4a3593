#include "services/events.h"

#include <boost/json.hpp>

#include "core/wire.h"

namespace tonari::services {

void publish_change(Context& ctx, const store::RoomChange& change) {
  for (const RoomEvent& e : change.events) {
    ctx.bus.publish(bus::Event{e.room, e.ev, e.frame, change.joined, change.left, {}});
  }
  if (change.joined.empty()) return;
  // Every new member gets the room as they see it. In a group room that view differs only
  // in the role, so one read serves all of them (an all-staff room can add thousands).
  auto base = ctx.store.room_summary(change.room.id, change.joined.front());
  if (!base.ok()) return;
  for (UserId u : change.joined) {
    RoomSummary s;
    if (change.room.kind == RoomKind::direct) {
      auto mine = ctx.store.room_summary(change.room.id, u);
      if (!mine.ok()) continue;
      s = std::move(*mine);
    } else {
      s = *base;
      s.role = u == change.room.created_by && change.created ? MemberRole::owner : MemberRole::member;
    }
    boost::json::object frame{{"type", "room.added"}, {"room", wire::room_summary(s)}};
    auto text = std::make_shared<const std::string>(boost::json::serialize(frame));
    ctx.bus.publish(bus::Event{change.room.id, 0, text, {}, {}, {u}});
  }
}

}  // namespace tonari::services
