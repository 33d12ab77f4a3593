#include "services/pins.h"

#include "services/access.h"
#include "services/events.h"
#include "services/policies.h"

namespace tonari::services {

Result<std::vector<Pin>> Pins::list(const Actor& actor, RoomId room) {
  TONARI_RETURN_IF_ERROR(member_room(ctx_, actor, room).status());
  auto pins = ctx_.store.pins(room);
  if (!pins.ok()) return pins.status();
  for (Pin& p : *pins) {
    if (p.message) blank_for_viewer(actor.user, *p.message);
  }
  return pins;
}

void Pins::pin(const Actor& actor, RoomId room, Pin::Kind kind, std::int64_t target, bool on,
               store::Callback<bool> done) {
  if (target <= 0) {
    return done(not_found(std::string(pin_kind_name(kind)) + " " + std::to_string(target) + " not found"));
  }
  if (Status st = ctx_.take_write(actor.user.id, "pin"); !st.is_ok()) return done(st);
  store::RoomRule may = [user = actor.user](const Room& r, const std::optional<Member>& m) {
    return policy::can_pin(user, r, m);
  };
  auto then = [this, done = std::move(done)](Result<store::RoomChange> r) {
    if (!r.ok()) return done(r.status());
    if (r->created) publish_change(ctx_, *r);
    done(r->created);
  };
  const TimeMs now = ctx_.clock.now_ms();
  if (on) {
    ctx_.store.pin(room, actor.user.id, kind, target, now, std::move(may), std::move(then));
  } else {
    ctx_.store.unpin(room, actor.user.id, kind, target, now, std::move(may), std::move(then));
  }
}

}  // namespace tonari::services
