// Store conformance (store_test.h): room events, the gapless log that clients resume from;
// replays, and the rooms' heads.
#include "store/conformance/store_test.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- The event log ----------------------------------------------------------------

TEST_P(StoreTest, EventsAfterIsGaplessAcrossAllKindsOfChanges) {
  Room room = group_room();                                            // ev 1
  must(post(room.id, alice_.id, "c-1", "一"));                          // ev 2
  must(post(room.id, bob_.id, "c-2", "二"));                            // ev 3
  ASSERT_FALSE(post(room.id, dave_.id, "c-x", "外").ok());              // no event
  ASSERT_FALSE(post(room.id, bob_.id, "c-y", "返信", 42).ok());         // no event
  must(post(room.id, alice_.id, "c-1", "retry"));                       // no event (retry)
  must(wait<RoomChange>([&](auto cb) {                                 // ev 4
    store().edit_message(room.id, 2, bob_.id, "二(訂正)", kT0 + 3, cb);
  }));
  auto added = must(wait<RoomChange>([&](auto cb) {                    // ev 5
    store().add_members(room.id, alice_.id, {dave_.id, bob_.id}, kT0 + 4, 0, nullptr, cb);
  }));
  EXPECT_EQ(added.joined, (std::vector<UserId>{dave_.id}));
  auto again = must(wait<RoomChange>([&](auto cb) {                    // no event
    store().add_members(room.id, alice_.id, {dave_.id}, kT0 + 4, 0, nullptr, cb);
  }));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  // A newcomer starts with everything before them read.
  EXPECT_EQ(must(store().member(room.id, dave_.id))->read_seq, 2);
  must(wait<RoomChange>([&](auto cb) {                                 // ev 6
    store().rename_room(room.id, alice_.id, "新しい名前", kT0 + 5, nullptr, cb);
  }));
  auto removed = must(wait<RoomChange>([&](auto cb) {                  // ev 7
    store().remove_member(room.id, alice_.id, carol_.id, kT0 + 6, nullptr, cb);
  }));
  EXPECT_EQ(removed.left, (std::vector<UserId>{carol_.id}));
  auto not_member = wait<RoomChange>([&](auto cb) {                    // no event
    store().remove_member(room.id, alice_.id, carol_.id, kT0 + 6, nullptr, cb);
  });
  EXPECT_EQ(not_member.status().code(), Code::not_found);
  must(wait<RoomChange>([&](auto cb) {                                 // ev 8
    store().delete_message(room.id, 1, alice_.id, kT0 + 7, cb);
  }));

  auto events = all_events(room.id);
  const std::vector<std::string> expected_types = {
      "member.joined", "message.created", "message.created", "message.edited",
      "member.joined", "room.updated",    "member.left",     "message.deleted"};
  ASSERT_EQ(events.size(), expected_types.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].ev, static_cast<EventNo>(i + 1));
    EXPECT_EQ(events[i].room, room.id);
    auto f = parse_frame(events[i]);
    EXPECT_EQ(f.at("ev").as_int64(), static_cast<EventNo>(i + 1));
    EXPECT_EQ(f.at("room").as_int64(), room.id);
    EXPECT_EQ(str_at(f, "type"), expected_types[i]);
  }
  EXPECT_EQ(must(store().room(room.id)).ev, 8);
  EXPECT_EQ(must(store().room(room.id)).name, "新しい名前");

  auto page = must(store().events_after(room.id, 3, 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].ev, 4);
  EXPECT_EQ(page[1].ev, 5);
  EXPECT_TRUE(must(store().events_after(room.id, 8, 10)).empty());
  auto cursors = must(store().room_cursors(carol_.id));
  EXPECT_TRUE(cursors.empty());
  auto dave_cursors = must(store().room_cursors(dave_.id));
  ASSERT_EQ(dave_cursors.size(), 1u);
  EXPECT_EQ(dave_cursors[0], (std::pair<RoomId, EventNo>{room.id, 8}));

  // A replay for several rooms at once: only the rooms the user is a member of, each
  // exactly as events_after gives it.
  Room other = must(create_group(bob_.id, {alice_.id}, "別室")).room;
  auto replay = must(store().events_after_as_member(dave_.id, {{room.id, 3}, {other.id, 0}}, 2));
  ASSERT_EQ(replay.size(), 1u);  // dave is not in `other`
  EXPECT_EQ(replay[0].first, room.id);
  ASSERT_EQ(replay[0].second.size(), 2u);
  EXPECT_EQ(*replay[0].second[0].frame, *page[0].frame);
  EXPECT_EQ(*replay[0].second[1].frame, *page[1].frame);
  auto carol_replay = must(store().events_after_as_member(carol_.id, {{room.id, 0}}, 10));
  EXPECT_TRUE(carol_replay.empty());  // removed: nothing more of the room
}

// ---- Replays ----------------------------------------------------------------------

