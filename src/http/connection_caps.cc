#include "http/connection_caps.h"

#include <boost/asio/ip/address_v6.hpp>

namespace tonari::http {
namespace {

constexpr std::int64_t kLogEveryMs = 10'000;

// An IPv4 client on a dual-stack listener is the same client as on an IPv4 one.
boost::asio::ip::address canonical(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  return a;
}

}  // namespace

struct ConnectionCaps::Lease {
  Lease(std::shared_ptr<ConnectionCaps> c, const boost::asio::ip::address& p)
      : caps(std::move(c)), peer(p) {}
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease() { caps->release(peer); }
  const std::shared_ptr<ConnectionCaps> caps;
  const boost::asio::ip::address peer;
};

ConnectionCaps::Admission ConnectionCaps::admit(const boost::asio::ip::address& peer_in,
                                                std::int64_t now_ms) {
  const auto peer = canonical(peer_in);
  Admission out;
  std::lock_guard lock(mu_);
  std::size_t& here = per_address_[peer];
  if (max_total_ && total_ >= max_total_) {
    out.refused = Refusal::total;
  } else if (max_per_address_ && here >= max_per_address_) {
    out.refused = Refusal::address;
  }
  if (out.refused != Refusal::none) {
    if (here == 0) per_address_.erase(peer);
    if (out.refused == Refusal::total) {
      // Any address may be refused now (a flood from many): one line in all, and no entry
      // per address, which would grow (and be scanned) with the flood.
      out.log = !total_logged_ || now_ms - *total_logged_ >= kLogEveryMs;
      if (out.log) total_logged_ = now_ms;
      return out;
    }
    // Over its own cap an address holds max_per_address connections: few such addresses.
    if (logged_.size() > 10000) {
      std::erase_if(logged_, [&](const auto& kv) { return now_ms - kv.second >= kLogEveryMs; });
    }
    auto [it, fresh] = logged_.try_emplace(peer, now_ms);
    out.log = fresh || now_ms - it->second >= kLogEveryMs;
    if (out.log) it->second = now_ms;
    return out;
  }
  ++here;
  ++total_;
  out.lease = std::make_shared<const Lease>(shared_from_this(), peer);
  return out;
}

void ConnectionCaps::release(const boost::asio::ip::address& peer) {
  std::lock_guard lock(mu_);
  --total_;
  auto it = per_address_.find(peer);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t ConnectionCaps::open() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace tonari::http
