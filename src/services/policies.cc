#include "services/policies.h"

#include <string>

namespace tonari::services::policy {
namespace {

Status room_hidden(const Room& room) {
  return not_found("room " + std::to_string(room.id) + " not found");
}

// A room the actor may act on: one they are a member of, or, for an administrator of its
// municipality, any group room of it. To anyone else it does not exist.
Status visible(const User& actor, const Room& room, const std::optional<Member>& m) {
  if (room.tenant != actor.tenant) return room_hidden(room);
  if (m || (actor.role == Role::admin && room.kind == RoomKind::group)) return Status::ok();
  return room_hidden(room);
}

// A member who manages what others made in a group room: its owners and admins, and an
// administrator of the municipality (roles in a 1:1 room carry no rights).
bool manages(const User& actor, const Room& room, const Member& m) {
  if (room.kind != RoomKind::group) return false;
  return m.role == MemberRole::owner || m.role == MemberRole::admin || actor.role == Role::admin;
}

}  // namespace

Status can_see_user(const User& actor, const User& target) {
  if (actor.tenant != target.tenant) {
    return not_found("user " + std::to_string(target.id) + " not found");
  }
  return Status::ok();
}

Status can_contact(const User& actor, const User& target) {
  // Contact restrictions (e.g. the mayor's office) come with the administration policies;
  // today anyone may contact anyone they can see who is still active.
  TONARI_RETURN_IF_ERROR(can_see_user(actor, target));
  if (target.disabled) return not_found("user " + std::to_string(target.id) + " not found");
  return Status::ok();
}

Status can_read_room(const User& actor, const Room& room, const std::optional<Member>& m) {
  if (!m || room.tenant != actor.tenant) return room_hidden(room);
  return Status::ok();
}

Status can_post(const User& actor, const Room& room, const std::optional<Member>& m) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (!abilities(actor, room, m).post) {
    return permission_denied("only the room's owners and admins can post in an announcement room");
  }
  return Status::ok();
}

Status can_add_members(const User& actor, const Room& room, const std::optional<Member>& m) {
  TONARI_RETURN_IF_ERROR(visible(actor, room, m));
  if (room.kind != RoomKind::group) return permission_denied("members of a 1:1 room cannot change");
  if (!abilities(actor, room, m).invite) {
    return permission_denied("only the room's owners and admins can add members");
  }
  return Status::ok();
}

Status can_remove_member(const User& actor, const Room& room, const std::optional<Member>& m,
                         UserId target, MemberRole target_role) {
  TONARI_RETURN_IF_ERROR(visible(actor, room, m));
  if (room.kind != RoomKind::group) return permission_denied("members of a 1:1 room cannot change");
  const RoomAbilities a = abilities(actor, room, m);
  if (target == actor.id && m) {
    if (!a.leave) return permission_denied("members cannot leave an official room");
    return Status::ok();
  }
  if (!a.remove) return permission_denied("only the room's owners and admins can remove members");
  const bool above_admins = actor.role == Role::admin || (m && m->role == MemberRole::owner);
  if (target_role != MemberRole::member && !above_admins) {
    return permission_denied("only the room's owners can remove its owners and admins");
  }
  return Status::ok();
}

Status can_take_over(const User& actor, const Room& room, const std::optional<Member>& m) {
  if (room.tenant != actor.tenant) return room_hidden(room);
  if (actor.role != Role::admin) {
    TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
    return permission_denied("only an administrator can take over a room");
  }
  if (room.kind != RoomKind::group) return permission_denied("a 1:1 room has no owner to take over");
  return Status::ok();
}

