#include "services/read_receipts.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "services/test_fakes.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace json = boost::json;

class ReadReceiptsTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ctx_ = std::make_unique<services::Context>(services::Context{
        store(), bus_, clock_, [](std::function<void()> f) { f(); }, services::Limits{}});
    ctx_->limits.read_flush_period_ms = 1000;
    receipts_ = std::make_unique<services::ReadReceipts>(*ctx_);
    room_ = must(create_group(alice_.id, {bob_.id, carol_.id})).room;
    for (int i = 1; i <= 3; ++i) {
      must(post(room_.id, alice_.id, "c-" + std::to_string(i), "本文"));
    }
  }
  void TearDown() override {
    receipts_.reset();
    ctx_.reset();
    SqliteStoreTest::TearDown();
  }

  // Marks read in the store and notes the change, as the Messages service does.
  void read(RoomId room, UserId user, Seq seq) {
    auto r = must(mark_read(room, user, seq));
    receipts_->note(room, tenant_.id, r.old_seq, r.new_seq);
  }

  std::string reads_frame(RoomId room, const std::string& counts) {
    return R"({"type":"reads","room":)" + std::to_string(room) + R"(,"counts":)" + counts + "}";
  }

  FakeClock clock_{kT0};
  CapturingBus bus_{clock_};
  std::unique_ptr<services::Context> ctx_;
  std::unique_ptr<services::ReadReceipts> receipts_;
  Room room_;
};

TEST_F(ReadReceiptsTest, NothingNotedPublishesNothing) {
  EXPECT_FALSE(receipts_->active());
  EXPECT_EQ(receipts_->flush_due(), 0u);
  EXPECT_TRUE(bus_.events().empty());
}

// The app's timer ticks fast only while active(): changes pending, or noted within the
// last period (1 s here).
TEST_F(ReadReceiptsTest, ActiveWhilePendingAndForOnePeriodAfterTheLastNote) {
  read(room_.id, bob_.id, 2);
  EXPECT_TRUE(receipts_->active());
  ASSERT_EQ(receipts_->flush_due(), 1u);
  EXPECT_TRUE(receipts_->active());  // flushed, but noted just now

  clock_.advance(500);
  read(room_.id, carol_.id, 1);  // within the period: pending, not yet due
  EXPECT_EQ(receipts_->flush_due(), 0u);
  clock_.advance(600);
  EXPECT_TRUE(receipts_->active());  // noted 600 ms ago, and pending
  EXPECT_EQ(receipts_->flush_due(), 1u);
  EXPECT_TRUE(receipts_->active());
  clock_.advance(399);
  EXPECT_TRUE(receipts_->active());
  clock_.advance(1);
  EXPECT_FALSE(receipts_->active());  // nothing pending, last note one period ago
}

TEST_F(ReadReceiptsTest, FirstFlushPublishesCountsOfTheAffectedMessages) {
  read(room_.id, bob_.id, 2);
  EXPECT_EQ(receipts_->flush_due(), 1u);
  auto events = bus_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].room, room_.id);
  EXPECT_EQ(events[0].ev, 0);  // ephemeral, not in the event log
  EXPECT_EQ(events[0].to_users, std::vector<UserId>{alice_.id});  // to the sender alone
  EXPECT_TRUE(events[0].joined.empty());
  EXPECT_TRUE(events[0].left.empty());
  // alice sent 1..3 (and is not counted); bob has read up to 2; carol nothing.
  EXPECT_EQ(*events[0].frame, reads_frame(room_.id, "[[1,1],[2,1]]"));
  auto parsed = json::parse(*events[0].frame);
  EXPECT_EQ(std::string(parsed.at("type").as_string()), "reads");
}

// A `reads` event for `user` alone, with these counts.
void ExpectReadsFor(const bus::Event& e, UserId user, RoomId room, const std::string& counts) {
  EXPECT_EQ(e.to_users, std::vector<UserId>{user});
  EXPECT_EQ(*e.frame, R"({"type":"reads","room":)" + std::to_string(room) + R"(,"counts":)" + counts + "}");
}

