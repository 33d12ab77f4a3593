// Rooms: listing, details, creating group and 1:1 rooms, renaming, members coming and
// going. Every call checks policies first; committed changes are published on the bus.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <string>
#include <vector>

#include "services/context.h"

namespace tonari::services {

struct RoomDetail {
  RoomSummary summary;
  std::vector<std::pair<User, Member>> members;  // 五十音 order
};

class Rooms {
 public:
  explicit Rooms(Context& ctx) : ctx_(ctx) {}

  Result<std::vector<RoomSummary>> list(const Actor& actor);
  // The summary of a room the actor is in (not_found otherwise).
  Result<RoomSummary> summary(const Actor& actor, RoomId room);
  Result<RoomDetail> detail(const Actor& actor, RoomId room);
  // The rooms the actor is in with their current event numbers (WebSocket welcome).
  Result<std::vector<std::pair<RoomId, EventNo>>> cursors(const Actor& actor);
  // For each (room, after) of `wanted` in a room the actor is in, the events after `after`
  // (at most `limit` each); rooms the actor is not in are left out. One membership read for
  // all of them: this is the resume path, where thousands of clients come back at once.
  Result<std::vector<std::pair<RoomId, std::vector<RoomEvent>>>> missed_events(
      const Actor& actor, const std::vector<std::pair<RoomId, EventNo>>& wanted, int limit);

  void create_group(const Actor& actor, std::string name, std::vector<UserId> members,
                    store::Callback<store::RoomChange> done);
  // The 1:1 room with `peer`, created on first use.
  void open_direct(const Actor& actor, UserId peer, store::Callback<store::RoomChange> done);
  void rename(const Actor& actor, RoomId room, std::string name,
              store::Callback<store::RoomChange> done);
  void add_members(const Actor& actor, RoomId room, std::vector<UserId> users,
                   store::Callback<store::RoomChange> done);
  void remove_member(const Actor& actor, RoomId room, UserId user,
                     store::Callback<store::RoomChange> done);
  // The actor becomes the room's only owner (policy::can_take_over; store take_over_room),
  // joining it if they were not a member. Logs room.taken_over.
  void take_over(const Actor& actor, RoomId room, store::Callback<store::RoomChange> done);

 private:
  // The room and the actor's membership, if the actor may read it.
  Result<std::pair<Room, std::optional<Member>>> load(const Actor& actor, RoomId room);
  Status check_name(const std::string& name) const;
  // Every id must be a user the actor can contact; not_found names the first that is not.
  Status check_contacts(const Actor& actor, const std::vector<UserId>& ids);
  store::Callback<store::RoomChange> publishing(store::Callback<store::RoomChange> done);

  Context& ctx_;
};

}  // namespace tonari::services