Status can_update_room(const User& actor, const Room& room, const std::optional<Member>& m,
                       const store::RoomPatch& patch) {
  TONARI_RETURN_IF_ERROR(visible(actor, room, m));
  if (room.kind != RoomKind::group) {
    return permission_denied("a 1:1 room has no name, description or rules to change");
  }
  const RoomAbilities a = abilities(actor, room, m);
  if ((patch.name || patch.description) && !a.edit_info) {
    return permission_denied("only the room's owners and admins can change its name and description");
  }
  if (patch.rules) {
    const RoomRules& now = room.rules;
    const RoomRules& next = *patch.rules;
    if (next.official != now.official || next.sync != now.sync) {
      if (!a.edit_official) {
        return permission_denied(
            "only an administrator of the municipality can make a room official or sync it "
            "with the org tree");
      }
    }
    if ((next.announcement != now.announcement || next.members_invite != now.members_invite ||
         next.members_edit != now.members_edit) &&
        !a.edit_rules) {
      return permission_denied("only the room's owners and admins can change its rules");
    }
  }
  return Status::ok();
}

Status can_set_role(const User& actor, const Room& room, const std::optional<Member>& m,
                    UserId target, MemberRole role) {
  (void)target, (void)role;  // an owner may give any role, their own included (store: the
                             // last owner cannot step down)
  TONARI_RETURN_IF_ERROR(visible(actor, room, m));
  if (room.kind != RoomKind::group) return permission_denied("a 1:1 room has no roles");
  if (!abilities(actor, room, m).set_roles) {
    return permission_denied("only the room's owners can change roles");
  }
  return Status::ok();
}

RoomAbilities abilities(const User& actor, const Room& room, const std::optional<Member>& m) {
  RoomAbilities a;
  if (room.tenant != actor.tenant) return a;
  if (room.kind != RoomKind::group) {
    a.post = a.pin = a.edit_notes = m.has_value();
    return a;
  }
  const bool admin = actor.role == Role::admin;  // of the municipality: above every room
  if (!m && !admin) return a;
  const bool owner = m && m->role == MemberRole::owner;
  const bool manager = owner || (m && m->role == MemberRole::admin) || admin;
  a.post = m && (!room.rules.announcement || manager);
  a.edit_info = manager || (m && room.rules.members_edit);
  a.invite = manager || (m && room.rules.members_invite);
  a.remove = manager;
  a.leave = m && (!room.rules.official || admin);
  a.set_roles = owner || admin;
  a.edit_rules = manager;
  a.edit_official = admin;
  a.pin = a.edit_notes = a.post;
  return a;
}

Status can_edit_message(const User& actor, const Message& msg) {
  if (msg.sender != actor.id) return permission_denied("only the sender can edit a message");
  if (msg.deleted) return invalid_argument("a deleted message cannot be edited");
  return Status::ok();
}

Status can_delete_message(const User& actor, const Message& msg) {
  if (msg.sender != actor.id) return permission_denied("only the sender can delete a message");
  return Status::ok();
}

Status can_react(const User& actor, const Room& room, const std::optional<Member>& m) {
  return can_read_room(actor, room, m);
}

Status can_answer(const User& actor, const Room& room, const std::optional<Member>& m) {
  return can_read_room(actor, room, m);
}

Status can_manage_action(const User& actor, const Room& room, const std::optional<Member>& m,
                         UserId asker) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (actor.id == asker || manages(actor, room, *m)) return Status::ok();
  return permission_denied("only the asker and the room's owners and admins can close or remind");
}

Status can_ack(const User& actor, const Room& room, const std::optional<Member>& m,
               UserId sender) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (actor.id == sender) return permission_denied("the sender does not confirm their own message");
  return Status::ok();
}

Status can_see_acks(const User& actor, const Room& room, const std::optional<Member>& m,
                    UserId sender) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (actor.id == sender || manages(actor, room, *m)) return Status::ok();
  return permission_denied("only the sender and the room's owners and admins see who has confirmed");
}

Status can_remind_acks(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId sender) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (actor.id == sender || manages(actor, room, *m)) return Status::ok();
  return permission_denied("only the sender and the room's owners and admins can remind");
}

Status can_see_answers(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId asker, const ActionSpec& spec) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (spec.anonymous) return permission_denied("the question is anonymous: nobody sees who answered what");
  if (!can_see_counts(actor, asker, spec)) {
    return permission_denied("the question's results are shown only to the asker");
  }
  return Status::ok();
}

