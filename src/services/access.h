// The first step of most services' calls: the room and the actor's membership of it, as
// the policies need them, with the room hidden from those who may not know it; and the
// last step of reads: a message as its reader may see it.
// Thread safety: plain functions; any thread.
#pragma once

#include <optional>
#include <utility>

#include "services/context.h"

namespace tonari::services {

using RoomAccess = std::pair<Room, std::optional<Member>>;

// The room `room` and the actor's membership, if the actor is a member of it
// (policy::can_read_room): not_found otherwise, and for an unknown room; other store
// errors as they are.
Result<RoomAccess> member_room(Context& ctx, const Actor& actor, RoomId room);

// `m` as `viewer` may see it: an action stamp's counts left out unless
// policy::can_see_counts (its asker is the message's sender).
void blank_for_viewer(const User& viewer, Message& m);

}  // namespace tonari::services
