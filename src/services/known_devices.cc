#include "services/known_devices.h"

#include <charconv>
#include <cstdint>

#include "services/crypto.h"

namespace tonari::services {
namespace {

// Token: "<device id>.<expiry, ms>.<mac>"; the account is not in it but in the MAC.
constexpr std::size_t kMaxTokenBytes = 200;

bool url_safe(std::string_view s) {
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return !s.empty();
}

}  // namespace

std::string KnownDevices::new_device_id() {
  std::string id = random_token();  // 43 URL-safe characters; 22 of them are 132 bits
  id.resize(22);
  return id;
}

std::string KnownDevices::mac(std::string_view tenant, std::string_view login,
                              std::string_view device, std::string_view expires) const {
  std::string data = "tonari-device-v1";
  for (std::string_view f : {tenant, login, device, expires}) {
    const auto n = static_cast<std::uint32_t>(f.size());
    data.append(reinterpret_cast<const char*>(&n), sizeof n);
    data.append(f);
  }
  return hmac(key_, data);
}

std::string KnownDevices::issue(std::string_view tenant, std::string_view login,
                                std::string_view device, TimeMs expires_at) const {
  const std::string expires = std::to_string(expires_at);
  return std::string(device) + "." + expires + "." + mac(tenant, login, device, expires);
}

std::string KnownDevices::check(std::string_view token, std::string_view tenant,
                                std::string_view login, TimeMs now) const {
  if (token.size() > kMaxTokenBytes) return {};
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return {};
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return {};
  const std::string_view device = token.substr(0, dot1);
  const std::string_view expires = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view given = token.substr(dot2 + 1);
  if (!url_safe(device) || !url_safe(given)) return {};
  TimeMs at = 0;
  auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), at);
  if (ec != std::errc() || end != expires.data() + expires.size() || at <= now) return {};
  if (!equal_secret(mac(tenant, login, device, expires), given)) return {};
  return std::string(device);
}

}  // namespace tonari::services
