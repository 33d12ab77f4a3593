// The sequencer over a real SqliteStore: per-room order by event number, duplicates
// dropped, gaps and lost tails filled from the store with their membership changes.
#include "bus/sequencer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "bus/event_codec.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::RoomChange;

class SequencerTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    sequencer_ = std::make_unique<bus::Sequencer>(
        store(), [this](const bus::Event& e) { delivered_.push_back(e); });
    auto created = must(create_group(alice_.id, {bob_.id}));
    room_ = created.room.id;
    created_ = created.room.ev;  // member.joined, then the room_created message
  }
  void TearDown() override {
    sequencer_.reset();
    SqliteStoreTest::TearDown();
  }

  // A committed change's first event, as the bus carries it from the node that wrote it.
  bus::Event live(const RoomChange& change) {
    const RoomEvent& e = change.events.at(0);
    return bus::Event{e.room, e.ev, tenant_.id, e.frame, change.joined, change.left, {}, 77};
  }
  RoomChange post_one(const std::string& id) { return must(post(room_, bob_.id, id, "本文 " + id)); }

  std::vector<EventNo> evs() const {
    std::vector<EventNo> out;
    for (const auto& e : delivered_) out.push_back(e.ev);
    return out;
  }
  bus::Stats stats() const {
    bus::Stats s;
    sequencer_->add_stats(s);
    return s;
  }

  std::unique_ptr<bus::Sequencer> sequencer_;
  std::vector<bus::Event> delivered_;
  RoomId room_ = 0;
  EventNo created_ = 0;  // the room's event after its creation
};

TEST_F(SequencerTest, DeliversEventsInOrder) {
  sequencer_->room_followed(room_, created_);
  auto two = post_one("a");
  auto three = post_one("b");
  sequencer_->on_event(live(two));
  sequencer_->on_event(live(three));
  EXPECT_EQ(evs(), (std::vector<EventNo>{two.room.ev, three.room.ev}));
  EXPECT_EQ(delivered_[0].origin, 77u);  // the live events themselves, not store copies
  EXPECT_EQ(sequencer_->last(room_), three.room.ev);
  EXPECT_EQ(stats().events_filled, 0u);
}

TEST_F(SequencerTest, DropsDuplicates) {
  sequencer_->room_followed(room_, created_);
  auto two = post_one("a");
  sequencer_->on_event(live(two));
  sequencer_->on_event(live(two));
  bus::Event old = live(two);
  old.ev = created_;
  sequencer_->on_event(old);
  EXPECT_EQ(evs(), (std::vector<EventNo>{two.room.ev}));
  EXPECT_EQ(stats().dropped_duplicates, 2u);
}

TEST_F(SequencerTest, FillsAGapFromTheStoreThenDeliversTheEvent) {
  sequencer_->room_followed(room_, created_);
  auto two = post_one("a");
  auto three = post_one("b");
  auto four = post_one("c");
  sequencer_->on_event(live(four));  // two and three were lost on the way
  ASSERT_EQ(evs(), (std::vector<EventNo>{two.room.ev, three.room.ev, four.room.ev}));
  EXPECT_EQ(delivered_[0].origin, 0u);  // read from the store
  EXPECT_NE(delivered_[0].frame->find("本文 a"), std::string::npos);
  EXPECT_EQ(delivered_[2].origin, 77u);  // the live one
  EXPECT_EQ(stats().gap_fills, 1u);
  EXPECT_EQ(stats().events_filled, 2u);
  // The lost events arriving late are duplicates now.
  delivered_.clear();
  sequencer_->on_event(live(four));
  EXPECT_TRUE(delivered_.empty());
}

TEST_F(SequencerTest, AFilledMembershipEventCarriesWhoJoinedAndWhoLeft) {
  sequencer_->room_followed(room_, created_);
  // Each membership change is its event and then its system message.
  auto added = must(wait<RoomChange>([&](auto cb) {
    store().add_members(room_, alice_.id, {carol_.id, dave_.id}, kT0 + 2, 0, nullptr, cb);
  }));
  auto removed = must(wait<RoomChange>([&](auto cb) {
    store().remove_member(room_, alice_.id, bob_.id, kT0 + 3, nullptr, cb);
  }));
  ASSERT_EQ(added.events.size(), 2u);
  ASSERT_EQ(removed.events.size(), 2u);
  auto last = must(post(room_, alice_.id, "x", "本文"));
  sequencer_->on_event(live(last));
  ASSERT_EQ(evs(), (std::vector<EventNo>{added.events[0].ev, added.events[1].ev,
                                         removed.events[0].ev, removed.events[1].ev,
                                         last.room.ev}));
  std::vector<UserId> joined = delivered_[0].joined;
  std::sort(joined.begin(), joined.end());
  EXPECT_EQ(joined, (std::vector<UserId>{carol_.id, dave_.id}));
  EXPECT_TRUE(delivered_[0].left.empty());
  EXPECT_EQ(delivered_[2].left, (std::vector<UserId>{bob_.id}));
  EXPECT_TRUE(delivered_[2].joined.empty());
  for (std::size_t i : {1u, 3u, 4u}) {  // the system messages and the post
    EXPECT_TRUE(delivered_[i].joined.empty()) << i;
    EXPECT_TRUE(delivered_[i].left.empty()) << i;
  }
}

