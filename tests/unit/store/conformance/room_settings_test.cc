// Store conformance (store_test.h): what a room is set to and who does what in it —
// update_room (name, description, rules), set_member_role (admins, the last owner),
// announcement rooms, the org-synced rooms, and users' profiles (update_user).
#include "store/conformance/store_test.h"

#include <optional>
#include <string>
#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;
using store::RoomPatch;
using store::UserPatch;

RoomPatch patch(std::optional<std::string> name, std::optional<std::string> description = {},
                std::optional<RoomRules> rules = {}) {
  RoomPatch p;
  p.name = std::move(name);
  p.description = std::move(description);
  p.rules = std::move(rules);
  return p;
}

RoomRules official() {
  RoomRules r;
  r.official = true;
  return r;
}

RoomRules announcement_rules() {
  RoomRules r;
  r.announcement = true;
  r.official = true;
  r.members_invite = false;
  r.sync = OrgSync{OrgSync::Kind::department, 0, false};
  return r;
}

// ---- Description and rules round-trip ---------------------------------------------

TEST_P(StoreTest, DescriptionAndRulesAreKeptWithTheRoom) {
  RoomRules rules = announcement_rules();
  rules.sync.dept = dept_.id;
  auto c = must(create_with_rules(rules, {bob_.id}));
  EXPECT_EQ(c.room.description, "庁内のお知らせを流します");
  EXPECT_EQ(c.room.rules, rules);
  auto check = [&](const Room& r, const char* where) {
    EXPECT_EQ(r.description, "庁内のお知らせを流します") << where;
    EXPECT_EQ(r.rules, rules) << where;
  };
  check(must(store().room(c.room.id)), "room");
  check(must(store().room_and_member(c.room.id, bob_.id)).first, "room_and_member");
  check(must(store().room_summary(c.room.id, bob_.id)).room, "room_summary");
  auto list = must(store().rooms_for_user(bob_.id));
  ASSERT_EQ(list.size(), 1u);
  check(list[0].room, "rooms_for_user");
  reopen();
  check(must(store().room(c.room.id)), "after reopening");
  // The defaults of a group room.
  Room plain = group_room();
  EXPECT_EQ(plain.description, "");
  EXPECT_EQ(must(store().room(plain.id)).rules, RoomRules{});
}

// ---- update_room ------------------------------------------------------------------

TEST_P(StoreTest, UpdateRoomRenamesWithAnEventThenASystemMessage) {
  Room room = group_room();
  auto u = must(update(room.id, bob_.id, patch("危機管理課")));
  EXPECT_TRUE(u.created);
  EXPECT_EQ(u.room.name, "危機管理課");
  ASSERT_EQ(u.events.size(), 2u);
  auto f = parse_frame(u.events[0]);
  EXPECT_EQ(str_at(f, "type"), "room.updated");
  EXPECT_EQ(str_at(f, "name"), "危機管理課");
  EXPECT_EQ(f.at("by").as_int64(), bob_.id);
  auto note = note_of(u.events[1]);
  EXPECT_EQ(str_at(note, "action"), "renamed");
  EXPECT_EQ(str_at(note, "name"), "危機管理課");
  EXPECT_EQ(str_at(note, "old_name"), "防災訓練PJ");
  EXPECT_EQ(u.room.msg_seq, 2);
  EXPECT_EQ(u.room.ev, u.events[1].ev);
  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.name, "危機管理課");
  EXPECT_EQ(stored.ev, u.room.ev);
  EXPECT_EQ(must(store().room_summary(room.id, carol_.id)).display_name, "危機管理課");
  auto last = system_messages(room.id).back();
  EXPECT_EQ(last.sender, bob_.id);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, last.seq);
  auto replay = all_events(room.id);
  EXPECT_EQ(*replay[replay.size() - 2].frame, *u.events[0].frame);
  EXPECT_EQ(*replay.back().frame, *u.events[1].frame);
}

