#include "services/actions.h"

#include <algorithm>
#include <unordered_map>

#include "services/access.h"
#include "services/events.h"
#include "services/org.h"
#include "services/policies.h"
#include "services/rooms.h"
#include "services/text_checks.h"

namespace tonari::services {
namespace {

constexpr std::size_t kMaxTitleChars = 200;
constexpr std::size_t kMaxLabelChars = 100;
constexpr std::size_t kMaxChoiceOptions = 20;
constexpr std::size_t kMaxScheduleOptions = 30;
constexpr std::size_t kMaxAssignees = 100;
// The export reads the answerers in pages of this many.
constexpr int kExportPage = 500;

// The labels of every option for the export: the asker's, or the implicit ones (the web
// client has its own, translated; a file for Excel is in Japanese).
std::vector<std::string> option_labels(const ActionSpec& spec) {
  switch (spec.kind) {
    case ActionKind::yesno: return {"はい", "いいえ"};
    case ActionKind::attendance: return {"出席", "欠席", "未定"};
    case ActionKind::task: return {"完了"};
    case ActionKind::choice:
    case ActionKind::schedule: return spec.options;
  }
  return {};
}

}  // namespace

Status check_action_spec(ActionSpec& spec, TimeMs now) {
  TONARI_RETURN_IF_ERROR(check_line(spec.title, "action.title", kMaxTitleChars));
  const std::size_t n = spec.options.size();
  switch (spec.kind) {
    case ActionKind::choice:
      if (n < 2 || n > kMaxChoiceOptions) {
        return invalid_argument("action.options: a choice has 2 to 20 options");
      }
      break;
    case ActionKind::schedule:
      if (n < 1 || n > kMaxScheduleOptions) {
        return invalid_argument("action.options: a schedule has 1 to 30 candidate dates");
      }
      break;
    default:
      if (n != 0) {
        return invalid_argument(std::string("action.options: only for choice and schedule (") +
                                action_kind_name(spec.kind) + " has its own)");
      }
  }
  for (std::size_t i = 0; i < n; ++i) {
    TONARI_RETURN_IF_ERROR(
        check_line(spec.options[i], "action.options[" + std::to_string(i) + "]", kMaxLabelChars));
  }
  if (spec.multiple && spec.kind != ActionKind::choice) {
    return invalid_argument("action.multiple: only for choice");
  }
  if (spec.deadline < 0 || (spec.deadline != 0 && spec.deadline <= now)) {
    return invalid_argument("action.deadline: a time in the future (ms since the epoch), or 0 for none");
  }
  auto& who = spec.assignees;
  if (spec.kind != ActionKind::task) {
    if (!who.empty()) return invalid_argument("action.assignees: only for a task");
    return Status::ok();
  }
  std::sort(who.begin(), who.end());
  who.erase(std::unique(who.begin(), who.end()), who.end());
  if (who.empty() || who.size() > kMaxAssignees) {
    return invalid_argument("action.assignees: a task has 1 to 100 assignees");
  }
  if (who.front() <= 0) return invalid_argument("action.assignees: user ids");
  spec.changeable = true;  // a task is undone by withdrawing its answer
  return Status::ok();
}

const char* action_conflict_reason(const Status& st, bool answering) {
  if (st.code() != Code::conflict) return nullptr;
  const std::string& m = st.message();
  for (const char* reason : {"deadline", "answered", "closed"}) {
    if ((answering || reason == std::string_view("closed")) && m.find(reason) != std::string::npos) {
      return reason;
    }
  }
  return nullptr;
}

// ---- ActionTallies -----------------------------------------------------------------------

void ActionTallies::note(RoomId room, Seq seq) {
  const TimeMs now = ctx_.clock.now_ms();
  std::lock_guard lock(mu_);
  last_noted_ = now;
  pending_.emplace(room, seq, false);
}

void ActionTallies::note_acks(RoomId room, Seq seq) {
  const TimeMs now = ctx_.clock.now_ms();
  std::lock_guard lock(mu_);
  last_noted_ = now;
  pending_.emplace(room, seq, true);
}

bool ActionTallies::active() {
  const TimeMs now = ctx_.clock.now_ms();
  std::lock_guard lock(mu_);
  const TimeMs since = now - last_noted_;  // negative after the clock was set back
  return !pending_.empty() || (since >= 0 && since < ctx_.limits.tally_flush_period_ms);
}

std::size_t ActionTallies::flush_due() {
  const TimeMs now = ctx_.clock.now_ms();
  const TimeMs period = ctx_.limits.tally_flush_period_ms;
  std::vector<Question> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto lf = last_flush_.find(*it);
      if (lf == last_flush_.end() || now - lf->second >= period) {
        due.push_back(*it);
        last_flush_[*it] = now;
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (last_flush_.size() > 4 * (pending_.size() + 1024)) {
      std::erase_if(last_flush_, [&](const auto& kv) { return now - kv.second >= period; });
    }
  }
  // The store reads the tally in the write: every answer committed before it is counted,
  // and one committed after it was noted after its commit, so a later flush counts it.
  // The same holds for acknowledgements and publish_acks.
  for (const auto& [room, seq, acks] : due) {
    auto publish = [this](Result<store::RoomChange> r) {
      if (r.ok() && r->created) publish_change(ctx_, *r);
    };
    if (acks) {
      ctx_.store.publish_acks(room, seq, now, std::move(publish));
    } else {
      ctx_.store.publish_action(room, seq, now, std::move(publish));
    }
  }
  return due.size();
}

// ---- Actions -----------------------------------------------------------------------------

Result<Actions::Asked> Actions::load(const Actor& actor, RoomId room, Seq seq) {
  auto access = member_room(ctx_, actor, room);
  if (!access.ok()) return access.status();
  auto msg = ctx_.store.message(room, seq);
  if (!msg.ok()) return msg.status();
  if (msg->deleted) return not_found("message " + std::to_string(seq) + " not found");
  if (!msg->action) return not_found("message " + std::to_string(seq) + " asks nothing");
  return Asked{std::move(access->first), std::move(access->second), std::move(*msg)};
}

ActionState Actions::for_viewer(const User& viewer, UserId asker, ActionState a) {
  if (!policy::can_see_counts(viewer, asker, a.spec)) a.tally.counts.clear();
  return a;
}

Result<ActionState> Actions::state(const Actor& actor, RoomId room, Seq seq) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return q.status();
  ActionState a = std::move(*q->message.action);
  auto marks = ctx_.store.viewer_marks(room, seq, seq, actor.user.id);
  if (!marks.ok()) return marks.status();
  for (auto& [s, answer] : marks->answered) {
    if (s != seq) continue;
    a.mine = std::move(answer.first);
    a.mine_at = answer.second;
  }
  return for_viewer(actor.user, q->message.sender, std::move(a));
}

