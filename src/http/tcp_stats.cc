// Uses the kernel's struct tcp_info (linux/tcp.h): glibc's copy in netinet/tcp.h stops
// before tcpi_bytes_acked. The two headers cannot be included together, so this file is
// built without the target's precompiled header (Asio includes netinet/tcp.h).
#include "http/tcp_stats.h"

#include <cstddef>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

namespace tonari::http {

std::optional<std::uint64_t> tcp_bytes_acked(int fd) {
  struct tcp_info info {};
  socklen_t len = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return std::nullopt;
  // An older kernel fills less of the struct: the field is then absent.
  if (len < offsetof(struct tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) {
    return std::nullopt;
  }
  return info.tcpi_bytes_acked;
}

std::optional<std::uint64_t> tcp_bytes_written(int fd) {
  const auto acked = tcp_bytes_acked(fd);
  int queued = 0;  // unacknowledged and unsent
  if (!acked || ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) return std::nullopt;
  return *acked + static_cast<std::uint64_t>(queued);
}

}  // namespace tonari::http
