// The store's side of issue 17's org slice: department codes, rooms that never lose their
// owner (the handover rule), an administrator's takeover, and backups.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>

#include "store/sqlite/backup.h"
#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace json = boost::json;
using store::RoomChange;

json::object frame_of(const RoomEvent& e) { return json::parse(*e.frame).as_object(); }

class OrgStoreTest : public StoreTest {
 protected:
  Result<Department> department(const std::string& name, DeptId parent = 0,
                                const std::string& code = {}) {
    Department d;
    d.tenant = tenant_.id;
    d.parent = parent;
    d.name = name;
    d.code = code;
    return wait<Department>([&](auto cb) { store().create_department(d, cb); });
  }
  Result<RoomChange> remove(RoomId room, UserId by, UserId user, TimeMs now = kT0 + 100) {
    return wait<RoomChange>([&](auto cb) { store().remove_member(room, by, user, now, nullptr, cb); });
  }
  Result<RoomChange> add(RoomId room, UserId by, std::vector<UserId> users, TimeMs now) {
    return wait<RoomChange>([&](auto cb) { store().add_members(room, by, users, now, 0, nullptr, cb); });
  }
  Result<RoomChange> take_over(RoomId room, UserId user) {
    return wait<RoomChange>([&](auto cb) { store().take_over_room(room, user, kT0 + 200, cb); });
  }
  MemberRole role(RoomId room, UserId user) {
    auto m = must(store().member(room, user));
    EXPECT_TRUE(m.has_value());
    return m ? m->role : MemberRole::member;
  }
  std::vector<UserId> owners(RoomId room) {
    std::vector<UserId> out;
    for (const auto& [u, m] : must(store().members(room))) {
      if (m.role == MemberRole::owner) out.push_back(u.id);
    }
    return out;
  }
};

// ---- Departments ----------------------------------------------------------------------

TEST_F(OrgStoreTest, DepartmentsKeepTheirCodeOrGetOne) {
  auto somu = must(department("総務部", 0, "01"));
  EXPECT_EQ(somu.code, "01");
  auto ka = must(department("総務課", somu.id));
  EXPECT_EQ(ka.code, "D" + std::string(4 - std::to_string(ka.id).size(), '0') + std::to_string(ka.id));
  bool found = false;
  for (const auto& d : must(store().departments(tenant_.id))) {
    if (d.id == ka.id) {
      found = true;
      EXPECT_EQ(d.code, ka.code);
      EXPECT_EQ(d.parent, somu.id);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(OrgStoreTest, ACodeIsUniqueInItsMunicipalityAndSiblingsDoNotShareAName) {
  auto somu = must(department("総務部", 0, "01"));
  EXPECT_EQ(department("税務部", 0, "01").status().code(), Code::conflict);
  auto ka = must(department("総務課", somu.id, "0101"));
  auto zei = must(department("税務課", somu.id, "0102"));
  EXPECT_EQ(department("総務課", somu.id).status().code(), Code::conflict);
  // The same name under another parent is another department.
  auto a = must(department("庶務係", ka.id, "010101"));
  auto b = must(department("庶務係", zei.id, "010201"));
  EXPECT_NE(a.id, b.id);
  // Another municipality may use the same code.
  Department other;
  other.tenant = other_tenant_.id;
  other.name = "総務部";
  other.code = "01";
  EXPECT_TRUE(wait<Department>([&](auto cb) { store().create_department(other, cb); }).ok());
  // A parent of another municipality is not found.
  other.parent = somu.id;
  other.code = "02";
  EXPECT_EQ(wait<Department>([&](auto cb) { store().create_department(other, cb); }).status().code(),
            Code::not_found);
}

// Departments made before codes existed get one from migration 6.
TEST(OrgStoreUpgrade, Version6GivesExistingDepartmentsACode) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 5);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO departments(id, tenant_id, parent_id, name) VALUES(1, 1, NULL, '総務部'), (12, 1, 1, '総務課');
)sql");
    store::sqlite::migrate(db, 6);
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  auto depts = StoreTest::must(store.departments(1));
  ASSERT_EQ(depts.size(), 2u);
  EXPECT_EQ(depts[0].code, "D0001");
  EXPECT_EQ(depts[1].code, "D0012");
}

// ---- Rooms never lose their owner -----------------------------------------------------

