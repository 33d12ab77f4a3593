// Store conformance (store_test.h): member lists, paged in keyset order (the member's sort
// key — reading, then name — then user id), reader lists, and the room-size cap checked in
// the inserting transaction.
#include "store/conformance/store_test.h"

#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;
using store::MemberFilter;
using store::MemberKey;
using store::MemberPage;

// ---- Member pages -----------------------------------------------------------------

TEST_P(StoreTest, PagesFollowTheOrderOfTheWholeList) {
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

TEST_P(StoreTest, EqualReadingsAreOrderedByUserId) {
  User twin1 = make_user(tenant_.id, "twin1", "阿部 愛", "あべ あい");
  User twin2 = make_user(tenant_.id, "twin2", "阿部 愛", "あべ あい");
  auto room = must(create_group(twin2.id, {twin1.id, alice_.id})).room;
  // alice has the same name and reading too: the three differ only by id.
  EXPECT_EQ(walk(room.id, 1), (std::vector<UserId>{alice_.id, twin1.id, twin2.id}));
}

TEST_P(StoreTest, ReaderPagesAndCountsLeaveOutTheSender) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id})).room;
  const Seq s1 = must(post(room.id, alice_.id, "c-1", "一通目")).message->seq;
  const Seq s2 = must(post(room.id, alice_.id, "c-2", "二通目")).message->seq;
  must(mark_read(room.id, carol_.id, s2));
  must(mark_read(room.id, bob_.id, s1));
  EXPECT_EQ(walk(room.id, 1, {MemberFilter::read, s2, alice_.id}), (std::vector<UserId>{carol_.id}));
  EXPECT_EQ(walk(room.id, 1, {MemberFilter::unread, s2, alice_.id}),
            (std::vector<UserId>{bob_.id, dave_.id}));
  EXPECT_EQ(walk(room.id, 5, {MemberFilter::read, s1, alice_.id}),
            (std::vector<UserId>{bob_.id, carol_.id}));
  EXPECT_EQ(must(store().reader_counts(room.id, s2, alice_.id)), std::make_pair(int64_t{1}, int64_t{2}));
  EXPECT_EQ(must(store().reader_counts(room.id, s1, alice_.id)), std::make_pair(int64_t{2}, int64_t{1}));
  // The last sender has read their own message.
  const Seq s3 = must(post(room.id, dave_.id, "c-3", "三通目")).message->seq;
  EXPECT_EQ(must(store().reader_counts(room.id, s3, dave_.id)), std::make_pair(int64_t{0}, int64_t{3}));
  EXPECT_EQ(walk(room.id, 2, {MemberFilter::read, s2, alice_.id}),
            (std::vector<UserId>{carol_.id, dave_.id}));
}

// ---- The room-size cap ------------------------------------------------------------

TEST_P(StoreTest, AddMembersOverTheCapIsRefusedWhole) {
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

TEST_P(StoreTest, CreateRoomOverTheCapIsRefused) {
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

}  // namespace
}  // namespace tonari::testing
