// Store conformance (store_test.h): read positions (既読) and read counts.
#include "store/conformance/store_test.h"

#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- Read positions ---------------------------------------------------------------

TEST_P(StoreTest, MarkReadNeverMovesBackwardsAndClampsToMsgSeq) {
  Room room = group_room();
  for (int i = 1; i <= 3; ++i) must(post(room.id, alice_.id, "c-" + std::to_string(i), "m"));

  auto r1 = must(mark_read(room.id, bob_.id, 2));
  EXPECT_EQ(r1.old_seq, 0);
  EXPECT_EQ(r1.new_seq, 2);
  auto r2 = must(mark_read(room.id, bob_.id, 1));
  EXPECT_EQ(r2.old_seq, 2);
  EXPECT_EQ(r2.new_seq, 2);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, 2);
  auto r3 = must(mark_read(room.id, bob_.id, 99));
  EXPECT_EQ(r3.old_seq, 2);
  EXPECT_EQ(r3.new_seq, 3);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, 3);
  auto r4 = must(mark_read(room.id, bob_.id, 3));
  EXPECT_EQ(r4.old_seq, 3);
  EXPECT_EQ(r4.new_seq, 3);

  auto carol_clamped = must(mark_read(room.id, carol_.id, 1000));
  EXPECT_EQ(carol_clamped.old_seq, 0);
  EXPECT_EQ(carol_clamped.new_seq, 3);

  auto outsider = mark_read(room.id, dave_.id, 1);
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.status().code(), Code::not_found);
  auto missing = mark_read(room.id + 1000, bob_.id, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::not_found);

  // The reader's municipality must be the room's (policy::can_read_room, applied here).
  auto elsewhere = mark_read(room.id, bob_.id, 3, other_tenant_.id);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.status().code(), Code::not_found);
  EXPECT_EQ(elsewhere.status().message(), "room " + std::to_string(room.id) + " not found");
  EXPECT_EQ(must(mark_read(room.id, bob_.id, 3, tenant_.id)).new_seq, 3);
}

