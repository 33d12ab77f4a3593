#include "services/rooms.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "services/policies.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

// A clock that runs `between` once, the next time it is asked the time. Rooms asks it after
// its checks and before its write: the world changes in between, as another request's
// commit would.
class InterleavingClock final : public Clock {
 public:
  TimeMs now_ms() const override {
    if (auto f = std::exchange(between, nullptr)) f();
    return kT0 + 100;
  }
  mutable std::function<void()> between;
};

class NullBus final : public bus::Bus {
 public:
  void publish(const bus::Event&) override {}
  void subscribe(Handler) override {}
};

// Renaming, adding and removing check the policy in the transaction that writes: a member
// removed after the service's checks (or an owner who left) can no longer act.
class RoomsTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ctx_ = std::make_unique<services::Context>(services::Context{
        store(), bus_, clock_, [](std::function<void()> f) { f(); }, services::Limits{}});
    rooms_ = std::make_unique<services::Rooms>(*ctx_);
    room_ = must(create_group(alice_.id, {bob_.id, carol_.id})).room;
  }
  void TearDown() override {
    rooms_.reset();
    ctx_.reset();
    SqliteStoreTest::TearDown();
  }

  services::Actor actor(const User& u) { return services::Actor{u, tenant_, "", ""}; }

  // Between the service's checks and its write, `by` removes `who` from the room.
  void removed_in_between(const User& by, const User& who) {
    clock_.between = [this, by, who] {
      must(wait<store::RoomChange>([&](auto cb) {
        rooms_->remove_member(actor(by), room_.id, who.id, cb);
      }));
    };
  }

  bool is_member(const User& u) { return must(store().member(room_.id, u.id)).has_value(); }

  InterleavingClock clock_;
  NullBus bus_;
  std::unique_ptr<services::Context> ctx_;
  std::unique_ptr<services::Rooms> rooms_;
  Room room_;
};

services::RoomUpdate named(std::string name) {
  services::RoomUpdate u;
  u.name = std::move(name);
  return u;
}

TEST_F(RoomsTest, AnOwnerWhoLeftAfterTheCheckCannotRename) {
  removed_in_between(alice_, alice_);  // the owner leaves
  auto r = wait<store::RoomChange>(
      [&](auto cb) { rooms_->update(actor(alice_), room_.id, named("乗っ取り"), cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::not_found);
  EXPECT_EQ(must(store().room(room_.id)).name, room_.name);
}

TEST_F(RoomsTest, AMemberRemovedAfterTheCheckCannotAddMembers) {
  removed_in_between(alice_, bob_);
  auto r = wait<store::RoomChange>(
      [&](auto cb) { rooms_->add_members(actor(bob_), room_.id, {dave_.id}, cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::not_found);
  EXPECT_FALSE(is_member(dave_));
}

TEST_F(RoomsTest, AnOwnerWhoLeftAfterTheCheckCannotRemoveMembers) {
  removed_in_between(alice_, alice_);  // the owner leaves
  auto r = wait<store::RoomChange>(
      [&](auto cb) { rooms_->remove_member(actor(alice_), room_.id, carol_.id, cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::not_found);
  EXPECT_TRUE(is_member(carol_));
}

TEST_F(RoomsTest, WithoutAChangeInBetweenTheyAllSucceed) {
  must(wait<store::RoomChange>([&](auto cb) { rooms_->update(actor(alice_), room_.id, named("新しい名前"), cb); }));
  must(wait<store::RoomChange>([&](auto cb) { rooms_->add_members(actor(bob_), room_.id, {dave_.id}, cb); }));
  must(wait<store::RoomChange>([&](auto cb) { rooms_->remove_member(actor(alice_), room_.id, carol_.id, cb); }));
  EXPECT_EQ(must(store().room(room_.id)).name, "新しい名前");
  EXPECT_TRUE(is_member(dave_));
  EXPECT_FALSE(is_member(carol_));
  // A plain member still may not remove others nor rename, checked in the write as before it.
  auto renamed = wait<store::RoomChange>(
      [&](auto cb) { rooms_->update(actor(bob_), room_.id, named("乗っ取り"), cb); });
  ASSERT_FALSE(renamed.ok());
  EXPECT_EQ(renamed.status().code(), Code::permission_denied);
  auto r = wait<store::RoomChange>(
      [&](auto cb) { rooms_->remove_member(actor(bob_), room_.id, dave_.id, cb); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::permission_denied);
}

}  // namespace
}  // namespace tonari::testing
