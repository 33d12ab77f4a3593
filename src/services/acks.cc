#include "services/acks.h"

#include <algorithm>

#include "services/access.h"
#include "services/events.h"
#include "services/policies.h"
#include "services/rooms.h"

namespace tonari::services {

Result<Acks::Loaded> Acks::load(const Actor& actor, RoomId room, Seq seq) {
  auto access = member_room(ctx_, actor, room);
  if (!access.ok()) return access.status();
  auto msg = ctx_.store.message(room, seq);
  if (!msg.ok()) return msg.status();
  if (msg->deleted) return not_found("message " + std::to_string(seq) + " not found");
  if (!msg->ack_required) {
    return invalid_argument("not_ack_required: message " + std::to_string(seq) +
                            " does not ask to be acknowledged");
  }
  return Loaded{std::move(access->first), std::move(access->second), std::move(*msg)};
}

Status Acks::check_dept(const Actor& actor, DeptId dept) {
  if (dept == 0) return Status::ok();
  auto depts = ctx_.store.departments(actor.user.tenant);
  if (!depts.ok()) return depts.status();
  for (const Department& d : *depts) {
    if (d.id == dept) return Status::ok();
  }
  // Told apart from "nobody there": a mistyped id would otherwise read as an empty list.
  return invalid_argument("dept: " + std::to_string(dept) +
                          " is not a department of the municipality");
}

void Acks::ack(const Actor& actor, RoomId room, Seq seq, store::Callback<AckResult> done) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return done(q.status());
  if (Status st = policy::can_ack(actor.user, q->room, q->member, q->message.sender);
      !st.is_ok()) {
    return done(st);
  }
  if (Status st = ctx_.take_write(actor.user.id, "ack"); !st.is_ok()) return done(st);
  // Membership, deletion and the flag again in the write: no window between check and ack.
  const UserId user = actor.user.id;
  const TenantId tenant = actor.user.tenant;
  ctx_.store.ack_message(room, seq, user, tenant, ctx_.clock.now_ms(),
                         [this, room, seq, user, tenant, done = std::move(done)](Result<store::RoomChange> r) {
    if (!r.ok()) return done(r.status());
    if (r->created) {
      tallies_.note_acks(room, seq);
      // The acknowledger's other tabs and phone show it at once; the room's count follows
      // coalesced (publish_acks).
      auto frame = std::make_shared<const std::string>(
          R"({"type":"message.acked","room":)" + std::to_string(room) + R"(,"seq":)" +
          std::to_string(seq) + R"(,"ack_count":)" + std::to_string(r->count) + "}");
      ctx_.bus.publish(bus::Event{room, 0, tenant, std::move(frame), {}, {}, {user}, 0});
    }
    done(AckResult{r->count, r->created});
  });
}

Result<AckList> Acks::list(const Actor& actor, RoomId room, Seq seq, AckState state, DeptId dept,
                           const store::MemberKey& after, int limit) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return q.status();
  TONARI_RETURN_IF_ERROR(policy::can_see_acks(actor.user, q->room, q->member, q->message.sender));
  TONARI_RETURN_IF_ERROR(check_dept(actor, dept));
  store::MemberFilter filter;
  filter.kind = state == AckState::acked ? store::MemberFilter::acked : store::MemberFilter::unacked;
  filter.seq = seq;
  filter.sender = q->message.sender;
  filter.dept = dept;  // with its sub-departments (the store)
  auto page = ctx_.store.members_page(room, after, std::clamp(limit, 1, kMaxPage), filter);
  if (!page.ok()) return page.status();
  auto counts = ctx_.store.ack_counts(room, seq, q->message.sender);
  if (!counts.ok()) return counts.status();
  return AckList{std::move(*page), counts->first, counts->second};
}

namespace {

store::AuthorRule remind_rule(const User& actor) {
  return [actor](const Room& room, const std::optional<Member>& m, UserId sender) {
    return policy::can_remind_acks(actor, room, m, sender);
  };
}

}  // namespace

void Acks::remind(const Actor& actor, RoomId room, Seq seq, DeptId dept,
                  store::Callback<std::int64_t> done) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return done(q.status());
  if (Status st = policy::can_remind_acks(actor.user, q->room, q->member, q->message.sender);
      !st.is_ok()) {
    return done(st);
  }
  if (Status st = check_dept(actor, dept); !st.is_ok()) return done(st);
  const TimeMs now = ctx_.clock.now_ms();
  const std::tuple<RoomId, Seq, DeptId> key{room, seq, dept};
  if (Status st = remind_slots_.take(key, now); !st.is_ok()) return done(st);
  auto give_back = [this, key, now] { remind_slots_.give_back(key, now); };
  if (Status st = ctx_.take_write(actor.user.id, "remind"); !st.is_ok()) {
    give_back();
    return done(st);
  }
  ctx_.store.remind_ack(room, seq, actor.user.id, dept, now, remind_rule(actor.user),
                        [this, give_back, done = std::move(done)](Result<store::RoomChange> r) {
                           if (!r.ok()) {
                             give_back();
                             return done(r.status());
                           }
                           if (r->created) publish_change(ctx_, *r);
                           done(r->count);
                         });
}

}  // namespace tonari::services