TEST_P(StoreTest, UpdateRoomSaysEachChangedAspectInOrder) {
  Room room = group_room();
  RoomRules rules;
  rules.members_edit = true;
  auto u = must(update(room.id, alice_.id,
                       patch("新しい名前", "説明です", rules)));
  ASSERT_EQ(u.events.size(), 4u);
  EXPECT_EQ(type_of(u.events[0]), "room.updated");
  auto f = parse_frame(u.events[0]);
  EXPECT_EQ(str_at(f, "description"), "説明です");
  EXPECT_TRUE(f.at("rules").at("members_edit").as_bool());
  EXPECT_EQ(str_at(note_of(u.events[1]), "action"), "renamed");
  auto described = note_of(u.events[2]);
  EXPECT_EQ(str_at(described, "action"), "description_changed");
  EXPECT_EQ(str_at(described, "description"), "説明です");
  auto ruled = note_of(u.events[3]);
  EXPECT_EQ(str_at(ruled, "action"), "rules_changed");
  EXPECT_TRUE(ruled.at("rules").at("members_edit").as_bool());
  EXPECT_EQ(u.room.msg_seq, 4);
  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.description, "説明です");
  EXPECT_EQ(stored.rules, rules);
}

TEST_P(StoreTest, UpdateRoomLeavesOutWhatDidNotChange) {
  Room room = group_room();
  // Nothing different: nothing written.
  auto same = must(update(room.id, alice_.id, patch("防災訓練PJ", "", RoomRules{})));
  EXPECT_FALSE(same.created);
  EXPECT_TRUE(same.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, room.ev);
  auto none = must(update(room.id, alice_.id, patch({})));
  EXPECT_FALSE(none.created);
  // Only the description differs: only it is told.
  auto one = must(update(room.id, alice_.id, patch("防災訓練PJ", "説明")));
  ASSERT_EQ(one.events.size(), 2u);
  EXPECT_EQ(str_at(note_of(one.events[1]), "action"), "description_changed");
}

TEST_P(StoreTest, UpdateRoomAppliesItsRuleAndRefusesDirectRooms) {
  Room room = group_room();
  must(set_role(room.id, alice_.id, bob_.id, MemberRole::admin));
  const EventNo before = must(store().room(room.id)).ev;
  // The rule sees the acting member's role, admin included.
  store::RoomRule admins_only = [](const Room&, const std::optional<Member>& by) {
    if (!by || by->role == MemberRole::member) return permission_denied("owners and admins only");
    return Status::ok();
  };
  EXPECT_EQ(update(room.id, carol_.id, patch("x"), admins_only).status().code(),
            Code::permission_denied);
  EXPECT_EQ(update(room.id, dave_.id, patch("x"), admins_only).status().code(),
            Code::permission_denied);
  EXPECT_EQ(must(store().room(room.id)).ev, before);
  EXPECT_TRUE(must(update(room.id, bob_.id, patch("x"), admins_only)).created);

  Room direct = must(create_direct(alice_.id, bob_.id)).room;
  EXPECT_EQ(update(direct.id, alice_.id, patch("x")).status().code(), Code::invalid_argument);
  EXPECT_EQ(update(987654, alice_.id, patch("x")).status().code(), Code::not_found);
}

// ---- set_member_role --------------------------------------------------------------

TEST_P(StoreTest, SetMemberRoleWritesAnEventAndASystemMessage) {
  Room room = group_room();
  auto s = must(set_role(room.id, alice_.id, bob_.id, MemberRole::admin));
  EXPECT_TRUE(s.created);
  ASSERT_EQ(s.events.size(), 2u);
  auto f = parse_frame(s.events[0]);
  EXPECT_EQ(str_at(f, "type"), "member.role_changed");
  EXPECT_EQ(f.at("user").as_int64(), bob_.id);
  EXPECT_EQ(str_at(f, "role"), "admin");
  EXPECT_EQ(f.at("by").as_int64(), alice_.id);
  EXPECT_EQ(str_at(f, "reason"), "set");
  auto note = note_of(s.events[1]);
  EXPECT_EQ(str_at(note, "action"), "role_changed");
  EXPECT_EQ(str_at(note, "role"), "admin");
  EXPECT_EQ(note.at("users").as_array()[0].at("id").as_int64(), bob_.id);
  EXPECT_EQ(system_messages(room.id).back().sender, alice_.id);

  // The role as every read shows it.
  EXPECT_EQ(role(room.id, bob_.id), MemberRole::admin);
  EXPECT_EQ(must(store().room_and_member(room.id, bob_.id)).second->role, MemberRole::admin);
  EXPECT_EQ(must(store().room_summary(room.id, bob_.id)).role, MemberRole::admin);
  EXPECT_EQ(must(store().rooms_for_user(bob_.id))[0].role, MemberRole::admin);
  for (const auto& [u, m] : must(store().members(room.id))) {
    EXPECT_TRUE(u.id != bob_.id || m.role == MemberRole::admin);
  }
  for (const auto& [u, m] : must(store().members_page(room.id, {}, 10, {})).members) {
    EXPECT_TRUE(u.id != bob_.id || m.role == MemberRole::admin);
  }
  reopen();
  EXPECT_EQ(role(room.id, bob_.id), MemberRole::admin);

  // Already so: nothing written.
  const EventNo before = must(store().room(room.id)).ev;
  auto again = must(set_role(room.id, alice_.id, bob_.id, MemberRole::admin));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, before);
}

