// Domain types shared by every layer: tenants, users, rooms, messages, events.
// Plain structs with no behaviour and no I/O; ids are 64-bit integers (0 = none).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tonari {

using TenantId = std::int64_t;
using UserId = std::int64_t;
using RoomId = std::int64_t;
using DeptId = std::int64_t;
using MessageId = std::int64_t;
using Seq = std::int64_t;      // room-local message number, 1, 2, 3 ... no gaps
using EventNo = std::int64_t;  // room-local event number, 1, 2, 3 ... no gaps
using TimeMs = std::int64_t;   // milliseconds since the Unix epoch
using FileId = std::int64_t;
using NoteId = std::int64_t;

struct Tenant {
  TenantId id = 0;
  std::string code;  // 全国地方公共団体コード style, e.g. "999001"
  std::string name;
};

struct Department {
  DeptId id = 0;
  TenantId tenant = 0;
  DeptId parent = 0;
  std::string name;
  std::string reading;
  // The municipality's own 組織コード (e.g. "0101"), unique in the municipality; stable
  // when the department is renamed or moved. Generated ("D0007") when none was given.
  std::string code;
  // The names from the top 部 down to this one, "総務部/総務課/庶務係" (derived, not
  // stored: services/org.h fills it).
  std::string path;
};

enum class Role { staff, admin };

struct User {
  UserId id = 0;
  TenantId tenant = 0;
  std::string login;
  std::string name;
  std::string reading;
  DeptId dept = 0;
  std::string dept_name;
  std::string title;
  std::string status;
  Role role = Role::staff;
  bool disabled = false;
  std::string extension;  // 内線 (the phone extension), as the municipality writes it
  // May use tonari through an Internet-zone listener (the admin's 利用制限).
  bool internet_allowed = true;
  // 危機管理 (issue 23): may start, close and remind 安否確認, answer for others and see
  // every dashboard of the tenant.
  bool crisis = false;
  // 所属長: sees the dashboards of their department and its sub-departments, and may
  // remind and answer for others there.
  bool dept_head = false;
};

enum class RoomKind { group, direct };
const char* room_kind_name(RoomKind k);

// Which members an official room keeps in step with the org tree (services/rooms.h,
// sync): everyone of a department (and its sub-departments), or everyone of the tenant.
struct OrgSync {
  enum class Kind { none, department, tenant };
  Kind kind = Kind::none;
  DeptId dept = 0;       // department: the department
  bool subtree = true;   // department: its sub-departments too
  bool operator==(const OrgSync&) const = default;
};
const char* org_sync_kind_name(OrgSync::Kind k);
OrgSync::Kind org_sync_kind_from_name(std::string_view name);  // none for an unknown name

// A group room's rules: who may do what besides its owners and admins (and the tenant's
// administrators, above every room). Applied by services/policies.h.
struct RoomRules {
  bool announcement = false;   // お知らせ専用: only owners and admins post; members read
  bool official = false;       // 公式: set by a tenant admin; members cannot leave it
  bool members_invite = true;  // members may add members (false: owners and admins only)
  bool members_edit = false;   // members may rename and describe it (false: owners, admins)
  OrgSync sync;                // official rooms: membership follows the org tree
  bool operator==(const RoomRules&) const = default;
};

struct Room {
  RoomId id = 0;
  TenantId tenant = 0;
  RoomKind kind = RoomKind::group;
  std::string name;
  UserId created_by = 0;
  TimeMs created_at = 0;
  Seq msg_seq = 0;
  EventNo ev = 0;
  TimeMs last_activity = 0;
  std::string description;  // 説明 (services::Limits::max_description_chars)
  RoomRules rules;          // group rooms
};

// A member's role in a room: owners and admins manage it (services/policies.h); owners
// also change roles. A group room always keeps an owner while it has active members.
enum class MemberRole { member, admin, owner };
const char* member_role_name(MemberRole r);
std::optional<MemberRole> member_role_from_name(std::string_view name);

struct Member {
  UserId user = 0;
  MemberRole role = MemberRole::member;
  Seq read_seq = 0;
};

// A file attached to a message (or uploaded and not yet attached), as the store keeps it.
// Every upload goes through a sanitizing job (a worker process): `state` is processing
// until the job ends. What each zone may then get is policy (services/file_policy.h):
//   ready     the job produced what LGWAN users get: a sanitized copy (clean_sha256), or
//             the original itself (clean_sha256 == sha256) where none was needed;
//   withheld  nothing may go to the LGWAN zone (reason says why); the Internet zone still
//             gets the original;
//   blocked   nobody gets it (an executable, a type that lies about itself).
enum class FileState { processing, ready, withheld, blocked };
const char* file_state_name(FileState s);
// The inverse of file_state_name (processing for a name it does not know).
FileState file_state_from_name(std::string_view name);

