// Publishing what a committed room change produced: its log events (with membership
// changes for the hubs) and a room.added notice to each new member.
#pragma once

#include "services/context.h"

namespace tonari::services {

// Call from the store callback of a committed change (store callbacks run in commit order,
// one at a time, so the events of a room are published in commit order).
void publish_change(Context& ctx, const store::RoomChange& change);

}  // namespace tonari::services