TEST_F(OrgStoreTest, WhenTheOwnerLeavesTheLongestStandingMemberBecomesOwner) {
  // alice owns; bob and carol joined with her (the same instant: the lower id wins).
  auto room = must(create_group(alice_.id, {carol_.id, bob_.id})).room;
  auto left = must(remove(room.id, alice_.id, alice_.id));
  ASSERT_EQ(left.events.size(), 2u);
  EXPECT_EQ(frame_of(left.events[0]).at("type").as_string(), "member.left");
  auto f = frame_of(left.events[1]);
  EXPECT_EQ(f.at("type").as_string(), "member.role_changed");
  EXPECT_EQ(f.at("user").as_int64(), bob_.id);
  EXPECT_EQ(f.at("role").as_string(), "owner");
  EXPECT_EQ(f.at("by").as_int64(), 0);
  EXPECT_EQ(f.at("reason").as_string(), "owner_left");
  EXPECT_EQ(f.at("ev").as_int64(), left.events[0].ev + 1);
  EXPECT_EQ(left.left, std::vector<UserId>{alice_.id});
  EXPECT_EQ(owners(room.id), std::vector<UserId>{bob_.id});
  // Stored like every event: a client resuming from before sees both.
  auto replay = must(store().events_after(room.id, left.events[0].ev - 1, 10));
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(*replay[1].frame, *left.events[1].frame);

  // A member leaving changes no owner.
  auto plain = must(remove(room.id, carol_.id, carol_.id));
  EXPECT_EQ(plain.events.size(), 1u);
  EXPECT_EQ(owners(room.id), std::vector<UserId>{bob_.id});
}

TEST_F(OrgStoreTest, EarliestJoinedComesBeforeLowerId) {
  auto room = must(create_group(carol_.id, {dave_.id})).room;  // both at kT0
  must(add(room.id, carol_.id, {bob_.id}, kT0 + 50));          // bob: lower id, joined later
  // Removed by an administrator rather than leaving: the rule is the same.
  must(remove(room.id, alice_.id, carol_.id));
  EXPECT_EQ(owners(room.id), std::vector<UserId>{dave_.id});
}

TEST_F(OrgStoreTest, DisabledAccountsAreSkippedAndADisabledOwnerHandsOver) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id})).room;
  must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 10, cb); }));
  const EventNo before = must(store().room(room.id)).ev;
  must(wait<User>([&](auto cb) { store().set_user_disabled(alice_.id, true, kT0 + 20, cb); }));
  // alice stays a member, no longer owner; bob (disabled) is passed over for carol.
  EXPECT_EQ(role(room.id, alice_.id), MemberRole::member);
  EXPECT_EQ(owners(room.id), std::vector<UserId>{carol_.id});
  auto events = must(store().events_after(room.id, before, 10));
  ASSERT_EQ(events.size(), 2u);
  auto demoted = frame_of(events[0]);
  EXPECT_EQ(demoted.at("user").as_int64(), alice_.id);
  EXPECT_EQ(demoted.at("role").as_string(), "member");
  EXPECT_EQ(demoted.at("reason").as_string(), "owner_disabled");
  auto promoted = frame_of(events[1]);
  EXPECT_EQ(promoted.at("user").as_int64(), carol_.id);
  EXPECT_EQ(promoted.at("role").as_string(), "owner");
  // Enabling alice again gives her nothing back.
  must(wait<User>([&](auto cb) { store().set_user_disabled(alice_.id, false, kT0 + 30, cb); }));
  EXPECT_EQ(owners(room.id), std::vector<UserId>{carol_.id});
}

TEST_F(OrgStoreTest, ARoomWithNoActiveMemberLeftHasNoOwner) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 10, cb); }));
  auto left = must(remove(room.id, alice_.id, alice_.id));
  EXPECT_EQ(left.events.size(), 1u);
  EXPECT_TRUE(owners(room.id).empty());
}

TEST_F(OrgStoreTest, DirectRoomsHaveNoHandover) {
  auto room = must(create_direct(alice_.id, bob_.id)).room;
  const EventNo before = must(store().room(room.id)).ev;
  must(wait<User>([&](auto cb) { store().set_user_disabled(alice_.id, true, kT0 + 10, cb); }));
  EXPECT_EQ(must(store().room(room.id)).ev, before);
  EXPECT_EQ(take_over(room.id, carol_.id).status().code(), Code::invalid_argument);
}

