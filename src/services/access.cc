#include "services/access.h"

#include "services/policies.h"

namespace tonari::services {

Result<RoomAccess> member_room(Context& ctx, const Actor& actor, RoomId room) {
  auto rm = ctx.store.room_and_member(room, actor.user.id);
  if (!rm.ok()) {
    if (rm.status().code() != Code::not_found) return rm.status();
    return not_found("room " + std::to_string(room) + " not found");
  }
  TONARI_RETURN_IF_ERROR(policy::can_read_room(actor.user, rm->first, rm->second));
  return std::move(*rm);
}

void blank_for_viewer(const User& viewer, Message& m) {
  if (m.action && !policy::can_see_counts(viewer, m.sender, m.action->spec)) {
    m.action->tally.counts.clear();
  }
}

}  // namespace tonari::services
