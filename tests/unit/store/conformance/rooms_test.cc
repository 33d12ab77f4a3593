// Store conformance (store_test.h): creating rooms, direct rooms, and rooms that never lose
// their owner (the handover rule and an administrator's takeover).
#include "store/conformance/store_test.h"

#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- Creating rooms ---------------------------------------------------------------

TEST_P(StoreTest, CreateGroupRoomMakesCreatorOwnerAndWritesMemberJoined) {
  auto c = must(create_group(alice_.id, {bob_.id, carol_.id, alice_.id}));
  EXPECT_TRUE(c.created);
  EXPECT_GT(c.room.id, 0);
  EXPECT_EQ(c.room.kind, RoomKind::group);
  EXPECT_EQ(c.room.name, "防災訓練PJ");
  EXPECT_EQ(c.room.created_by, alice_.id);
  // member.joined (ev 1), then the room_created system message (seq 1, ev 2).
  EXPECT_EQ(c.room.msg_seq, 1);
  EXPECT_EQ(c.room.ev, 2);
  EXPECT_EQ(c.joined, (std::vector<UserId>{alice_.id, bob_.id, carol_.id}));
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(c.events[0].ev, 1);
  auto f = parse_frame(c.events[0]);
  EXPECT_EQ(str_at(f, "type"), "member.joined");
  EXPECT_EQ(f.at("room").as_int64(), c.room.id);
  EXPECT_EQ(f.at("ev").as_int64(), 1);
  EXPECT_EQ(f.at("by").as_int64(), alice_.id);
  EXPECT_EQ(f.at("users").as_array().size(), 3u);
  EXPECT_EQ(c.events[1].ev, 2);
  EXPECT_EQ(str_at(note_of(c.events[1]), "action"), "room_created");

  auto members = must(store().members(c.room.id));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first.id, alice_.id);
  EXPECT_EQ(members[0].second.role, MemberRole::owner);
  EXPECT_EQ(members[1].first.id, bob_.id);
  EXPECT_EQ(members[1].second.role, MemberRole::member);
  EXPECT_EQ(members[2].first.id, carol_.id);
  EXPECT_EQ(members[2].second.role, MemberRole::member);
}

TEST_P(StoreTest, CreateRoomWithOtherTenantsUserIsNotFoundAndWritesNothing) {
  auto c = create_group(alice_.id, {bob_.id, eve_.id});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::not_found);
  EXPECT_TRUE(must(store().rooms_for_user(alice_.id)).empty());
  EXPECT_TRUE(must(store().rooms_for_user(bob_.id)).empty());
}

TEST_P(StoreTest, DirectRoomIsCreatedOnceAndReturnedWithCreatedFalseAfterwards) {
  auto first = must(create_direct(alice_.id, bob_.id));
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.room.kind, RoomKind::direct);
  EXPECT_EQ(first.joined, (std::vector<UserId>{alice_.id, bob_.id}));
  ASSERT_EQ(first.events.size(), 1u);

  auto second = must(create_direct(alice_.id, bob_.id));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.room.id, first.room.id);
  EXPECT_TRUE(second.events.empty());
  EXPECT_TRUE(second.joined.empty());

  // Started from the other side, it is still the same room.
  auto third = must(create_direct(bob_.id, alice_.id));
  EXPECT_FALSE(third.created);
  EXPECT_EQ(third.room.id, first.room.id);
  EXPECT_EQ(must(store().room(first.room.id)).ev, 1);  // nothing new was written

  EXPECT_EQ(must(store().direct_room(alice_.id, bob_.id)), std::optional<RoomId>(first.room.id));
  EXPECT_EQ(must(store().direct_room(bob_.id, alice_.id)), std::optional<RoomId>(first.room.id));
  EXPECT_EQ(must(store().direct_room(alice_.id, carol_.id)), std::nullopt);

  auto summary = must(store().room_summary(first.room.id, alice_.id));
  EXPECT_EQ(summary.display_name, "伊藤 文");
  EXPECT_EQ(summary.peer, bob_.id);
  EXPECT_EQ(summary.member_count, 2);
}

TEST_P(StoreTest, DirectRoomNeedsExactlyOneOtherMember) {
  auto self = create_direct(alice_.id, alice_.id);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.status().code(), Code::invalid_argument);

  store::NewRoom r;
  r.tenant = tenant_.id;
  r.kind = RoomKind::direct;
  r.creator = alice_.id;
  r.members = {bob_.id, carol_.id};
  r.now = kT0;
  auto three = wait<RoomChange>([&](auto cb) { store().create_room(r, cb); });
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.status().code(), Code::invalid_argument);
}

// ---- Rooms never lose their owner -------------------------------------------------

