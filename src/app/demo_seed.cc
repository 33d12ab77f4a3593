#include "app/demo_seed.h"

#include <array>
#include <map>
#include <optional>
#include <string_view>

#include "app/demo_data.h"
#include "services/crypto.h"

namespace tonari::app {
namespace {

using Users = std::map<std::string, User>;

// Room indexes of demo_rooms().
constexpr int kAllRoom = 0, kBosaiRoom = 1, kKunrenRoom = 3;

Result<store::RoomChange> post(Node& node, const Room& room, const User& u, std::string cid,
                               TimeMs at, std::string stamp, std::optional<ActionSpec> action) {
  store::NewMessage m;
  m.room = room.id;
  m.sender = u.id;
  m.sender_name = u.name;
  m.client_id = std::move(cid);
  m.now = at;
  m.stamp = std::move(stamp);
  m.action = std::move(action);
  return services::wait_for<store::RoomChange>(
      [&](auto cb) { node.store->post_message(std::move(m), std::move(cb)); });
}

std::string answer(Node& node, const Room& room, Seq seq, const User& u,
                   std::vector<ActionPick> picks, TimeMs at) {
  auto done = services::wait_for<store::RoomChange>([&](auto cb) {
    node.store->answer_action(store::NewAnswer{room.id, seq, u.id, 0, std::move(picks), at},
                              std::move(cb));
  });
  return done.ok() ? std::string() : "answer: " + done.status().message();
}

std::string react(Node& node, const Room& room, Seq seq, const User& u, const char* key,
                  TimeMs at) {
  auto done = services::wait_for<store::RoomChange>([&](auto cb) {
    node.store->react(store::NewReaction{room.id, seq, u.id, 0, key, true, at}, std::move(cb));
  });
  return done.ok() ? std::string() : "reaction: " + done.status().message();
}

// What the working-together features look like in use: a note pinned as the project's
// お知らせ, a 出欠 and a 日程調整 partly answered, stamps and reactions.
std::string seed_collab(Node& node, const std::vector<Room>& rooms, const Users& users,
                        TimeMs now) {
  const TimeMs min = 60000;
  const Room& kunren = rooms.at(kKunrenRoom);
  const Room& bosai = rooms.at(kBosaiRoom);
  const Room& all = rooms.at(kAllRoom);
  std::string err;

  auto note = services::wait_for<store::RoomChange>([&](auto cb) {
    node.store->create_note(
        store::NewNote{kunren.id, 0, users.at("sato").id, "総合防災訓練 実施要領（案）",
                       "## 目的\n"
                       "大規模地震を想定し、災害対策本部の設置から避難所の開設・運営までを確認する。\n\n"
                       "## 日時・会場\n"
                       "- 11月第2日曜 8:30〜12:00\n"
                       "- 市民運動公園（雨天時は市民体育館）\n\n"
                       "## 役割分担\n"
                       "| 班 | 担当課 | 内容 |\n"
                       "| --- | --- | --- |\n"
                       "| 本部班 | 危機管理課 | 本部設置、情報収集 |\n"
                       "| 避難所班 | 福祉課 | 受付、名簿作成 |\n"
                       "| 道路班 | 道路課 | 通行止め、道路啓開 |\n\n"
                       "## 準備\n"
                       "- [x] 会場の使用申請\n"
                       "- [x] 受付用タブレット・モバイルWi-Fi（情報政策課）\n"
                       "- [ ] 避難者名簿の様式（住民記録係と調整中）\n"
                       "- [ ] 保存水の配布数の確定\n",
                       now - 900 * min},
        {}, std::move(cb));
  });
  if (!note.ok() || !note->note) return "note: " + note.status().message();
  auto pinned = services::wait_for<store::RoomChange>([&](auto cb) {
    node.store->pin(kunren.id, users.at("sato").id, Pin::Kind::note, note->note->id,
                    now - 899 * min, {}, std::move(cb));
  });
  if (!pinned.ok()) return "pin: " + pinned.status().message();

  ActionSpec meeting;
  meeting.kind = ActionKind::attendance;
  meeting.title = "来週火曜14時 訓練打合せの出欠";
  meeting.deadline = now + 3LL * 24 * 60 * min;
  auto asked = post(node, kunren, users.at("sato"), "demo-action-1", now - 4 * min, "",
                    meeting);
  if (!asked.ok()) return "action: " + asked.status().message();
  const Seq meeting_seq = asked->message->seq;
  const std::pair<const char*, int> attendance[] = {
      {"takahashi", 0}, {"tanaka", 0}, {"yamada", 1}, {"watanabe", 0}, {"ishikawa", 2}};
  for (const auto& [login, option] : attendance) {
    err = answer(node, kunren, meeting_seq, users.at(login), {{option, 0}}, now - 3 * min);
    if (!err.empty()) return err;
  }

  ActionSpec check;
  check.kind = ActionKind::schedule;
  check.title = "備蓄倉庫の点検日";
  check.options = {"12/14(月) 9:00", "12/15(火) 13:30", "12/17(木) 9:00"};
  asked = post(node, bosai, users.at("sato"), "demo-action-2", now - 3 * min, "", check);
  if (!asked.ok()) return "action: " + asked.status().message();
  const Seq check_seq = asked->message->seq;
  const std::pair<const char*, std::array<int, 3>> schedule[] = {
      {"tanaka", {0, 1, 2}}, {"suzuki", {0, 0, 2}}, {"ito", {1, 0, 0}}};
  for (const auto& [login, values] : schedule) {
    err = answer(node, bosai, check_seq, users.at(login),
                 {{0, values[0]}, {1, values[1]}, {2, values[2]}}, now - 2 * min);
    if (!err.empty()) return err;
  }
  auto stamp = post(node, bosai, users.at("tanaka"), "demo-stamp-1", now - 1 * min, "ryokai", {});
  if (!stamp.ok()) return "stamp: " + stamp.status().message();

  // 既読 is not enough for an all-staff warning: staff acknowledge it with a stamp.
  auto latest = node.store->messages(all.id, -1, 0, 3);
  if (!latest.ok()) return latest.status().message();
  for (const Message& m : *latest) {
    if (m.body.find("【注意喚起】") == std::string::npos) continue;
    for (const char* login : {"otsuka", "ogawa", "ikeda", "sato", "nakamura"}) {
      err = react(node, all, m.seq, users.at(login), "s:kakunin_shimashita", now - 10 * min);
      if (!err.empty()) return err;
    }
    err = react(node, all, m.seq, users.at("takahashi"), "🙏", now - 9 * min);
    if (!err.empty()) return err;
  }
  return {};
}

}  // namespace

std::string seed_demo(Node& node) {
  if (node.store->tenant_by_code(kDemoTenantCode).ok()) return {};
  auto tenant = node.accounts->create_tenant(kDemoTenantCode, "さくら市");
  if (!tenant.ok()) return tenant.status().message();

  std::map<std::string, Department> depts;
  for (const auto& d : demo_departments()) {
    DeptId parent = d.parent_key ? depts.at(d.parent_key).id : 0;
    auto created = node.accounts->create_department(tenant->id, parent, d.name, d.reading);
    if (!created.ok()) return created.status().message();
    depts[d.key] = *created;
  }

  // Every demo account has the same published password: it is hashed once.
  const std::string password_hash = services::hash_password(
      kDemoPassword, node.ctx->limits.pwhash_opslimit, node.ctx->limits.pwhash_memlimit);
  if (password_hash.empty()) return "password hashing failed (out of memory?)";
  std::map<std::string, User> users;
  for (const auto& u : demo_users()) {
    services::NewUserRequest req{kDemoTenantCode, u.login, u.name, u.reading, "",
                                 depts.at(u.dept_key).code, u.title, u.status, u.admin, password_hash};
    auto created = node.accounts->create_user(req);
    if (!created.ok()) return std::string(u.login) + ": " + created.status().message();
    if (*u.extension) {
      store::UserPatch patch;
      patch.extension = u.extension;
      created = services::wait_for<User>(
          [&](auto cb) { node.store->update_user(created->id, std::move(patch), std::move(cb)); });
      if (!created.ok()) return std::string(u.login) + ": " + created.status().message();
    }
    users[u.login] = *created;
  }

  // Rooms are created "3 days ago" and messages keep their minutes_ago, so the demo has a
  // history spread over days.
  const TimeMs now = node.clock.now_ms();
  const TimeMs start = now - 4LL * 24 * 3600 * 1000;
  std::vector<Room> rooms;
  for (const auto& r : demo_rooms()) {
    std::vector<UserId> members;
    UserId owner = users.at("yamada").id;
    if (r.members.empty()) {
      for (const auto& [login, u] : users) members.push_back(u.id);
    } else {
      owner = users.at(r.members.front()).id;
      for (const char* login : r.members) members.push_back(users.at(login).id);
    }
    RoomRules rules;
    if (r.official) {
      rules.official = true;
      rules.announcement = r.announcement;
      if (std::string_view(r.official) == "tenant") {
        rules.sync.kind = OrgSync::Kind::tenant;
      } else {
        rules.sync = OrgSync{OrgSync::Kind::department, depts.at(r.official).id, true};
      }
    }
    auto change = services::wait_for<store::RoomChange>([&](auto cb) {
      node.store->create_room(store::NewRoom{tenant->id, RoomKind::group, r.name, owner, members,
                                             start, 0, r.description, rules},
                              std::move(cb));
    });
    if (!change.ok()) return std::string(r.name) + ": " + change.status().message();
    for (const char* login : r.admins) {
      auto set = services::wait_for<store::RoomChange>([&](auto cb) {
        node.store->set_member_role(change->room.id, owner, users.at(login).id, MemberRole::admin,
                                    start, {}, std::move(cb));
      });
      if (!set.ok()) return std::string(r.name) + ": " + set.status().message();
    }
    // Everyone the org tree puts in it (the listed members already are).
    auto synced = services::wait_for<bool>([&](auto cb) {
      node.rooms->sync_room(change->room, [cb = std::move(cb)](Status st) mutable {
        if (!st.is_ok()) return cb(st);
        cb(true);
      });
    });
    if (!synced.ok()) return std::string(r.name) + ": " + synced.status().message();
    rooms.push_back(change->room);
  }

  int n = 0;
  for (const auto& m : demo_messages()) {
    const Room& room = rooms.at(m.room);
    auto posted = services::wait_for<store::RoomChange>([&](auto cb) {
      node.store->post_message(
          store::NewMessage{room.id, users.at(m.sender).id, users.at(m.sender).name,
                            "demo-" + std::to_string(++n),
                            m.body, 0, {}, false, now - static_cast<TimeMs>(m.minutes_ago) * 60000},
          std::move(cb));
    });
    if (!posted.ok()) return std::string("message: ") + posted.status().message();
  }

  if (auto err = seed_collab(node, rooms, users, now); !err.empty()) return err;

  // Realistic read positions: most members are up to date, some are a message or two
  // behind, so that 既読 counts and unread badges show something.
  int i = 0;
  for (const Room& room : rooms) {
    auto latest = node.store->room(room.id);
    auto members = node.store->members(room.id);
    if (!latest.ok() || !members.ok()) continue;
    for (const auto& [u, member] : *members) {
      const Seq seq = std::max<Seq>(0, latest->msg_seq - (i++ % 3));
      services::wait_for<store::ReadChange>([&](auto cb) {
        node.store->mark_read(room.id, u.id, seq, 0, std::move(cb));
      });
    }
  }
  // Staff who left: disabled, still in their rooms (marked 利用停止 there).
  for (const auto& u : demo_users()) {
    if (!u.disabled) continue;
    auto off = node.accounts->set_disabled(kDemoTenantCode, u.login, true);
    if (!off.ok()) return std::string(u.login) + ": " + off.status().message();
  }
  return {};
}

}  // namespace tonari::app
