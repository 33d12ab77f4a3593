#include "core/wire.h"

#include <boost/json.hpp>
#include <algorithm>
#include <charconv>
#include <cstdint>

#include "core/status.h"
#include "core/swar.h"
#include "core/text_limits.h"

namespace json = boost::json;

namespace tonari {

const char* room_kind_name(RoomKind k) { return k == RoomKind::direct ? "direct" : "group"; }

const char* file_state_name(FileState s) {
  switch (s) {
    case FileState::processing: return "processing";
    case FileState::ready: return "ready";
    case FileState::withheld: return "withheld";
    case FileState::blocked: return "blocked";
  }
  return "processing";
}

FileState file_state_from_name(std::string_view name) {
  if (name == "ready") return FileState::ready;
  if (name == "withheld") return FileState::withheld;
  if (name == "blocked") return FileState::blocked;
  return FileState::processing;
}

const char* member_role_name(MemberRole r) {
  switch (r) {
    case MemberRole::owner: return "owner";
    case MemberRole::admin: return "admin";
    case MemberRole::member: return "member";
  }
  return "member";
}

std::optional<MemberRole> member_role_from_name(std::string_view name) {
  if (name == "owner") return MemberRole::owner;
  if (name == "admin") return MemberRole::admin;
  if (name == "member") return MemberRole::member;
  return std::nullopt;
}

const char* org_sync_kind_name(OrgSync::Kind k) {
  switch (k) {
    case OrgSync::Kind::department: return "department";
    case OrgSync::Kind::tenant: return "tenant";
    case OrgSync::Kind::none: return "none";
  }
  return "none";
}

OrgSync::Kind org_sync_kind_from_name(std::string_view name) {
  if (name == "department") return OrgSync::Kind::department;
  if (name == "tenant") return OrgSync::Kind::tenant;
  return OrgSync::Kind::none;
}

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
  o["extension"] = u.extension;
  o["role"] = u.role == Role::admin ? "admin" : "staff";
  o["disabled"] = u.disabled;
  // The 安否確認 roles (issue 23), shown only when held: a client offers their actions.
  if (u.crisis) o["crisis"] = true;
  if (u.dept_head) o["dept_head"] = true;
  return o;
}

