// Connection caps: in all and per peer address; leases give places back; refusals are
// logged once per address per 10 s.
#include "http/connection_caps.h"

#include <gtest/gtest.h>

#include <vector>

namespace tonari::http {
namespace {

namespace ip = boost::asio::ip;

TEST(ConnectionCaps, PerAddressThenTotal) {
  auto caps = std::make_shared<ConnectionCaps>(4, 2);
  const auto a = ip::make_address("127.0.0.1"), b = ip::make_address("127.0.0.2"),
             c = ip::make_address("::ffff:127.0.0.3");
  std::vector<std::shared_ptr<const void>> held;
  for (int i = 0; i < 2; ++i) held.push_back(caps->admit(a, 0).lease);
  ASSERT_TRUE(held[0] && held[1]);
  auto over = caps->admit(a, 0);
  EXPECT_FALSE(over.lease);
  EXPECT_EQ(over.refused, ConnectionCaps::Refusal::address);
  EXPECT_TRUE(over.log);
  EXPECT_FALSE(caps->admit(a, 1000).log);  // once per address per 10 s
  EXPECT_TRUE(caps->admit(a, 10'000).log);
  for (int i = 0; i < 2; ++i) held.push_back(caps->admit(b, 0).lease);
  EXPECT_EQ(caps->open(), 4u);
  auto total = caps->admit(c, 0);
  EXPECT_EQ(total.refused, ConnectionCaps::Refusal::total);
  held.pop_back();  // a lease dropped gives its place back
  EXPECT_EQ(caps->open(), 3u);
  EXPECT_TRUE(caps->admit(c, 0).lease);  // and drops at once here: not held
  // An IPv4-mapped IPv6 peer is the same address as the IPv4 one.
  EXPECT_EQ(caps->admit(ip::make_address("::ffff:127.0.0.1"), 0).refused,
            ConnectionCaps::Refusal::address);
}

TEST(ConnectionCaps, ZeroMeansNoCap) {
  auto caps = std::make_shared<ConnectionCaps>(0, 0);
  std::vector<std::shared_ptr<const void>> held;
  for (int i = 0; i < 1000; ++i) held.push_back(caps->admit(ip::make_address("10.0.0.1"), 0).lease);
  EXPECT_TRUE(held.back());
  EXPECT_EQ(caps->open(), 1000u);
  held.clear();
  EXPECT_EQ(caps->open(), 0u);
}

}  // namespace
}  // namespace tonari::http
