// Hub: this node's live connections and the rooms each one follows. It receives every bus
// event and hands it to the subscribers of that room (or to the named users), keeping
// subscriptions in step with membership changes carried by the events.
// Thread safety: all methods may be called from any thread. Subscriber::deliver is called
// for a room's ordinary events with the hub's lock held (shared: the fanout's hot path
// copies no references): it must be quick and must not call into the hub. Membership
// events (joined/left) are delivered after the lock is released, to a snapshot of the
// subscribers taken under it (STYLE.md): their deliver() may call into the hub.
// The hub reports to the bus (set_bus) which municipalities and rooms its connections
// follow, as they come and go: in a cluster a node receives only what its clients need.
#pragma once

#include <memory>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "core/types.h"

namespace tonari::realtime {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual UserId user() const = 0;
  // The municipality of the user (constant).
  virtual TenantId tenant() const = 0;
  virtual void deliver(const bus::Event& e) = 0;
  // The user's sessions may have been ended elsewhere (an account disabled): check again
  // now, and end the connection if its session is gone. Called without the hub's lock.
  virtual void recheck_session() {}
  // Membership events may have been lost (the cluster's bus reconnected, or dropped some):
  // compare the rooms followed with the store's, and make the client start over if they
  // differ. Called without the hub's lock.
  virtual void recheck_rooms() {}
};

// A room to follow, with the last event of it that the follower has, or has read from the
// store before it follows (events after it reach the follower live; see Bus::room_followed).
using RoomCursor = std::pair<RoomId, EventNo>;

class Hub {
 public:
  // Where the hub reports what its connections follow (Bus::tenant_followed and the
  // others); null (the default): nowhere. Set before the first attach.
  void set_bus(bus::Bus* bus) { bus_ = bus; }

  // `s` follows `rooms` from now on, and gets events addressed to its user.
  void attach(const std::shared_ptr<Subscriber>& s, const std::vector<RoomCursor>& rooms);
  // `s` (attached) also follows `rooms`.
  void follow(Subscriber* s, const std::vector<RoomCursor>& rooms);
  // `s` stops following `rooms`.
  void unfollow(Subscriber* s, const std::vector<RoomId>& rooms);
  // Stops all deliveries to `s`; after it returns, deliver() is not called on `s` again,
  // except with a membership event whose delivery had begun (the hub keeps `s` alive
  // until that call returns).
  void detach(Subscriber* s);
  // The bus handler.
  void on_event(const bus::Event& e);

  // The connections of `user` on this node.
  std::vector<std::shared_ptr<Subscriber>> connections_of(UserId user) const;
  // Every connection on this node.
  std::vector<std::shared_ptr<Subscriber>> connections() const;

  std::size_t connection_count() const;
  std::size_t room_count() const;

 private:
  void deliver_to_user(UserId user, const bus::Event& e);

  // Adds `s` to `room`'s subscribers; false if it was there already. `known`: the last
  // event of the room that `s` has (reported to the bus when the room is new here).
  // Requires mu_.
  bool add_locked(RoomId room, EventNo known, Subscriber* s);
  // Removes `s` from `room`'s subscribers (and the room when it has none left). Requires mu_.
  void remove_locked(RoomId room, Subscriber* s);

  bus::Bus* bus_ = nullptr;  // constant after set_bus
  mutable std::shared_mutex mu_;
  // Each room's subscribers, sorted: 8 bytes per connection and room (a hash set's node
  // and bucket cost several times that, for every idle connection in each of its rooms).
  std::unordered_map<RoomId, std::vector<Subscriber*>> rooms_;  // guarded by mu_
  std::unordered_map<UserId, std::vector<Subscriber*>> users_;         // guarded by mu_
  struct Entry {
    std::shared_ptr<Subscriber> owner;
    std::vector<RoomId> rooms;
  };
  std::unordered_map<Subscriber*, Entry> subs_;  // guarded by mu_
  std::unordered_map<TenantId, std::size_t> tenants_;  // connections per tenant; guarded by mu_
};

}  // namespace tonari::realtime
