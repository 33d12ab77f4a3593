// アクションスタンプ: questions a message asks (はい/いいえ, 出欠, a choice, 日程調整, a task)
// that members answer with one tap, and what each member may see of the answers.
//
// The tally without O(members²) traffic: an answer writes no event. ActionTallies notes the
// question and, at most once a second per question, has the store append one action.updated
// event with the tally as everyone may see it (Store::publish_action); the answerer's own
// response carries the fresh state. In a cluster each node publishes the questions answered
// through it. Reminders are limited to one per question per kRemindPeriodMs (in memory:
// per node).
// Thread safety: all methods may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "services/action_export.h"
#include "services/context.h"
#include "services/remind_slots.h"

namespace tonari::services {

// The limits of ActionSpec: title 1..200 characters; options (choice 2..20, schedule
// 1..30; no others) of 1..100 characters; multiple only for choice; a deadline after `now`
// (or 0); task assignees 1..100 users (no others), sorted and made unique here; a task is
// always changeable. invalid_argument naming the field otherwise. Membership of the
// assignees is the caller's to check.
Status check_action_spec(ActionSpec& spec, TimeMs now);
// Why an answer met a conflict, for clients to translate: "closed", "deadline" or
// "answered" (from the store's message), or nullptr. With `answering` false (a close, a
// reminder), only "closed".
const char* action_conflict_reason(const Status& st, bool answering = true);

// The coalesced tally publisher (the timer: the app's ticker, like ReadReceipts').
class ActionTallies {
 public:
  explicit ActionTallies(Context& ctx) : ctx_(ctx) {}

  // Question `seq` of `room` got, changed or lost an answer.
  void note(RoomId room, Seq seq);
  // 確認必須 message `seq` of `room` got an acknowledgement (services/acks.h): its count
  // goes out the same way, through Store::publish_acks.
  void note_acks(RoomId room, Seq seq);
  // Publishes (Store::publish_action, publish_acks) each noted question or message whose
  // last flush is at least Limits::tally_flush_period_ms ago. Returns how many.
  std::size_t flush_due();
  // Whether questions are noted or were within the last period (the ticker's pace).
  bool active();

 private:
  // A question (acks false) or a 確認必須 message's count (acks true).
  using Question = std::tuple<RoomId, Seq, bool>;
  Context& ctx_;
  std::mutex mu_;
  std::set<Question> pending_;             // guarded by mu_
  std::map<Question, TimeMs> last_flush_;  // guarded by mu_
  TimeMs last_noted_ = 0;                  // guarded by mu_
};

// The pending list (未回答): a page of members and how many there are in all.
struct PendingPage {
  store::MemberPage page;
  std::int64_t count = 0;
};

// An export file (action_export.h) and its name.
struct ExportFile {
  std::string name;
  std::string content_type;
  std::string bytes;
};

class Actions {
 public:
  static constexpr TimeMs kRemindPeriodMs = 10 * 60 * 1000;

  Actions(Context& ctx, ActionTallies& tallies) : ctx_(ctx), tallies_(tallies) {}

  // The question of message `seq` as the actor may see it: with their answer (`mine`),
  // counts blanked unless policy::can_see_counts. not_found: not a member, no such message,
  // deleted, or it asks nothing.
  Result<ActionState> state(const Actor& actor, RoomId room, Seq seq);
  // Records the actor's answer (empty `picks`: withdraws it; picks in any order: sorted
  // here); `done` gets the state as state() gives it. Refusals (codes exactly):
  // invalid_argument (picks that do not fit the question: the store's rule, in the write),
  // conflict (closed, past the deadline, answered and not changeable:
  // action_conflict_reason), permission_denied (a task's non-assignee), not_found.
  void answer(const Actor& actor, RoomId room, Seq seq, std::vector<ActionPick> picks,
              store::Callback<ActionState> done);
  // Who answered: with option >= 0 those who picked (option, value), else everyone with
  // their picks; 五十音 order. policy::can_see_answers.
  Result<store::UserPage> answers(const Actor& actor, RoomId room, Seq seq, int option, int value,
                                  const store::MemberKey& after, int limit);
  // Who has not answered (a task: its assignees not done). policy::can_see_pending.
  Result<PendingPage> pending(const Actor& actor, RoomId room, Seq seq,
                              const store::MemberKey& after, int limit);
  // Closes the question (policy::can_manage_action, applied in the write): an
  // action.updated event and a system message. `done` gets false if it already was closed.
  void close(const Actor& actor, RoomId room, Seq seq, store::Callback<bool> done);
  // Reminds everyone pending (a system message mentioning them); `done` gets how many.
  // rate_limited (retry_after_ms) within kRemindPeriodMs of the question's last reminder;
  // conflict if it is closed or nobody is pending.
  void remind(const Actor& actor, RoomId room, Seq seq, store::Callback<std::int64_t> done);
  // The answers as a file: who may see the answers gets them all; the asker of an
  // anonymous question gets the tally only; others permission_denied.
  Result<ExportFile> export_file(const Actor& actor, RoomId room, Seq seq, ExportFormat format);

 private:
  // The action message `seq` of a room the actor is in, with the room and their membership.
  struct Asked {
    Room room;
    std::optional<Member> member;
    Message message;  // with its action
  };
  // not_found for a room the actor is not in, an unknown or deleted message, or one that
  // asks nothing.
  Result<Asked> load(const Actor& actor, RoomId room, Seq seq);
  // `a` as `viewer` sees it: counts blanked unless they may see them.
  static ActionState for_viewer(const User& viewer, UserId asker, ActionState a);

  Context& ctx_;
  ActionTallies& tallies_;
  RemindSlots<std::pair<RoomId, Seq>> remind_slots_{kRemindPeriodMs, "a question"};
};

}  // namespace tonari::services
