// Sequencer: restores each room's event order on a node that receives the events of a
// cluster (nats_bus.h), in front of the hub. Events of one room come from several nodes
// and may arrive late, twice, or not at all (a NATS outage); the store holds them all, in
// order, so the sequencer delivers each room event exactly once and in order, and reads
// what the bus lost from the store.
//
// The rules, per room that has followers on this node (the others have no state):
//   ev == 0           ephemeral: delivered as it comes.
//   ev == last + 1    delivered.
//   ev <= last        a duplicate (already delivered, or filled from the store): dropped.
//   ev >  last + 1    a gap: events (last, ev) are read from the store and delivered, then
//                     this one. Filled membership events carry the joined / left users
//                     derived from their stored frames, as the hub needs them.
// A room with no follower here drops its events, but for membership events (the hub
// decides whether they concern a connection of this node). `last` starts at the `known`
// event of room_followed (what the first follower has or read); check() then compares the
// store's head with it, which also fills the tail of events a bus never delivered.
// If the store cannot be read, nothing is skipped: the event that found the gap is dropped
// (it is stored), and the next check() delivers everything from `last` on.
//
// Thread safety: none; one thread (the bus's delivery thread) makes every call, and
// `deliver` must not call the sequencer back. stats() may be read from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "store/store.h"

namespace tonari::bus {

class Sequencer {
 public:
  using Deliver = std::function<void(const Event&)>;
  // Events are read from `store` and handed to `deliver`; both outlive the sequencer.
  Sequencer(store::Store& store, Deliver deliver) : store_(store), deliver_(std::move(deliver)) {}

  // An event from the bus (this node's own, or another's).
  void on_event(const Event& e);
  // The room got its first follower here; `known` as in Bus::room_followed. Nothing
  // changes if the room is followed already. The room is checked by the next
  // check_new().
  void room_followed(RoomId room, EventNo known);
  // The room's last follower here went: its state is dropped.
  void room_unfollowed(RoomId room);

  // Compares the store's heads of the rooms followed since the last call with what was
  // delivered, and fills what is missing. False if the store could not be read.
  bool check_new();
  // The same for `rooms` (those not followed are skipped).
  bool check(const std::vector<RoomId>& rooms);
  // The rooms followed now.
  std::vector<RoomId> followed() const;
  bool follows(RoomId room) const { return last_.count(room) != 0; }
  // The last event delivered in `room`; -1 if not followed.
  EventNo last(RoomId room) const;

  // Counters for /metrics (dropped_duplicates, gap_fills, events_filled, fill_failures).
  void add_stats(Stats& s) const;

  // Events read from the store per read.
  static constexpr int kFillPage = 256;
  // Rooms per room_heads read.
  static constexpr std::size_t kCheckChunk = 1000;

 private:
  // Delivers the room's stored events after `last` up to `upto`, moving `last`. False if
  // the store could not be read (`last` stays at the last event delivered).
  bool fill(RoomId room, EventNo& last, EventNo upto);
  // The event as the bus would have carried it: the users a membership event adds or
  // removes, from its frame (or the room's members, when the frame names only some).
  Event restore(const RoomEvent& stored);

  store::Store& store_;
  Deliver deliver_;
  std::unordered_map<RoomId, EventNo> last_;  // per followed room: the last event delivered
  std::vector<RoomId> unchecked_;             // followed since the last check_new()
  std::atomic<std::uint64_t> duplicates_{0}, gap_fills_{0}, events_filled_{0},
      fill_failures_{0};
};

}  // namespace tonari::bus