struct FileInfo {
  FileId id = 0;
  TenantId tenant = 0;
  RoomId room = 0;
  UserId uploader = 0;
  std::string name;           // the uploader's file name (NFC, no path), shown and downloaded as
  std::int64_t size = 0;      // bytes of the original
  std::string sha256;         // hex: the original's blob
  std::string declared_type;  // what the client said (never trusted)
  bool from_internet = false; // uploaded through an Internet-zone listener
  FileState state = FileState::processing;
  std::string reason;         // withheld/blocked: a code of docs/api.md ("encrypted", ...)
  std::string detected_type;  // by content (libmagic), set by the job
  std::string clean_sha256;   // ready: the blob LGWAN users get
  std::int64_t clean_size = 0;
  std::string clean_type;     // its media type
  std::string clean_name;     // its file name (photo.heic -> photo.jpg, a.docm -> a.docx)
  bool sanitized = false;     // ready: clean_sha256 is a rebuilt copy, not the original
  std::string thumb_sha256;   // a JPEG thumbnail (images, a PDF's first page); empty: none
  std::int32_t width = 0;     // pixels (images) or points (a PDF's first page); 0: unknown
  std::int32_t height = 0;
  std::int32_t pages = 0;     // PDFs
  // The photo's position, kept as explicit message data only where the tenant's policy
  // says so (never left inside the file).
  std::optional<double> lat, lon;
  Seq seq = 0;                // the message it is attached to; 0: not attached yet
  bool deleted = false;       // its message was deleted: nobody gets it any more
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  std::int32_t attempts = 0;  // sanitizing jobs started (a node that died mid-job)
};

// The message a reply quotes, as it is now: edits of the quoted message update it (body
// and edited), a delete blanks it.
struct ReplySnapshot {
  Seq seq = 0;
  UserId sender = 0;
  std::string sender_name;
  std::string body;  // cut to 100 characters
  bool edited = false;  // the quoted message was edited
};

// text: what a member wrote. system: what happened to the room (renamed, members added,
// ...), written by the store in the transaction of the change; its sender is who did it
// (0: tonari itself, e.g. the org-tree sync), its body the JSON text of a
// wire::SystemNote. A system message cannot be edited, deleted or quoted.
enum class MessageKind { text, system };

// A reaction on a message: a stamp ("s:" and its id in core/stamps.h, "s:ryokai") or one
// emoji, how many members put it there, and whether the viewer did (REST reads only: an
// event frame is the same for everyone and never says `mine`).
struct ReactionCount {
  std::string key;
  std::int64_t count = 0;
  bool mine = false;
  bool operator==(const ReactionCount&) const = default;
};

// アクションスタンプ: a question a message asks, that members answer with one tap.
//   yesno       はい / いいえ: two implicit options (0 yes, 1 no); pick exactly one
//   attendance  出欠: three implicit options (0 出席, 1 欠席, 2 未定); pick exactly one
//   choice      the asker's options; pick one, or several when `multiple`
//   schedule    日程調整: candidate dates (options); every option gets ○ (0), △ (1) or × (2)
//   task        タスク: a to-do for `assignees`; one implicit option (0 完了) each of them
//               picks when done (withdrawing the answer undoes it)
// The implicit options' labels are the client's (i18n); `options` is empty for them.
enum class ActionKind { yesno, attendance, choice, schedule, task };
const char* action_kind_name(ActionKind k);
std::optional<ActionKind> action_kind_from_name(std::string_view name);
// How many options a question has (the implicit ones counted) and how many values each
// option's answer takes (schedule 3: ○△×; the others 1: "chosen").
std::size_t action_option_count(ActionKind k, std::size_t custom_options);
int action_values_per_option(ActionKind k);

struct ActionSpec {
  ActionKind kind = ActionKind::yesno;
  std::string title;                 // the question (or the to-do), 1..200 characters
  std::vector<std::string> options;  // choice: 2..20, schedule: 1..30 labels (1..100 chars)
  bool multiple = false;             // choice: several may be picked
  TimeMs deadline = 0;               // answers refused after it; 0: none
  bool results_public = true;        // false: only the asker sees the counts and answerers
  bool changeable = true;            // an answer may be changed or withdrawn (tasks: always)
  bool anonymous = false;            // nobody, the asker included, sees who answered what
  std::vector<UserId> assignees;     // task: 1..100 members who do it (only they answer)
  bool operator==(const ActionSpec&) const = default;
};

// One part of an answer: for schedule, option `option` got value 0 ○, 1 △ or 2 ×; for the
// other kinds an option picked (value 0). An answer lists its picks by option, ascending.
struct ActionPick {
  std::int32_t option = 0;
  std::int32_t value = 0;
  bool operator==(const ActionPick&) const = default;
};

