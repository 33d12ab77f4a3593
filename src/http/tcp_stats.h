// What the kernel knows of a TCP connection, for decisions the WebSocket layer cannot make
// from its own frames.
#pragma once

#include <cstdint>
#include <optional>

namespace tonari::http {

// How far the peer has acknowledged what we wrote to socket `fd`.
struct TcpSent {
  std::uint64_t acked = 0;    // bytes the peer's TCP has acknowledged, since the connection began
  std::uint64_t unacked = 0;  // bytes written to the socket and not yet acknowledged
};
// nullopt if the kernel cannot tell. `acked` grows while the peer reads, however slowly,
// and not while it is gone or has stopped reading (a full receive window).
std::optional<TcpSent> tcp_sent(int fd);

}  // namespace tonari::http
