// Paged member and reader lists (keyset order: the member's sort key — reading, then name —
// then user id), the room-size cap checked in the inserting transaction, and migration 8
// (members' sort keys).
#include "store/sqlite/schema.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::MemberFilter;
using store::MemberKey;
using store::MemberPage;
using store::RoomChange;

std::vector<UserId> ids_of(const MemberPage& p) {
  std::vector<UserId> out;
  for (const auto& [u, m] : p.members) out.push_back(u.id);
  return out;
}

class MemberPagesTest : public StoreTest {
 protected:
  // Every page of `filter`'s list, `limit` rows at a time, joined.
  std::vector<UserId> walk(RoomId room, int limit, MemberFilter filter = {}) {
    std::vector<UserId> out;
    MemberKey after;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = must(store().members_page(room, after, limit, filter));
      EXPECT_LE(static_cast<int>(page.members.size()), limit);
      for (UserId id : ids_of(page)) out.push_back(id);
      if (!page.next) return out;
      EXPECT_EQ(page.next->user, page.members.back().first.id);
      after = *page.next;
    }
    ADD_FAILURE() << "the pages never ended";
    return out;
  }
};

TEST_F(MemberPagesTest, PagesFollowTheOrderOfTheWholeList) {
  auto room = must(create_group(dave_.id, {carol_.id, bob_.id, alice_.id})).room;
  std::vector<UserId> whole;
  for (const auto& [u, m] : must(store().members(room.id))) whole.push_back(u.id);
  EXPECT_EQ(whole, (std::vector<UserId>{alice_.id, bob_.id, carol_.id, dave_.id}));  // あいうえ
  for (int limit : {1, 2, 3, 4, 10}) EXPECT_EQ(walk(room.id, limit), whole) << limit;
  auto first = must(store().members_page(room.id, {}, 4, {}));
  EXPECT_FALSE(first.next);  // exactly the room: no empty page after it
  EXPECT_EQ(first.members.front().second.role, MemberRole::member);
  EXPECT_EQ(first.members.back().second.role, MemberRole::owner);  // dave created it
}

TEST_F(MemberPagesTest, EqualReadingsAreOrderedByUserId) {
  User twin1 = make_user(tenant_.id, "twin1", "阿部 愛", "あべ あい");
  User twin2 = make_user(tenant_.id, "twin2", "阿部 愛", "あべ あい");
  auto room = must(create_group(twin2.id, {twin1.id, alice_.id})).room;
  // alice has the same name and reading too: the three differ only by id.
  EXPECT_EQ(walk(room.id, 1), (std::vector<UserId>{alice_.id, twin1.id, twin2.id}));
}

TEST_F(MemberPagesTest, ReaderPagesAndCountsLeaveOutTheSender) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id})).room;
  must(post(room.id, alice_.id, "c-1", "一通目"));
  must(post(room.id, alice_.id, "c-2", "二通目"));
  must(mark_read(room.id, carol_.id, 2));
  must(mark_read(room.id, bob_.id, 1));
  EXPECT_EQ(walk(room.id, 1, {MemberFilter::read, 2, alice_.id}), (std::vector<UserId>{carol_.id}));
  EXPECT_EQ(walk(room.id, 1, {MemberFilter::unread, 2, alice_.id}),
            (std::vector<UserId>{bob_.id, dave_.id}));
  EXPECT_EQ(walk(room.id, 5, {MemberFilter::read, 1, alice_.id}),
            (std::vector<UserId>{bob_.id, carol_.id}));
  EXPECT_EQ(must(store().reader_counts(room.id, 2, alice_.id)), std::make_pair(int64_t{1}, int64_t{2}));
  EXPECT_EQ(must(store().reader_counts(room.id, 1, alice_.id)), std::make_pair(int64_t{2}, int64_t{1}));
  // The last sender's own position counts as read without a write (TONARI_READ_SEQ).
  must(post(room.id, dave_.id, "c-3", "三通目"));
  EXPECT_EQ(must(store().reader_counts(room.id, 3, dave_.id)), std::make_pair(int64_t{0}, int64_t{3}));
  EXPECT_EQ(walk(room.id, 2, {MemberFilter::read, 2, alice_.id}),
            (std::vector<UserId>{carol_.id, dave_.id}));
}

