// Pins: up to store::kMaxPinsPerRoom messages (action stamps included, system messages not)
// and notes shown above a room's timeline, newest first. Who pins: abilities().pin (as
// posting). Each change is a stored room event (pin.added, pin.removed).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <vector>

#include "services/context.h"

namespace tonari::services {

class Pins {
 public:
  explicit Pins(Context& ctx) : ctx_(ctx) {}

  // The room's pins, most recently pinned first, with what they point to as the actor may
  // see it (an action stamp's counts blanked per policy::can_see_counts).
  Result<std::vector<Pin>> list(const Actor& actor, RoomId room);
  // Pins or unpins message `target` (its seq) or note `target` (policy::can_pin, applied
  // in the write; the per-user write rate). `done` gets false if nothing changed. Pinning:
  // conflict beyond kMaxPinsPerRoom, not_found for an unknown or deleted target,
  // invalid_argument for a system message.
  void pin(const Actor& actor, RoomId room, Pin::Kind kind, std::int64_t target, bool on,
           store::Callback<bool> done);

 private:
  Context& ctx_;
};

}  // namespace tonari::services
