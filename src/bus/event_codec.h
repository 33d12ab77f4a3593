// The bytes of a bus::Event between nodes: compact and self-contained, so that a NATS
// message is one event. Layout (version 1): the byte 1, then unsigned LEB128 varints —
// sender node, room, ev, tenant, origin, the counts and ids of joined, left and to_users —
// then the frame's bytes to the end.
// Thread safety: plain functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bus/bus.h"

namespace tonari::bus {

// `e` as sent by node `node`.
std::string encode_event(const Event& e, std::int64_t node);

struct Decoded {
  std::int64_t node = 0;  // the sender
  Event event;
};
// Empty if `bytes` are not an event of a version this node reads (truncated, or a later
// version: a node of a newer release in the same cluster).
std::optional<Decoded> decode_event(std::string_view bytes);

}  // namespace tonari::bus
