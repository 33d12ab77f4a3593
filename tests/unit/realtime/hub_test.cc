#include "realtime/hub.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>
#include <mutex>
#include <string>
#include <vector>

namespace tonari::realtime {
namespace {

class FakeSubscriber final : public Subscriber {
 public:
  explicit FakeSubscriber(UserId user, TenantId tenant = 1) : user_(user), tenant_(tenant) {}
  UserId user() const override { return user_; }
  TenantId tenant() const override { return tenant_; }
  void deliver(const bus::Event& e) override {
    std::lock_guard lock(mu_);
    frames_.push_back(*e.frame);
  }
  std::vector<std::string> frames() {
    std::lock_guard lock(mu_);
    return frames_;
  }
  void clear() {
    std::lock_guard lock(mu_);
    frames_.clear();
  }

 private:
  const UserId user_;
  const TenantId tenant_;
  std::mutex mu_;
  std::vector<std::string> frames_;
};

using Frames = std::vector<std::string>;

bus::Event event(RoomId room, EventNo ev, const std::string& frame) {
  return bus::Event{room, ev, 1, std::make_shared<const std::string>(frame), {}, {}, {}};
}

std::string removed(RoomId room) {
  return R"({"type":"room.removed","room":)" + std::to_string(room) + "}";
}

class HubTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeSubscriber> attach(UserId user, std::vector<RoomId> rooms,
                                         TenantId tenant = 1) {
    auto s = std::make_shared<FakeSubscriber>(user, tenant);
    std::vector<RoomCursor> cursors;
    for (RoomId r : rooms) cursors.emplace_back(r, 0);
    hub_.attach(s, cursors);
    return s;
  }
  Hub hub_;
};

TEST_F(HubTest, ConnectionsOfAUserAreTheAttachedOnesStillThere) {
  auto phone = attach(1, {10});
  auto desk = attach(1, {});
  auto other = attach(2, {10});
  auto of_one = hub_.connections_of(1);
  ASSERT_EQ(of_one.size(), 2u);
  EXPECT_TRUE((of_one[0] == phone && of_one[1] == desk) || (of_one[0] == desk && of_one[1] == phone));
  hub_.detach(phone.get());
  of_one = hub_.connections_of(1);
  ASSERT_EQ(of_one.size(), 1u);
  EXPECT_EQ(of_one[0], desk);
  EXPECT_TRUE(hub_.connections_of(3).empty());
}

TEST_F(HubTest, RoomEventsFanOutToTheRoomsFollowers) {
  auto a = attach(1, {10});
  auto b = attach(2, {10, 20});
  auto c = attach(3, {20});
  EXPECT_EQ(hub_.connection_count(), 3u);
  EXPECT_EQ(hub_.room_count(), 2u);

  hub_.on_event(event(10, 1, "e10-1"));
  hub_.on_event(event(20, 1, "e20-1"));
  hub_.on_event(event(10, 2, "e10-2"));
  hub_.on_event(event(30, 1, "e30-1"));  // nobody follows 30

  EXPECT_EQ(a->frames(), (Frames{"e10-1", "e10-2"}));
  EXPECT_EQ(b->frames(), (Frames{"e10-1", "e20-1", "e10-2"}));
  EXPECT_EQ(c->frames(), (Frames{"e20-1"}));
}

TEST_F(HubTest, EveryConnectionOfAUserFollowsItsRooms) {
  auto phone = attach(1, {10});
  auto desk = attach(1, {10});
  hub_.on_event(event(10, 1, "e"));
  EXPECT_EQ(phone->frames(), (Frames{"e"}));
  EXPECT_EQ(desk->frames(), (Frames{"e"}));
}

TEST_F(HubTest, ToUsersGoesOnlyToThoseUsersConnections) {
  auto a = attach(1, {10});
  auto b_phone = attach(2, {10});
  auto b_desk = attach(2, {});
  auto c = attach(3, {10});
  bus::Event e = event(10, 0, "read.self");
  e.to_users = {2, 99};  // 99 has no connection here
  hub_.on_event(e);
  EXPECT_TRUE(a->frames().empty());
  EXPECT_EQ(b_phone->frames(), (Frames{"read.self"}));
  EXPECT_EQ(b_desk->frames(), (Frames{"read.self"}));  // regardless of rooms followed
  EXPECT_TRUE(c->frames().empty());

  bus::Event two = event(0, 0, "room.added");
  two.to_users = {1, 3};
  hub_.on_event(two);
  EXPECT_EQ(a->frames(), (Frames{"room.added"}));
  EXPECT_EQ(c->frames(), (Frames{"room.added"}));
  EXPECT_EQ(b_phone->frames(), (Frames{"read.self"}));
}

TEST_F(HubTest, JoinedUsersAreSubscribedBeforeTheEventIsDelivered) {
  auto a = attach(1, {10});
  auto newcomer = attach(4, {});
  auto newcomer_desk = attach(4, {20});
  auto bystander = attach(5, {20});

  bus::Event joined = event(10, 3, "member.joined");
  joined.joined = {4, 77};  // 77 is not connected to this node
  hub_.on_event(joined);
  EXPECT_EQ(a->frames(), (Frames{"member.joined"}));
  EXPECT_EQ(newcomer->frames(), (Frames{"member.joined"}));
  EXPECT_EQ(newcomer_desk->frames(), (Frames{"member.joined"}));
  EXPECT_TRUE(bystander->frames().empty());

  // From now on they follow the room.
  hub_.on_event(event(10, 4, "message.created"));
  EXPECT_EQ(newcomer->frames(), (Frames{"member.joined", "message.created"}));
  EXPECT_EQ(newcomer_desk->frames(), (Frames{"member.joined", "message.created"}));
  EXPECT_TRUE(bystander->frames().empty());

  // Joining twice does not deliver twice.
  hub_.on_event(joined);
  EXPECT_EQ(newcomer->frames(),
            (Frames{"member.joined", "message.created", "member.joined"}));
}

TEST_F(HubTest, NewRoomCreatedWithMembersIsFollowedByThem) {
  auto a = attach(1, {});
  auto b = attach(2, {});
  bus::Event created = event(50, 1, "member.joined");
  created.joined = {1, 2};
  hub_.on_event(created);
  hub_.on_event(event(50, 2, "message.created"));
  EXPECT_EQ(a->frames(), (Frames{"member.joined", "message.created"}));
  EXPECT_EQ(b->frames(), (Frames{"member.joined", "message.created"}));
  EXPECT_EQ(hub_.room_count(), 1u);
}

TEST_F(HubTest, LeftUsersGetTheEventThenRoomRemovedThenNothingMore) {
  auto stays = attach(1, {10});
  auto leaves = attach(2, {10, 20});
  auto leaves_desk = attach(2, {10});

  bus::Event left = event(10, 5, "member.left");
  left.left = {2};
  hub_.on_event(left);
  EXPECT_EQ(stays->frames(), (Frames{"member.left"}));
  EXPECT_EQ(leaves->frames(), (Frames{"member.left", removed(10)}));
  EXPECT_EQ(leaves_desk->frames(), (Frames{"member.left", removed(10)}));

  hub_.on_event(event(10, 6, "message.created"));
  hub_.on_event(event(20, 1, "other-room"));
  EXPECT_EQ(stays->frames(), (Frames{"member.left", "message.created"}));
  EXPECT_EQ(leaves->frames(), (Frames{"member.left", removed(10), "other-room"}));
  EXPECT_EQ(leaves_desk->frames(), (Frames{"member.left", removed(10)}));
}

TEST_F(HubTest, LastFollowerLeavingDropsTheRoom) {
  auto only = attach(1, {10});
  ASSERT_EQ(hub_.room_count(), 1u);
  bus::Event left = event(10, 2, "member.left");
  left.left = {1};
  hub_.on_event(left);
  EXPECT_EQ(only->frames(), (Frames{"member.left", removed(10)}));
  EXPECT_EQ(hub_.room_count(), 0u);
  EXPECT_EQ(hub_.connection_count(), 1u);
  // Still reachable as a user.
  bus::Event direct = event(0, 0, "room.added");
  direct.to_users = {1};
  hub_.on_event(direct);
  EXPECT_EQ(only->frames(), (Frames{"member.left", removed(10), "room.added"}));
}

TEST_F(HubTest, FollowAddsRoomsToAnAttachedSubscriberOnly) {
  auto a = attach(1, {});
  hub_.follow(a.get(), {{10, 0}, {10, 0}, {20, 0}});
  hub_.on_event(event(10, 1, "e10"));
  hub_.on_event(event(20, 1, "e20"));
  EXPECT_EQ(a->frames(), (Frames{"e10", "e20"}));

  FakeSubscriber stranger(9);
  hub_.follow(&stranger, {{10, 0}});
  hub_.on_event(event(10, 2, "e10-2"));
  EXPECT_TRUE(stranger.frames().empty());
  EXPECT_EQ(hub_.connection_count(), 1u);
}

TEST_F(HubTest, DetachStopsAllDelivery) {
  auto a = attach(1, {10, 20});
  auto b = attach(2, {10});
  hub_.detach(a.get());
  EXPECT_EQ(hub_.connection_count(), 1u);
  EXPECT_EQ(hub_.room_count(), 1u);  // room 20 had no other follower

  hub_.on_event(event(10, 1, "e10"));
  hub_.on_event(event(20, 1, "e20"));
  bus::Event to_a = event(0, 0, "to-a");
  to_a.to_users = {1};
  hub_.on_event(to_a);
  bus::Event joined = event(30, 1, "joined-30");
  joined.joined = {1};
  hub_.on_event(joined);
  bus::Event left = event(10, 2, "left-10");
  left.left = {1};
  hub_.on_event(left);

  EXPECT_TRUE(a->frames().empty());
  EXPECT_EQ(b->frames(), (Frames{"e10", "left-10"}));

  hub_.detach(a.get());  // detaching twice is harmless
  hub_.detach(b.get());
  EXPECT_EQ(hub_.connection_count(), 0u);
  EXPECT_EQ(hub_.room_count(), 0u);
}

TEST_F(HubTest, DetachOneConnectionKeepsTheUsersOtherConnections) {
  auto phone = attach(1, {10});
  auto desk = attach(1, {10});
  hub_.detach(phone.get());
  hub_.on_event(event(10, 1, "e"));
  bus::Event to_user = event(0, 0, "to-user");
  to_user.to_users = {1};
  hub_.on_event(to_user);
  EXPECT_TRUE(phone->frames().empty());
  EXPECT_EQ(desk->frames(), (Frames{"e", "to-user"}));
}

// A subscriber that calls into the hub from deliver(): it looks up its user's connections
// and, told it left a room, stops following it (as a connection that ends itself would).
class ReentrantSubscriber final : public Subscriber {
 public:
  ReentrantSubscriber(Hub& hub, UserId user) : hub_(hub), user_(user) {}
  UserId user() const override { return user_; }
  TenantId tenant() const override { return 1; }
  void deliver(const bus::Event& e) override {
    connections_seen_ = hub_.connections_of(user_).size();
    if (e.ev == 0) hub_.unfollow(this, {e.room});
    frames_.push_back(*e.frame);
  }
  Frames frames_;
  std::size_t connections_seen_ = 0;