TEST_P(StoreTest, TheLastOwnerCannotStepDown) {
  Room room = group_room();
  EXPECT_EQ(set_role(room.id, alice_.id, alice_.id, MemberRole::admin).status().code(),
            Code::conflict);
  EXPECT_EQ(owners(room.id), std::vector<UserId>{alice_.id});
  // With a second owner, they can.
  must(set_role(room.id, alice_.id, bob_.id, MemberRole::owner));
  must(set_role(room.id, alice_.id, alice_.id, MemberRole::member));
  EXPECT_EQ(owners(room.id), std::vector<UserId>{bob_.id});
  EXPECT_EQ(set_role(room.id, bob_.id, dave_.id, MemberRole::admin).status().code(),
            Code::not_found);
  store::RoomRule deny = [](const Room&, const std::optional<Member>&) {
    return permission_denied("no");
  };
  EXPECT_EQ(set_role(room.id, carol_.id, carol_.id, MemberRole::owner, deny).status().code(),
            Code::permission_denied);
  EXPECT_EQ(role(room.id, carol_.id), MemberRole::member);
}

// ---- Announcement rooms -----------------------------------------------------------

TEST_P(StoreTest, OnlyOwnersAdminsAndTenantAdminsPostInAnAnnouncementRoom) {
  RoomRules rules;
  rules.announcement = true;
  auto room = must(create_with_rules(rules, {bob_.id, carol_.id})).room;
  must(set_role(room.id, alice_.id, carol_.id, MemberRole::admin));
  const Seq before = must(store().room(room.id)).msg_seq;
  EXPECT_EQ(post(room.id, bob_.id, "c-1", "会員です").status().code(), Code::permission_denied);
  EXPECT_EQ(must(store().room(room.id)).msg_seq, before);
  EXPECT_TRUE(must(post(room.id, alice_.id, "c-2", "所有者です")).created);
  EXPECT_TRUE(must(post(room.id, carol_.id, "c-3", "管理者です")).created);
  store::NewMessage m;
  m.room = room.id;
  m.sender = bob_.id;
  m.client_id = "c-4";
  m.body = "テナント管理者です";
  m.now = kT0 + 1000;
  m.tenant = tenant_.id;
  m.tenant_admin = true;
  EXPECT_TRUE(must(wait<RoomChange>([&](auto cb) { store().post_message(m, cb); })).created);
  // Still only as a member.
  m.sender = dave_.id;
  m.client_id = "c-5";
  EXPECT_EQ(wait<RoomChange>([&](auto cb) { store().post_message(m, cb); }).status().code(),
            Code::not_found);
  // Members still read.
  EXPECT_EQ(must(mark_read(room.id, bob_.id, 100)).new_seq, must(store().room(room.id)).msg_seq);
}

// ---- Org-synced rooms -------------------------------------------------------------

