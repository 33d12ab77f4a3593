// Rooms: listing, details, creating group and 1:1 rooms, renaming, members coming and
// going. Every call checks policies first; committed changes are published on the bus.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "services/context.h"

namespace tonari::services {

struct RoomDetail {
  RoomSummary summary;
  store::MemberPage members;  // the first page, 五十音 order
};

// Pages of member and reader lists hold 1 to kMaxPage rows (kDefaultPage if not asked).
constexpr int kDefaultPage = 100;
constexpr int kMaxPage = 500;

class Rooms {
 public:
  explicit Rooms(Context& ctx) : ctx_(ctx) {}

  Result<std::vector<RoomSummary>> list(const Actor& actor);
  // The summary of a room the actor is in (not_found otherwise).
  Result<RoomSummary> summary(const Actor& actor, RoomId room);
  // The summary and the first `limit` members.
  Result<RoomDetail> detail(const Actor& actor, RoomId room, int limit = kDefaultPage);
  // The room's members after `after` in 五十音 order, at most `limit` (clamped to
  // 1..kMaxPage).
  Result<store::MemberPage> members(const Actor& actor, RoomId room, const store::MemberKey& after,
                                    int limit);
  // The rooms the actor is in with their current event numbers (WebSocket welcome).
  Result<std::vector<std::pair<RoomId, EventNo>>> cursors(const Actor& actor);
  // For each (room, after) of `wanted` in a room the actor is in, the events after `after`
  // (at most `limit` each); rooms the actor is not in are left out. One membership read for
  // all of them: this is the resume path, where thousands of clients come back at once.
  Result<std::vector<std::pair<RoomId, std::vector<RoomEvent>>>> missed_events(
      const Actor& actor, const std::vector<std::pair<RoomId, EventNo>>& wanted, int limit);

  // A group room with the actor as owner. Over Limits::members_per_batch members, the
  // room is created with the first batch and the others are added as add_members does; if
  // a later batch is refused, the room stays and the error's message names it.
  // room_full (nothing written) over Limits::max_room_members.
  void create_group(const Actor& actor, std::string name, std::vector<UserId> members,
                    store::Callback<store::RoomChange> done);
  // The 1:1 room with `peer`, created on first use.
  void open_direct(const Actor& actor, UserId peer, store::Callback<store::RoomChange> done);
  void rename(const Actor& actor, RoomId room, std::string name,
              store::Callback<store::RoomChange> done);
  // Adds the users not yet in the room, in batches of Limits::members_per_batch, one after
  // another, each its own transaction and member.joined event (a single writer job never
  // inserts more). A refused batch (room_full: over Limits::max_room_members) ends the
  // call with its error; the batches before it stay, and repeating the call is safe. On
  // success `done` gets every user added (RoomChange::joined; events already published).
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
  struct Batches;
  // Adds the next batch of `b`, then (from its callback) the one after.
  void add_batch(std::shared_ptr<Batches> b);

  Context& ctx_;
};

}  // namespace tonari::services