TEST_P(StoreTest, WhenTheOwnerLeavesTheLongestStandingMemberBecomesOwner) {
  // alice owns; bob and carol joined with her (the same instant: the lower id wins).
  auto room = must(create_group(alice_.id, {carol_.id, bob_.id})).room;
  auto left = must(remove(room.id, alice_.id, alice_.id));
  // member.left, member.role_changed, then their system messages (member_left, role_changed).
  ASSERT_EQ(left.events.size(), 4u);
  EXPECT_EQ(parse_frame(left.events[0]).at("type").as_string(), "member.left");
  auto f = parse_frame(left.events[1]);
  EXPECT_EQ(f.at("type").as_string(), "member.role_changed");
  EXPECT_EQ(f.at("user").as_int64(), bob_.id);
  EXPECT_EQ(f.at("role").as_string(), "owner");
  EXPECT_EQ(f.at("by").as_int64(), 0);
  EXPECT_EQ(f.at("reason").as_string(), "owner_left");
  EXPECT_EQ(f.at("ev").as_int64(), left.events[0].ev + 1);
  EXPECT_EQ(str_at(note_of(left.events[2]), "action"), "member_left");
  EXPECT_EQ(str_at(note_of(left.events[3]), "action"), "role_changed");
  EXPECT_EQ(left.left, std::vector<UserId>{alice_.id});
  EXPECT_EQ(owners(room.id), std::vector<UserId>{bob_.id});
  // Stored like every event: a client resuming from before sees them all.
  auto replay = must(store().events_after(room.id, left.events[0].ev - 1, 10));
  ASSERT_EQ(replay.size(), 4u);
  EXPECT_EQ(*replay[1].frame, *left.events[1].frame);

  // A member leaving changes no owner (member.left and its member_left message only).
  auto plain = must(remove(room.id, carol_.id, carol_.id));
  ASSERT_EQ(plain.events.size(), 2u);
  EXPECT_EQ(str_at(note_of(plain.events[1]), "action"), "member_left");
  EXPECT_EQ(owners(room.id), std::vector<UserId>{bob_.id});
}

TEST_P(StoreTest, EarliestJoinedComesBeforeLowerId) {
  auto room = must(create_group(carol_.id, {dave_.id})).room;  // both at kT0
  must(add(room.id, carol_.id, {bob_.id}, kT0 + 50));          // bob: lower id, joined later
  // Removed by an administrator rather than leaving: the rule is the same.
  must(remove(room.id, alice_.id, carol_.id));
  EXPECT_EQ(owners(room.id), std::vector<UserId>{dave_.id});
}

TEST_P(StoreTest, DisabledAccountsAreSkippedAndADisabledOwnerHandsOver) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id})).room;
  must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 10, cb); }));
  const EventNo before = must(store().room(room.id)).ev;
  must(wait<User>([&](auto cb) { store().set_user_disabled(alice_.id, true, kT0 + 20, cb); }));
  // alice stays a member, no longer owner; bob (disabled) is passed over for carol.
  EXPECT_EQ(role(room.id, alice_.id), MemberRole::member);
  EXPECT_EQ(owners(room.id), std::vector<UserId>{carol_.id});
  // The two role changes, then the system message naming the new owner.
  auto events = must(store().events_after(room.id, before, 10));
  ASSERT_EQ(events.size(), 3u);
  auto demoted = parse_frame(events[0]);
  EXPECT_EQ(demoted.at("user").as_int64(), alice_.id);
  EXPECT_EQ(demoted.at("role").as_string(), "member");
  EXPECT_EQ(demoted.at("reason").as_string(), "owner_disabled");
  auto promoted = parse_frame(events[1]);
  EXPECT_EQ(promoted.at("user").as_int64(), carol_.id);
  EXPECT_EQ(promoted.at("role").as_string(), "owner");
  auto note = note_of(events[2]);
  EXPECT_EQ(str_at(note, "action"), "role_changed");
  EXPECT_EQ(str_at(note, "reason"), "owner_disabled");
  // Enabling alice again gives her nothing back.
  must(wait<User>([&](auto cb) { store().set_user_disabled(alice_.id, false, kT0 + 30, cb); }));
  EXPECT_EQ(owners(room.id), std::vector<UserId>{carol_.id});
}

TEST_P(StoreTest, ARoomWithNoActiveMemberLeftHasNoOwner) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 10, cb); }));
  auto left = must(remove(room.id, alice_.id, alice_.id));
  // member.left and its member_left message: no role change, no role_changed message.
  ASSERT_EQ(left.events.size(), 2u);
  EXPECT_EQ(type_of(left.events[0]), "member.left");
  EXPECT_EQ(str_at(note_of(left.events[1]), "action"), "member_left");
  EXPECT_TRUE(owners(room.id).empty());
}

TEST_P(StoreTest, DirectRoomsHaveNoHandover) {
  auto room = must(create_direct(alice_.id, bob_.id)).room;
  const EventNo before = must(store().room(room.id)).ev;
  must(wait<User>([&](auto cb) { store().set_user_disabled(alice_.id, true, kT0 + 10, cb); }));
  EXPECT_EQ(must(store().room(room.id)).ev, before);
  EXPECT_EQ(take_over(room.id, carol_.id).status().code(), Code::invalid_argument);
}

TEST_P(StoreTest, ATakeoverMakesTheOnlyOwnerAndJoinsANonMember) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  auto t = must(take_over(room.id, dave_.id));
  EXPECT_TRUE(t.created);
  EXPECT_EQ(t.joined, std::vector<UserId>{dave_.id});
  // member.joined, the two role changes, then the taken_over message.
  ASSERT_EQ(t.events.size(), 4u);
  EXPECT_EQ(parse_frame(t.events[0]).at("type").as_string(), "member.joined");
  auto up = parse_frame(t.events[1]);
  EXPECT_EQ(up.at("user").as_int64(), dave_.id);
  EXPECT_EQ(up.at("role").as_string(), "owner");
  EXPECT_EQ(up.at("by").as_int64(), dave_.id);
  EXPECT_EQ(up.at("reason").as_string(), "takeover");
  auto down = parse_frame(t.events[2]);
  EXPECT_EQ(down.at("user").as_int64(), alice_.id);
  EXPECT_EQ(down.at("role").as_string(), "member");
  EXPECT_EQ(str_at(note_of(t.events[3]), "action"), "taken_over");
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

}  // namespace
}  // namespace tonari::testing
