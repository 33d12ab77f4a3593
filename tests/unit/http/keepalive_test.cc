// Keepalive::sweep decides alone (no sockets): joining counts as activity, then quiet once →
// ping, quiet twice → drop, any frame in between starts over, and a member that has left is
// never called.
#include "http/ws_keepalive.h"

#include <gtest/gtest.h>

namespace tonari::http {
namespace {

class FakeMember final : public Keepalive::Member, public std::enable_shared_from_this<FakeMember> {
 public:
  explicit FakeMember(Keepalive& k) : k_(k) {}
  ~FakeMember() { k_.remove(this); }
  int pings = 0;
  int drops = 0;

 private:
  std::shared_ptr<Member> lock_member() override { return weak_from_this().lock(); }
  void ping() override { ++pings; }
  void drop() override { ++drops; }
  Keepalive& k_;
};

class KeepaliveTest : public ::testing::Test {
 protected:
  boost::asio::io_context ioc;
  std::shared_ptr<Keepalive> k = std::make_shared<Keepalive>(ioc, std::chrono::seconds(60));
};

TEST_F(KeepaliveTest, QuietOnceIsPingedQuietTwiceIsDropped) {
  auto m = std::make_shared<FakeMember>(*k);
  k->add(m.get());
  auto c = k->sweep();  // joining counts as activity
  EXPECT_EQ(c.pinged + c.dropped, 0u);
  c = k->sweep();
  EXPECT_EQ(c.pinged, 1u);
  EXPECT_EQ(c.dropped, 0u);
  EXPECT_EQ(m->pings, 1);
  c = k->sweep();
  EXPECT_EQ(c.dropped, 1u);
  EXPECT_EQ(m->pings, 1);
  EXPECT_EQ(m->drops, 1);
}

TEST_F(KeepaliveTest, AFrameBetweenSweepsStartsOver) {
  auto m = std::make_shared<FakeMember>(*k);
  k->add(m.get());
  k->sweep();  // the join
  k->sweep();  // pinged
  m->touch();  // the pong
  auto c = k->sweep();
  EXPECT_EQ(c.pinged + c.dropped, 0u);
  k->sweep();  // quiet again: pinged, not dropped
  EXPECT_EQ(m->pings, 2);
  EXPECT_EQ(m->drops, 0);
  for (int i = 0; i < 10; ++i) {  // a busy peer is never pinged
    m->touch();
    k->sweep();
  }
  EXPECT_EQ(m->pings, 2);
  EXPECT_EQ(m->drops, 0);
}

TEST_F(KeepaliveTest, MembersThatLeftOrEndedAreNotCalled) {
  auto a = std::make_shared<FakeMember>(*k);
  auto b = std::make_shared<FakeMember>(*k);
  auto c = std::make_shared<FakeMember>(*k);
  k->add(a.get());
  k->add(b.get());
  k->add(c.get());
  k->add(b.get());  // adding twice lists once
  EXPECT_EQ(k->size(), 3u);
  k->remove(b.get());
  k->remove(b.get());
  EXPECT_EQ(k->size(), 2u);
  c.reset();  // its destructor leaves the list
  EXPECT_EQ(k->size(), 1u);
  k->sweep();  // the join
  auto counts = k->sweep();
  EXPECT_EQ(counts.pinged, 1u);
  EXPECT_EQ(a->pings, 1);
  EXPECT_EQ(b->pings, 0);
}

TEST_F(KeepaliveTest, TheTimerSweepsUntilStopped) {
  auto fast = std::make_shared<Keepalive>(ioc, std::chrono::milliseconds(20));
  auto m = std::make_shared<FakeMember>(*fast);
  fast->add(m.get());
  fast->start();
  ioc.run_for(std::chrono::milliseconds(200));  // bounded: ~20 sweeps of 10 ms
  EXPECT_EQ(m->pings, 1);
  EXPECT_GE(m->drops, 1);
  fast->stop();
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(100));  // the stop's cancel runs; no sweep after it
  const int drops = m->drops;
  ioc.restart();
  ioc.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(m->drops, drops);
  fast->remove(m.get());
}

}  // namespace
}  // namespace tonari::http