// A post moves its sender's read position to it. Every read that shows a position shows
// that one, and so do the read counts, whoever posted last and after a reopening.
TEST_P(StoreTest, ReadPositionsAgreeInEveryRead) {
  Room room = group_room();  // alice, bob, carol
  auto position_everywhere = [&](UserId user) {
    const Seq p = must(store().member(room.id, user))->read_seq;
    EXPECT_EQ(must(store().room_and_member(room.id, user)).second->read_seq, p);
    EXPECT_EQ(must(store().room_summary(room.id, user)).read_seq, p);
    int found = 0;
    for (const auto& [u, m] : must(store().members(room.id))) {
      if (u.id == user) {
        EXPECT_EQ(m.read_seq, p);
        ++found;
      }
    }
    for (const auto& summary : must(store().rooms_for_user(user))) {
      if (summary.room.id == room.id) {
        EXPECT_EQ(summary.read_seq, p);
        ++found;
      }
    }
    EXPECT_EQ(found, 2);
    return p;
  };

  must(post(room.id, alice_.id, "a-1", "一"));
  must(post(room.id, alice_.id, "a-2", "二"));
  EXPECT_EQ(position_everywhere(alice_.id), 2);

  // bob posts, mentioning alice.
  must(post(room.id, bob_.id, "b-3", "三", 0, {alice_.id}));
  EXPECT_EQ(position_everywhere(alice_.id), 2);
  EXPECT_EQ(position_everywhere(bob_.id), 3);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 1);

  // alice answers: she has now read the mention, and bob keeps 3.
  auto answer = must(post(room.id, alice_.id, "a-4", "四"));
  EXPECT_EQ(answer.sender_read_before, 2);
  EXPECT_EQ(position_everywhere(alice_.id), 4);
  EXPECT_EQ(position_everywhere(bob_.id), 3);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 0);
  // Read counts see the same positions: bob and carol have not read 4.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 4))), (Counts{{1, 1}, {2, 1}, {3, 1}, {4, 0}}));

  // Marking read below the position changes nothing; the same post again is a retry.
  auto again = must(mark_read(room.id, alice_.id, 1));
  EXPECT_EQ(again.old_seq, 4);
  EXPECT_EQ(again.new_seq, 4);
  auto retry = must(post(room.id, alice_.id, "a-4", "四"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(position_everywhere(bob_.id), 3);

  // And it outlives the store.
  reopen();
  EXPECT_EQ(position_everywhere(alice_.id), 4);
  EXPECT_EQ(position_everywhere(bob_.id), 3);
  EXPECT_EQ(position_everywhere(carol_.id), 0);
}

TEST_P(StoreTest, TheLastSenderLeavingAndComingBackKeepsPositionsRight) {
  Room room = group_room();  // alice, bob, carol
  auto position = [&](UserId user) { return must(store().member(room.id, user))->read_seq; };
  must(post(room.id, bob_.id, "b-1", "一"));
  // Refusals move no read position.
  auto hidden = post(room.id, dave_.id, "d-x", "部外者");
  EXPECT_EQ(hidden.status().code(), Code::not_found);
  auto bad_reply = post(room.id, alice_.id, "a-x", "返信", 99);
  EXPECT_EQ(bad_reply.status().code(), Code::invalid_argument);
  auto bad_mention = post(room.id, alice_.id, "a-y", "宛先", 0, {dave_.id});
  EXPECT_EQ(bad_mention.status().code(), Code::invalid_argument);
  EXPECT_EQ(position(bob_.id), 1);
  EXPECT_EQ(position(alice_.id), 0);
  // A retry by someone who is not the last sender changes nothing.
  must(post(room.id, alice_.id, "a-2", "二"));
  auto retry = must(post(room.id, bob_.id, "b-1", "一"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(position(bob_.id), 1);
  EXPECT_EQ(position(alice_.id), 2);

  must(post(room.id, bob_.id, "b-3", "三"));
  must(wait<RoomChange>([&](auto cb) { store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb); }));
  must(post(room.id, carol_.id, "c-4", "四"));  // bob, no longer a member, has no position
  must(wait<RoomChange>([&](auto cb) { store().add_members(room.id, alice_.id, {bob_.id}, kT0 + 4, 0, nullptr, cb); }));
  EXPECT_EQ(position(bob_.id), 4);  // a newcomer has read what came before
  EXPECT_EQ(position(carol_.id), 4);
  must(post(room.id, alice_.id, "a-5", "五"));
  EXPECT_EQ(position(carol_.id), 4);
  EXPECT_EQ(position(bob_.id), 4);
  EXPECT_EQ(position(alice_.id), 5);
  // Carol's 4 has been read by alice (by posting 5) and by bob (who came back at 4); alice's
  // 5 by nobody else yet.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 3, 5))), (Counts{{4, 2}, {5, 0}}));
}

// ---- Read counts ------------------------------------------------------------------

TEST_P(StoreTest, ReadCountsExcludeTheSender) {
  Room room = group_room();  // alice, bob, carol
  must(post(room.id, alice_.id, "c-1", "一"));  // alice read_seq -> 1
  must(post(room.id, bob_.id, "c-2", "二"));    // bob read_seq -> 2
  must(post(room.id, alice_.id, "c-3", "三"));  // alice read_seq -> 3
  // seq 1 (alice): bob; seq 2 (bob): alice; seq 3 (alice): nobody else yet.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 3))), (Counts{{1, 1}, {2, 1}, {3, 0}}));

  must(mark_read(room.id, carol_.id, 3));
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 3))), (Counts{{1, 2}, {2, 2}, {3, 1}}));
  // (lo, hi] bounds.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 1, 2))), (Counts{{2, 2}}));

  // Deleted messages have no read count.
  must(wait<RoomChange>([&](auto cb) { store().delete_message(room.id, 3, alice_.id, kT0 + 9, cb); }));
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 3))), (Counts{{1, 2}, {2, 2}}));
}

TEST_P(StoreTest, ReadCountsNameEachSenderAndWhetherTheyAreStillAMember) {
  Room room = group_room();  // alice, bob, carol
  must(post(room.id, alice_.id, "c-1", "一"));
  must(post(room.id, bob_.id, "c-2", "二"));
  must(mark_read(room.id, carol_.id, 2));
  using store::ReadCount;
  EXPECT_EQ(must(store().read_counts(room.id, 0, 2)),
            (std::vector<ReadCount>{{1, alice_.id, true, 2}, {2, bob_.id, true, 1}}));
  // Bob leaves (alice removes him): his message keeps its count, but he is no longer in the
  // room to be told of it. His own read position leaves with him.
  must(wait<RoomChange>([&](auto cb) { store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb); }));
  EXPECT_EQ(must(store().read_counts(room.id, 0, 2)),
            (std::vector<ReadCount>{{1, alice_.id, true, 1}, {2, bob_.id, false, 1}}));
}

}  // namespace
}  // namespace tonari::testing
