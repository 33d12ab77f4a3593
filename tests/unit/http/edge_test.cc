#include "http/edge.h"

#include <gtest/gtest.h>

#include <set>

namespace tonari::http {
namespace {

namespace ip = boost::asio::ip;

ip::address addr(const char* s) { return ip::make_address(s); }

TrustedProxies proxies(std::vector<std::string> cidrs) {
  auto p = TrustedProxies::parse(cidrs);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : TrustedProxies();
}

TEST(TrustedProxies, ParsesIpv4AndIpv6CidrsAndBareAddresses) {
  auto p = proxies({"10.0.0.0/8", "::1/128", "192.0.2.7", "2001:db8::/32", " 172.16.0.0/12 "});
  EXPECT_EQ(p.size(), 5u);
  EXPECT_TRUE(p.contains(addr("10.1.2.3")));
  EXPECT_FALSE(p.contains(addr("11.0.0.1")));
  EXPECT_TRUE(p.contains(addr("::1")));
  EXPECT_FALSE(p.contains(addr("::2")));
  EXPECT_TRUE(p.contains(addr("192.0.2.7")));
  EXPECT_FALSE(p.contains(addr("192.0.2.8")));
  EXPECT_TRUE(p.contains(addr("2001:db8:ffff::1")));
  EXPECT_FALSE(p.contains(addr("2001:db9::1")));
  EXPECT_TRUE(p.contains(addr("172.31.255.255")));
  EXPECT_TRUE(p.contains(addr("::ffff:10.9.9.9")));  // IPv4-mapped: its IPv4 address
}

TEST(TrustedProxies, AHostCidrThatIsNotTheNetworkStillCoversTheNetwork) {
  auto p = proxies({"10.1.2.3/16"});
  EXPECT_TRUE(p.contains(addr("10.1.200.1")));
  EXPECT_FALSE(p.contains(addr("10.2.0.1")));
}

TEST(TrustedProxies, AnIpv4MappedRangeCoversItsIpv4Hosts) {
  auto p = proxies({"::ffff:10.0.0.0/104"});
  EXPECT_TRUE(p.contains(addr("10.1.2.3")));
  EXPECT_TRUE(p.contains(addr("::ffff:10.1.2.3")));
  EXPECT_FALSE(p.contains(addr("11.0.0.1")));
}

TEST(TrustedProxies, RefusesGarbage) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "example.org", "", "::1/129", "1.2.3.4/x",
                          "10.0.0.0/8/8"}) {
    auto p = TrustedProxies::parse({bad});
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), Code::invalid_argument);
    }
  }
}

TEST(ParseNode, AddressesWithPortsBracketsAndQuotes) {
  EXPECT_EQ(parse_node("192.0.2.1"), addr("192.0.2.1"));
  EXPECT_EQ(parse_node(" 192.0.2.1:8080 "), addr("192.0.2.1"));
  EXPECT_EQ(parse_node("2001:db8::1"), addr("2001:db8::1"));
  EXPECT_EQ(parse_node("[2001:db8::1]"), addr("2001:db8::1"));
  EXPECT_EQ(parse_node("[2001:db8::1]:443"), addr("2001:db8::1"));
  EXPECT_EQ(parse_node("\"[2001:db8::1]:443\""), addr("2001:db8::1"));
  EXPECT_EQ(parse_node("192.0.2.1:_obf"), addr("192.0.2.1"));
  EXPECT_EQ(parse_node("::ffff:192.0.2.1"), addr("192.0.2.1"));
}

TEST(ParseNode, GarbageIsNothing) {
  for (const char* bad : {"", "unknown", "_hidden", "example.org", "192.0.2.1:", "192.0.2.1:99999",
                          "192.0.2.1:8080:1", "[192.0.2.1]", "[2001:db8::1", "[2001:db8::1]x",
                          "1.2.3.4.5", "\"", "2001:db8::1:80:zz", "192.0.2.1 192.0.2.2"}) {
    EXPECT_FALSE(parse_node(bad).has_value()) << bad;
  }
}

TEST(ForwardedParam, ElementsPairsQuotesAndCase) {
  using V = std::vector<std::string>;
  EXPECT_EQ(forwarded_param("for=192.0.2.60;proto=http;by=203.0.113.43", "for"), V{"192.0.2.60"});
  EXPECT_EQ(forwarded_param("for=192.0.2.43, for=198.51.100.17", "for"),
            (V{"192.0.2.43", "198.51.100.17"}));
  EXPECT_EQ(forwarded_param("For=\"[2001:db8:cafe::17]:4711\"", "for"), V{"[2001:db8:cafe::17]:4711"});
  EXPECT_EQ(forwarded_param("for=\"a,b;c\";proto=https, for=1.2.3.4", "for"), (V{"a,b;c", "1.2.3.4"}));
  EXPECT_EQ(forwarded_param("for=\"a,b;c\";proto=https, for=1.2.3.4", "proto"), (V{"https", ""}));
  EXPECT_EQ(forwarded_param("proto=https", "for"), V{""});
  EXPECT_EQ(forwarded_param("for=\"unterminated", "for"), V{"unterminated"});
  EXPECT_EQ(forwarded_param(";;,,", "for"), (V{"", "", ""}));
}

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItClaims) {
  auto p = proxies({"10.0.0.0/8"});
  const auto peer = addr("203.0.113.9");
  EXPECT_EQ(client_address(peer, "", "198.51.100.1", p), peer);
  EXPECT_EQ(client_address(peer, "for=198.51.100.1", "", p), peer);
  EXPECT_EQ(client_address(peer, "", "198.51.100.1", TrustedProxies()), peer);
}

