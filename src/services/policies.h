// Policies: the one place that decides who may see, post, invite, remove, rename, edit and
// contact. Pure functions of the facts they are given; the services fetch the facts and
// call these before every action, whichever path (REST, WebSocket, export) it came from.
//
// Room existence is never revealed to non-members: checks that fail for a non-member
// return not_found, not permission_denied.
#pragma once

#include <optional>

#include "store/store.h"

#include "core/status.h"
#include "core/types.h"

namespace tonari::services::policy {

// May `actor` see `target`'s profile? A disabled account too (marked 利用停止); the
// directory search leaves those out (the store's find_users).
Status can_see_user(const User& actor, const User& target);
// May `actor` start a conversation with `target` (direct room, invitation)? Not with a
// disabled account.
Status can_contact(const User& actor, const User& target);
// Read history, receive events, mark read, list readers, see room details. Marking read
// does not call it: SqliteStore::mark_read applies the same rule in its write (keep the two
// in step).
Status can_read_room(const User& actor, const Room& room, const std::optional<Member>& m);
// The rule for posting (a member; in an announcement room an owner, admin or tenant
// admin). Messages::post does not call it: the stores' post_message apply the same rule
// inside the transaction that inserts (NewMessage::tenant_admin; keep them in step).
Status can_post(const User& actor, const Room& room, const std::optional<Member>& m);
// Adding, removing (leaving: `target` is the actor), changing the room and roles: a
// member with the ability (abilities below), or a tenant admin, member or not.
Status can_add_members(const User& actor, const Room& room, const std::optional<Member>& m);
// `target_role`: the target's role in the room (a room admin removes members only; owners
// and tenant admins remove anyone).
Status can_remove_member(const User& actor, const Room& room, const std::optional<Member>& m,
                         UserId target, MemberRole target_role = MemberRole::member);
// Take over a group room, becoming its only owner (store.h, take_over_room): a
// municipality administrator may, for any group room of their municipality, member or
// not. To anyone else the room is not_found unless they are a member (then
// permission_denied). A 1:1 room has no owner to take over (permission_denied).
Status can_take_over(const User& actor, const Room& room, const std::optional<Member>& m);
// Change what `patch` changes: name and description need edit_info; announcement,
// members_invite, members_edit need edit_rules; official and sync need edit_official
// (abilities below). A direct room: permission_denied.
Status can_update_room(const User& actor, const Room& room, const std::optional<Member>& m,
                       const store::RoomPatch& patch);
// Give `target` the role `role` (set_roles).
Status can_set_role(const User& actor, const Room& room, const std::optional<Member>& m,
                    UserId target, MemberRole role);
// Everything `actor` may do in the room (RoomAbilities), the same rules as the can_*
// functions: the client shows only these; the server checks each action again.
//   group room, for a member:
//     post        not an announcement room, or owner/admin, or tenant admin
//     edit_info   owner/admin, tenant admin, or rules.members_edit
//     invite      owner/admin, tenant admin, or rules.members_invite
//     remove      owner/admin, tenant admin
//     leave       not an official room (tenant admins may leave one)
//     set_roles   owner, tenant admin
//     edit_rules  owner/admin, tenant admin
//     edit_official tenant admin
//     pin, edit_notes  as post (in an announcement room the members read them)
//   a tenant admin who is not a member: edit_info, invite, remove, set_roles, edit_rules,
//     edit_official (they manage every group room of their municipality), not post;
//   a 1:1 room: post, pin, edit_notes (members) only.
RoomAbilities abilities(const User& actor, const Room& room, const std::optional<Member>& m);
Status can_edit_message(const User& actor, const Message& msg);
Status can_delete_message(const User& actor, const Message& msg);

// Working together (issue 21). Non-members (and other municipalities) get not_found.
// React: any member, announcement rooms included (reacting is how members acknowledge).
Status can_react(const User& actor, const Room& room, const std::optional<Member>& m);
// Answer an action stamp: any member (a task: its assignees; the store checks that part).
Status can_answer(const User& actor, const Room& room, const std::optional<Member>& m);
// Close or remind an action stamp asked by `asker`: the asker, the room's owners and
// admins, a tenant admin who is a member (in a 1:1 room: the asker).
Status can_manage_action(const User& actor, const Room& room, const std::optional<Member>& m,
                         UserId asker);
// See who answered what (answerer lists, the export) of an action stamp asked by `asker`:
// nobody when it is anonymous (permission_denied, also for the asker); only the asker when
// its results are not public; otherwise every member. The counts follow the same rule
// except that anonymous counts are seen (by every member, or only the asker when not
// public): see can_see_counts.
Status can_see_answers(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId asker, const ActionSpec& spec);
bool can_see_counts(const User& actor, UserId asker, const ActionSpec& spec);
// Who has not answered (the pending list): members, unless the question is anonymous
// (nobody: the list would tell who answered) or not public (the asker only).
Status can_see_pending(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId asker, const ActionSpec& spec);
// 確認必須 (services/acks.h). Acknowledge a message of `sender` that asks for it: any member
// other than its sender (announcement rooms included: confirming is what their members are
// there for). The sender is refused (permission_denied): the counts and lists are of the
// members other than the sender, as 既読's.
Status can_ack(const User& actor, const Room& room, const std::optional<Member>& m,
               UserId sender);
// See who has and has not acknowledged message of `sender`: the sender, the room's owners
// and admins, a tenant admin who is a member (in a 1:1 room: the sender). The others see
// the count only: the list tells who has not yet read the rules, which is the sender's
// business, not every colleague's.
Status can_see_acks(const User& actor, const Room& room, const std::optional<Member>& m,
                    UserId sender);
// Remind those who have not acknowledged: as can_see_acks.
Status can_remind_acks(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId sender);
// Create and edit notes, pin and unpin: abilities().edit_notes / .pin.
Status can_edit_notes(const User& actor, const Room& room, const std::optional<Member>& m);
Status can_pin(const User& actor, const Room& room, const std::optional<Member>& m);
// Delete a note created by `creator`: its creator (who may still edit notes), the room's
// owners and admins, a tenant admin who is a member (in a 1:1 room: its creator).
Status can_delete_note(const User& actor, const Room& room, const std::optional<Member>& m,
                       UserId creator);

// 安否確認 (issue 23). How far a user manages a check of `tenant`: all of it (a tenant
// admin or a 危機管理 user of that municipality), their department's subtree (a 所属長 with
// a department), or none. A check is visible to its targets and its managers; to anyone
// else (another municipality too) it is not_found.
enum class SafetyReach { none, dept, all };
SafetyReach safety_reach(const User& actor, TenantId tenant);
// Give or take the 危機管理 and 所属長 roles: an administrator (permission_denied).
Status can_set_safety_roles(const User& actor);
// Start one: an administrator or a 危機管理 user (permission_denied).
Status can_start_safety(const User& actor);
// See the check (and one's own answer): a target or a manager (dept: `in_reach`, the check
// reaches someone of their subtree). not_found otherwise.
Status can_see_safety(const User& actor, TenantId tenant, bool target, bool in_reach);
// Close it: SafetyReach::all. A target or a 所属長 who sees it gets permission_denied;
// anyone else not_found.
Status can_close_safety(const User& actor, TenantId tenant, bool target, bool in_reach);
// The dashboard, the target lists, the export and reminders: a manager. On success the
// department whose subtree they see (0: all). dept_head: their own department; a target
// who manages nothing gets permission_denied; anyone else not_found.
Result<DeptId> safety_dashboard_scope(const User& actor, TenantId tenant, bool target, bool in_reach);
// 代理回答 for `target_user` (its department at start in `actor`'s subtree:
// `target_in_subtree`): SafetyReach::all, or a 所属長 for their subtree. Answering for
// oneself is not a proxy answer and needs no check here.
Status can_answer_safety_for(const User& actor, TenantId tenant, bool target, bool in_reach,
                             bool target_in_subtree);

}  // namespace tonari::services::policy
