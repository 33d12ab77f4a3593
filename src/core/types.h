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
};

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
