#include "api/ws_client.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace asio = boost::asio;

// A connection that records what is sent and how it was closed; never short of room.
class FakeConnection final : public http::WsConnection {
 public:
  void send(std::shared_ptr<const std::string> frame) override {
    std::lock_guard lock(mu_);
    frames_.push_back(*frame);
  }
  asio::awaitable<bool> wait_for_room() override { co_return close_code() == 0; }
  std::size_t max_queue_bytes() const override { return 1 << 20; }
  void enable_batching() override {}
  void close(int code, std::string) override {
    std::lock_guard lock(mu_);
    if (!code_) code_ = code;
  }
  int close_code() {
    std::lock_guard lock(mu_);
    return code_;
  }
  std::vector<std::string> frames() {
    std::lock_guard lock(mu_);
    return frames_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> frames_;
  int code_ = 0;
};

class WsClientTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    bus_.subscribe([this](const bus::Event& e) { hub_.on_event(e); });
    ctx_ = std::make_unique<services::Context>(services::Context{
        store(), bus_, clock_, [](std::function<void()> f) { f(); }, services::Limits{}});
    accounts_ = std::make_unique<services::Accounts>(*ctx_);
    rooms_ = std::make_unique<services::Rooms>(*ctx_);
    receipts_ = std::make_unique<services::ReadReceipts>(*ctx_);
    messages_ = std::make_unique<services::Messages>(*ctx_, *receipts_);
    deps_.reset(new api::Deps{*accounts_, *rooms_, *messages_, hub_, bus_, clock_, {}, {}});
    room_ = must(create_group(alice_.id, {bob_.id})).room;
  }
  void TearDown() override {
    deps_.reset();
    messages_.reset();
    receipts_.reset();
    rooms_.reset();
    accounts_.reset();
    ctx_.reset();
    SqliteStoreTest::TearDown();
  }

  // Runs the client's answer to `frame` to its end.
  void run(api::WsClient& client, std::string_view frame) {
    auto more = client.on_text(frame);
    if (!more) return;
    asio::io_context ioc;
    asio::co_spawn(ioc, std::move(*more), asio::detached);
    ioc.run();
  }

  SystemClock clock_;
  bus::InProcessBus bus_;
  realtime::Hub hub_;
  std::unique_ptr<services::Context> ctx_;
  std::unique_ptr<services::Accounts> accounts_;
  std::unique_ptr<services::Rooms> rooms_;
  std::unique_ptr<services::ReadReceipts> receipts_;
  std::unique_ptr<services::Messages> messages_;
  std::unique_ptr<api::Deps> deps_;
  Room room_;
};

// A hello that ends early (here: the session ended before it) leaves nothing behind: the
// client no longer follows anything, so no live event is held for a connection that closes.
TEST_F(WsClientTest, AHelloThatEndsEarlyStopsFollowingItsRooms) {
  auto client = std::make_shared<api::WsClient>(*deps_, services::Actor{alice_, tenant_, "no-such-session", ""});
  auto conn = std::make_shared<FakeConnection>();
  client->on_open(conn);
  run(*client, R"({"type":"hello","cursors":{}})");
  EXPECT_EQ(conn->close_code(), 4001);
  EXPECT_EQ(hub_.connection_count(), 0u);
  client->on_close();
}

// Connections' tags are unique across a cluster by construction: the node's id (unique:
// Store::claim_node_id) in the high bits, this process's count in the low ones.
TEST(WsClientOrigin, TagsCarryTheNodeIdAndAreNeverZero) {
  const std::uint64_t a = api::WsClient::next_origin(5);
  const std::uint64_t b = api::WsClient::next_origin(5);
  const std::uint64_t c = api::WsClient::next_origin(6);
  EXPECT_EQ(a >> 40, 5u);
  EXPECT_EQ(c >> 40, 6u);
  EXPECT_NE(a, b);
  EXPECT_NE(a & ((std::uint64_t{1} << 40) - 1), 0u);
  EXPECT_NE(api::WsClient::next_origin(0), 0u);
}

}  // namespace
}  // namespace tonari::testing