bool can_see_counts(const User& actor, UserId asker, const ActionSpec& spec) {
  return spec.results_public || actor.id == asker;
}

Status can_see_pending(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId asker, const ActionSpec& spec) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (spec.anonymous) {
    return permission_denied("the question is anonymous: who has not answered is not shown");
  }
  if (!can_see_counts(actor, asker, spec)) {
    return permission_denied("the question's results are shown only to the asker");
  }
  return Status::ok();
}

Status can_edit_notes(const User& actor, const Room& room, const std::optional<Member>& m) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (!abilities(actor, room, m).edit_notes) {
    return permission_denied("only the room's owners and admins can edit notes in an announcement room");
  }
  return Status::ok();
}

Status can_pin(const User& actor, const Room& room, const std::optional<Member>& m) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (!abilities(actor, room, m).pin) {
    return permission_denied("only the room's owners and admins can pin in an announcement room");
  }
  return Status::ok();
}

Status can_delete_note(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId creator) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (manages(actor, room, *m)) return Status::ok();
  if (actor.id == creator && abilities(actor, room, m).edit_notes) return Status::ok();
  return permission_denied("only the note's creator and the room's owners and admins can delete it");
}

SafetyReach safety_reach(const User& actor, TenantId tenant) {
  if (actor.tenant != tenant || actor.disabled) return SafetyReach::none;
  if (actor.role == Role::admin || actor.crisis) return SafetyReach::all;
  if (actor.dept_head && actor.dept != 0) return SafetyReach::dept;
  return SafetyReach::none;
}

Status can_set_safety_roles(const User& actor) {
  if (actor.role == Role::admin && !actor.disabled) return Status::ok();
  return permission_denied("only an administrator can give the 危機管理 and 所属長 roles");
}

Status can_start_safety(const User& actor) {
  if (safety_reach(actor, actor.tenant) == SafetyReach::all) return Status::ok();
  return permission_denied("only 危機管理 staff and administrators can start a safety confirmation");
}

namespace {
Status safety_hidden() { return not_found("safety confirmation not found"); }
}  // namespace

Status can_see_safety(const User& actor, TenantId tenant, bool target, bool in_reach) {
  if (actor.tenant != tenant) return safety_hidden();
  const SafetyReach r = safety_reach(actor, tenant);
  if (target || r == SafetyReach::all || (r == SafetyReach::dept && in_reach)) return Status::ok();
  return safety_hidden();
}

Status can_close_safety(const User& actor, TenantId tenant, bool target, bool in_reach) {
  TONARI_RETURN_IF_ERROR(can_see_safety(actor, tenant, target, in_reach));
  if (safety_reach(actor, tenant) == SafetyReach::all) return Status::ok();
  return permission_denied("only 危機管理 staff and administrators can close a safety confirmation");
}

Result<DeptId> safety_dashboard_scope(const User& actor, TenantId tenant, bool target, bool in_reach) {
  TONARI_RETURN_IF_ERROR(can_see_safety(actor, tenant, target, in_reach));
  switch (safety_reach(actor, tenant)) {
    case SafetyReach::all: return DeptId{0};
    case SafetyReach::dept:
      if (in_reach) return actor.dept;
      break;
    case SafetyReach::none: break;
  }
  return permission_denied("the answers are shown to 危機管理 staff, administrators and 所属長 only");
}

Status can_answer_safety_for(const User& actor, TenantId tenant, bool target, bool in_reach,
                             bool target_in_subtree) {
  TONARI_RETURN_IF_ERROR(can_see_safety(actor, tenant, target, in_reach));
  const SafetyReach r = safety_reach(actor, tenant);
  if (r == SafetyReach::all || (r == SafetyReach::dept && target_in_subtree)) return Status::ok();
  return permission_denied(r == SafetyReach::dept
                               ? "a 所属長 answers for the staff of their own department only"
                               : "only 危機管理 staff, administrators and 所属長 can answer for someone else");
}

}  // namespace tonari::services::policy