// A replay gives the frames of the full replay, whether every missed event is a message
// (message.created) or other kinds of events are among them, with or without a limit.
TEST_P(StoreTest, ReplayOfMessagesAloneEqualsTheFullReplay) {
  Room room = group_room();                                            // ev 1
  for (int i = 0; i < 4; ++i) {                                        // ev 2..5
    must(post(room.id, alice_.id, "m-" + std::to_string(i), "本文 " + std::to_string(i)));
  }
  const auto full = all_events(room.id);
  ASSERT_EQ(full.size(), 5u);
  auto since_join = must(store().events_after(room.id, 1, 10));
  ASSERT_EQ(since_join.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(since_join[i].ev, static_cast<EventNo>(i + 2));
    EXPECT_EQ(*since_join[i].frame, *full[i + 1].frame);
  }
  auto limited = must(store().events_after(room.id, 1, 2));  // fewer than were missed
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[1].ev, 3);
  auto as_member = must(store().events_after_as_member(bob_.id, {{room.id, 3}}, 10));
  ASSERT_EQ(as_member.size(), 1u);
  ASSERT_EQ(as_member[0].second.size(), 2u);
  EXPECT_EQ(*as_member[0].second[0].frame, *full[3].frame);

  must(wait<RoomChange>([&](auto cb) {                                 // ev 6
    store().edit_message(room.id, 2, alice_.id, "本文 1(訂正)", kT0 + 3, cb);
  }));
  must(post(room.id, bob_.id, "m-b", "返事"));                          // ev 7
  auto mixed = must(store().events_after(room.id, 4, 10));
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(mixed[0].ev, 5);
  EXPECT_EQ(mixed[1].ev, 6);
  EXPECT_EQ(str_at(parse_frame(mixed[1]), "type"), "message.edited");
  EXPECT_EQ(mixed[2].ev, 7);
  EXPECT_EQ(str_at(parse_frame(mixed[2]), "type"), "message.created");
  auto limited_mixed = must(store().events_after(room.id, 4, 2));
  ASSERT_EQ(limited_mixed.size(), 2u);
  EXPECT_EQ(limited_mixed[1].ev, 6);
}

// A replay for many rooms at once reads the user's memberships in one scan: rooms the user
// is not in, between the others, are left out; each room's events are its own.
TEST_P(StoreTest, ReplayForManyRoomsLeavesOutRoomsTheUserIsNotIn) {
  std::vector<Room> rooms;
  rooms.push_back(must(create_group(alice_.id, {bob_.id}, "一")).room);
  rooms.push_back(must(create_group(alice_.id, {carol_.id}, "二")).room);  // bob not in it
  rooms.push_back(must(create_group(alice_.id, {bob_.id}, "三")).room);
  rooms.push_back(must(create_group(alice_.id, {bob_.id, carol_.id}, "四")).room);
  for (const Room& r : rooms) must(post(r.id, alice_.id, "c-" + std::to_string(r.id), "連絡"));
  std::vector<std::pair<RoomId, EventNo>> wanted;
  for (const Room& r : rooms) wanted.emplace_back(r.id, 0);
  auto replay = must(store().events_after_as_member(bob_.id, wanted, 10));
  ASSERT_EQ(replay.size(), 3u);
  EXPECT_EQ(replay[0].first, rooms[0].id);
  EXPECT_EQ(replay[1].first, rooms[2].id);
  EXPECT_EQ(replay[2].first, rooms[3].id);
  for (const auto& [room, events] : replay) {
    const auto full = all_events(room);
    ASSERT_EQ(events.size(), full.size());
    for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(*events[i].frame, *full[i].frame);
  }
}

// ---- Room heads ---------------------------------------------------------------------

// room_heads: the current event number of each room asked for that exists, in the order
// asked; what any store object on the database answers as soon as a write was acknowledged.
TEST_P(StoreTest, RoomHeadsAreTheCurrentEventOfEachExistingRoomInTheOrderAsked) {
  using Heads = std::vector<std::pair<RoomId, EventNo>>;
  Room a = group_room();                                                 // a: ev 1
  Room b = must(create_group(bob_.id, {carol_.id}, "別室")).room;         // b: ev 1
  must(post(b.id, bob_.id, "b-1", "一"));                                 // b: ev 2
  must(post(b.id, carol_.id, "b-2", "二"));                               // b: ev 3
  must(post(a.id, alice_.id, "a-1", "一"));                               // a: ev 2
  Room direct = must(create_direct(alice_.id, dave_.id)).room;           // direct: ev 1
  const RoomId missing = std::max({a.id, b.id, direct.id}) + 1000;

  EXPECT_EQ(must(store().room_heads({b.id, missing, a.id, direct.id})),
            (Heads{{b.id, 3}, {a.id, 2}, {direct.id, 1}}));
  EXPECT_EQ(must(store().room_heads({a.id, b.id})), (Heads{{a.id, 2}, {b.id, 3}}));
  EXPECT_TRUE(must(store().room_heads({})).empty());
  EXPECT_TRUE(must(store().room_heads({missing, missing + 1})).empty());

  // Every kind of event moves the head, as far as room().ev.
  auto other_node = open_store();
  must(wait<RoomChange>([&](auto cb) {                                  // a: ev 3
    store().rename_room(a.id, alice_.id, "改名", kT0 + 5, nullptr, cb);
  }));
  must(wait<RoomChange>([&](auto cb) {                                  // a: ev 4
    store().edit_message(a.id, 1, alice_.id, "一(訂正)", kT0 + 6, cb);
  }));
  must(remove(b.id, bob_.id, carol_.id));                               // b: ev 4
  EXPECT_EQ(must(store().room(a.id)).ev, 4);
  EXPECT_EQ(must(store().room_heads({a.id, b.id, direct.id})),
            (Heads{{a.id, 4}, {b.id, 4}, {direct.id, 1}}));
  EXPECT_EQ(must(other_node->room_heads({direct.id, b.id, a.id})),
            (Heads{{direct.id, 1}, {b.id, 4}, {a.id, 4}}));
}

}  // namespace
}  // namespace tonari::testing