json::object department(const Department& d) {
  json::object o;
  o["id"] = d.id;
  if (d.parent) o["parent"] = d.parent; else o["parent"] = nullptr;
  o["name"] = d.name;
  o["reading"] = d.reading;
  o["code"] = d.code;
  o["path"] = d.path;
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
  if (m.kind == MessageKind::system) {
    o["body"] = "";
    o["kind"] = "system";
    boost::system::error_code ec;
    json::value note = json::parse(m.body, ec);
    o["system"] = ec ? json::value(json::object{}) : std::move(note);
  } else {
    o["body"] = m.body;
  }
  if (m.reply_to) {
    o["reply_to"] = json::object{{"seq", m.reply_to->seq},
                                 {"sender", m.reply_to->sender},
                                 {"sender_name", m.reply_to->sender_name},
                                 {"body", m.reply_to->body},
                                 {"edited", m.reply_to->edited}};
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
  if (!m.files.empty()) {
    json::array files;
    for (const FileInfo& f : m.files) files.push_back(file(f));
    o["files"] = std::move(files);
  }
  if (!m.stamp.empty()) o["stamp"] = m.stamp;
  if (!m.reactions.empty()) {
    json::array reactions;
    for (const ReactionCount& r : m.reactions) reactions.push_back(reaction(r));
    o["reactions"] = std::move(reactions);
  }
  if (m.action) o["action"] = action_state(*m.action);
  if (m.ack_required) {
    o["ack_required"] = true;
    o["ack_count"] = m.ack_count;
    o["acked"] = m.acked;
  }
  return o;
}

json::object action_state(const ActionState& a) {
  json::object o;
  o["kind"] = action_kind_name(a.spec.kind);
  o["title"] = a.spec.title;
  json::array options;
  for (const std::string& label : a.spec.options) options.push_back(json::string(label));
  o["options"] = std::move(options);
  o["multiple"] = a.spec.multiple;
  o["deadline"] = a.spec.deadline;
  o["public"] = a.spec.results_public;
  o["changeable"] = a.spec.changeable;
  o["anonymous"] = a.spec.anonymous;
  json::array assignees;
  for (UserId id : a.spec.assignees) assignees.push_back(id);
  o["assignees"] = std::move(assignees);
  o["closed"] = a.closed;
  o["closed_at"] = a.closed_at;
  o["closed_by"] = a.closed_by;
  o["answered"] = a.tally.answered;
  o["pending"] = a.tally.pending;
  if (!a.tally.counts.empty()) {
    json::array counts;
    for (std::int64_t c : a.tally.counts) counts.push_back(c);
    o["counts"] = std::move(counts);
  }
  if (!a.mine.empty()) {
    json::array mine;
    for (const ActionPick& p : a.mine) {
      mine.push_back(json::object{{"option", p.option}, {"value", p.value}});
    }
    o["mine"] = std::move(mine);
    o["mine_at"] = a.mine_at;
  }
  return o;
}

json::object reaction(const ReactionCount& r) {
  json::object o;
  o["key"] = r.key;
  o["count"] = r.count;
  if (r.mine) o["me"] = true;
  return o;
}

json::object note(const Note& n, bool with_body) {
  json::object o;
  o["id"] = n.id;
  o["room"] = n.room;
  o["title"] = n.title;
  if (with_body) o["body"] = n.body;
  o["version"] = n.version;
  o["created_by"] = n.created_by;
  o["created_by_name"] = n.created_by_name;
  o["created_at"] = n.created_at;
  o["updated_by"] = n.updated_by;
  o["updated_by_name"] = n.updated_by_name;
  o["updated_at"] = n.updated_at;
  return o;
}

json::object note_version(const NoteVersion& v, bool with_body) {
  json::object o;
  o["note"] = v.note;
  o["version"] = v.version;
  o["title"] = v.title;
  if (with_body) o["body"] = v.body;
  o["by"] = v.by;
  o["by_name"] = v.by_name;
  o["at"] = v.at;
  o["restored_from"] = v.restored_from;
  return o;
}

json::object pin(const Pin& p) {
  json::object o;
  o["kind"] = pin_kind_name(p.kind);
  if (p.kind == Pin::Kind::message) o["seq"] = p.seq; else o["note"] = p.note;
  o["by"] = p.by;
  o["by_name"] = p.by_name;
  o["at"] = p.at;
  if (p.message) o["message"] = message(*p.message);
  if (p.note_info) o["note_info"] = note(*p.note_info, false);
  return o;
}

json::object file(const FileInfo& f) {
  json::object o;
  o["id"] = f.id;
  o["room"] = f.room;
  o["seq"] = f.seq;
  o["uploader"] = f.uploader;
  o["name"] = f.name;
  o["size"] = f.size;
  o["type"] = f.detected_type.empty() ? f.declared_type : f.detected_type;
  o["from"] = f.from_internet ? "internet" : "lgwan";
  o["state"] = file_state_name(f.state);
  if (!f.reason.empty()) o["reason"] = f.reason;
  if (f.state == FileState::ready) {
    o["sanitized"] = f.sanitized;
    o["clean_name"] = f.clean_name;
    o["clean_type"] = f.clean_type;
    o["clean_size"] = f.clean_size;
  }
  o["thumbnail"] = !f.thumb_sha256.empty();
  if (f.width) o["width"] = f.width;
  if (f.height) o["height"] = f.height;
  if (f.pages) o["pages"] = f.pages;
  if (f.lat && f.lon) o["location"] = json::object{{"lat", *f.lat}, {"lon", *f.lon}};
  o["created_at"] = f.created_at;
  return o;
}

std::string file_updated_event(RoomId room, EventNo ev, const FileInfo& f) {
  json::object o;
  o["type"] = "file.updated";
  o["room"] = room;
  o["ev"] = ev;
  o["file"] = file(f);
  return json::serialize(o);
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Eight bytes at a time, a word with none of '"', '\\' or a control character in it
  // is skipped whole (hot: every message is written out this way).
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  std::size_t plain = 0;  // start of the run of bytes that need no escape
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      const std::uint64_t v = swar::load8(s.data() + i);
      const std::uint64_t special = swar::has_byte_below(v, 0x20) | swar::has_byte(v, '"') |
                                    swar::has_byte(v, '\\');
      if (special == 0) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    ++i;
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + plain, i - 1 - plain);
    plain = i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + plain, s.size() - plain);
  out.push_back('"');
}

namespace {
void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}
void append_field(std::string& out, const char* key, std::int64_t v) {
  out += key;
  append_int(out, v);
}
void append_field(std::string& out, const char* key, std::string_view v) {
  out += key;
  append_json_string(out, v);
}
}  // namespace

