#include "http/edge.h"

#include <boost/asio/ip/address_v4.hpp>
#include <random>

namespace tonari::http {
namespace {

namespace ip = boost::asio::ip;

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The items of a comma-separated header value, trimmed (empty items kept).
std::vector<std::string_view> split_list(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    std::size_t comma = s.find(',');
    out.push_back(trim_ows(s.substr(0, comma)));
    if (comma == std::string_view::npos) return out;
    s.remove_prefix(comma + 1);
  }
}

// A port after an address: digits, or an obfuscated port (RFC 7239: "_" then letters,
// digits, ".", "_", "-").
bool valid_port(std::string_view p) {
  if (p.empty() || p.size() > 32) return false;
  for (char c : p) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          c == '.' || c == '_' || c == '-'))
      return false;
  }
  if (p.front() == '_') return true;
  if (p.size() > 5) return false;
  unsigned port = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  return port <= 65535;
}

std::optional<ip::address> to_address(std::string_view s) {
  boost::system::error_code ec;
  ip::address a = ip::make_address(std::string(s), ec);
  if (ec) return std::nullopt;
  return unmapped(a);
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& cidrs) {
  TrustedProxies out;
  for (const auto& c : cidrs) {
    boost::system::error_code ec;
    const std::string_view s = trim_ows(c);
    if (s.find('/') == std::string_view::npos) {
      ip::address a = ip::make_address(std::string(s), ec);
      if (!ec) {
        a = unmapped(a);
        if (a.is_v4()) out.v4_.emplace_back(a.to_v4(), 32);
        else out.v6_.emplace_back(a.to_v6(), 128);
        continue;
      }
    } else if (s.find(':') == std::string_view::npos) {
      auto n = ip::make_network_v4(s, ec);
      if (!ec) {
        out.v4_.push_back(n.canonical());
        continue;
      }
    } else {
      auto n = ip::make_network_v6(s, ec);
      if (!ec) {
        n = n.canonical();
        // ::ffff:10.0.0.0/104 names IPv4 hosts, which contains() compares as IPv4.
        if (n.address().is_v4_mapped() && n.prefix_length() >= 96) {
          out.v4_.push_back(
              ip::network_v4(ip::make_address_v4(ip::v4_mapped, n.address()),
                             static_cast<unsigned short>(n.prefix_length() - 96)).canonical());
        } else {
          out.v6_.push_back(n);
        }
        continue;
      }
    }
    return invalid_argument("trusted_proxies: \"" + c +
                            "\" is not an address or a CIDR such as 10.0.0.0/8 or ::1/128");
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& a_in) const {
  const ip::address a = unmapped(a_in);
  if (a.is_v4()) {
    const auto v4 = a.to_v4();
    for (const auto& n : v4_) {
      const auto mask = n.netmask().to_uint();
      if ((v4.to_uint() & mask) == (n.network().to_uint() & mask)) return true;
    }
    return false;
  }
  const auto v6 = a.to_v6();
  for (const auto& n : v6_) {
    if (ip::network_v6(v6, n.prefix_length()).canonical() == n) return true;
  }
  return false;
}

ip::address unmapped(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  return a;
}

std::optional<ip::address> parse_node(std::string_view s) {
  s = trim_ows(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  if (s.empty() || s.size() > 64) return std::nullopt;
  if (s.front() == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1)))) return std::nullopt;
    const std::string_view inside = s.substr(1, close - 1);
    if (inside.find(':') == std::string_view::npos) return std::nullopt;  // IPv6 only
    return to_address(inside);
  }
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
    // One colon: an IPv4 address and a port.
    if (!valid_port(s.substr(colon + 1))) return std::nullopt;
    auto a = to_address(s.substr(0, colon));
    if (!a || !a->is_v4()) return std::nullopt;
    return a;
  }
  return to_address(s);
}

std::vector<std::string> forwarded_param(std::string_view v, std::string_view name) {
  std::vector<std::string> out;
  std::string current;
  std::size_t i = 0;
  const std::size_t n = v.size();
  for (;;) {
    while (i < n && is_ows(v[i])) ++i;
    // A pair: token "=" (token / quoted-string).
    std::size_t k = i;
    while (i < n && v[i] != '=' && v[i] != ';' && v[i] != ',') ++i;
    const std::string_view key = trim_ows(v.substr(k, i - k));
    std::string value;
    if (i < n && v[i] == '=') {
      ++i;
      while (i < n && is_ows(v[i])) ++i;
      if (i < n && v[i] == '"') {
        for (++i; i < n && v[i] != '"'; ++i) {
          if (v[i] == '\\' && i + 1 < n) ++i;
          value.push_back(v[i]);
        }
        if (i < n) ++i;  // the closing quote
        while (i < n && v[i] != ';' && v[i] != ',') ++i;  // anything after it is ignored
      } else {
        std::size_t s = i;
        while (i < n && v[i] != ';' && v[i] != ',') ++i;
        value = std::string(trim_ows(v.substr(s, i - s)));
      }
    }
    if (!key.empty() && iequals(key, name) && current.empty()) current = std::move(value);
    if (i >= n || v[i] == ',') {
      out.push_back(std::move(current));
      current.clear();
      if (i >= n) return out;
    }
    ++i;  // past ';' or ','
  }
}

ip::address client_address(const ip::address& peer_in, std::string_view forwarded,
                           std::string_view x_forwarded_for, const TrustedProxies& trusted) {
  const ip::address peer = unmapped(peer_in);
  if (trusted.empty() || !trusted.contains(peer)) return peer;
  std::vector<std::optional<ip::address>> hops;
  if (!trim_ows(forwarded).empty()) {
    for (const auto& node : forwarded_param(forwarded, "for")) hops.push_back(parse_node(node));
  } else if (!trim_ows(x_forwarded_for).empty()) {
    for (auto item : split_list(x_forwarded_for)) hops.push_back(parse_node(item));
  }
  for (std::size_t i = hops.size(); i-- > 0;) {
    if (!hops[i]) return peer;
    if (!trusted.contains(*hops[i]) || i == 0) return *hops[i];
  }
  return peer;
}

bool forwarded_https(const ip::address& peer, std::string_view forwarded,
                     std::string_view x_forwarded_proto, const TrustedProxies& trusted) {
  if (trusted.empty() || !trusted.contains(peer)) return false;
  if (!trim_ows(forwarded).empty()) {
    auto protos = forwarded_param(forwarded, "proto");
    for (std::size_t i = protos.size(); i-- > 0;) {
      if (!protos[i].empty()) return iequals(trim_ows(protos[i]), "https");
    }
  }
  if (trim_ows(x_forwarded_proto).empty()) return false;
  return iequals(split_list(x_forwarded_proto).back(), "https");
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id(kRequestIdChars, '0');
  std::uint64_t bits = rng();
  for (std::size_t i = 0; i < kRequestIdChars; ++i) {
    if (i == 12) bits = rng();  // 36^12 < 2^64: twelve digits use one draw
    id[i] = kDigits[bits % 36];
    bits /= 36;
  }
  return id;
}

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '='))
      return false;
  }
  return true;
}

}  // namespace tonari::http
