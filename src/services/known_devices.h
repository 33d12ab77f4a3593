// Known devices: a browser (or script) that has logged in as an account gets a device
// token, an HMAC under a server key over (municipality, login id, device id, expiry). Its
// next logins as that account are held only to the device's own failure count, not to the
// counts of its address or login id (login_throttle.h), so that an attacker sharing its
// address, or hammering the login id from elsewhere, cannot keep its owner out. A token is
// only good for the account it was issued for; it grants nothing without the password.
// Thread safety: all methods are thread-safe (constant after construction).
#pragma once

#include <string>
#include <string_view>

#include "core/types.h"

namespace tonari::services {

class KnownDevices {
 public:
  // `key`: the server's secret (at least 32 bytes; app/node.cc keeps it in the data
  // directory, so that tokens survive restarts and are valid on every node sharing it).
  explicit KnownDevices(std::string key) : key_(std::move(key)) {}

  // A new device id (random, 22 URL-safe characters).
  static std::string new_device_id();
  // A token for `device` as (tenant, login), valid until `expires_at`.
  std::string issue(std::string_view tenant, std::string_view login, std::string_view device,
                    TimeMs expires_at) const;
  // The device id of `token` if it was issued for (tenant, login) and has not expired at
  // `now`; empty otherwise (malformed, forged, expired or another account's).
  std::string check(std::string_view token, std::string_view tenant, std::string_view login,
                    TimeMs now) const;

 private:
  std::string mac(std::string_view tenant, std::string_view login, std::string_view device,
                  std::string_view expires) const;

  const std::string key_;
};

}  // namespace tonari::services
