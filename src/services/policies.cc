#include "services/policies.h"

#include <string>

namespace tonari::services::policy {
namespace {

Status room_hidden(const Room& room) {
  return not_found("room " + std::to_string(room.id) + " not found");
}

}  // namespace

Status can_see_user(const User& actor, const User& target) {
  if (actor.tenant != target.tenant || target.disabled) {
    return not_found("user " + std::to_string(target.id) + " not found");
  }
  return Status::ok();
}

Status can_contact(const User& actor, const User& target) {
  // Contact restrictions (e.g. the mayor's office) come with the administration policies;
  // today anyone may contact anyone they can see.
  return can_see_user(actor, target);
}

Status can_read_room(const User& actor, const Room& room, const std::optional<Member>& m) {
  if (!m || room.tenant != actor.tenant) return room_hidden(room);
  return Status::ok();
}

Status can_post(const User& actor, const Room& room, const std::optional<Member>& m) {
  return can_read_room(actor, room, m);
}

Status can_add_members(const User& actor, const Room& room, const std::optional<Member>& m) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (room.kind != RoomKind::group) return permission_denied("members of a 1:1 room cannot change");
  return Status::ok();
}

Status can_remove_member(const User& actor, const Room& room, const std::optional<Member>& m,
                         UserId target) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (room.kind != RoomKind::group) return permission_denied("members of a 1:1 room cannot change");
  if (target == actor.id) return Status::ok();  // leaving
  if (m->role == MemberRole::owner || actor.role == Role::admin) return Status::ok();
  return permission_denied("only the room's owner or an administrator can remove members");
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

Status can_rename(const User& actor, const Room& room, const std::optional<Member>& m) {
  TONARI_RETURN_IF_ERROR(can_read_room(actor, room, m));
  if (room.kind != RoomKind::group) return permission_denied("a 1:1 room has no name to change");
  return Status::ok();
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

}  // namespace tonari::services::policy
