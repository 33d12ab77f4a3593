// ConnectionCaps: counts the server's open connections, in all and per TCP peer address,
// against the caps of ServerLimits (max_connections, max_connections_per_address). A
// connection holds a lease while it is open; dropping the lease gives its place back.
// Refusals are logged (`limits.connections_refused`, warn) at most once per address per
// 10 seconds over max_per_address, and once per 10 seconds in all over max_total (any
// address may be refused then: remembering each would grow with an attacker's addresses).
// Thread safety: all methods may be called from any thread (one mutex, taken at accept
// and at close only).
#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace tonari::http {

class ConnectionCaps : public std::enable_shared_from_this<ConnectionCaps> {
 public:
  // 0: no cap.
  ConnectionCaps(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  enum class Refusal { none, total, address };
  struct Admission {
    std::shared_ptr<const void> lease;  // null when refused
    Refusal refused = Refusal::none;
    bool log = false;  // a refusal to log (the first from this address in 10 s)
  };
  // Admits a connection from `peer` at `now_ms` (a steady clock), or says which cap it is over.
  Admission admit(const boost::asio::ip::address& peer, std::int64_t now_ms);

  std::size_t open() const;

 private:
  struct Lease;
  void release(const boost::asio::ip::address& peer);

  const std::size_t max_total_;
  const std::size_t max_per_address_;
  mutable std::mutex mu_;
  std::size_t total_ = 0;                                                 // guarded by mu_
  std::unordered_map<boost::asio::ip::address, std::size_t> per_address_;  // guarded by mu_
  std::unordered_map<boost::asio::ip::address, std::int64_t> logged_;      // guarded by mu_
  std::optional<std::int64_t> total_logged_;                                // guarded by mu_
};

}  // namespace tonari::http
