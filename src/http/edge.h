// What the edge knows about a request besides its bytes: who sent it, over which scheme,
// and its id. Behind a reverse proxy the TCP peer is the proxy: the client's address is
// taken from `Forwarded` (RFC 7239) or `X-Forwarded-For`, and the scheme from `Forwarded:
// proto=` or `X-Forwarded-Proto`, only when the peer is one of the trusted proxies; from
// any other peer those headers are ignored, so that nobody can claim another address.
// Pure functions and an immutable TrustedProxies: thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tonari::http {

// The networks whose hosts are reverse proxies (`[security] trusted_proxies`).
class TrustedProxies {
 public:
  // Parses CIDRs ("10.0.0.0/8", "2001:db8::/32"; a bare address is one host). Returns
  // invalid_argument naming the first entry that is not one.
  static Result<TrustedProxies> parse(const std::vector<std::string>& cidrs);

  // True if `a` (an IPv4-mapped IPv6 address counts as its IPv4 address) is in one of them.
  bool contains(const boost::asio::ip::address& a) const;
  bool empty() const { return v4_.empty() && v6_.empty(); }
  std::size_t size() const { return v4_.size() + v6_.size(); }

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

// The one header a trusted proxy sets for the client's address (`[security]
// forwarded_header`). Only that one is read: a proxy that appends to X-Forwarded-For passes a
// client's own `Forwarded` header through untouched, and the other way round.
enum class ForwardedHeader { x_forwarded_for, forwarded };

struct EdgeConfig {
  TrustedProxies trusted_proxies;
  ForwardedHeader forwarded_header = ForwardedHeader::x_forwarded_for;
  // Served over https (TLS ends at a reverse proxy): the session cookie is `__Host-`
  // prefixed and Secure, and responses carry Strict-Transport-Security.
  bool public_https = false;
};

// `a` with an IPv4-mapped IPv6 address (::ffff:192.0.2.1) turned into its IPv4 address.
boost::asio::ip::address unmapped(const boost::asio::ip::address& a);

// The address in one node of a forwarding header: "192.0.2.1", "192.0.2.1:8080",
// "2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:443", each optionally in double quotes.
// Nothing for anything else ("unknown", an obfuscated "_hidden", garbage).
std::optional<boost::asio::ip::address> parse_node(std::string_view s);

// The value of parameter `name` ("for", "proto") in each element of a Forwarded header
// value, left to right, unquoted; empty for an element without it. Quoted strings may
// hold commas and semicolons; parameter names are case-insensitive.
std::vector<std::string> forwarded_param(std::string_view value, std::string_view name);

// The client's address for a request from `peer`. If `peer` is a trusted proxy and the
// request has a `Forwarded` value (else `X-Forwarded-For`; each all of its header lines
// joined with ","), the hops are read right to left and the first that is not a trusted
// proxy is the client; if every hop is trusted, the left-most. An empty list, or a hop
// reached that is not an address, leaves `peer`. Otherwise (an untrusted peer) `peer`.
boost::asio::ip::address client_address(const boost::asio::ip::address& peer,
                                        std::string_view forwarded,
                                        std::string_view x_forwarded_for,
                                        const TrustedProxies& trusted);

// True if a trusted `peer` says the client came over https: the right-most `proto=` of
// `forwarded`, else the last value of `x_forwarded_proto`. False for an untrusted peer.
bool forwarded_https(const boost::asio::ip::address& peer, std::string_view forwarded,
                     std::string_view x_forwarded_proto, const TrustedProxies& trusted);

// A new request id: kRequestIdChars random digits and lower-case letters (about 72 bits;
// short enough that std::string keeps it without allocating).
inline constexpr std::size_t kRequestIdChars = 14;
std::string new_request_id();
// True if `id` (an incoming X-Request-Id) is fit to be used as ours: 1 to 64 characters,
// letters, digits and `-_.:+/=` only (it goes into headers and log lines).
bool sane_request_id(std::string_view id);

}  // namespace tonari::http
