// The JSON shapes of domain objects, exactly as docs/api.md defines them. Used by the store
// (event frames are stored as sent) and by the API layer. No I/O.
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace tonari::wire {

boost::json::object user(const User& u);
boost::json::object department(const Department& d);
boost::json::object message(const Message& m);
// An attachment as docs/api.md shows it (the same for every zone: what a zone may get is
// decided when it asks, services/files.h).
boost::json::object file(const FileInfo& f);
// The same JSON as serialize(message(m)), appended to `out` without building a DOM (the
// hot paths: history pages and message event frames; a unit test keeps the two equal).
void append_message(std::string& out, const Message& m);
// `s` as a JSON string literal (quotes included), appended to `out`. `s` is UTF-8.
void append_json_string(std::string& out, std::string_view s);
// Collaboration objects (docs/api.md). A message's "stamp", "reactions" and "action"
// fields are written by message()/append_message (absent when empty; "ack_required",
// "ack_count" and "acked" only for a 確認必須 message; an action's `mine`
// only when the viewer answered, `counts` only when m.action->tally.counts is not empty:
// callers blank what the viewer may not see, e.g. a non-public question's counts).
boost::json::object action_state(const ActionState& a);
boost::json::object reaction(const ReactionCount& r);
// A note; its "body" only when `with_body`.
boost::json::object note(const Note& n, bool with_body);
boost::json::object note_version(const NoteVersion& v, bool with_body);
boost::json::object pin(const Pin& p);
// `a` as everyone may see it, as event frames carry it: without `mine`, and without counts
// unless its results are public (message_event and the events below apply it themselves).
ActionState for_everyone(const ActionState& a);

// The room as its member sees it, with its rules and what they may do (s.can).
boost::json::object room_summary(const RoomSummary& s);
// {"announcement", "official", "members_invite", "members_edit", "sync"} (docs/api.md).
boost::json::object room_rules(const RoomRules& r);

// What a system message (MessageKind::system) says, stored as its body (system_note_json)
// and sent as the message's "system" object. Actions and their fields (docs/api.md):
//   room_created        name, users (the first members, without the creator), count
//   renamed             name, old_name
//   description_changed description
//   rules_changed       rules (after the change)
//   members_added       users, count
//   member_removed      users (the one removed)
//   member_left         users (the one who left)
//   role_changed        users (the one), role
//   taken_over          users (the new owner)
//   note_created        note, title
//   note_updated        note, title, version, restored_from (when a restore)
//   note_deleted        note, title
//   action_closed       seq (the action stamp's message), title
//   action_reminded     seq, title, count (members reminded), users (the first of them)
// reason (optional): owner_left, owner_disabled, takeover (role_changed by the handover
// rule), org (a change the org-tree sync made).
struct SystemNote {
  std::string action;
  std::vector<std::pair<UserId, std::string>> users;  // id and name; at most
                                                      // kMaxUsersPerSystemNote are kept
  std::int64_t count = 0;  // how many users the action concerned (users may list fewer)
  std::string name, old_name, description, role, reason;
  std::optional<RoomRules> rules;
  NoteId note = 0;             // note_*
  std::string title;           // note_*, action_*
  std::int64_t version = 0;    // note_updated
  std::int64_t restored_from = 0;
  Seq seq = 0;                 // action_*
};
inline constexpr std::size_t kMaxUsersPerSystemNote = 20;
std::string system_note_json(const SystemNote& n);

// Event frames ({"type": ..., "room": ..., "ev": ..., ...}) serialized to text. A frame is
// the same for everyone: an action stamp in it is for_everyone().
std::string message_event(const char* type, const Message& m, EventNo ev);
inline constexpr std::size_t kMaxUsersPerJoinEvent = 100;
// `users` lists at most kMaxUsersPerJoinEvent of them; `count` says how many joined.
std::string member_joined_event(RoomId room, EventNo ev, const std::vector<User>& users, UserId by);
std::string member_left_event(RoomId room, EventNo ev, UserId user, UserId by);
// The room's name, description or rules changed: {"type":"room.updated", "room", "ev",
// "name", "description", "rules", "by"} (all three as they are after the change).
std::string room_updated_event(const Room& room, EventNo ev, UserId by);
// `user`'s role in the room became `role`; `by` 0: by the handover rule, not a person;
// `reason`: owner_left, owner_disabled, takeover or set (a member with the right changed it;
// docs/api.md).
std::string member_role_changed_event(RoomId room, EventNo ev, UserId user, MemberRole role,
                                      UserId by, const char* reason);

// A file's state changed (its sanitizing job ended): {"type":"file.updated", "room", "ev",
// "file"}.
std::string file_updated_event(RoomId room, EventNo ev, const FileInfo& f);

// Collaboration events (docs/api.md), stored in the room's log like every room event:
// {"type":"reaction.updated","room","ev","seq","key","count","user","on"}: `user` put
// (on) or took away (!on) reaction `key` on message `seq`, which now has `count` of it.
std::string reaction_updated_event(RoomId room, EventNo ev, Seq seq, const std::string& key,
                                   std::int64_t count, UserId user, bool on);
// {"type":"action.updated","room","ev","seq","action":ActionState}: the tally (coalesced,
// at most about once a second per question) or the question closed. `a` as everyone may
// see it: without `mine`, and without counts for a non-public question.
std::string action_updated_event(RoomId room, EventNo ev, Seq seq, const ActionState& a);
// {"type":"message.acks","room","ev","seq","ack_count"}: how many have acknowledged the
// 確認必須 message `seq` (coalesced, at most about once a second per message; nobody's own
// `acked`: that is in reads, and in the acknowledger's per-user message.acked frame).
std::string message_acks_event(RoomId room, EventNo ev, Seq seq, std::int64_t ack_count);
// {"type":"note.updated","room","ev","note":Note without body} (created, edited, restored)
std::string note_updated_event(RoomId room, EventNo ev, const Note& n);
// {"type":"note.deleted","room","ev","note":id}
std::string note_deleted_event(RoomId room, EventNo ev, NoteId note);
// {"type":"pin.added","room","ev","pin":Pin} / {"type":"pin.removed","room","ev","kind",
// "seq"|"note"}
std::string pin_added_event(RoomId room, EventNo ev, const Pin& p);
std::string pin_removed_event(RoomId room, EventNo ev, Pin::Kind kind, std::int64_t target);

// {"error": {"code": ..., "message": ...}}
std::string error_body(const char* code, const std::string& message);

}  // namespace tonari::wire