// A member.joined frame names at most 100 users: a filled one that names fewer than joined
// has the room's members as its `joined` (the hub adds their connections; adding one that
// follows the room already changes nothing).
TEST_F(SequencerTest, AFilledJoinOfMoreUsersThanItsFrameNamesAddsTheRoomsMembers) {
  std::vector<UserId> many;
  for (int i = 0; i < 105; ++i) {
    many.push_back(make_user(tenant_.id, "u" + std::to_string(i), "職員" + std::to_string(i),
                             "しょくいん").id);
  }
  sequencer_->room_followed(room_, created_);
  auto added = must(wait<RoomChange>([&](auto cb) {
    store().add_members(room_, alice_.id, many, kT0 + 2, 0, nullptr, cb);
  }));
  ASSERT_EQ(added.events.size(), 2u);  // member.joined, then its system message
  auto last = must(post(room_, alice_.id, "x", "本文"));
  sequencer_->on_event(live(last));
  ASSERT_EQ(evs(), (std::vector<EventNo>{added.events[0].ev, added.events[1].ev, last.room.ev}));
  std::vector<UserId> joined = delivered_[0].joined;
  std::sort(joined.begin(), joined.end());
  std::vector<UserId> expected = many;
  expected.push_back(alice_.id);
  expected.push_back(bob_.id);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(joined, expected);
}

TEST_F(SequencerTest, ACheckFindsTheTailTheBusLost) {
  sequencer_->room_followed(room_, created_);
  EXPECT_TRUE(sequencer_->check_new());
  EXPECT_TRUE(delivered_.empty());
  auto two = post_one("a");
  auto three = post_one("b");  // neither reaches this node
  EXPECT_TRUE(sequencer_->check(sequencer_->followed()));
  EXPECT_EQ(evs(), (std::vector<EventNo>{two.room.ev, three.room.ev}));
  EXPECT_EQ(stats().gap_fills, 1u);
  delivered_.clear();
  EXPECT_TRUE(sequencer_->check(sequencer_->followed()));  // nothing more
  EXPECT_TRUE(delivered_.empty());
}

// The first follower of a room resumed from the store at `known`: events committed after
// that read and delivered to the bus before the room was followed here are not lost.
TEST_F(SequencerTest, ARoomNewHereIsCheckedFromWhatItsFirstFollowerKnows) {
  auto two = post_one("a");
  sequencer_->on_event(live(two));  // nobody follows the room here yet: dropped
  EXPECT_TRUE(delivered_.empty());
  sequencer_->room_followed(room_, created_);
  sequencer_->room_followed(room_, two.room.ev);  // followed already: changes nothing
  EXPECT_TRUE(sequencer_->check_new());
  EXPECT_EQ(evs(), (std::vector<EventNo>{two.room.ev}));
}

TEST_F(SequencerTest, RoomsNobodyFollowsHereHaveNoStateButMembershipEventsPass) {
  auto two = post_one("a");
  sequencer_->on_event(live(two));
  EXPECT_TRUE(delivered_.empty());
  auto joined = must(wait<RoomChange>([&](auto cb) {
    store().add_members(room_, alice_.id, {carol_.id}, kT0 + 2, 0, nullptr, cb);
  }));
  sequencer_->on_event(live(joined));  // carol may have a connection here: the hub decides
  EXPECT_EQ(evs(), (std::vector<EventNo>{joined.events[0].ev}));
  EXPECT_FALSE(sequencer_->follows(room_));
  bus::Event ephemeral{room_, 0, tenant_.id, std::make_shared<const std::string>("{}"), {}, {}, {bob_.id}};
  sequencer_->on_event(ephemeral);
  EXPECT_EQ(delivered_.size(), 2u);

  sequencer_->room_followed(room_, joined.room.ev);
  sequencer_->room_unfollowed(room_);
  EXPECT_FALSE(sequencer_->follows(room_));
  EXPECT_TRUE(sequencer_->followed().empty());
}

// A gap the store cannot fill skips nothing: the event waits in the store for a later check.
TEST_F(SequencerTest, AGapTheStoreCannotFillIsLeftForTheNextCheck) {
  const RoomId nowhere = room_ + 1000;
  sequencer_->room_followed(nowhere, 0);
  sequencer_->on_event(
      bus::Event{nowhere, 3, tenant_.id, std::make_shared<const std::string>("{}"), {}, {}, {}});
  EXPECT_TRUE(delivered_.empty());
  EXPECT_EQ(sequencer_->last(nowhere), 0);
  EXPECT_EQ(stats().fill_failures, 1u);
}

TEST(EventCodec, RoundTripsEveryField) {
  bus::Event e{42, 7, 3, std::make_shared<const std::string>(R"({"type":"x","本":"文"})"),
               {1, 300}, {2}, {5, 6, 1LL << 40}, (std::uint64_t{9} << 40) | 12345};
  const std::string bytes = bus::encode_event(e, 9);
  auto d = bus::decode_event(bytes);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->node, 9);
  EXPECT_EQ(d->event.room, 42);
  EXPECT_EQ(d->event.ev, 7);
  EXPECT_EQ(d->event.tenant, 3);
  EXPECT_EQ(*d->event.frame, *e.frame);
  EXPECT_EQ(d->event.joined, e.joined);
  EXPECT_EQ(d->event.left, e.left);
  EXPECT_EQ(d->event.to_users, e.to_users);
  EXPECT_EQ(d->event.origin, e.origin);
  EXPECT_LT(bytes.size(), e.frame->size() + 32);  // compact

  EXPECT_FALSE(bus::decode_event(""));
  EXPECT_FALSE(bus::decode_event(bytes.substr(0, 4)));   // truncated
  EXPECT_FALSE(bus::decode_event("\x02" + bytes.substr(1)));  // a later version
  EXPECT_FALSE(bus::decode_event(std::string("\x01\x01\x01\x01\x01\x01\xff\xff\xff\x7f", 10)));
}

}  // namespace
}  // namespace tonari::testing
