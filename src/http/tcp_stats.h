// What the kernel knows of a TCP connection, for decisions the WebSocket layer cannot make
// from its own frames.
#pragma once

#include <cstdint>
#include <optional>

namespace tonari::http {

// Bytes of what we wrote to socket `fd` that the peer's TCP has acknowledged so far
// (TCP_INFO's tcpi_bytes_acked; Linux); nullopt if the kernel cannot tell. It grows while
// the peer reads, however slowly, and not while it is gone or has stopped reading (a full
// receive window).
std::optional<std::uint64_t> tcp_bytes_acked(int fd);
// Bytes we have written to socket `fd` so far: those acknowledged and those still in its
// send queue (SIOCOUTQ); nullopt if the kernel cannot tell. When the peer has acknowledged
// this many, it has everything written until now.
std::optional<std::uint64_t> tcp_bytes_written(int fd);

}  // namespace tonari::http
