// Rooms: listing, details, creating group and 1:1 rooms, changing them (name, description,
// rules, roles), members coming and going, and official rooms following the org tree.
// Every call checks policies first; committed changes are published on the bus; every
// summary that goes out carries what its reader may do (RoomSummary::can).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/context.h"

namespace tonari::services {

struct RoomDetail {
  RoomSummary summary;
  store::MemberPage members;  // the first page, 五十音 order
};

// A new group room.
struct NewGroup {
  std::string name;
  std::vector<UserId> members;  // besides the creator
  std::string description;
  RoomRules rules;  // official and sync: tenant admins only
};

// What Rooms::update changes: each field given replaces the room's (rules field by field).
struct RoomUpdate {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<bool> announcement, official, members_invite, members_edit;
  std::optional<OrgSync> sync;
  bool has_rules() const {
    return announcement || official || members_invite || members_edit || sync;
  }
};

// Pages of member and reader lists hold 1 to kMaxPage rows (kDefaultPage if not asked).
constexpr int kDefaultPage = 100;
constexpr int kMaxPage = 500;

class Rooms {
 public:
  explicit Rooms(Context& ctx) : ctx_(ctx) {}

  Result<std::vector<RoomSummary>> list(const Actor& actor);
  // The summary of a room the actor is in (not_found otherwise); with `managing`, also of
  // a group room a tenant admin manages without being in it (role member, nothing read).
  Result<RoomSummary> summary(const Actor& actor, RoomId room, bool managing = false);
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
  // room_full (nothing written) over Limits::max_room_members. A room synced with the org
  // tree (tenant admins) then gets everyone it follows (sync_room) before `done`.
  void create_group(const Actor& actor, NewGroup group, store::Callback<store::RoomChange> done);
  // The 1:1 room with `peer`, created on first use.
  void open_direct(const Actor& actor, UserId peer, store::Callback<store::RoomChange> done);
  // Changes name, description and rules (policy::can_update_room, checked again in the
  // write). invalid_argument for a blank or over-long name, an over-long description, a
  // sync department not of the municipality. Linking the room to the org tree (a new
  // rules.sync) adds everyone it follows (sync_room) before `done`.
  void update(const Actor& actor, RoomId room, RoomUpdate u,
              store::Callback<store::RoomChange> done);
  // Gives `user` the role (policy::can_set_role; store set_member_role: conflict for the
  // last owner stepping down).
  void set_role(const Actor& actor, RoomId room, UserId user, MemberRole role,
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

  // ---- The org tree (official rooms with rules.sync), add-only but for transfers -------
  // Adds every active user the room's sync follows who is not a member yet (by 0: the
  // system note says reason org), in batches. ok at once for a room without sync.
  void sync_room(const Room& room, std::function<void(Status)> done);
  // A user created (`old_dept` nullopt) or moved from `old_dept` (異動): joins the synced
  // rooms of their municipality that follow their department (or an ancestor, with
  // subtree) or the whole municipality, and, when moved, leaves those that followed only
  // the old one. Members added by hand are never removed; a disabled user is not added.
  void sync_user(const User& user, std::optional<DeptId> old_dept,
                 std::function<void(Status)> done);
  // sync_room for every synced room of `tenant`, one after another: after a CSV import
  // (one members_added note per batch, not one per user), and `tonari admin sync-rooms`
  // to catch up after a sync that failed or was cut short. The first error is reported
  // once every room was tried.
  void sync_tenant(TenantId tenant, std::function<void(Status)> done);

 private:
  // The room and the actor's membership, if the actor may read it.
  Result<std::pair<Room, std::optional<Member>>> load(const Actor& actor, RoomId room);
  // The room and the actor's membership, not checked (the caller applies a policy).
  Result<std::pair<Room, std::optional<Member>>> load_any(const Actor& actor, RoomId room);
  Status check_name(const std::string& name) const;
  Status check_description(const std::string& description) const;
  // invalid_argument unless a department sync names a department of `tenant`.
  Status check_sync(TenantId tenant, const OrgSync& sync);
  // A summary as `actor` sees it: their `can`, and its last message for them
  // (blank_for_viewer).
  void for_viewer(const Actor& actor, RoomSummary& s) const;
  // After a write that linked `change.room` to the org tree: sync_room, then `done`.
  void then_sync(Result<store::RoomChange> r, store::Callback<store::RoomChange> done);
  // Every id must be a user the actor can contact; not_found names the first that is not.
  Status check_contacts(const Actor& actor, const std::vector<UserId>& ids);
  store::Callback<store::RoomChange> publishing(store::Callback<store::RoomChange> done);
  struct Batches;
  // Adds the next batch of `b`, then (from its callback) the one after.
  void add_batch(std::shared_ptr<Batches> b);
  struct UserSync;
  // The next room of `s`, then (from its callback) the one after.
  void sync_step(std::shared_ptr<UserSync> s);

  Context& ctx_;
};

}  // namespace tonari::services