TEST_F(ReadReceiptsTest, EachSenderIsToldOfTheirOwnMessagesOnly) {
  // alice sent 1..4: the room_created message (counted like any message) and SetUp's posts.
  EXPECT_EQ(must(post(room_.id, bob_.id, "b-4", "ボブ")).message->seq, 5);
  EXPECT_EQ(must(post(room_.id, alice_.id, "c-5", "本文")).message->seq, 6);
  read(room_.id, carol_.id, 6);
  ASSERT_EQ(receipts_->flush_due(), 1u);
  const auto events = bus_.events();
  ASSERT_EQ(events.size(), 2u);
  // In the order of each sender's first message among those counted.
  ExpectReadsFor(events[0], alice_.id, room_.id, "[[1,2],[2,2],[3,2],[4,2],[6,1]]");
  ExpectReadsFor(events[1], bob_.id, room_.id, "[[5,2]]");
}

TEST_F(ReadReceiptsTest, ASenderWhoHasLeftIsNotToldAnyMore) {
  Room room = must(create_group(alice_.id, {bob_.id, carol_.id})).room;
  // seq 1: the room_created message alice sent.
  EXPECT_EQ(must(post(room.id, bob_.id, "b-1", "ボブ")).message->seq, 2);
  EXPECT_EQ(must(post(room.id, alice_.id, "a-2", "アリス")).message->seq, 3);
  must(wait<store::RoomChange>([&](auto cb) { store().remove_member(room.id, alice_.id, bob_.id, kT0 + 50, nullptr, cb); }));
  read(room.id, carol_.id, 3);
  ASSERT_EQ(receipts_->flush_due(), 1u);
  ASSERT_EQ(bus_.events().size(), 1u);  // nothing to bob about his seq 2
  ExpectReadsFor(bus_.events()[0], alice_.id, room.id, "[[1,1],[3,1]]");
}

TEST_F(ReadReceiptsTest, NotesWithinOnePeriodAreCoalescedIntoOneEventWithFinalCounts) {
  read(room_.id, bob_.id, 2);
  ASSERT_EQ(receipts_->flush_due(), 1u);  // t0: published at once (no earlier flush)

  clock_.advance(100);
  read(room_.id, carol_.id, 1);
  clock_.advance(100);
  read(room_.id, bob_.id, 3);
  clock_.advance(100);
  read(room_.id, carol_.id, 3);

  // Before the period has elapsed nothing more goes out, however often flush_due runs.
  for (TimeMs t = kT0 + 300; t < kT0 + 1000; t += 100) {
    clock_.set(t);
    EXPECT_EQ(receipts_->flush_due(), 0u) << "at +" << (t - kT0);
  }
  clock_.set(kT0 + 999);
  EXPECT_EQ(receipts_->flush_due(), 0u);
  EXPECT_EQ(bus_.events().size(), 1u);

  clock_.set(kT0 + 1000);
  EXPECT_EQ(receipts_->flush_due(), 1u);
  auto events = bus_.events();
  ASSERT_EQ(events.size(), 2u);
  // One event for the four changes: (0, 3] with bob and carol at 3.
  EXPECT_EQ(*events[1].frame, reads_frame(room_.id, "[[1,2],[2,2],[3,2]]"));

  // Nothing pending any more.
  clock_.set(kT0 + 5000);
  EXPECT_EQ(receipts_->flush_due(), 0u);
  EXPECT_EQ(bus_.events().size(), 2u);
}

TEST_F(ReadReceiptsTest, AtMostOneEventPerRoomPerPeriodUnderSteadyReading) {
  Room other = must(create_group(bob_.id, {alice_.id, carol_.id})).room;
  must(post(other.id, bob_.id, "o-1", "別室"));
  // A timer calls flush_due every 100 ms; changes are noted in between, in both rooms.
  for (int step = 0; step <= 30; ++step) {
    clock_.set(kT0 + step * 100);
    receipts_->note(room_.id, tenant_.id, 0, 1 + step % 3);
    if (step % 2 == 0) receipts_->note(other.id, tenant_.id, 0, 1);
    receipts_->flush_due();
  }
  std::vector<TimeMs> room_times, other_times;
  auto events = bus_.events();
  auto times = bus_.times();
  ASSERT_EQ(events.size(), times.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    (events[i].room == room_.id ? room_times : other_times).push_back(times[i] - kT0);
  }
  EXPECT_EQ(room_times, (std::vector<TimeMs>{0, 1000, 2000, 3000}));
  EXPECT_EQ(other_times, (std::vector<TimeMs>{0, 1000, 2000, 3000}));
}

