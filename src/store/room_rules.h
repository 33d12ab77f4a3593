// What both stores decide the same way about changing a room (store.h, update_room): the
// room a patch makes and the system notes that say what changed. Internal to the stores.
#pragma once

#include <vector>

#include "core/types.h"
#include "core/wire.h"
#include "store/store.h"

namespace tonari::store {

// `room` with `patch` applied, into `after`, and one system note per aspect the patch
// really changes, in the order store.h gives: renamed, description_changed,
// rules_changed. No notes: nothing changes (fields equal to the room's are left out).
inline std::vector<wire::SystemNote> apply_room_patch(const Room& room, const RoomPatch& patch,
                                                      Room& after) {
  after = room;
  std::vector<wire::SystemNote> notes;
  if (patch.name && *patch.name != room.name) {
    after.name = *patch.name;
    wire::SystemNote& n = notes.emplace_back();
    n.action = "renamed";
    n.name = after.name;
    n.old_name = room.name;
  }
  if (patch.description && *patch.description != room.description) {
    after.description = *patch.description;
    wire::SystemNote& n = notes.emplace_back();
    n.action = "description_changed";
    n.description = after.description;
  }
  if (patch.rules && *patch.rules != room.rules) {
    after.rules = *patch.rules;
    wire::SystemNote& n = notes.emplace_back();
    n.action = "rules_changed";
    n.rules = after.rules;
  }
  return notes;
}

}  // namespace tonari::store