TEST_F(MemberPagesTest, AddMembersOverTheCapIsRefusedWhole) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  auto over = wait<RoomChange>([&](auto cb) {
    store().add_members(room.id, alice_.id, {carol_.id, dave_.id}, kT0 + 1, 3, nullptr, cb);
  });
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), Code::room_full);
  EXPECT_EQ(must(store().members(room.id)).size(), 2u);  // nothing written
  EXPECT_EQ(must(store().room(room.id)).ev, room.ev);    // no event either
  // Users already in count once: bob again plus carol fills the room exactly.
  auto fits = must(wait<RoomChange>([&](auto cb) {
    store().add_members(room.id, alice_.id, {bob_.id, carol_.id}, kT0 + 2, 3, nullptr, cb);
  }));
  EXPECT_EQ(fits.joined, (std::vector<UserId>{carol_.id}));
  auto full = wait<RoomChange>([&](auto cb) {
    store().add_members(room.id, alice_.id, {dave_.id}, kT0 + 3, 3, nullptr, cb);
  });
  EXPECT_EQ(full.status().code(), Code::room_full);
  // Adding only members already in changes nothing and is not refused.
  auto again = must(wait<RoomChange>([&](auto cb) {
    store().add_members(room.id, alice_.id, {bob_.id}, kT0 + 4, 3, nullptr, cb);
  }));
  EXPECT_FALSE(again.created);
}

TEST_F(MemberPagesTest, CreateRoomOverTheCapIsRefused) {
  store::NewRoom r;
  r.tenant = tenant_.id;
  r.name = "大きすぎる部屋";
  r.creator = alice_.id;
  r.members = {bob_.id, carol_.id};
  r.now = kT0;
  r.max_members = 2;
  auto over = wait<RoomChange>([&](auto cb) { store().create_room(r, cb); });
  EXPECT_EQ(over.status().code(), Code::room_full);
  r.max_members = 3;
  EXPECT_TRUE(wait<RoomChange>([&](auto cb) { store().create_room(r, cb); }).ok());
}

// A database of schema version 5 gets its members' sort keys from their users (whose keys
// version 7 computes from the readings), and the trigger keeps them in step when a
// reading's key changes.
TEST(SqliteStoreUpgrade, Version8CopiesSortKeysIntoMembers) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 5);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO users(id, tenant_id, login, name, reading, reading_key, search_key, password_hash, created_at)
  VALUES(1, 1, 'a', 'A', 'う', x'03', 'a', 'x', 0), (2, 1, 'b', 'B', 'あ', x'01', 'b', 'x', 0),
        (3, 1, 'c', 'C', 'い', x'02', 'c', 'x', 0);
INSERT INTO rooms(id, tenant_id, kind, name, created_by, created_at, member_count, last_activity)
  VALUES(7, 1, 'group', '防災', 1, 0, 3, 0);
INSERT INTO members(room_id, user_id, role, read_seq, joined_at)
  VALUES(7, 1, 'owner', 0, 0), (7, 2, 'member', 0, 0), (7, 3, 'member', 0, 0);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  {
    store::sqlite::SqliteStore store(opts);
    auto page = StoreTest::must(store.members_page(7, {}, 10, {}));
    EXPECT_EQ(ids_of(page), (std::vector<UserId>{2, 3, 1}));
  }
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    db.exec("UPDATE users SET reading_key=x'00' WHERE id=1");
  }
  store::sqlite::SqliteStore store(opts);
  EXPECT_EQ(ids_of(StoreTest::must(store.members_page(7, {}, 10, {}))),
            (std::vector<UserId>{1, 2, 3}));
}

}  // namespace
}  // namespace tonari::testing
