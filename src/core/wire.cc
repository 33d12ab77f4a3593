#include "core/wire.h"

#include <boost/json.hpp>

#include "core/status.h"

namespace json = boost::json;

namespace tonari {

const char* room_kind_name(RoomKind k) { return k == RoomKind::direct ? "direct" : "group"; }

namespace wire {

json::object user(const User& u) {
  json::object o;
  o["id"] = u.id;
  o["login"] = u.login;
  o["name"] = u.name;
  o["reading"] = u.reading;
  if (u.dept) {
    o["department"] = json::object{{"id", u.dept}, {"name", u.dept_name}};
  } else {
    o["department"] = nullptr;
  }
  o["title"] = u.title;
  o["status"] = u.status;
  o["role"] = u.role == Role::admin ? "admin" : "staff";
  return o;
}

json::object department(const Department& d) {
  json::object o;
  o["id"] = d.id;
  if (d.parent) o["parent"] = d.parent; else o["parent"] = nullptr;
  o["name"] = d.name;
  o["reading"] = d.reading;
  return o;
}

json::object message(const Message& m) {
  json::object o;
  o["id"] = m.id;
  o["room"] = m.room;
  o["seq"] = m.seq;
  o["sender"] = m.sender;
  o["sender_name"] = m.sender_name;
  o["client_id"] = m.client_id;
  o["body"] = m.body;
  if (m.reply_to) {
    o["reply_to"] = json::object{{"seq", m.reply_to->seq},
                                 {"sender", m.reply_to->sender},
                                 {"sender_name", m.reply_to->sender_name},
                                 {"body", m.reply_to->body}};
  } else {
    o["reply_to"] = nullptr;
  }
  json::array mentions;
  for (UserId id : m.mentions) mentions.push_back(id);
  o["mentions"] = std::move(mentions);
  o["mention_all"] = m.mention_all;
  o["created_at"] = m.created_at;
  if (m.edited_at) o["edited_at"] = m.edited_at; else o["edited_at"] = nullptr;
  o["deleted"] = m.deleted;
  if (m.read_count >= 0) o["read_count"] = m.read_count;
  return o;
}

json::object room_summary(const RoomSummary& s) {
  json::object o;
  o["id"] = s.room.id;
  o["kind"] = room_kind_name(s.room.kind);
  o["name"] = s.display_name;
  o["member_count"] = s.member_count;
  o["msg_seq"] = s.room.msg_seq;
  o["ev"] = s.room.ev;
  o["read_seq"] = s.read_seq;
  o["unread"] = std::max<std::int64_t>(0, s.room.msg_seq - s.read_seq);
  o["mention_unread"] = s.mention_unread;
  if (s.last_message) o["last_message"] = message(*s.last_message); else o["last_message"] = nullptr;
  o["last_activity"] = s.room.last_activity;
  o["role"] = s.role == MemberRole::owner ? "owner" : "member";
  if (s.peer) o["peer"] = s.peer; else o["peer"] = nullptr;
  return o;
}

std::string message_event(const char* type, const Message& m, EventNo ev) {
  json::object o;
  o["type"] = type;
  o["room"] = m.room;
  o["ev"] = ev;
  o["message"] = message(m);
  return json::serialize(o);
}

std::string member_joined_event(RoomId room, EventNo ev, const std::vector<User>& users,
                                UserId by) {
  // An all-staff room can add thousands at once: the frame names at most 100 of them.
  json::array arr;
  for (std::size_t i = 0; i < users.size() && i < kMaxUsersPerJoinEvent; ++i) {
    arr.push_back(user(users[i]));
  }
  return json::serialize(json::object{{"type", "member.joined"}, {"room", room}, {"ev", ev},
                                      {"users", std::move(arr)},
                                      {"count", users.size()}, {"by", by}});
}

std::string member_left_event(RoomId room, EventNo ev, UserId u, UserId by) {
  return json::serialize(json::object{
      {"type", "member.left"}, {"room", room}, {"ev", ev}, {"user", u}, {"by", by}});
}

std::string room_updated_event(RoomId room, EventNo ev, const std::string& name, UserId by) {
  return json::serialize(json::object{
      {"type", "room.updated"}, {"room", room}, {"ev", ev}, {"name", name}, {"by", by}});
}

std::string error_body(const char* code, const std::string& msg) {
  return json::serialize(json::object{{"error", json::object{{"code", code}, {"message", msg}}}});
}

}  // namespace wire
}  // namespace tonari
