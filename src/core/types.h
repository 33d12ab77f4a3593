// Domain types shared by every layer: tenants, users, rooms, messages, events.
// Plain structs with no behaviour and no I/O; ids are 64-bit integers (0 = none).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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
};

enum class RoomKind { group, direct };
const char* room_kind_name(RoomKind k);

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
};

enum class MemberRole { member, owner };

struct Member {
  UserId user = 0;
  MemberRole role = MemberRole::member;
  Seq read_seq = 0;
};

struct ReplySnapshot {
  Seq seq = 0;
  UserId sender = 0;
  std::string sender_name;
  std::string body;  // cut to 100 characters
};

struct Message {
  MessageId id = 0;
  RoomId room = 0;
  Seq seq = 0;
  UserId sender = 0;
  std::string sender_name;
  std::string client_id;
  std::string body;
  std::optional<ReplySnapshot> reply_to;
  std::vector<UserId> mentions;
  bool mention_all = false;
  TimeMs created_at = 0;
  TimeMs edited_at = 0;  // 0 = never edited
  bool deleted = false;
  std::int64_t read_count = -1;  // -1 = not computed
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
};

// A committed room event, as stored and as sent: `frame` is the exact JSON text clients get.
struct RoomEvent {
  RoomId room = 0;
  EventNo ev = 0;
  std::shared_ptr<const std::string> frame;
};

}  // namespace tonari