struct ActionTally {
  std::int64_t answered = 0;  // members who have answered (task: assignees done)
  std::int64_t pending = 0;   // members (task: assignees still members) who have not
  // counts[option * action_values_per_option(kind) + value]: how many picked it.
  std::vector<std::int64_t> counts;
  bool operator==(const ActionTally&) const = default;
};

// An action stamp as it is now: its question, whether it is closed, its tally, and the
// viewer's own answer (REST reads only, like ReactionCount::mine).
struct ActionState {
  ActionSpec spec;
  bool closed = false;
  TimeMs closed_at = 0;
  UserId closed_by = 0;
  ActionTally tally;
  std::vector<ActionPick> mine;  // empty: the viewer has not answered
  TimeMs mine_at = 0;
};

struct Message {
  MessageId id = 0;
  RoomId room = 0;
  Seq seq = 0;
  UserId sender = 0;
  std::string sender_name;
  std::string client_id;
  std::string body;
  MessageKind kind = MessageKind::text;
  std::optional<ReplySnapshot> reply_to;
  std::vector<UserId> mentions;
  bool mention_all = false;
  TimeMs created_at = 0;
  TimeMs edited_at = 0;  // 0 = never edited
  bool deleted = false;
  std::int64_t read_count = -1;  // -1 = not computed
  std::vector<FileInfo> files;   // attachments, in the order the sender gave
  // A stamp message: the stamp's id (core/stamps.h); the body is then empty.
  std::string stamp;
  // Reactions, most used first (then first put there first); history reads fill them.
  std::vector<ReactionCount> reactions;
  // The action stamp this message asks (its body is then empty or a note to it).
  std::optional<ActionState> action;
  // 確認必須 (issue 23): members are asked to acknowledge it (確認しました), distinct from
  // 既読. ack_count: how many did; acked: whether the viewer did (services fill it from
  // Store::viewer_marks, like ActionState::mine).
  bool ack_required = false;
  std::int64_t ack_count = 0;
  bool acked = false;
};

// ノート: a room's shared document (an agenda, a manual, 引継ぎ), in a safe Markdown subset.
// Every save is a version; `version` is the current one (1, 2, 3 ...).
struct Note {
  NoteId id = 0;
  RoomId room = 0;
  TenantId tenant = 0;
  std::string title;  // 1..100 characters
  std::string body;   // Markdown, ..30,000 characters; empty in lists (notes())
  std::int64_t version = 0;
  UserId created_by = 0;
  std::string created_by_name;
  TimeMs created_at = 0;
  UserId updated_by = 0;
  std::string updated_by_name;
  TimeMs updated_at = 0;
  bool deleted = false;
};

// One saved version of a note (its body empty in lists).
struct NoteVersion {
  NoteId note = 0;
  std::int64_t version = 0;
  std::string title;
  std::string body;
  UserId by = 0;
  std::string by_name;
  TimeMs at = 0;
  std::int64_t restored_from = 0;  // the version this save restored; 0: an edit
};

// Something pinned to the top of a room: a message (an action stamp is one) or a note.
struct Pin {
  enum class Kind { message, note };
  Kind kind = Kind::message;
  Seq seq = 0;     // message
  NoteId note = 0; // note
  UserId by = 0;
  std::string by_name;
  TimeMs at = 0;
  // What it points to as it is now (reads fill them; a note without its body).
  std::optional<Message> message;
  std::optional<Note> note_info;
};
const char* pin_kind_name(Pin::Kind k);

// What one user may do in a room (policy::abilities), sent with the room so that the
// client shows only what will work; the server checks every action again.
struct RoomAbilities {
  bool post = false;
  bool edit_info = false;   // rename, description
  bool invite = false;      // add members
  bool remove = false;      // remove other members
  bool leave = false;
  bool set_roles = false;
  bool edit_rules = false;  // announcement, members_invite, members_edit
  bool edit_official = false;  // official, sync (tenant admins)
  bool pin = false;         // pin and unpin messages and notes
  bool edit_notes = false;  // create and edit notes
};

// A room as one member sees it in their room list.
struct RoomSummary {
  Room room;
  std::string display_name;  // group: room name; direct: the peer's name
  UserId peer = 0;           // direct rooms: the other member
  std::int64_t member_count = 0;
  Seq read_seq = 0;
  std::int64_t mention_unread = 0;
  MemberRole role = MemberRole::member;
  std::optional<Message> last_message;
  RoomAbilities can;  // filled by services (policy::abilities), not by the store
};

// A committed room event, as stored and as sent: `frame` is the exact JSON text clients get.
struct RoomEvent {
  RoomId room = 0;
  EventNo ev = 0;
  std::shared_ptr<const std::string> frame;
};

}  // namespace tonari