 private:
  Hub& hub_;
  const UserId user_;
};

// Membership events are delivered outside the hub's lock (STYLE.md: snapshot under the
// lock, send outside it), so a subscriber may call the hub back. Bounded: a hub that
// deadlocks ends the test binary after 10 s instead of hanging it.
TEST_F(HubTest, MembershipEventsAreDeliveredOutsideTheHubsLock) {
  auto joining = std::make_shared<ReentrantSubscriber>(hub_, 4);
  auto leaving = std::make_shared<ReentrantSubscriber>(hub_, 2);
  hub_.attach(joining, {});
  hub_.attach(leaving, {{10, 0}});
  auto done = std::make_shared<std::promise<std::string>>();
  std::future<std::string> result = done->get_future();
  std::thread([this, done] {
    try {
      bus::Event joined = event(10, 3, "member.joined");
      joined.joined = {4};
      hub_.on_event(joined);
      bus::Event left = event(10, 4, "member.left");
      left.left = {2};
      hub_.on_event(left);
      done->set_value("");
    } catch (const std::exception& e) {
      done->set_value(e.what());
    }
  }).detach();
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    std::fprintf(stderr, "Hub::on_event deadlocked on a subscriber calling the hub\n");
    std::_Exit(1);
  }
  EXPECT_EQ(result.get(), "");
  EXPECT_EQ(joining->frames_, (Frames{"member.joined", "member.left"}));
  EXPECT_EQ(leaving->frames_, (Frames{"member.joined", "member.left", removed(10)}));
  EXPECT_EQ(leaving->connections_seen_, 1u);
}

