// Policies: the one place that decides who may see, post, invite, remove, rename, edit and
// contact. Pure functions of the facts they are given; the services fetch the facts and
// call these before every action, whichever path (REST, WebSocket, export) it came from.
//
// Room existence is never revealed to non-members: checks that fail for a non-member
// return not_found, not permission_denied.
#pragma once

#include <optional>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services::policy {

// May `actor` see `target` in the directory and profile views?
Status can_see_user(const User& actor, const User& target);
// May `actor` start a conversation with `target` (direct room, invitation)?
Status can_contact(const User& actor, const User& target);
// Read history, receive events, mark read, list readers, see room details. Marking read
// does not call it: SqliteStore::mark_read applies the same rule in its write (keep the two
// in step).
Status can_read_room(const User& actor, const Room& room, const std::optional<Member>& m);
// The rule for posting. Messages::post does not call it: SqliteStore::post_message applies
// the same rule inside the transaction that inserts (keep the two in step).
Status can_post(const User& actor, const Room& room, const std::optional<Member>& m);
Status can_add_members(const User& actor, const Room& room, const std::optional<Member>& m);
Status can_remove_member(const User& actor, const Room& room, const std::optional<Member>& m,
                         UserId target);
// Take over a group room, becoming its only owner (store.h, take_over_room): a
// municipality administrator may, for any group room of their municipality, member or
// not. To anyone else the room is not_found unless they are a member (then
// permission_denied). A 1:1 room has no owner to take over (permission_denied).
Status can_take_over(const User& actor, const Room& room, const std::optional<Member>& m);
Status can_rename(const User& actor, const Room& room, const std::optional<Member>& m);
Status can_edit_message(const User& actor, const Message& msg);
Status can_delete_message(const User& actor, const Message& msg);

}  // namespace tonari::services::policy
