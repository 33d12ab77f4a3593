// NatsBus over a real nats-server (scripts/test-nats.sh), two buses standing for two nodes
// over one SqliteStore (the shared record): events cross between them, only to the nodes
// that follow the event's municipality, and what a NATS outage lost is filled from the
// store after the reconnect.
#include "bus/nats_bus.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::RoomChange;

// Runs scripts/test-nats.sh `command` on `dir`; returns what it printed (trimmed).
std::string nats_script(const std::string& command, const std::filesystem::path& dir) {
  const std::string line = std::string(TONARI_SOURCE_DIR) + "/scripts/test-nats.sh " + command +
                           " '" + dir.string() + "' 2>&1";
  std::string out;
  if (FILE* p = ::popen(line.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    if (::pclose(p) != 0) throw std::runtime_error("test-nats.sh " + command + ": " + out);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// A port nobody listens on now (the kernel's pick for an ephemeral bind).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Waits up to 10 s for `done`.
bool eventually(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// What one node's hub would get.
class Received {
 public:
  void operator()(const bus::Event& e) {
    std::lock_guard lock(mu_);
    events_.push_back(e);
  }
  std::vector<EventNo> evs(RoomId room) {
    std::lock_guard lock(mu_);
    std::vector<EventNo> out;
    for (const auto& e : events_) {
      if (e.room == room && e.ev > 0) out.push_back(e.ev);
    }
    return out;
  }
  std::vector<std::string> frames() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : events_) out.push_back(*e.frame);
    return out;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return events_.size();
  }

 private:
  std::mutex mu_;
  std::vector<bus::Event> events_;
};

class NatsBusTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    url_ = nats_script("start", nats_dir_.path());
    room_ = must(create_group(alice_.id, {bob_.id})).room.id;
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    nats_script("stop", nats_dir_.path());
    SqliteStoreTest::TearDown();
  }

  std::unique_ptr<bus::NatsBus> open(std::int64_t node, Received& to) {
    bus::NatsOptions o;
    o.url = url_;
    o.node_id = node;
    o.prefix = "test";
    o.check_interval_ms = 200;
    o.reconnect_wait_ms = 100;
    auto bus = bus::NatsBus::open(store(), o);
    if (!bus.ok()) throw std::runtime_error(bus.status().message());
    (*bus)->subscribe(std::ref(to));
    return std::move(*bus);
  }
  // Both nodes follow the municipality and the room (as their hubs would report it).
  void follow_on_both() {
    for (auto* bus : {a_.get(), b_.get()}) {
      bus->tenant_followed(tenant_.id);
      bus->room_followed(room_, must(store().room(room_)).ev);
    }
    ASSERT_TRUE(eventually([&] { return a_->idle() && b_->idle(); }));
  }
  // Posts in the store, and publishes what it wrote on `bus` (null: nowhere, as a node that
  // died between its commit and its publish).
  EventNo post_and_publish(bus::NatsBus* bus, const std::string& id) {
    RoomChange change = must(post(room_, alice_.id, id, "本文 " + id));
    const RoomEvent& e = change.events.at(0);
    if (bus) bus->publish(bus::Event{e.room, e.ev, tenant_.id, e.frame, {}, {}, {}});
    return e.ev;
  }

  TempDir nats_dir_;
  std::string url_;
  RoomId room_ = 0;
  Received at_a_, at_b_;
  std::unique_ptr<bus::NatsBus> a_, b_;
};