void append_message(std::string& out, const Message& m) {
  append_field(out, "{\"id\":", m.id);
  append_field(out, ",\"room\":", m.room);
  append_field(out, ",\"seq\":", m.seq);
  append_field(out, ",\"sender\":", m.sender);
  append_field(out, ",\"sender_name\":", m.sender_name);
  append_field(out, ",\"client_id\":", m.client_id);
  if (m.kind == MessageKind::system) {
    // Rare (a room changed): the DOM path, so the two cannot drift apart.
    json::object o = message(m);
    out += ",\"body\":\"\",\"kind\":\"system\",\"system\":";
    out += json::serialize(o["system"]);
  } else {
    append_field(out, ",\"body\":", m.body);
  }
  if (m.reply_to) {
    append_field(out, ",\"reply_to\":{\"seq\":", m.reply_to->seq);
    append_field(out, ",\"sender\":", m.reply_to->sender);
    append_field(out, ",\"sender_name\":", m.reply_to->sender_name);
    append_field(out, ",\"body\":", m.reply_to->body);
    out += m.reply_to->edited ? ",\"edited\":true}" : ",\"edited\":false}";
  } else {
    out += ",\"reply_to\":null";
  }
  out += ",\"mentions\":[";
  for (std::size_t i = 0; i < m.mentions.size(); ++i) {
    if (i) out += ',';
    append_int(out, m.mentions[i]);
  }
  out += m.mention_all ? "],\"mention_all\":true" : "],\"mention_all\":false";
  append_field(out, ",\"created_at\":", m.created_at);
  if (m.edited_at) append_field(out, ",\"edited_at\":", m.edited_at);
  else out += ",\"edited_at\":null";
  out += m.deleted ? ",\"deleted\":true" : ",\"deleted\":false";
  if (m.read_count >= 0) append_field(out, ",\"read_count\":", m.read_count);
  if (!m.files.empty()) {
    // Rare (messages with attachments): the DOM path, so the two cannot drift apart.
    out += ",\"files\":[";
    for (std::size_t i = 0; i < m.files.size(); ++i) {
      if (i) out += ',';
      out += json::serialize(file(m.files[i]));
    }
    out += ']';
  }
  if (!m.stamp.empty()) append_field(out, ",\"stamp\":", m.stamp);
  if (!m.reactions.empty()) {
    out += ",\"reactions\":[";
    for (std::size_t i = 0; i < m.reactions.size(); ++i) {
      append_field(out, i ? ",{\"key\":" : "{\"key\":", m.reactions[i].key);
      append_field(out, ",\"count\":", m.reactions[i].count);
      out += m.reactions[i].mine ? ",\"me\":true}" : "}";
    }
    out += ']';
  }
  if (m.action) {
    // One per question, not per message of a page: the DOM path, so the two cannot drift.
    out += ",\"action\":";
    out += json::serialize(action_state(*m.action));
  }
  if (m.ack_required) {
    append_field(out, ",\"ack_required\":true,\"ack_count\":", m.ack_count);
    out += m.acked ? ",\"acked\":true" : ",\"acked\":false";
  }
  out += '}';
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
  o["role"] = member_role_name(s.role);
  if (s.peer) o["peer"] = s.peer; else o["peer"] = nullptr;
  o["description"] = s.room.description;
  o["rules"] = room_rules(s.room.rules);
  o["can"] = json::object{{"post", s.can.post},
                          {"edit_info", s.can.edit_info},
                          {"invite", s.can.invite},
                          {"remove", s.can.remove},
                          {"leave", s.can.leave},
                          {"set_roles", s.can.set_roles},
                          {"edit_rules", s.can.edit_rules},
                          {"edit_official", s.can.edit_official},
                          {"pin", s.can.pin},
                          {"edit_notes", s.can.edit_notes}};
  return o;
}

json::object room_rules(const RoomRules& r) {
  json::object o;
  o["announcement"] = r.announcement;
  o["official"] = r.official;
  o["members_invite"] = r.members_invite;
  o["members_edit"] = r.members_edit;
  switch (r.sync.kind) {
    case OrgSync::Kind::none: o["sync"] = nullptr; break;
    case OrgSync::Kind::tenant: o["sync"] = json::object{{"kind", "tenant"}}; break;
    case OrgSync::Kind::department:
      o["sync"] = json::object{
          {"kind", "department"}, {"dept", r.sync.dept}, {"subtree", r.sync.subtree}};
      break;
  }
  return o;
}

std::string system_note_json(const SystemNote& n) {
  json::object o;
  o["action"] = n.action;
  if (!n.users.empty() || n.count) {
    json::array users;
    for (std::size_t i = 0; i < n.users.size() && i < kMaxUsersPerSystemNote; ++i) {
      users.push_back(json::object{{"id", n.users[i].first}, {"name", n.users[i].second}});
    }
    o["users"] = std::move(users);
    o["count"] = std::max<std::int64_t>(n.count, static_cast<std::int64_t>(n.users.size()));
  }
  if (!n.name.empty()) o["name"] = n.name;
  if (!n.old_name.empty()) o["old_name"] = n.old_name;
  if (n.action == "description_changed") o["description"] = n.description;
  if (!n.role.empty()) o["role"] = n.role;
  if (!n.reason.empty()) o["reason"] = n.reason;
  if (n.rules) o["rules"] = room_rules(*n.rules);
  if (n.note) o["note"] = n.note;
  if (n.seq) o["seq"] = n.seq;
  if (!n.title.empty()) o["title"] = n.title;
  if (n.version) o["version"] = n.version;
  if (n.restored_from) o["restored_from"] = n.restored_from;
  return json::serialize(o);
}

