// Store conformance (store_test.h): read positions (既読) and read counts.
#include "store/conformance/store_test.h"

#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- Read positions ---------------------------------------------------------------

TEST_P(StoreTest, MarkReadNeverMovesBackwardsAndClampsToMsgSeq) {
  Room room = group_room();
  std::vector<Seq> p;
  for (int i = 1; i <= 3; ++i) {
    p.push_back(must(post(room.id, alice_.id, "c-" + std::to_string(i), "m")).message->seq);
  }

  auto r1 = must(mark_read(room.id, bob_.id, p[1]));
  EXPECT_EQ(r1.old_seq, 0);
  EXPECT_EQ(r1.new_seq, p[1]);
  auto r2 = must(mark_read(room.id, bob_.id, p[0]));
  EXPECT_EQ(r2.old_seq, p[1]);
  EXPECT_EQ(r2.new_seq, p[1]);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, p[1]);
  auto r3 = must(mark_read(room.id, bob_.id, 99));
  EXPECT_EQ(r3.old_seq, p[1]);
  EXPECT_EQ(r3.new_seq, p[2]);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, p[2]);
  auto r4 = must(mark_read(room.id, bob_.id, p[2]));
  EXPECT_EQ(r4.old_seq, p[2]);
  EXPECT_EQ(r4.new_seq, p[2]);

  auto carol_clamped = must(mark_read(room.id, carol_.id, 1000));
  EXPECT_EQ(carol_clamped.old_seq, 0);
  EXPECT_EQ(carol_clamped.new_seq, p[2]);

  auto outsider = mark_read(room.id, dave_.id, 1);
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.status().code(), Code::not_found);
  auto missing = mark_read(room.id + 1000, bob_.id, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::not_found);

  // The reader's municipality must be the room's (policy::can_read_room, applied here).
  auto elsewhere = mark_read(room.id, bob_.id, p[2], other_tenant_.id);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.status().code(), Code::not_found);
  EXPECT_EQ(elsewhere.status().message(), "room " + std::to_string(room.id) + " not found");
  EXPECT_EQ(must(mark_read(room.id, bob_.id, p[2], tenant_.id)).new_seq, p[2]);
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

  const Seq a1 = must(post(room.id, alice_.id, "a-1", "一")).message->seq;
  const Seq a2 = must(post(room.id, alice_.id, "a-2", "二")).message->seq;
  EXPECT_EQ(position_everywhere(alice_.id), a2);

  // bob posts, mentioning alice.
  const Seq b3 = must(post(room.id, bob_.id, "b-3", "三", 0, {alice_.id})).message->seq;
  EXPECT_EQ(position_everywhere(alice_.id), a2);
  EXPECT_EQ(position_everywhere(bob_.id), b3);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 1);

  // alice answers: she has now read the mention, and bob keeps b3.
  auto answer = must(post(room.id, alice_.id, "a-4", "四"));
  const Seq a4 = answer.message->seq;
  EXPECT_EQ(answer.sender_read_before, a2);
  EXPECT_EQ(position_everywhere(alice_.id), a4);
  EXPECT_EQ(position_everywhere(bob_.id), b3);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 0);
  // Read counts (of the posts) see the same positions: bob and carol have not read a4.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, room.msg_seq, a4))),
            (Counts{{a1, 1}, {a2, 1}, {b3, 1}, {a4, 0}}));

  // Marking read below the position changes nothing; the same post again is a retry.
  auto again = must(mark_read(room.id, alice_.id, a1));
  EXPECT_EQ(again.old_seq, a4);
  EXPECT_EQ(again.new_seq, a4);
  auto retry = must(post(room.id, alice_.id, "a-4", "四"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(position_everywhere(bob_.id), b3);

  // And it outlives the store.
  reopen();
  EXPECT_EQ(position_everywhere(alice_.id), a4);
  EXPECT_EQ(position_everywhere(bob_.id), b3);
  EXPECT_EQ(position_everywhere(carol_.id), 0);
}

TEST_P(StoreTest, TheLastSenderLeavingAndComingBackKeepsPositionsRight) {
  Room room = group_room();  // alice, bob, carol
  auto position = [&](UserId user) { return must(store().member(room.id, user))->read_seq; };
  const Seq b1 = must(post(room.id, bob_.id, "b-1", "一")).message->seq;
  // Refusals move no read position.
  auto hidden = post(room.id, dave_.id, "d-x", "部外者");
  EXPECT_EQ(hidden.status().code(), Code::not_found);
  auto bad_reply = post(room.id, alice_.id, "a-x", "返信", 99);
  EXPECT_EQ(bad_reply.status().code(), Code::invalid_argument);
  auto bad_mention = post(room.id, alice_.id, "a-y", "宛先", 0, {dave_.id});
  EXPECT_EQ(bad_mention.status().code(), Code::invalid_argument);
  EXPECT_EQ(position(bob_.id), b1);
  EXPECT_EQ(position(alice_.id), room.msg_seq);  // the room_created message she sent
  // A retry by someone who is not the last sender changes nothing.
  const Seq a2 = must(post(room.id, alice_.id, "a-2", "二")).message->seq;
  auto retry = must(post(room.id, bob_.id, "b-1", "一"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(position(bob_.id), b1);
  EXPECT_EQ(position(alice_.id), a2);

  const Seq b3 = must(post(room.id, bob_.id, "b-3", "三")).message->seq;
  // alice removes bob, then adds him back: each says so in a system message from her.
  const Seq removed = must(remove(room.id, alice_.id, bob_.id, kT0 + 3)).room.msg_seq;
  // bob, no longer a member, has no position.
  const Seq c4 = must(post(room.id, carol_.id, "c-4", "四")).message->seq;
  const Seq added = must(add(room.id, alice_.id, {bob_.id}, kT0 + 4)).room.msg_seq;
  EXPECT_EQ(position(bob_.id), c4);  // a newcomer has read what came before
  EXPECT_EQ(position(carol_.id), c4);
  EXPECT_EQ(position(alice_.id), added);
  const Seq a5 = must(post(room.id, alice_.id, "a-5", "五")).message->seq;
  EXPECT_EQ(position(carol_.id), c4);
  EXPECT_EQ(position(bob_.id), c4);
  EXPECT_EQ(position(alice_.id), a5);
  // Carol's c4 has been read by alice (by posting after it) and by bob (who came back at
  // c4), alice's note of the removal by both; the note of the addition and a5 by nobody
  // else yet.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, b3, a5))),
            (Counts{{removed, 2}, {c4, 2}, {added, 0}, {a5, 0}}));
}

// ---- Read counts ------------------------------------------------------------------

TEST_P(StoreTest, ReadCountsExcludeTheSender) {
  Room room = group_room();  // alice, bob, carol
  const Seq s1 = must(post(room.id, alice_.id, "c-1", "一")).message->seq;  // alice read_seq -> s1
  const Seq s2 = must(post(room.id, bob_.id, "c-2", "二")).message->seq;    // bob read_seq -> s2
  const Seq s3 = must(post(room.id, alice_.id, "c-3", "三")).message->seq;  // alice read_seq -> s3
  // The posts after the room's creation: s1 (alice): bob; s2 (bob): alice; s3 (alice):
  // nobody else yet.
  const Seq created = room.msg_seq;
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, created, s3))),
            (Counts{{s1, 1}, {s2, 1}, {s3, 0}}));

  must(mark_read(room.id, carol_.id, s3));
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, created, s3))),
            (Counts{{s1, 2}, {s2, 2}, {s3, 1}}));
  // (lo, hi] bounds.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, s1, s2))), (Counts{{s2, 2}}));

  // Deleted messages have no read count.
  must(wait<RoomChange>([&](auto cb) { store().delete_message(room.id, s3, alice_.id, kT0 + 9, cb); }));
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, created, s3))), (Counts{{s1, 2}, {s2, 2}}));
}

TEST_P(StoreTest, ReadCountsNameEachSenderAndWhetherTheyAreStillAMember) {
  Room room = group_room();  // alice, bob, carol
  const Seq s1 = must(post(room.id, alice_.id, "c-1", "一")).message->seq;
  const Seq s2 = must(post(room.id, bob_.id, "c-2", "二")).message->seq;
  must(mark_read(room.id, carol_.id, s2));
  using store::ReadCount;
  const Seq created = room.msg_seq;  // counts of the posts after it
  EXPECT_EQ(must(store().read_counts(room.id, created, s2)),
            (std::vector<ReadCount>{{s1, alice_.id, true, 2}, {s2, bob_.id, true, 1}}));
  // Bob leaves (alice removes him): his message keeps its count, but he is no longer in the
  // room to be told of it. His own read position leaves with him; alice's moves to the
  // system message of the removal she wrote, so she has read his message now.
  must(remove(room.id, alice_.id, bob_.id, kT0 + 3));
  EXPECT_EQ(must(store().read_counts(room.id, created, s2)),
            (std::vector<ReadCount>{{s1, alice_.id, true, 1}, {s2, bob_.id, false, 2}}));
}

}  // namespace
}  // namespace tonari::testing