TEST(ClientAddress, ATrustedPeerForwardsTheRightMostUntrustedHop) {
  auto p = proxies({"10.0.0.0/8", "::1/128"});
  const auto proxy = addr("10.0.0.2");
  // A client's own X-Forwarded-For entries are to the left of what the proxy appended.
  EXPECT_EQ(client_address(proxy, "", "6.6.6.6, 198.51.100.1", p), addr("198.51.100.1"));
  EXPECT_EQ(client_address(proxy, "", "198.51.100.1, 10.0.0.3", p), addr("198.51.100.1"));
  EXPECT_EQ(client_address(proxy, "", "198.51.100.1:5555", p), addr("198.51.100.1"));
  EXPECT_EQ(client_address(proxy, "", "[2001:db8::5]:443", p), addr("2001:db8::5"));
  EXPECT_EQ(client_address(addr("::1"), "", "198.51.100.1", p), addr("198.51.100.1"));
  EXPECT_EQ(client_address(addr("::ffff:10.0.0.2"), "", "198.51.100.1", p), addr("198.51.100.1"));
  // Forwarded wins over X-Forwarded-For.
  EXPECT_EQ(client_address(proxy, "for=192.0.2.43, for=\"[2001:db8:cafe::17]\"", "198.51.100.1", p),
            addr("2001:db8:cafe::17"));
  EXPECT_EQ(client_address(proxy, "for=192.0.2.43;proto=https, for=10.0.0.9", "", p),
            addr("192.0.2.43"));
  // Every hop a proxy: the left-most.
  EXPECT_EQ(client_address(proxy, "", "10.0.0.7, 10.0.0.8", p), addr("10.0.0.7"));
}

TEST(ClientAddress, GarbageOrNothingLeavesThePeer) {
  auto p = proxies({"10.0.0.0/8"});
  const auto proxy = addr("10.0.0.2");
  EXPECT_EQ(client_address(proxy, "", "", p), proxy);
  EXPECT_EQ(client_address(proxy, "", "not-an-address", p), proxy);
  EXPECT_EQ(client_address(proxy, "", "198.51.100.1, garbage", p), proxy);
  EXPECT_EQ(client_address(proxy, "", "198.51.100.1,", p), proxy);
  EXPECT_EQ(client_address(proxy, "for=unknown", "198.51.100.1", p), proxy);
  EXPECT_EQ(client_address(proxy, "for=_hidden", "", p), proxy);
  EXPECT_EQ(client_address(proxy, "proto=https", "", p), proxy);
  EXPECT_EQ(client_address(proxy, "\xff\xfe", "", p), proxy);
  // Garbage to the left of the client is never reached.
  EXPECT_EQ(client_address(proxy, "", "garbage, 198.51.100.1", p), addr("198.51.100.1"));
}

TEST(ForwardedHttps, OnlyFromATrustedPeer) {
  auto p = proxies({"10.0.0.0/8"});
  EXPECT_TRUE(forwarded_https(addr("10.0.0.2"), "", "https", p));
  EXPECT_TRUE(forwarded_https(addr("10.0.0.2"), "", "http, HTTPS", p));
  EXPECT_FALSE(forwarded_https(addr("10.0.0.2"), "", "https, http", p));
  EXPECT_TRUE(forwarded_https(addr("10.0.0.2"), "for=1.2.3.4;proto=https", "http", p));
  EXPECT_FALSE(forwarded_https(addr("10.0.0.2"), "for=1.2.3.4;proto=http", "https", p));
  EXPECT_TRUE(forwarded_https(addr("10.0.0.2"), "for=1.2.3.4", "https", p));
  EXPECT_FALSE(forwarded_https(addr("10.0.0.2"), "", "", p));
  EXPECT_FALSE(forwarded_https(addr("203.0.113.9"), "proto=https", "https", p));
}

TEST(RequestId, NewIdsAreShortDistinctAndSane) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_request_id();
    EXPECT_EQ(id.size(), kRequestIdChars);
    EXPECT_TRUE(sane_request_id(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RequestId, SaneIncomingIds) {
  EXPECT_TRUE(sane_request_id("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  EXPECT_TRUE(sane_request_id("Root=1-67891233-abcdef012345678912345678"));
  EXPECT_FALSE(sane_request_id(""));
  EXPECT_FALSE(sane_request_id(std::string(65, 'a')));
  EXPECT_FALSE(sane_request_id("a b"));
  EXPECT_FALSE(sane_request_id("a\"b"));
  EXPECT_FALSE(sane_request_id("a;b"));
  EXPECT_FALSE(sane_request_id("\xe3\x81\x82"));
}

}  // namespace
}  // namespace tonari::http