TEST_F(NatsBusTest, AnEventPublishedOnOneNodeArrivesOnTheOther) {
  a_ = open(1, at_a_);
  b_ = open(2, at_b_);
  follow_on_both();
  const EventNo two = post_and_publish(a_.get(), "a");
  const EventNo three = post_and_publish(a_.get(), "b");
  ASSERT_TRUE(eventually([&] { return at_b_.evs(room_).size() == 2; }));
  EXPECT_EQ(at_b_.evs(room_), (std::vector<EventNo>{two, three}));
  // The publishing node delivered them itself, once (NoEcho: not again through the server).
  ASSERT_TRUE(eventually([&] { return at_a_.evs(room_).size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(at_a_.evs(room_), (std::vector<EventNo>{two, three}));
  EXPECT_EQ(a_->stats().received, 0u);
  EXPECT_EQ(b_->stats().received, 2u);
  EXPECT_EQ(b_->stats().events_filled, 0u);

  // A user-addressed notice (a logout's session.ended) crosses too.
  a_->publish(bus::Event{0, 0, tenant_.id,
                         std::make_shared<const std::string>(R"({"type":"session.ended"})"),
                         {}, {}, {bob_.id}});
  ASSERT_TRUE(eventually([&] { return at_b_.size() == 3; }));
  EXPECT_EQ(at_b_.frames().back(), R"({"type":"session.ended"})");
}

TEST_F(NatsBusTest, ANodeGetsNoEventsOfAMunicipalityItDoesNotFollow) {
  a_ = open(1, at_a_);
  b_ = open(2, at_b_);
  follow_on_both();
  b_->tenant_followed(other_tenant_.id);
  b_->tenant_unfollowed(other_tenant_.id);  // b's last connection of it went
  ASSERT_TRUE(eventually([&] { return b_->idle(); }));
  auto notice = [](const char* text) { return std::make_shared<const std::string>(text); };
  a_->publish(bus::Event{0, 0, other_tenant_.id, notice("other"), {}, {}, {eve_.id}});
  a_->publish(bus::Event{0, 0, tenant_.id, notice("mine"), {}, {}, {bob_.id}});
  // One publisher's messages keep their order: once "mine" is in, "other" would have been.
  ASSERT_TRUE(eventually([&] { return at_b_.size() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(at_b_.frames(), (std::vector<std::string>{"mine"}));
  EXPECT_EQ(b_->stats().received, 1u);
}

// Cluster notices (the login throttle's) reach every other node, not the sender.
TEST_F(NatsBusTest, NoticesReachTheOtherNodes) {
  a_ = open(1, at_a_);
  b_ = open(2, at_b_);
  std::mutex mu;
  std::vector<std::string> at_a, at_b;
  a_->on_notice("throttle", [&](std::string_view n) {
    std::lock_guard lock(mu);
    at_a.emplace_back(n);
  });
  b_->on_notice("throttle", [&](std::string_view n) {
    std::lock_guard lock(mu);
    at_b.emplace_back(n);
  });
  a_->publish_notice("throttle", "failed once");
  a_->publish_notice("other-topic", "not for them");
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return at_b.size() == 1;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::lock_guard lock(mu);
  EXPECT_EQ(at_b, (std::vector<std::string>{"failed once"}));
  EXPECT_TRUE(at_a.empty());
}

TEST_F(NatsBusTest, AfterNatsRestartsBothReconnectAndFillWhatWasCommittedMeanwhile) {
  a_ = open(1, at_a_);
  b_ = open(2, at_b_);
  follow_on_both();
  const EventNo first = post_and_publish(a_.get(), "before");
  ASSERT_TRUE(eventually([&] { return at_b_.evs(room_).size() == 1; }));

  nats_script("kill", nats_dir_.path());
  ASSERT_TRUE(eventually([&] { return !a_->stats().connected && !b_->stats().connected; }));
  // Meanwhile: events published into a's reconnect buffer, and events whose node died
  // before it could publish them.
  post_and_publish(a_.get(), "buffered-1");
  post_and_publish(nullptr, "unpublished-1");
  post_and_publish(b_.get(), "buffered-2");
  const EventNo last = post_and_publish(nullptr, "unpublished-2");
  EXPECT_EQ(nats_script("start", nats_dir_.path()), url_);  // the same port

  ASSERT_TRUE(eventually([&] { return a_->stats().reconnects >= 1 && b_->stats().reconnects >= 1; }));
  std::vector<EventNo> all;
  for (EventNo ev = first; ev <= last; ++ev) all.push_back(ev);
  ASSERT_TRUE(eventually([&] { return at_b_.evs(room_).size() >= all.size(); }));
  ASSERT_TRUE(eventually([&] { return at_a_.evs(room_).size() >= all.size(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // anything late is dropped
  EXPECT_EQ(at_b_.evs(room_), all);
  EXPECT_EQ(at_a_.evs(room_), all);
  EXPECT_GE(b_->stats().events_filled, 1u);
  EXPECT_GE(a_->stats().events_filled, 1u);

  // And the bus carries events again.
  const EventNo next = post_and_publish(a_.get(), "after");
  ASSERT_TRUE(eventually([&] { return !at_b_.evs(room_).empty() && at_b_.evs(room_).back() == next; }));
}

TEST_F(NatsBusTest, ANodeStartsBeforeNatsAndConnectsWhenItComes) {
  nats_script("stop", nats_dir_.path());
  TempDir later;
  const int port = free_port();
  std::ofstream(later.path() / "nats.port") << port << '\n';
  url_ = "nats://127.0.0.1:" + std::to_string(port);
  a_ = open(1, at_a_);  // nothing answers yet: it starts anyway
  b_ = open(2, at_b_);
  EXPECT_FALSE(a_->stats().connected);
  follow_on_both();
  const EventNo two = post_and_publish(a_.get(), "a");  // delivered here at once
  ASSERT_TRUE(eventually([&] { return at_a_.evs(room_).size() == 1; }));

  EXPECT_EQ(nats_script("start", later.path()), url_);
  ASSERT_TRUE(eventually([&] { return a_->stats().connected && b_->stats().connected; }));
  ASSERT_TRUE(eventually([&] { return at_b_.evs(room_).size() == 1; }));
  EXPECT_EQ(at_b_.evs(room_), (std::vector<EventNo>{two}));
  const EventNo three = post_and_publish(a_.get(), "b");
  ASSERT_TRUE(eventually([&] { return at_b_.evs(room_).size() == 2; }));
  EXPECT_EQ(at_b_.evs(room_), (std::vector<EventNo>{two, three}));
  a_.reset();
  b_.reset();
  nats_script("stop", later.path());
}

TEST(NatsBusOpen, RefusesAMalformedUrl) {
  TempDir dir;
  store::sqlite::Options opts;
  opts.path = (dir.path() / "t.db").string();
  store::sqlite::SqliteStore store(opts);
  auto bus = bus::NatsBus::open(store, bus::NatsOptions{.url = "not a url at all", .node_id = 1});
  EXPECT_FALSE(bus.ok());
  EXPECT_EQ(bus.status().code(), Code::invalid_argument);
}

// An admin command's node with no NATS to talk to ends at once, not after a timeout.
TEST(NatsBusOpen, ABusThatNeverConnectedShutsDownPromptly) {
  TempDir dir;
  store::sqlite::Options opts;
  opts.path = (dir.path() / "t.db").string();
  store::sqlite::SqliteStore store(opts);
  auto bus = bus::NatsBus::open(
      store, bus::NatsOptions{.url = "nats://127.0.0.1:" + std::to_string(free_port()), .node_id = 1});
  ASSERT_TRUE(bus.ok());
  (*bus)->tenant_followed(1);
  (*bus)->publish(bus::Event{1, 1, 1, std::make_shared<const std::string>("{}"), {}, {}, {}});
  const auto begin = std::chrono::steady_clock::now();
  (*bus)->shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(2));
}

}  // namespace
}  // namespace tonari::testing
