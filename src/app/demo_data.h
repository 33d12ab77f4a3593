// Demo municipality (さくら市, fictional) used by `tonari serve --demo`: org tree, staff,
// rooms and some history. Pure data; seeding logic lives in demo_seed.cc.
#pragma once
#include <vector>

namespace tonari::app {

struct DemoDepartment {
  const char* key;         // unique key, referenced by parent_key and users
  const char* parent_key;  // nullptr for a top-level 部
  const char* name;        // e.g. "総務部", "情報政策課", "防災係"
  const char* reading;     // hiragana reading, e.g. "ぼうさいがかり"
};

struct DemoUser {
  const char* login;     // ASCII login id (romaji family name, e.g. "tanaka")
  const char* name;      // "田中 太郎" (family name, full-width space not used: ASCII space)
  const char* reading;   // "たなか たろう" (hiragana, same spacing)
  const char* dept_key;
  const char* title;     // 部長, 課長, 係長, 主査, 主任, 主事, 会計年度任用職員 ...
  const char* status;    // free status line, may be "" (e.g. "本日は第2庁舎2F", "午後から現地調査")
  bool admin;            // municipality IT administrator
  const char* extension = "";  // 内線
  bool disabled = false;       // left (退職): disabled after seeding, still a member of rooms
};

struct DemoRoom {
  const char* name;                    // group room name
  std::vector<const char*> members;    // logins; first one is the owner. Empty vector = everybody (all-staff room)
  // An official room following the org tree: "tenant" (everyone), or a department's key
  // (it and its sub-departments). nullptr: an ordinary room.
  const char* official = nullptr;
  bool announcement = false;           // お知らせ専用: only the owner and `admins` post
  std::vector<const char*> admins = {};  // room admins (logins)
  const char* description = "";
};

struct DemoMessage {
  int room;                // index into demo_rooms()
  const char* sender;      // login (must be a member of the room)
  const char* body;        // Japanese business chat text, natural for city-hall staff
  int minutes_ago;         // posted this many minutes before seeding; messages are listed oldest first (descending minutes_ago per room)
};

const std::vector<DemoDepartment>& demo_departments();
const std::vector<DemoUser>& demo_users();
const std::vector<DemoRoom>& demo_rooms();
const std::vector<DemoMessage>& demo_messages();

}  // namespace tonari::app
