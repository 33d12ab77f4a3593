// 確認必須: a message its sender marks as one that must be acknowledged (重要・確認必須, e.g. a
// notice to all staff), members' explicit 確認しました, who has and has not confirmed (by
// department, 五十音), and reminders to those who have not. Distinct from 既読: reading never
// acknowledges.
//
// The count without O(members²) traffic: an acknowledgement writes no room event.
// ActionTallies notes the message and, at most once per Limits::tally_flush_period_ms per
// message, has the store append one message.acks event with the count
// (Store::publish_acks); the acknowledger's own connections get a per-user message.acked
// frame at once (no ev: not stored nor replayed; after a resume, history says `acked`).
// Reminders are limited to one per message per kRemindPeriodMs (in memory: per node), like
// action stamps'.
// Thread safety: all methods may be called from any thread.
#pragma once

#include <tuple>
#include <utility>

#include "services/actions.h"
#include "services/context.h"
#include "services/remind_slots.h"

namespace tonari::services {

enum class AckState { acked, unacked };

// A page of who has (or has not) acknowledged, and how many there are in all (of the whole
// room, not only of the department asked for).
struct AckList {
  store::MemberPage page;
  std::int64_t acked = 0;
  std::int64_t unacked = 0;
};

// What an acknowledgement did: the message's count after it.
struct AckResult {
  std::int64_t ack_count = 0;
  bool created = true;  // false: already acknowledged (nothing written)
};

class Acks {
 public:
  static constexpr TimeMs kRemindPeriodMs = 10 * 60 * 1000;

  Acks(Context& ctx, ActionTallies& tallies) : ctx_(ctx), tallies_(tallies) {}

  // 確認しました on message `seq`: policy::can_ack; idempotent. Refusals: not_found (not a
  // member, no such message, deleted), invalid_argument "not_ack_required" (an ordinary
  // message), permission_denied (its sender).
  void ack(const Actor& actor, RoomId room, Seq seq, store::Callback<AckResult> done);
  // Who has (acked) or has not (unacked) acknowledged: the members other than the sender,
  // 五十音 order; with `dept` only those of that department and its sub-departments.
  // policy::can_see_acks.
  Result<AckList> list(const Actor& actor, RoomId room, Seq seq, AckState state, DeptId dept,
                       const store::MemberKey& after, int limit);
  // Reminds the members who have not acknowledged (with `dept`: of that department and its
  // sub-departments) with a system message ack_reminded that mentions them; `done` gets
  // how many. policy::can_remind_acks; rate_limited within kRemindPeriodMs of the
  // message's last reminder (per department asked); conflict if nobody is left.
  void remind(const Actor& actor, RoomId room, Seq seq, DeptId dept,
              store::Callback<std::int64_t> done);

 private:
  struct Loaded {
    Room room;
    std::optional<Member> member;
    Message message;
  };
  // The ack-required message `seq` of a room the actor is in.
  Result<Loaded> load(const Actor& actor, RoomId room, Seq seq);
  // ok for 0 (every department) or a department of the actor's municipality;
  // invalid_argument otherwise.
  Status check_dept(const Actor& actor, DeptId dept);

  Context& ctx_;
  ActionTallies& tallies_;
  RemindSlots<std::tuple<RoomId, Seq, DeptId>> remind_slots_{kRemindPeriodMs, "a message"};
};

}  // namespace tonari::services