TEST_P(StoreTest, SyncedRoomsListsTheTenantsRoomsThatFollowTheOrgTree) {
  RoomRules by_dept;
  by_dept.official = true;
  by_dept.sync = OrgSync{OrgSync::Kind::department, dept_.id, true};
  RoomRules by_tenant;
  by_tenant.official = true;
  by_tenant.sync.kind = OrgSync::Kind::tenant;
  auto a = must(create_with_rules(by_dept, {}, "防災係")).room;
  group_room();
  must(create_with_rules(official(), {}, "公式だけ"));
  auto b = must(create_with_rules(by_tenant, {}, "全職員")).room;
  auto synced = must(store().synced_rooms(tenant_.id));
  ASSERT_EQ(synced.size(), 2u);
  EXPECT_EQ(synced[0].id, a.id);
  EXPECT_EQ(synced[0].rules, by_dept);
  EXPECT_EQ(synced[1].id, b.id);
  EXPECT_EQ(synced[1].rules, by_tenant);
  EXPECT_TRUE(must(store().synced_rooms(other_tenant_.id)).empty());
  // Unlinking takes it off the list.
  must(update(a.id, alice_.id, patch({}, {}, official())));
  synced = must(store().synced_rooms(tenant_.id));
  ASSERT_EQ(synced.size(), 1u);
  EXPECT_EQ(synced[0].id, b.id);
}

// ---- Profiles: update_user --------------------------------------------------------

UserPatch title(std::string t) {
  UserPatch p;
  p.title = std::move(t);
  return p;
}

UserPatch dept(DeptId d) {
  UserPatch p;
  p.dept = d;
  return p;
}

TEST_P(StoreTest, UpdateUserChangesEachFieldGiven) {
  Department soumu = must(department("総務課"));
  UserPatch all;
  all.name = "上田 花子";
  all.reading = "あいだ はなこ";
  all.dept = soumu.id;
  all.title = "主任";
  all.extension = "1234";
  all.status = "会議中";
  auto u = must(update_user(carol_.id, all));
  EXPECT_EQ(u.name, "上田 花子");
  EXPECT_EQ(u.reading, "あいだ はなこ");
  EXPECT_EQ(u.dept, soumu.id);
  EXPECT_EQ(u.dept_name, "総務課");
  EXPECT_EQ(u.title, "主任");
  EXPECT_EQ(u.extension, "1234");
  EXPECT_EQ(u.status, "会議中");
  auto read = must(store().user(carol_.id));
  EXPECT_EQ(read.extension, "1234");
  EXPECT_EQ(read.dept, soumu.id);
  EXPECT_EQ(must(store().credentials(tenant_.id, "carol")).user.extension, "1234");
  // Only what is given changes.
  auto title_only = must(update_user(carol_.id, title("係長")));
  EXPECT_EQ(title_only.title, "係長");
  EXPECT_EQ(title_only.extension, "1234");
  EXPECT_EQ(title_only.name, "上田 花子");
  // The new reading orders her (あいだ before あべ) and the new name finds her.
  Room room = group_room();
  auto members = must(store().members(room.id));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first.id, carol_.id);
  EXPECT_EQ(members[0].first.extension, "1234");
  EXPECT_EQ(walk(room.id, 1), (std::vector<UserId>{carol_.id, alice_.id, bob_.id}));
  EXPECT_EQ(ids_of(must(store().find_users(tenant_.id, "花子", {}, 10))),
            std::vector<UserId>{carol_.id});
  // Dept 0: none.
  auto no_dept = must(update_user(carol_.id, dept(0)));
  EXPECT_EQ(no_dept.dept, 0);
}

TEST_P(StoreTest, UpdateUserRefusesAnotherTenantsDepartmentAndAnUnknownUser) {
  Department theirs;
  theirs.tenant = other_tenant_.id;
  theirs.name = "よその課";
  theirs = must(wait<Department>([&](auto cb) { store().create_department(theirs, cb); }));
  EXPECT_EQ(update_user(carol_.id, dept(theirs.id)).status().code(), Code::invalid_argument);
  EXPECT_EQ(update_user(carol_.id, dept(987654)).status().code(), Code::invalid_argument);
  EXPECT_EQ(must(store().user(carol_.id)).dept, dept_.id);
  EXPECT_EQ(update_user(987654, title("x")).status().code(), Code::not_found);
}

}  // namespace
}  // namespace tonari::testing