TEST_F(ReadReceiptsTest, RoomsAreThrottledIndependently) {
  Room other = must(create_group(bob_.id, {alice_.id, carol_.id})).room;
  must(post(other.id, bob_.id, "o-1", "別室"));
  read(room_.id, bob_.id, 1);
  EXPECT_EQ(receipts_->flush_due(), 1u);
  clock_.advance(500);
  // The other room was never flushed: it goes out now, the first one waits.
  read(other.id, carol_.id, 1);
  read(room_.id, carol_.id, 1);
  EXPECT_EQ(receipts_->flush_due(), 1u);
  auto events = bus_.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*events[1].frame, reads_frame(other.id, "[[1,1]]"));
  clock_.advance(500);
  EXPECT_EQ(receipts_->flush_due(), 1u);
  events = bus_.events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(*events[2].frame, reads_frame(room_.id, "[[1,2]]"));
}

TEST_F(ReadReceiptsTest, NoteThatDoesNotMoveForwardIsIgnored) {
  receipts_->note(room_.id, tenant_.id, 3, 3);
  receipts_->note(room_.id, tenant_.id, 3, 2);
  EXPECT_EQ(receipts_->flush_due(), 0u);
  EXPECT_TRUE(bus_.events().empty());
}

TEST_F(ReadReceiptsTest, CountsAreLimitedToTheMostRecentHundredMessages) {
  // 151 messages in all (the room_created message and 3 posts from SetUp, 147 more), then
  // bob reads up to 150.
  for (int i = 4; i <= 150; ++i) {
    store::NewMessage m;
    m.room = room_.id;
    m.sender = alice_.id;
    m.client_id = "c-" + std::to_string(i);
    m.body = "本文";
    m.now = kT0;
    if (i < 150) {
      store().post_message(m, [](Result<store::RoomChange>) {});
    } else {
      must(wait<store::RoomChange>([&](auto cb) { store().post_message(m, cb); }));
    }
  }
  read(room_.id, bob_.id, 150);
  ASSERT_EQ(receipts_->flush_due(), 1u);
  auto events = bus_.events();
  ASSERT_EQ(events.size(), 1u);
  auto counts = json::parse(*events[0].frame).at("counts").as_array();
  ASSERT_EQ(counts.size(), static_cast<std::size_t>(services::ReadReceipts::kMaxCountsPerEvent));
  EXPECT_EQ(counts.front().as_array().at(0).as_int64(), 51);
  EXPECT_EQ(counts.back().as_array().at(0).as_int64(), 150);
  for (const auto& c : counts) EXPECT_EQ(c.as_array().at(1).as_int64(), 1);
}

TEST_F(ReadReceiptsTest, DeletedMessagesAreLeftOutAndAllDeletedPublishesNothing) {
  must(wait<store::RoomChange>(
      [&](auto cb) { store().delete_message(room_.id, 2, alice_.id, kT0, cb); }));
  read(room_.id, bob_.id, 3);
  EXPECT_EQ(receipts_->flush_due(), 1u);
  auto events = bus_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(*events[0].frame, reads_frame(room_.id, "[[1,1],[3,1]]"));

  // A change covering only a deleted message has no counts: no event.
  clock_.advance(1000);
  receipts_->note(room_.id, tenant_.id, 1, 2);
  EXPECT_EQ(receipts_->flush_due(), 1u);  // the room was due and is consumed...
  EXPECT_EQ(bus_.events().size(), 1u);    // ...but nothing is published
}

}  // namespace
}  // namespace tonari::testing