TEST_F(HubTest, BusDeliversToTheHub) {
  bus::InProcessBus bus;
  bus.subscribe([this](const bus::Event& e) { hub_.on_event(e); });
  auto a = attach(1, {10});
  bus.publish(event(10, 1, "via-bus"));
  EXPECT_EQ(a->frames(), (Frames{"via-bus"}));
}

// What the hub reports to the bus: a municipality while it has connections here, a room
// while it has followers here, with the event its first follower knows.
class InterestLog final : public bus::Bus {
 public:
  void publish(const bus::Event&) override {}
  void subscribe(Handler) override {}
  void tenant_followed(TenantId t) override { log_.push_back("+t" + std::to_string(t)); }
  void tenant_unfollowed(TenantId t) override { log_.push_back("-t" + std::to_string(t)); }
  void room_followed(RoomId r, EventNo known) override {
    log_.push_back("+r" + std::to_string(r) + "@" + std::to_string(known));
  }
  void room_unfollowed(RoomId r) override { log_.push_back("-r" + std::to_string(r)); }
  std::vector<std::string> log_;
};

TEST_F(HubTest, ReportsTenantsAndRoomsAsTheyGainTheirFirstAndLoseTheirLastFollower) {
  InterestLog interest;
  hub_.set_bus(&interest);
  auto a = std::make_shared<FakeSubscriber>(1, 7);
  hub_.attach(a, {{10, 4}});
  auto b = std::make_shared<FakeSubscriber>(2, 7);
  hub_.attach(b, {});
  hub_.follow(b.get(), {{10, 5}, {20, 2}});  // 10 is followed already
  auto c = std::make_shared<FakeSubscriber>(3, 8);
  hub_.attach(c, {});
  EXPECT_EQ(interest.log_, (Frames{"+t7", "+r10@4", "+r20@2", "+t8"}));
  interest.log_.clear();

  bus::Event joined = event(30, 6, "member.joined");  // c joins room 30, new here
  joined.joined = {3};
  hub_.on_event(joined);
  bus::Event left = event(20, 3, "member.left");  // b leaves room 20, its only follower
  left.left = {2};
  hub_.on_event(left);
  EXPECT_EQ(interest.log_, (Frames{"+r30@6", "-r20"}));
  interest.log_.clear();

  hub_.detach(a.get());  // b still follows 10, and is of tenant 7
  EXPECT_TRUE(interest.log_.empty());
  hub_.detach(b.get());
  hub_.detach(c.get());
  EXPECT_EQ(interest.log_, (Frames{"-r10", "-t7", "-r30", "-t8"}));
}

}  // namespace
}  // namespace tonari::realtime