std::string message_event(const char* type, const Message& m, EventNo ev) {
  if (m.action && (!m.action->mine.empty() ||
                   (!m.action->spec.results_public && !m.action->tally.counts.empty()))) {
    Message everyone = m;
    everyone.action = for_everyone(*m.action);
    return message_event(type, everyone, ev);
  }
  std::string out;
  out.reserve(256 + m.body.size() + (m.reply_to ? m.reply_to->body.size() : 0));
  out += "{\"type\":";
  append_json_string(out, type);
  append_field(out, ",\"room\":", m.room);
  append_field(out, ",\"ev\":", ev);
  out += ",\"message\":";
  append_message(out, m);
  out += '}';
  return out;
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

std::string room_updated_event(const Room& room, EventNo ev, UserId by) {
  return json::serialize(json::object{{"type", "room.updated"},
                                      {"room", room.id},
                                      {"ev", ev},
                                      {"name", room.name},
                                      {"description", room.description},
                                      {"rules", room_rules(room.rules)},
                                      {"by", by}});
}

std::string member_role_changed_event(RoomId room, EventNo ev, UserId u, MemberRole role,
                                      UserId by, const char* reason) {
  return json::serialize(json::object{{"type", "member.role_changed"},
                                      {"room", room},
                                      {"ev", ev},
                                      {"user", u},
                                      {"role", member_role_name(role)},
                                      {"by", by},
                                      {"reason", reason}});
}

ActionState for_everyone(const ActionState& a) {
  ActionState out = a;
  out.mine.clear();
  out.mine_at = 0;
  if (!a.spec.results_public) out.tally.counts.clear();
  return out;
}

std::string reaction_updated_event(RoomId room, EventNo ev, Seq seq, const std::string& key,
                                   std::int64_t count, UserId user, bool on) {
  return json::serialize(json::object{{"type", "reaction.updated"},
                                      {"room", room},
                                      {"ev", ev},
                                      {"seq", seq},
                                      {"key", key},
                                      {"count", count},
                                      {"user", user},
                                      {"on", on}});
}

std::string action_updated_event(RoomId room, EventNo ev, Seq seq, const ActionState& a) {
  return json::serialize(json::object{{"type", "action.updated"},
                                      {"room", room},
                                      {"ev", ev},
                                      {"seq", seq},
                                      {"action", action_state(for_everyone(a))}});
}

std::string message_acks_event(RoomId room, EventNo ev, Seq seq, std::int64_t ack_count) {
  return json::serialize(json::object{{"type", "message.acks"},
                                      {"room", room},
                                      {"ev", ev},
                                      {"seq", seq},
                                      {"ack_count", ack_count}});
}

std::string note_updated_event(RoomId room, EventNo ev, const Note& n) {
  return json::serialize(json::object{
      {"type", "note.updated"}, {"room", room}, {"ev", ev}, {"note", note(n, false)}});
}

std::string note_deleted_event(RoomId room, EventNo ev, NoteId id) {
  return json::serialize(
      json::object{{"type", "note.deleted"}, {"room", room}, {"ev", ev}, {"note", id}});
}

std::string pin_added_event(RoomId room, EventNo ev, const Pin& p) {
  Pin everyone = p;
  if (everyone.message && everyone.message->action) {
    everyone.message->action = for_everyone(*everyone.message->action);
  }
  return json::serialize(
      json::object{{"type", "pin.added"}, {"room", room}, {"ev", ev}, {"pin", pin(everyone)}});
}

std::string pin_removed_event(RoomId room, EventNo ev, Pin::Kind kind, std::int64_t target) {
  json::object o{{"type", "pin.removed"}, {"room", room}, {"ev", ev}, {"kind", pin_kind_name(kind)}};
  o[kind == Pin::Kind::note ? "note" : "seq"] = target;
  return json::serialize(o);
}

std::string error_body(const char* code, const std::string& msg) {
  // A message quoting request bytes unchecked would make the body invalid JSON text: the
  // places that quote them use text::printable, and this catches any that does not.
  if (!text::valid_utf8(msg)) return error_body(code, text::printable(msg, msg.size()));
  return json::serialize(json::object{{"error", json::object{{"code", code}, {"message", msg}}}});
}

}  // namespace wire
}  // namespace tonari
