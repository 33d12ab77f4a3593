// A client resuming on node B while node A keeps posting to its room, with NATS between
// them (a real nats-server) and one SqliteStore as the record: the client's replay from the
// store and the live events through B's sequencer meet without a gap or a duplicate.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "api/ws_client.h"
#include "bus/nats_bus.h"
#include "services/events.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace asio = boost::asio;

std::string nats_script(const std::string& command, const std::filesystem::path& dir) {
  const std::string line = std::string(TONARI_SOURCE_DIR) + "/scripts/test-nats.sh " + command +
                           " '" + dir.string() + "' 2>&1";
  std::string out;
  if (FILE* p = ::popen(line.c_str(), "r")) {
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    if (::pclose(p) != 0) throw std::runtime_error("test-nats.sh " + command + ": " + out);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A connection that records what is sent; never short of room.
class RecordingConnection final : public http::WsConnection {
 public:
  void send(std::shared_ptr<const std::string> frame) override {
    std::lock_guard lock(mu_);
    frames_.push_back(*frame);
  }
  asio::awaitable<bool> wait_for_room() override { co_return true; }
  std::size_t max_queue_bytes() const override { return 64 << 20; }
  void enable_batching() override {}
  void close(int code, std::string) override {
    std::lock_guard lock(mu_);
    if (!code_) code_ = code;
  }
  int close_code() {
    std::lock_guard lock(mu_);
    return code_;
  }
  // The event numbers of `room`'s events sent, in order; and whether a resync was sent.
  std::vector<EventNo> evs(RoomId room, bool* resync = nullptr) {
    std::lock_guard lock(mu_);
    std::vector<EventNo> out;
    for (const auto& f : frames_) {
      const auto o = boost::json::parse(f).as_object();
      const auto type = o.at("type").as_string();
      if (type == "resync" && resync) *resync = true;
      if (o.contains("ev") && o.contains("room") && o.at("room").to_number<RoomId>() == room &&
          type != "resync") {
        out.push_back(o.at("ev").to_number<EventNo>());
      }
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> frames_;
  int code_ = 0;
};

// One node's services over the shared store and its own bus.
struct Services {
  Services(store::Store& store, bus::Bus& bus, const Clock& clock)
      : ctx{store, bus, clock, [](std::function<void()> f) { f(); }, services::Limits{}},
        accounts(ctx), rooms(ctx), receipts(ctx), messages(ctx, receipts) {}
  services::Context ctx;
  services::Accounts accounts;
  services::Rooms rooms;
  services::ReadReceipts receipts;
  services::Messages messages;
};

class ClusterResumeTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    const std::string url = nats_script("start", nats_dir_.path());
    auto open = [&](std::int64_t node) {
      bus::NatsOptions o;
      o.url = url;
      o.node_id = node;
      o.prefix = "resume";
      auto b = bus::NatsBus::open(store(), o);
      if (!b.ok()) throw std::runtime_error(b.status().message());
      return std::move(*b);
    };
    bus_a_ = open(1);
    bus_b_ = open(2);
    hub_b_.set_bus(bus_b_.get());
    bus_b_->subscribe([this](const bus::Event& e) { hub_b_.on_event(e); });
    node_a_ = std::make_unique<Services>(store(), *bus_a_, clock_);
    node_b_ = std::make_unique<Services>(store(), *bus_b_, clock_);
    deps_b_.reset(new api::Deps{node_b_->accounts, node_b_->rooms, node_b_->messages, hub_b_,
                                *bus_b_, clock_, {}, {}, nullptr, 2});
    room_ = must(create_group(alice_.id, {bob_.id})).room.id;
    must(wait<bool>([&](auto cb) {
      store().create_session(store::Session{"bob-session", bob_.id, "csrf", kT0, kT0 * 2}, cb);
    }));
  }
  void TearDown() override {
    bus_a_->shutdown();
    bus_b_->shutdown();
    deps_b_.reset();
    node_b_.reset();
    node_a_.reset();
    bus_a_.reset();
    bus_b_.reset();
    nats_script("stop", nats_dir_.path());
    SqliteStoreTest::TearDown();
  }

  // Posts on node A as alice: committed, then published on A's bus (as Messages does).
  EventNo post_on_a(int i) {
    auto change = must(post(room_, alice_.id, "m" + std::to_string(i), "本文"));
    services::publish_change(node_a_->ctx, change);
    return change.events.at(0).ev;
  }

  SystemClock clock_;
  TempDir nats_dir_;
  std::unique_ptr<bus::NatsBus> bus_a_, bus_b_;
  realtime::Hub hub_b_;
  std::unique_ptr<Services> node_a_, node_b_;
  std::unique_ptr<api::Deps> deps_b_;
  RoomId room_ = 0;
};

TEST_F(ClusterResumeTest, AClientResumingOnAnotherNodeGetsEveryEventOnceAndInOrder) {
  for (int i = 0; i < 5; ++i) post_on_a(i);  // ev 2..6, before the client comes back
  const EventNo cursor = 3;                    // it had seen up to 3

  // Node A keeps posting while the client says hello on node B: some of these events are
  // in B's replay, some arrive live during it, some after.
  std::atomic<EventNo> last{0};
  std::thread poster([&] {
    for (int i = 5; i < 65; ++i) {
      last = post_on_a(i);
      std::this_thread::sleep_for(std::chrono::microseconds(300));
    }
  });
  auto client = std::make_shared<api::WsClient>(*deps_b_,
                                                services::Actor{bob_, tenant_, "bob-session", ""});
  auto conn = std::make_shared<RecordingConnection>();
  client->on_open(conn);
  {
    auto hello = client->on_text(R"({"type":"hello","cursors":{")" + std::to_string(room_) +
                                 R"(":)" + std::to_string(cursor) + "}}");
    ASSERT_TRUE(hello);
    asio::io_context ioc;
    asio::co_spawn(ioc, std::move(*hello), asio::detached);
    ioc.run();
  }
  poster.join();
  ASSERT_EQ(conn->close_code(), 0);

  std::vector<EventNo> expected;
  for (EventNo ev = cursor + 1; ev <= last; ++ev) expected.push_back(ev);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (conn->evs(room_).size() < expected.size() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // anything more would be a duplicate
  bool resync = false;
  EXPECT_EQ(conn->evs(room_, &resync), expected);
  EXPECT_FALSE(resync);
  client->on_close();
}

}  // namespace
}  // namespace tonari::testing