void Actions::answer(const Actor& actor, RoomId room, Seq seq, std::vector<ActionPick> picks,
                     store::Callback<ActionState> done) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return done(q.status());
  if (Status st = policy::can_answer(actor.user, q->room, q->member); !st.is_ok()) return done(st);
  std::sort(picks.begin(), picks.end(), [](const ActionPick& a, const ActionPick& b) {
    return a.option != b.option ? a.option < b.option : a.value < b.value;
  });
  if (Status st = ctx_.take_write(actor.user.id, "answer"); !st.is_ok()) return done(st);
  // Whether the picks fit, closed, the deadline, a changed answer and a task's assignees:
  // the store, in the write.
  store::NewAnswer a{room, seq, actor.user.id, actor.user.tenant, std::move(picks), ctx_.clock.now_ms()};
  ctx_.store.answer_action(std::move(a), [this, room, seq, viewer = actor.user, asker = q->message.sender,
                                          done = std::move(done)](Result<store::RoomChange> r) {
    if (!r.ok()) return done(r.status());
    if (r->created) tallies_.note(room, seq);
    if (!r->action) return done(internal_error("answer_action: no state in the change"));
    done(for_viewer(viewer, asker, std::move(*r->action)));
  });
}

Result<store::UserPage> Actions::answers(const Actor& actor, RoomId room, Seq seq, int option,
                                         int value, const store::MemberKey& after, int limit) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return q.status();
  const ActionSpec& spec = q->message.action->spec;
  TONARI_RETURN_IF_ERROR(
      policy::can_see_answers(actor.user, q->room, q->member, q->message.sender, spec));
  if (option >= 0) {
    const auto options = action_option_count(spec.kind, spec.options.size());
    if (static_cast<std::size_t>(option) >= options) {
      return invalid_argument("option: unknown option " + std::to_string(option));
    }
    if (value < 0 || value >= action_values_per_option(spec.kind)) {
      return invalid_argument("value: bad value " + std::to_string(value));
    }
  }
  return ctx_.store.action_answers_page(room, seq, option, value, after, std::clamp(limit, 1, kMaxPage));
}

