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
  Room room = group_room();
  const Seq first = must(post(room.id, alice_.id, "c-1", "一")).message->seq;
  const Seq second = must(post(room.id, bob_.id, "c-2", "二")).message->seq;
  ASSERT_FALSE(post(room.id, dave_.id, "c-x", "外").ok());               // no event
  ASSERT_FALSE(post(room.id, bob_.id, "c-y", "返信", 42).ok());          // no event
  must(post(room.id, alice_.id, "c-1", "retry"));                        // no event (retry)
  must(wait<RoomChange>([&](auto cb) {
    store().edit_message(room.id, second, bob_.id, "二(訂正)", kT0 + 3, cb);
  }));
  auto added = must(add(room.id, alice_.id, {dave_.id, bob_.id}, kT0 + 4));
  EXPECT_EQ(added.joined, (std::vector<UserId>{dave_.id}));
  auto again = must(add(room.id, alice_.id, {dave_.id}, kT0 + 4));      // no event
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  // A newcomer starts with everything before them read (the note of their addition is
  // after them).
  EXPECT_EQ(must(store().member(room.id, dave_.id))->read_seq, second);
  must(wait<RoomChange>([&](auto cb) {
    store::RoomPatch p;
    p.name = "新しい名前";
    store().update_room(room.id, alice_.id, p, kT0 + 5, nullptr, cb);
  }));
  auto removed = must(remove(room.id, alice_.id, carol_.id, kT0 + 6));
  EXPECT_EQ(removed.left, (std::vector<UserId>{carol_.id}));
  auto not_member = remove(room.id, alice_.id, carol_.id, kT0 + 6);     // no event
  EXPECT_EQ(not_member.status().code(), Code::not_found);
  must(wait<RoomChange>([&](auto cb) {
    store().delete_message(room.id, first, alice_.id, kT0 + 7, cb);
  }));

  // Each event's type, and for a system message the action its note tells.
  auto events = all_events(room.id);
  const std::vector<std::string> expected = {
      "member.joined",   "message.created room_created",    // create_room
      "message.created", "message.created",                 // the two posts
      "message.edited",                                     // edit_message
      "member.joined",   "message.created members_added",   // add_members
      "room.updated",    "message.created renamed",         // update_room (name)
      "member.left",     "message.created member_removed",  // remove_member
      "message.deleted"};                                   // delete_message
  ASSERT_EQ(events.size(), expected.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].ev, static_cast<EventNo>(i + 1));
    EXPECT_EQ(events[i].room, room.id);
    auto f = parse_frame(events[i]);
    EXPECT_EQ(f.at("ev").as_int64(), static_cast<EventNo>(i + 1));
    EXPECT_EQ(f.at("room").as_int64(), room.id);
    auto note = note_of(events[i]);
    EXPECT_EQ(str_at(f, "type") + (note.empty() ? "" : " " + str_at(note, "action")), expected[i]);
  }
  const EventNo head = static_cast<EventNo>(expected.size());
  EXPECT_EQ(must(store().room(room.id)).ev, head);
  EXPECT_EQ(must(store().room(room.id)).name, "新しい名前");

  auto page = must(store().events_after(room.id, 3, 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].ev, 4);
  EXPECT_EQ(page[1].ev, 5);
  EXPECT_TRUE(must(store().events_after(room.id, head, 10)).empty());
  auto cursors = must(store().room_cursors(carol_.id));
  EXPECT_TRUE(cursors.empty());
  auto dave_cursors = must(store().room_cursors(dave_.id));
  ASSERT_EQ(dave_cursors.size(), 1u);
  EXPECT_EQ(dave_cursors[0], (std::pair<RoomId, EventNo>{room.id, head}));

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
  // After its member.joined (ev 1), every event of the room is a message: its room_created
  // message, then four posts.
  Room room = group_room();
  std::vector<RoomChange> posts;
  for (int i = 0; i < 4; ++i) {
    posts.push_back(
        must(post(room.id, alice_.id, "m-" + std::to_string(i), "本文 " + std::to_string(i))));
  }
  const auto full = all_events(room.id);
  ASSERT_EQ(full.size(), static_cast<std::size_t>(posts.back().room.ev));
  auto since_join = must(store().events_after(room.id, 1, 10));
  ASSERT_EQ(since_join.size(), full.size() - 1);
  for (std::size_t i = 0; i < since_join.size(); ++i) {
    EXPECT_EQ(type_of(since_join[i]), "message.created");
    EXPECT_EQ(since_join[i].ev, static_cast<EventNo>(i + 2));
    EXPECT_EQ(*since_join[i].frame, *full[i + 1].frame);
  }
  auto limited = must(store().events_after(room.id, 1, 2));  // fewer than were missed
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[1].ev, 3);
  auto as_member = must(store().events_after_as_member(bob_.id, {{room.id, posts[1].room.ev}}, 10));
  ASSERT_EQ(as_member.size(), 1u);
  ASSERT_EQ(as_member[0].second.size(), 2u);
  EXPECT_EQ(*as_member[0].second[0].frame, *posts[2].events[0].frame);

  auto edited = must(wait<RoomChange>([&](auto cb) {
    store().edit_message(room.id, posts[1].message->seq, alice_.id, "本文 1(訂正)", kT0 + 3,
                         cb);
  }));
  auto answer = must(post(room.id, bob_.id, "m-b", "返事"));
  auto mixed = must(store().events_after(room.id, posts[2].room.ev, 10));
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(mixed[0].ev, posts[3].room.ev);
  EXPECT_EQ(mixed[1].ev, edited.room.ev);
  EXPECT_EQ(str_at(parse_frame(mixed[1]), "type"), "message.edited");
  EXPECT_EQ(mixed[2].ev, answer.room.ev);
  EXPECT_EQ(str_at(parse_frame(mixed[2]), "type"), "message.created");
  auto limited_mixed = must(store().events_after(room.id, posts[2].room.ev, 2));
  ASSERT_EQ(limited_mixed.size(), 2u);
  EXPECT_EQ(limited_mixed[1].ev, edited.room.ev);
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
  Room a = group_room();
  Room b = must(create_group(bob_.id, {carol_.id}, "別室")).room;
  must(post(b.id, bob_.id, "b-1", "一"));
  const EventNo b_head = must(post(b.id, carol_.id, "b-2", "二")).room.ev;
  auto a_post = must(post(a.id, alice_.id, "a-1", "一"));
  Room direct = must(create_direct(alice_.id, dave_.id)).room;
  const RoomId missing = std::max({a.id, b.id, direct.id}) + 1000;

  EXPECT_EQ(must(store().room_heads({b.id, missing, a.id, direct.id})),
            (Heads{{b.id, b_head}, {a.id, a_post.room.ev}, {direct.id, direct.ev}}));
  EXPECT_EQ(must(store().room_heads({a.id, b.id})),
            (Heads{{a.id, a_post.room.ev}, {b.id, b_head}}));
  EXPECT_TRUE(must(store().room_heads({})).empty());
  EXPECT_TRUE(must(store().room_heads({missing, missing + 1})).empty());

  // Every kind of event moves the head, as far as room().ev.
  auto other_node = open_store();
  must(wait<RoomChange>([&](auto cb) {
    store::RoomPatch p;
    p.name = "改名";
    store().update_room(a.id, alice_.id, p, kT0 + 5, nullptr, cb);
  }));
  const EventNo a_moved = must(wait<RoomChange>([&](auto cb) {
    store().edit_message(a.id, a_post.message->seq, alice_.id, "一(訂正)", kT0 + 6, cb);
  })).room.ev;
  const EventNo b_moved = must(remove(b.id, bob_.id, carol_.id)).room.ev;
  EXPECT_GT(a_moved, a_post.room.ev);
  EXPECT_GT(b_moved, b_head);
  EXPECT_EQ(must(store().room(a.id)).ev, a_moved);
  EXPECT_EQ(must(store().room_heads({a.id, b.id, direct.id})),
            (Heads{{a.id, a_moved}, {b.id, b_moved}, {direct.id, direct.ev}}));
  EXPECT_EQ(must(other_node->room_heads({direct.id, b.id, a.id})),
            (Heads{{direct.id, direct.ev}, {b.id, b_moved}, {a.id, a_moved}}));
}

}  // namespace
}  // namespace tonari::testing
