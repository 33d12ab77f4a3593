// Store conformance (store_test.h): accounts, sessions and departments, what the store
// keeps about people and their organization.
#include "store/conformance/store_test.h"

#include <string>
#include <vector>

#include "search/collation.h"
#include "search/normalize.h"

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- Users ------------------------------------------------------------------------

TEST_P(StoreTest, CreatedUsersCanBeReadBack) {
  auto u = must(store().user(bob_.id));
  EXPECT_EQ(u.login, "bob");
  EXPECT_EQ(u.name, "伊藤 文");
  EXPECT_EQ(u.reading, "いとう ぶん");
  EXPECT_EQ(u.tenant, tenant_.id);
  EXPECT_EQ(u.dept, dept_.id);
  EXPECT_EQ(u.dept_name, "防災係");
  EXPECT_EQ(u.role, Role::staff);
  EXPECT_FALSE(u.disabled);
  EXPECT_EQ(must(store().tenant_by_code("999001")).id, tenant_.id);
  EXPECT_EQ(store().tenant_by_code("123456").status().code(), Code::not_found);
  EXPECT_EQ(store().user(999999).status().code(), Code::not_found);
}

TEST_P(StoreTest, TakenLoginIsConflictButOtherTenantMayReuseIt) {
  store::NewUser u;
  u.tenant = tenant_.id;
  u.login = "alice";
  u.name = "別人";
  u.reading = "べつじん";
  u.password_hash = "x";
  auto dup = wait<User>([&](auto cb) { store().create_user(u, kT0, cb); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::conflict);

  u.tenant = other_tenant_.id;
  auto other = wait<User>([&](auto cb) { store().create_user(u, kT0, cb); });
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_EQ(other->tenant, other_tenant_.id);
  EXPECT_EQ(other->login, "alice");
}

TEST_P(StoreTest, FindUsersMatchesFoldedQueriesInGojuonOrderWithinTenant) {
  auto everyone = must(store().find_users(tenant_.id, "", {}, 50));
  EXPECT_EQ(ids_of(everyone),
            (std::vector<UserId>{alice_.id, bob_.id, carol_.id, dave_.id}));  // あ い う え

  // Half-width katakana query matches the hiragana reading of 阿部.
  auto abe = must(store().find_users(tenant_.id, search::fold("ｱﾍﾞ"), {}, 50));
  EXPECT_EQ(ids_of(abe), (std::vector<UserId>{alice_.id}));
  // Full-width upper-case login.
  auto carol = must(store().find_users(tenant_.id, search::fold("ＣＡＲＯＬ"), {}, 50));
  EXPECT_EQ(ids_of(carol), (std::vector<UserId>{carol_.id}));
  // Other municipality's users are never found.
  EXPECT_TRUE(must(store().find_users(tenant_.id, search::fold("eve"), {}, 50)).empty());
  EXPECT_EQ(must(store().find_users(tenant_.id, "", {}, 2)).size(), 2u);
}

// 五十音 order is the order of the readings: a difference in voicing (さとう/さどう) or in a
// small kana (はった/はつた) decides before any difference in the names; names only order
// equal readings, and ids equal names.
TEST_P(StoreTest, UsersAreOrderedByReadingThenNameThenId) {
  const User sado = make_user(tenant_.id, "sado", "佐渡 花子", "さどう はなこ");
  const User sato = make_user(tenant_.id, "sato", "佐藤 花子", "さとう はなこ");
  const User hatsuta = make_user(tenant_.id, "hatsuta", "初田 花子", "はつた はなこ");
  const User hatta = make_user(tenant_.id, "hatta", "八田 花子", "はった はなこ");
  const User ito2 = make_user(tenant_.id, "ito2", "伊東 文", "いとう ぶん");  // bob: 伊藤 文
  const User bob2 = make_user(tenant_.id, "bob2", "伊藤 文", "いとう ぶん");
  const std::vector<UserId> hanako = {sato.id, sado.id, hatta.id, hatsuta.id};
  EXPECT_EQ(ids_of(must(store().find_users(tenant_.id, search::fold("はなこ"), {}, 50))), hanako);
  // Equal readings: by name (ICU puts 伊東 before 伊藤), then equal names by id.
  ASSERT_LT(search::compare_ja("伊東 文", "伊藤 文"), 0);
  EXPECT_EQ(ids_of(must(store().find_users(tenant_.id, search::fold("いとう"), {}, 50))),
            (std::vector<UserId>{ito2.id, bob_.id, bob2.id}));

  auto room = must(create_group(alice_.id, {hatsuta.id, sado.id, hatta.id, sato.id})).room;
  std::vector<UserId> members;
  for (const auto& [u, m] : must(store().members(room.id))) members.push_back(u.id);
  EXPECT_EQ(members, (std::vector<UserId>{alice_.id, sato.id, sado.id, hatta.id, hatsuta.id}));
  EXPECT_EQ(ids_of(must(store().users_in_tenant(tenant_.id, {hatsuta.id, sado.id, hatta.id, sato.id}))),
            hanako);
}

// ---- Disabling and sessions -------------------------------------------------------

TEST_P(StoreTest, DisablingAnAccountEndsItsSessionsAndRecordsARevocation) {
  auto session = [&](const std::string& hash, UserId user) {
    must(wait<bool>([&](auto cb) {
      store().create_session(store::Session{hash, user, "csrf", kT0, kT0 + 3600000}, cb);
    }));
  };
  session("bob-phone", bob_.id);
  session("bob-desk", bob_.id);
  session("carol", carol_.id);

  auto off = must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 5, cb); }));
  EXPECT_TRUE(off.disabled);
  EXPECT_EQ(store().session("bob-phone").status().code(), Code::unauthenticated);
  EXPECT_EQ(store().session("bob-desk").status().code(), Code::unauthenticated);
  EXPECT_TRUE(store().session("carol").ok());
  auto revoked = must(store().revocations_after(0, 10));
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].user, bob_.id);
  EXPECT_TRUE(must(store().revocations_after(revoked[0].id, 10)).empty());
  EXPECT_TRUE(must(store().find_users(tenant_.id, "いとう", {}, 10)).empty());

  auto on = must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, false, kT0 + 6, cb); }));
  EXPECT_FALSE(on.disabled);
  EXPECT_EQ(must(store().revocations_after(0, 10)).size(), 1u);  // enabling ends nothing
  EXPECT_EQ(must(store().find_users(tenant_.id, "いとう", {}, 10)).size(), 1u);

  auto missing = wait<User>([&](auto cb) { store().set_user_disabled(999999, true, kT0, cb); });
  EXPECT_EQ(missing.status().code(), Code::not_found);
  EXPECT_EQ(must(store().revocations_after(0, 10)).size(), 1u);
  EXPECT_TRUE(must(store().session("carol")).user == carol_.id);

  // A disabled account gets no new session (a login that raced the disabling).
  must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 7, cb); }));
  auto late = wait<bool>([&](auto cb) {
    store().create_session(store::Session{"bob-late", bob_.id, "csrf", kT0, kT0 + 3600000}, cb);
  });
  EXPECT_EQ(late.status().code(), Code::unauthenticated);
  EXPECT_EQ(store().session("bob-late").status().code(), Code::unauthenticated);

  // Revocations are purged with the sessions once a day old, and their ids never come
  // back: servers act on those above the last id they saw.
  const auto last = must(store().revocations_after(0, 10)).back().id;
  must(wait<std::int64_t>([&](auto cb) { store().purge_sessions(kT0 + 7 + 24LL * 3600 * 1000 + 1, cb); }));
  EXPECT_TRUE(must(store().revocations_after(0, 10)).empty());
  must(wait<User>([&](auto cb) { store().set_user_disabled(carol_.id, true, kT0 + 8, cb); }));
  auto next = must(store().revocations_after(last, 10));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].user, carol_.id);
}

// ---- Departments ------------------------------------------------------------------

TEST_P(StoreTest, DepartmentsKeepTheirCodeOrGetOne) {
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

TEST_P(StoreTest, ACodeIsUniqueInItsMunicipalityAndSiblingsDoNotShareAName) {
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

}  // namespace
}  // namespace tonari::testing