Result<PendingPage> Actions::pending(const Actor& actor, RoomId room, Seq seq,
                                     const store::MemberKey& after, int limit) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return q.status();
  TONARI_RETURN_IF_ERROR(policy::can_see_pending(actor.user, q->room, q->member, q->message.sender,
                                                 q->message.action->spec));
  auto page = ctx_.store.members_page(room, after, std::clamp(limit, 1, kMaxPage),
                                      {store::MemberFilter::unanswered, seq, 0});
  if (!page.ok()) return page.status();
  return PendingPage{std::move(*page), q->message.action->tally.pending};
}

namespace {

store::AuthorRule manage_rule(const User& actor) {
  return [actor](const Room& room, const std::optional<Member>& m, UserId author) {
    return policy::can_manage_action(actor, room, m, author);
  };
}

}  // namespace

void Actions::close(const Actor& actor, RoomId room, Seq seq, store::Callback<bool> done) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return done(q.status());
  if (Status st = policy::can_manage_action(actor.user, q->room, q->member, q->message.sender);
      !st.is_ok()) {
    return done(st);
  }
  if (Status st = ctx_.take_write(actor.user.id, "close"); !st.is_ok()) return done(st);
  ctx_.store.close_action(room, seq, actor.user.id, ctx_.clock.now_ms(), manage_rule(actor.user),
                          [this, done = std::move(done)](Result<store::RoomChange> r) {
                            if (!r.ok()) return done(r.status());
                            if (r->created) publish_change(ctx_, *r);
                            done(r->created);
                          });
}

void Actions::remind(const Actor& actor, RoomId room, Seq seq, store::Callback<std::int64_t> done) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return done(q.status());
  if (Status st = policy::can_manage_action(actor.user, q->room, q->member, q->message.sender);
      !st.is_ok()) {
    return done(st);
  }
  const TimeMs now = ctx_.clock.now_ms();
  const std::pair<RoomId, Seq> key{room, seq};
  if (Status st = remind_slots_.take(key, now); !st.is_ok()) return done(st);
  auto give_back = [this, key, now] { remind_slots_.give_back(key, now); };
  if (Status st = ctx_.take_write(actor.user.id, "remind"); !st.is_ok()) {
    give_back();
    return done(st);
  }
  ctx_.store.remind_action(room, seq, actor.user.id, now, manage_rule(actor.user),
                           [this, give_back, done = std::move(done)](Result<store::RoomChange> r) {
                             if (!r.ok()) {
                               give_back();
                               return done(r.status());
                             }
                             publish_change(ctx_, *r);
                             done(r->count);
                           });
}

Result<ExportFile> Actions::export_file(const Actor& actor, RoomId room, Seq seq, ExportFormat format) {
  auto q = load(actor, room, seq);
  if (!q.ok()) return q.status();
  const ActionState& a = *q->message.action;
  const UserId asker = q->message.sender;
  // An anonymous question's asker gets the tally without names; others what they may see.
  const bool names = !a.spec.anonymous;
  if (names) {
    TONARI_RETURN_IF_ERROR(policy::can_see_answers(actor.user, q->room, q->member, asker, a.spec));
  } else if (actor.user.id != asker) {
    return permission_denied("the question is anonymous: only its asker exports its tally");
  }
  std::vector<ExportRow> rows;
  if (names) {
    auto depts = ctx_.store.departments(actor.user.tenant);
    if (!depts.ok()) return depts.status();
    org::fill_paths(*depts);
    std::unordered_map<DeptId, std::string> paths;
    for (Department& d : *depts) paths.emplace(d.id, std::move(d.path));
    store::MemberKey after;
    for (;;) {
      auto page = ctx_.store.action_answers_page(room, seq, -1, 0, after, kExportPage);
      if (!page.ok()) return page.status();
      for (std::size_t i = 0; i < page->users.size(); ++i) {
        const User& u = page->users[i];
        ExportRow row{u.name, u.reading, u.dept_name, {}, i < page->at.size() ? page->at[i] : 0};
        if (i < page->picks.size()) row.picks = std::move(page->picks[i]);
        if (auto it = paths.find(u.dept); it != paths.end()) row.dept = it->second;
        rows.push_back(std::move(row));
      }
      if (!page->next) break;
      after = std::move(*page->next);
    }
  }
  auto bytes = export_action(a, option_labels(a.spec), rows, format);
  if (!bytes.ok()) return bytes.status();
  return ExportFile{export_file_name(a, format), export_content_type(format), std::move(*bytes)};
}

}  // namespace tonari::services