TEST_F(OrgStoreTest, ATakeoverMakesTheOnlyOwnerAndJoinsANonMember) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  auto t = must(take_over(room.id, dave_.id));
  EXPECT_TRUE(t.created);
  EXPECT_EQ(t.joined, std::vector<UserId>{dave_.id});
  ASSERT_EQ(t.events.size(), 3u);
  EXPECT_EQ(frame_of(t.events[0]).at("type").as_string(), "member.joined");
  auto up = frame_of(t.events[1]);
  EXPECT_EQ(up.at("user").as_int64(), dave_.id);
  EXPECT_EQ(up.at("role").as_string(), "owner");
  EXPECT_EQ(up.at("by").as_int64(), dave_.id);
  EXPECT_EQ(up.at("reason").as_string(), "takeover");
  auto down = frame_of(t.events[2]);
  EXPECT_EQ(down.at("user").as_int64(), alice_.id);
  EXPECT_EQ(down.at("role").as_string(), "member");
  EXPECT_EQ(owners(room.id), std::vector<UserId>{dave_.id});
  EXPECT_EQ(must(store().room_summary(room.id, dave_.id)).member_count, 3);
  // Again: nothing to do, nothing written.
  auto again = must(take_over(room.id, dave_.id));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  // A member taking over keeps their membership.
  auto member = must(take_over(room.id, bob_.id));
  EXPECT_TRUE(member.joined.empty());
  EXPECT_EQ(owners(room.id), std::vector<UserId>{bob_.id});
  EXPECT_EQ(take_over(987654, bob_.id).status().code(), Code::not_found);
}

// ---- Backups --------------------------------------------------------------------------

TEST_F(OrgStoreTest, ABackupIsACheckedSnapshotThatCarriesFiles) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  must(post(room.id, alice_.id, "c-1", "バックアップ前"));
  const std::string out = (dir_.path() / "backup.db").string();
  auto info = must(store::sqlite::write_backup(db_path_, out, {{"cookie.key", "secret", 0600}}));
  EXPECT_EQ(info.schema_version, store::sqlite::latest_version());
  EXPECT_GT(info.bytes, 0);
  EXPECT_EQ(info.files, std::vector<std::string>{"cookie.key"});
  std::map<std::string, std::int64_t> counts(info.counts.begin(), info.counts.end());
  EXPECT_EQ(counts["messages"], 1);
  EXPECT_EQ(counts["users"], 5);
  auto files = must(store::sqlite::backup_files(out));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].content, "secret");

  // Stripped, the copy opens as a store with the message in it.
  ASSERT_TRUE(store::sqlite::strip_backup(out).is_ok());
  EXPECT_TRUE(must(store::sqlite::backup_files(out)).empty());
  store::sqlite::Options opts;
  opts.path = out;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore copy(opts);
  auto msgs = must(copy.messages(room.id, -1, 0, 10));
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].body, "バックアップ前");
}

TEST_F(OrgStoreTest, WhatIsNotATonariBackupIsRefused) {
  const std::string junk = (dir_.path() / "junk.db").string();
  std::ofstream(junk) << "not a database at all, just text that is long enough to be read";
  EXPECT_EQ(store::sqlite::backup_info(junk).status().code(), Code::invalid_argument);
  const std::string other = (dir_.path() / "other.db").string();
  {
    store::sqlite::Connection db(other, "NORMAL", false);
    db.exec("CREATE TABLE t(x)");
  }
  EXPECT_EQ(store::sqlite::backup_info(other).status().code(), Code::invalid_argument);
  const std::string newer = (dir_.path() / "newer.db").string();
  ASSERT_TRUE(store::sqlite::write_backup(db_path_, newer, {}).ok());
  {
    store::sqlite::Connection db(newer, "NORMAL", false);
    db.exec("PRAGMA user_version=999; PRAGMA journal_mode=DELETE");
  }
  auto st = store::sqlite::backup_info(newer).status();
  EXPECT_EQ(st.code(), Code::invalid_argument);
  EXPECT_NE(st.message().find("newer than this tonari"), std::string::npos) << st.message();
  EXPECT_EQ(store::sqlite::write_backup((dir_.path() / "none.db").string(),
                                        (dir_.path() / "x.db").string(), {}).status().code(),
            Code::not_found);
}

}  // namespace
}  // namespace tonari::testing
