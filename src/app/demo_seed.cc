#include "app/demo_seed.h"

#include <map>
#include <string_view>

#include "app/demo_data.h"

namespace tonari::app {

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

  std::map<std::string, User> users;
  for (const auto& u : demo_users()) {
    services::NewUserRequest req{kDemoTenantCode, u.login, u.name, u.reading, kDemoPassword,
                                 depts.at(u.dept_key).code, u.title, u.status, u.admin};
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
