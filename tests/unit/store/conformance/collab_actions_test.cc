// Store conformance (store_test.h): working together, part 2 — action stamps: asking,
// answering (the tally kept as answers come, every refusal of the contract), who answered
// and who has not in 五十音 order, the coalesced publish, closing and reminding.
// store.h, "Working together".
#include "store/conformance/store_test.h"

#include <string>
#include <vector>

#include "core/wire.h"

namespace tonari::testing {
namespace {

using store::MemberFilter;
using store::RoomChange;
using Counts64 = std::vector<std::int64_t>;
using Picks = std::vector<ActionPick>;

ActionSpec spec_of(ActionKind kind, const std::string& title,
                   std::vector<std::string> options = {}) {
  ActionSpec s;
  s.kind = kind;
  s.title = title;
  s.options = std::move(options);
  return s;
}

// ---- Asking -----------------------------------------------------------------------------

TEST_P(StoreTest, AnActionIsPostedWithItsMessageAndAnEmptyTally) {
  Room room = group_room();
  ActionSpec spec = spec_of(ActionKind::attendance, "防災訓練の出欠");
  spec.deadline = kT0 + 100000;
  spec.changeable = false;
  auto c = must(ask(room.id, alice_.id, "c-1", spec, "9月1日 9時 集合"));
  ASSERT_TRUE(c.message.has_value());
  EXPECT_EQ(c.message->body, "9月1日 9時 集合");
  ASSERT_TRUE(c.message->action.has_value());
  const ActionState& a = *c.message->action;
  EXPECT_EQ(a.spec, spec);
  EXPECT_FALSE(a.closed);
  EXPECT_EQ(a.tally, (ActionTally{0, 3, {0, 0, 0}}));
  EXPECT_TRUE(a.mine.empty());

  ASSERT_EQ(c.events.size(), 1u);
  auto sent = parse_frame(c.events[0]).at("message").as_object().at("action").as_object();
  EXPECT_EQ(str_at(sent, "kind"), "attendance");
  EXPECT_EQ(str_at(sent, "title"), "防災訓練の出欠");
  EXPECT_EQ(sent.at("counts").as_array().size(), 3u);
  EXPECT_EQ(sent.at("pending").as_int64(), 3);
  EXPECT_FALSE(sent.contains("mine"));
  // Replay builds the same frame.
  EXPECT_EQ(*all_events(room.id).back().frame, *c.events[0].frame);

  for (const Message& m : {must(store().message(room.id, c.message->seq)),
                           must(store().messages(room.id, -1, 0, 1)).at(0)}) {
    ASSERT_TRUE(m.action.has_value());
    EXPECT_EQ(m.action->spec, spec);
    EXPECT_EQ(m.action->tally, a.tally);
  }
  auto state = must(store().action(room.id, c.message->seq));
  EXPECT_EQ(state.spec, spec);
  EXPECT_EQ(state.tally, a.tally);
  // A plain message asks nothing.
  const Seq plain = must(post(room.id, bob_.id, "c-2", "了解")).message->seq;
  EXPECT_FALSE(must(store().message(room.id, plain)).action.has_value());
  EXPECT_EQ(store().action(room.id, plain).status().code(), Code::not_found);
  // A retry is the first message, its question included.
  auto retry = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "別の質問")));
  EXPECT_FALSE(retry.created);
  ASSERT_TRUE(retry.message->action.has_value());
  EXPECT_EQ(retry.message->action->spec.title, "防災訓練の出欠");
}

TEST_P(StoreTest, EachKindHasACountPerOptionAndValue) {
  Room room = group_room();
  ActionSpec choice = spec_of(ActionKind::choice, "弁当", {"幕の内", "のり弁", "なし"});
  choice.multiple = true;
  ActionSpec schedule = spec_of(ActionKind::schedule, "打合せ日程", {"9/1", "9/2", "9/3"});
  ActionSpec task = spec_of(ActionKind::task, "資料を提出");
  task.assignees = {bob_.id, carol_.id};
  const Seq yn = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "参加?"))).message->seq;
  const Seq ch = must(ask(room.id, alice_.id, "c-2", choice)).message->seq;
  const Seq sc = must(ask(room.id, alice_.id, "c-3", schedule)).message->seq;
  const Seq tk = must(ask(room.id, alice_.id, "c-4", task)).message->seq;
  EXPECT_EQ(must(store().action(room.id, yn)).tally.counts, Counts64(2, 0));
  EXPECT_EQ(must(store().action(room.id, ch)).tally.counts, Counts64(3, 0));
  EXPECT_EQ(must(store().action(room.id, sc)).tally.counts, Counts64(9, 0));
  EXPECT_EQ(must(store().action(room.id, tk)).tally, (ActionTally{0, 2, {0}}));

  must(answer(room.id, ch, bob_.id, {{0, 0}, {2, 0}}));
  must(answer(room.id, ch, carol_.id, {{2, 0}}));
  EXPECT_EQ(must(store().action(room.id, ch)).tally, (ActionTally{2, 1, {1, 0, 2}}));
  must(answer(room.id, sc, bob_.id, {{0, 0}, {1, 1}, {2, 2}}));
  must(answer(room.id, sc, carol_.id, {{0, 0}, {1, 2}, {2, 2}}));
  EXPECT_EQ(must(store().action(room.id, sc)).tally.counts,
            (Counts64{2, 0, 0, 0, 1, 1, 0, 0, 2}));
  must(answer(room.id, tk, carol_.id, {{0, 0}}));
  EXPECT_EQ(must(store().action(room.id, tk)).tally, (ActionTally{1, 1, {1}}));
}

// ---- Answering --------------------------------------------------------------------------

TEST_P(StoreTest, AnswersAreTalliedAsTheyComeAndWriteNoEvent) {
  Room room = group_room();
  const Seq seq = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "出席しますか"))).message->seq;
  const EventNo ev = must(store().room(room.id)).ev;

  auto a = must(answer(room.id, seq, bob_.id, {{0, 0}}, kT0 + 2001));
  EXPECT_TRUE(a.created);
  EXPECT_TRUE(a.events.empty());
  ASSERT_TRUE(a.action.has_value());
  EXPECT_EQ(a.action->mine, (Picks{{0, 0}}));
  EXPECT_EQ(a.action->mine_at, kT0 + 2001);
  EXPECT_EQ(a.action->tally, (ActionTally{1, 2, {1, 0}}));
  EXPECT_EQ(a.action->spec.title, "出席しますか");

  EXPECT_EQ(must(answer(room.id, seq, carol_.id, {{1, 0}}, kT0 + 2002)).action->tally,
            (ActionTally{2, 1, {1, 1}}));
  // A change moves the answer.
  auto changed = must(answer(room.id, seq, bob_.id, {{1, 0}}, kT0 + 2003));
  EXPECT_TRUE(changed.created);
  EXPECT_EQ(changed.action->tally, (ActionTally{2, 1, {0, 2}}));
  EXPECT_EQ(changed.action->mine_at, kT0 + 2003);
  // The same answer again writes nothing and still says which it is.
  auto same = must(answer(room.id, seq, bob_.id, {{1, 0}}, kT0 + 2004));
  EXPECT_FALSE(same.created);
  EXPECT_EQ(same.action->mine, (Picks{{1, 0}}));
  EXPECT_EQ(same.action->mine_at, kT0 + 2003);
  EXPECT_EQ(same.action->tally, (ActionTally{2, 1, {0, 2}}));
  // Withdrawn (empty picks); withdrawing what is not there writes nothing.
  auto withdrawn = must(answer(room.id, seq, bob_.id, {}, kT0 + 2005));
  EXPECT_TRUE(withdrawn.created);
  EXPECT_TRUE(withdrawn.action->mine.empty());
  EXPECT_EQ(withdrawn.action->tally, (ActionTally{1, 2, {0, 1}}));
  EXPECT_FALSE(must(answer(room.id, seq, bob_.id, {}, kT0 + 2006)).created);

  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  auto read = must(store().message(room.id, seq));
  ASSERT_TRUE(read.action.has_value());
  EXPECT_EQ(read.action->tally, (ActionTally{1, 2, {0, 1}}));
  EXPECT_TRUE(read.action->mine.empty());  // reads never say mine
  auto marks = must(store().viewer_marks(room.id, seq, seq, carol_.id));
  ASSERT_EQ(marks.answered.size(), 1u);
  EXPECT_EQ(marks.answered[0].second.first, (Picks{{1, 0}}));
}

TEST_P(StoreTest, AnswersThatDoNotFitTheQuestionAreInvalidArgument) {
  Room room = group_room();
  ActionSpec single = spec_of(ActionKind::choice, "弁当", {"幕の内", "のり弁"});
  ActionSpec multiple = single;
  multiple.multiple = true;
  ActionSpec task = spec_of(ActionKind::task, "提出");
  task.assignees = {bob_.id};
  const Seq yn = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "参加?"))).message->seq;
  const Seq at = must(ask(room.id, alice_.id, "c-2", spec_of(ActionKind::attendance, "出欠"))).message->seq;
  const Seq ch1 = must(ask(room.id, alice_.id, "c-3", single)).message->seq;
  const Seq chn = must(ask(room.id, alice_.id, "c-4", multiple)).message->seq;
  const Seq sc = must(ask(room.id, alice_.id, "c-5",
                          spec_of(ActionKind::schedule, "日程", {"9/1", "9/2", "9/3"}))).message->seq;
  const Seq tk = must(ask(room.id, alice_.id, "c-6", task)).message->seq;
  const std::vector<std::pair<Seq, Picks>> bad = {
      {yn, {{2, 0}}},                            // no option 2
      {yn, {{-1, 0}}},
      {yn, {{0, 1}}},                            // one value per option
      {yn, {{0, 0}, {1, 0}}},                    // one pick
      {at, {{3, 0}}},
      {at, {{0, 0}, {2, 0}}},
      {ch1, {{0, 0}, {1, 0}}},                   // not multiple
      {ch1, {{2, 0}}},
      {chn, {{1, 0}, {1, 0}}},                   // an option twice
      {chn, {{0, 0}, {5, 0}}},
      {sc, {{0, 0}, {1, 0}}},                    // every option once
      {sc, {{0, 0}, {1, 0}, {2, 3}}},            // ○ △ × only
      {sc, {{0, 0}, {0, 1}, {1, 0}, {2, 0}}},
      {sc, {{0, 0}, {1, 0}, {2, 0}, {3, 0}}},
      {tk, {{0, 1}}},
      {tk, {{1, 0}}},
  };
  for (const auto& [seq, picks] : bad) {
    auto r = answer(room.id, seq, bob_.id, picks);
    EXPECT_EQ(r.status().code(), Code::invalid_argument) << "seq " << seq << " picks " << picks.size();
  }
  for (Seq seq : {yn, at, ch1, chn, sc, tk}) {
    EXPECT_EQ(must(store().action(room.id, seq)).tally.answered, 0) << seq;
  }
  EXPECT_TRUE(answer(room.id, chn, bob_.id, {{0, 0}, {1, 0}}).ok());
  EXPECT_TRUE(answer(room.id, sc, bob_.id, {{0, 2}, {1, 1}, {2, 0}}).ok());
}

TEST_P(StoreTest, AnswersAreRefusedWithTheCodesOfTheContract) {
  Room room = group_room();
  ActionSpec fixed = spec_of(ActionKind::yesno, "変更不可");
  fixed.changeable = false;
  ActionSpec due = spec_of(ActionKind::yesno, "締切あり");
  due.deadline = kT0 + 5000;
  ActionSpec task = spec_of(ActionKind::task, "報告書");
  task.assignees = {carol_.id};
  task.changeable = false;  // a task's answer is always changeable
  const Seq q = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "参加?"))).message->seq;
  const Seq fx = must(ask(room.id, alice_.id, "c-2", fixed)).message->seq;
  const Seq du = must(ask(room.id, alice_.id, "c-3", due)).message->seq;
  const Seq tk = must(ask(room.id, alice_.id, "c-4", task)).message->seq;
  const Seq plain = must(post(room.id, alice_.id, "c-5", "ただの投稿")).message->seq;
  const Seq gone = must(ask(room.id, alice_.id, "c-6", spec_of(ActionKind::yesno, "消す"))).message->seq;
  must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, gone, alice_.id, kT0 + 1100, cb); }));
  auto code = [&](Seq seq, UserId u, Picks picks, TimeMs now = kT0 + 2000, TenantId t = 0) {
    return answer(room.id, seq, u, std::move(picks), now, t).status();
  };
  // not_found: nothing to answer there, or not theirs to see.
  EXPECT_EQ(code(q + 100, bob_.id, {{0, 0}}).code(), Code::not_found);
  EXPECT_EQ(code(plain, bob_.id, {{0, 0}}).code(), Code::not_found);
  EXPECT_EQ(code(gone, bob_.id, {{0, 0}}).code(), Code::not_found);
  EXPECT_EQ(code(q, dave_.id, {{0, 0}}).code(), Code::not_found);
  EXPECT_EQ(code(q, dave_.id, {}).code(), Code::not_found);
  EXPECT_EQ(code(q, bob_.id, {{0, 0}}, kT0 + 2000, other_tenant_.id).code(), Code::not_found);
  EXPECT_EQ(code(q, eve_.id, {{0, 0}}, kT0 + 2000, other_tenant_.id).code(), Code::not_found);
  auto other_room = must(create_group(dave_.id, {}, "別室")).room;
  EXPECT_EQ(answer(other_room.id, q, bob_.id, {{0, 0}}).status().code(), Code::not_found);
  EXPECT_TRUE(code(q, bob_.id, {{0, 0}}, kT0 + 2000, tenant_.id).is_ok());
  // permission_denied: a task's non-assignee.
  EXPECT_EQ(code(tk, bob_.id, {{0, 0}}).code(), Code::permission_denied);
  EXPECT_TRUE(code(tk, carol_.id, {{0, 0}}).is_ok());
  EXPECT_TRUE(code(tk, carol_.id, {}).is_ok());  // a task is always changeable
  // conflict "deadline": after it (not at it).
  EXPECT_TRUE(code(du, bob_.id, {{0, 0}}, kT0 + 4999).is_ok());
  auto late = code(du, carol_.id, {{0, 0}}, kT0 + 5001);
  EXPECT_EQ(late.code(), Code::conflict);
  EXPECT_EQ(late.message(), "deadline");
  EXPECT_EQ(code(du, bob_.id, {}, kT0 + 5001).message(), "deadline");
  // conflict "answered": a fixed answer stays; the same one again is a retry.
  EXPECT_TRUE(code(fx, bob_.id, {{0, 0}}).is_ok());
  auto change = code(fx, bob_.id, {{1, 0}});
  EXPECT_EQ(change.code(), Code::conflict);
  EXPECT_EQ(change.message(), "answered");
  EXPECT_EQ(code(fx, bob_.id, {}).message(), "answered");
  EXPECT_FALSE(must(answer(room.id, fx, bob_.id, {{0, 0}})).created);
  EXPECT_EQ(must(store().action(room.id, fx)).tally.counts, (Counts64{1, 0}));
  // conflict "closed".
  must(close_action(room.id, q, alice_.id));
  auto closed = code(q, carol_.id, {{0, 0}});
  EXPECT_EQ(closed.code(), Code::conflict);
  EXPECT_EQ(closed.message(), "closed");
  EXPECT_EQ(code(q, bob_.id, {}).message(), "closed");
  EXPECT_EQ(must(store().action(room.id, q)).tally.counts, (Counts64{1, 0}));  // kept
}

// ---- Who answered, who has not ----------------------------------------------------------

TEST_P(StoreTest, AnswerersAreListedPerOptionInGojuonOrder) {
  const Gojuon g = gojuon_users();
  auto room = must(create_group(alice_.id, {g.safuji.id, g.zato.id, g.sado.id, g.sato.id,
                                            bob_.id})).room;
  const Seq seq = must(ask(room.id, alice_.id, "c-1",
                           spec_of(ActionKind::attendance, "訓練の出欠"))).message->seq;
  TimeMs t = kT0 + 2000;
  for (const User* u : {&g.safuji, &g.zato, &g.sato}) must(answer(room.id, seq, u->id, {{0, 0}}, ++t));
  must(answer(room.id, seq, g.sado.id, {{1, 0}}, ++t));
  must(answer(room.id, seq, alice_.id, {{0, 0}}, ++t));

  const std::vector<UserId> attend = {alice_.id, g.sato.id, g.zato.id, g.safuji.id};
  for (int limit : {1, 2, 3, 4, 10}) {
    EXPECT_EQ(walk_answers(room.id, seq, 0, 0, limit), attend) << limit;
  }
  EXPECT_EQ(walk_answers(room.id, seq, 1, 0, 1), std::vector<UserId>{g.sado.id});
  EXPECT_TRUE(walk_answers(room.id, seq, 2, 0, 3).empty());
  // Every answerer with their answer (the export), in the same order.
  const std::vector<UserId> all = {alice_.id, g.sato.id, g.sado.id, g.zato.id, g.safuji.id};
  for (int limit : {2, 5}) EXPECT_EQ(walk_answers(room.id, seq, -1, 0, limit), all) << limit;
  auto page = must(store().action_answers_page(room.id, seq, -1, 0, {}, 10));
  ASSERT_EQ(page.picks.size(), 5u);
  EXPECT_EQ(page.picks[2], (Picks{{1, 0}}));
  EXPECT_EQ(page.picks[0], (Picks{{0, 0}}));
  EXPECT_EQ(page.at[0], kT0 + 2005);
  EXPECT_EQ(page.at[2], kT0 + 2004);
  EXPECT_FALSE(page.next.has_value());
  // A changed answer moves between the lists.
  must(answer(room.id, seq, g.sato.id, {{1, 0}}, ++t));
  EXPECT_EQ(walk_answers(room.id, seq, 0, 0, 2),
            (std::vector<UserId>{alice_.id, g.zato.id, g.safuji.id}));
  EXPECT_EQ(walk_answers(room.id, seq, 1, 0, 2), (std::vector<UserId>{g.sato.id, g.sado.id}));

  // Schedule: per option and value.
  const Seq sc = must(ask(room.id, alice_.id, "c-2",
                          spec_of(ActionKind::schedule, "日程", {"9/1", "9/2"}))).message->seq;
  must(answer(room.id, sc, g.zato.id, {{0, 0}, {1, 2}}));
  must(answer(room.id, sc, g.sato.id, {{0, 1}, {1, 2}}));
  must(answer(room.id, sc, bob_.id, {{0, 0}, {1, 0}}));
  EXPECT_EQ(walk_answers(room.id, sc, 1, 2, 1), (std::vector<UserId>{g.sato.id, g.zato.id}));
  EXPECT_EQ(walk_answers(room.id, sc, 0, 0, 1), (std::vector<UserId>{bob_.id, g.zato.id}));
  EXPECT_EQ(walk_answers(room.id, sc, 0, 1, 1), std::vector<UserId>{g.sato.id});
}

TEST_P(StoreTest, MembersWhoHaveNotAnsweredArePagedInGojuonOrder) {
  const Gojuon g = gojuon_users();
  auto room = must(create_group(alice_.id, {g.safuji.id, g.zato.id, g.sado.id, g.sato.id,
                                            bob_.id})).room;
  const Seq seq = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "参加?"))).message->seq;
  must(answer(room.id, seq, g.sato.id, {{0, 0}}));
  must(answer(room.id, seq, g.zato.id, {{1, 0}}));
  const std::vector<UserId> pending = {alice_.id, bob_.id, g.sado.id, g.safuji.id};
  for (int limit : {1, 2, 3, 4, 10}) {
    EXPECT_EQ(walk(room.id, limit, {MemberFilter::unanswered, seq}), pending) << limit;
  }
  EXPECT_EQ(must(store().action(room.id, seq)).tally.pending, 4);

  // A task: its assignees who are still members and not done.
  ActionSpec task = spec_of(ActionKind::task, "名簿の確認");
  task.assignees = {g.zato.id, bob_.id, g.sado.id};
  const Seq tk = must(ask(room.id, alice_.id, "c-2", task)).message->seq;
  must(answer(room.id, tk, g.zato.id, {{0, 0}}));
  EXPECT_EQ(walk(room.id, 1, {MemberFilter::unanswered, tk}),
            (std::vector<UserId>{bob_.id, g.sado.id}));
  must(remove(room.id, g.sado.id, g.sado.id));
  EXPECT_EQ(walk(room.id, 1, {MemberFilter::unanswered, tk}), std::vector<UserId>{bob_.id});
  EXPECT_EQ(must(store().action(room.id, tk)).tally, (ActionTally{1, 1, {1}}));
}

TEST_P(StoreTest, PendingCountsTheMembersOfNowWhoHaveNotAnswered) {
  Room room = group_room();  // alice, bob, carol
  const Seq seq = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "参加?"))).message->seq;
  must(answer(room.id, seq, bob_.id, {{0, 0}}));
  EXPECT_EQ(must(store().action(room.id, seq)).tally, (ActionTally{1, 2, {1, 0}}));
  // Who leaves keeps their answer; the pending are those still in the room.
  must(remove(room.id, bob_.id, bob_.id));
  EXPECT_EQ(must(store().action(room.id, seq)).tally, (ActionTally{1, 2, {1, 0}}));
  must(add(room.id, alice_.id, {dave_.id}, kT0 + 2100));
  EXPECT_EQ(must(store().action(room.id, seq)).tally, (ActionTally{1, 3, {1, 0}}));
  must(add(room.id, alice_.id, {bob_.id}, kT0 + 2200));  // back, with their answer
  EXPECT_EQ(must(store().action(room.id, seq)).tally, (ActionTally{1, 3, {1, 0}}));
  must(answer(room.id, seq, carol_.id, {{1, 0}}));
  EXPECT_EQ(must(store().action(room.id, seq)).tally, (ActionTally{2, 2, {1, 1}}));
  EXPECT_EQ(walk(room.id, 5, {MemberFilter::unanswered, seq}),
            (std::vector<UserId>{alice_.id, dave_.id}));
}

// ---- Publishing, closing, reminding -----------------------------------------------------

TEST_P(StoreTest, PublishingAppendsTheTallyAsEveryoneMaySeeIt) {
  Room room = group_room();
  const Seq seq = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "参加?"))).message->seq;
  ActionSpec hidden = spec_of(ActionKind::yesno, "非公開");
  hidden.results_public = false;
  const Seq hid = must(ask(room.id, alice_.id, "c-2", hidden)).message->seq;
  // A question whose results are not public has no counts in what everyone gets.
  auto created = parse_frame(all_events(room.id).back()).at("message").as_object();
  EXPECT_FALSE(created.at("action").as_object().contains("counts"));
  EXPECT_EQ(must(store().action(room.id, hid)).tally.counts, (Counts64{0, 0}));

  must(answer(room.id, seq, bob_.id, {{0, 0}}));
  must(answer(room.id, hid, bob_.id, {{1, 0}}));
  const EventNo ev = must(store().room(room.id)).ev;
  auto p = must(wait<RoomChange>([&](auto cb) { store().publish_action(room.id, seq, kT0 + 3000, cb); }));
  EXPECT_TRUE(p.created);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].ev, ev + 1);
  ASSERT_TRUE(p.action.has_value());
  EXPECT_EQ(p.action->tally, (ActionTally{1, 2, {1, 0}}));
  auto f = parse_frame(p.events[0]);
  EXPECT_EQ(str_at(f, "type"), "action.updated");
  EXPECT_EQ(f.at("seq").as_int64(), seq);
  auto a = f.at("action").as_object();
  EXPECT_EQ(a.at("answered").as_int64(), 1);
  EXPECT_EQ(a.at("pending").as_int64(), 2);
  EXPECT_EQ(a.at("counts").as_array(), (boost::json::array{1, 0}));
  EXPECT_FALSE(a.contains("mine"));
  EXPECT_EQ(*all_events(room.id).back().frame, *p.events[0].frame);

  auto h = must(wait<RoomChange>([&](auto cb) { store().publish_action(room.id, hid, kT0 + 3001, cb); }));
  auto ha = parse_frame(h.events.at(0)).at("action").as_object();
  EXPECT_FALSE(ha.contains("counts"));
  EXPECT_EQ(ha.at("answered").as_int64(), 1);
  EXPECT_FALSE(ha.contains("mine"));

  // Nothing to publish for a message deleted or gone.
  must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 3100, cb); }));
  const EventNo after = must(store().room(room.id)).ev;
  for (Seq s : {seq, seq + 100}) {
    auto none = must(wait<RoomChange>([&](auto cb) { store().publish_action(room.id, s, kT0 + 3200, cb); }));
    EXPECT_FALSE(none.created);
    EXPECT_TRUE(none.events.empty());
  }
  EXPECT_EQ(must(store().room(room.id)).ev, after);
}

TEST_P(StoreTest, ClosingSaysSoAndKeepsTheResults) {
  Room room = group_room();
  const Seq seq = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "忘年会に参加?"))).message->seq;
  must(answer(room.id, seq, bob_.id, {{0, 0}}));
  const EventNo ev = must(store().room(room.id)).ev;
  const Seq msg_seq = must(store().room(room.id)).msg_seq;

  // Non-members, and what the rule refuses, change nothing.
  EXPECT_EQ(close_action(room.id, seq, dave_.id).status().code(), Code::not_found);
  EXPECT_EQ(close_action(room.id, seq + 100, alice_.id).status().code(), Code::not_found);
  UserId author = 0;
  auto refuse = [&](const Room&, const std::optional<Member>& by, UserId asker) {
    author = asker;
    EXPECT_TRUE(by.has_value());
    return permission_denied("not yours");
  };
  EXPECT_EQ(close_action(room.id, seq, carol_.id, refuse).status().code(), Code::permission_denied);
  EXPECT_EQ(author, alice_.id);  // the rule gets the asker
  EXPECT_EQ(must(store().room(room.id)).ev, ev);

  auto c = must(close_action(room.id, seq, carol_.id, nullptr, kT0 + 3000));
  EXPECT_TRUE(c.created);
  ASSERT_TRUE(c.action.has_value());
  EXPECT_TRUE(c.action->closed);
  EXPECT_EQ(c.action->closed_by, carol_.id);
  EXPECT_EQ(c.action->closed_at, kT0 + 3000);
  EXPECT_EQ(c.action->tally, (ActionTally{1, 2, {1, 0}}));
  ASSERT_EQ(c.events.size(), 2u);
  auto f = parse_frame(c.events[0]);
  EXPECT_EQ(str_at(f, "type"), "action.updated");
  EXPECT_TRUE(f.at("action").at("closed").as_bool());
  EXPECT_EQ(f.at("action").at("closed_by").as_int64(), carol_.id);
  auto note = note_of(c.events[1]);
  EXPECT_EQ(str_at(note, "action"), "action_closed");
  EXPECT_EQ(note.at("seq").as_int64(), seq);
  EXPECT_EQ(str_at(note, "title"), "忘年会に参加?");
  EXPECT_EQ(c.room.msg_seq, msg_seq + 1);
  EXPECT_EQ(c.room.ev, ev + 2);
  auto state = must(store().action(room.id, seq));
  EXPECT_TRUE(state.closed);
  EXPECT_EQ(state.tally.counts, (Counts64{1, 0}));
  EXPECT_TRUE(must(store().message(room.id, seq)).action->closed);

  auto again = must(close_action(room.id, seq, alice_.id));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, ev + 2);
}

TEST_P(StoreTest, ARemindMentionsEveryoneWhoHasNotAnswered) {
  std::vector<UserId> staff;
  for (int i = 0; i < 22; ++i) {
    const std::string n = std::to_string(100 + i);
    staff.push_back(make_user(tenant_.id, "s" + n, "職員 " + n, "しょくいん " + n).id);
  }
  staff.push_back(bob_.id);
  auto room = must(create_group(alice_.id, staff)).room;
  const Seq seq = must(ask(room.id, alice_.id, "c-1", spec_of(ActionKind::yesno, "健診を受けましたか"))).message->seq;
  must(answer(room.id, seq, bob_.id, {{0, 0}}));
  must(answer(room.id, seq, alice_.id, {{0, 0}}));

  UserId author = 0;
  auto may = [&](const Room&, const std::optional<Member>&, UserId asker) {
    author = asker;
    return Status::ok();
  };
  EXPECT_EQ(remind(room.id, seq, dave_.id).status().code(), Code::not_found);
  auto r = must(remind(room.id, seq, bob_.id, may, kT0 + 3000));
  EXPECT_EQ(author, alice_.id);
  EXPECT_EQ(r.count, 22);
  ASSERT_EQ(r.events.size(), 1u);
  auto note = note_of(r.events[0]);
  EXPECT_EQ(str_at(note, "action"), "action_reminded");
  EXPECT_EQ(note.at("seq").as_int64(), seq);
  EXPECT_EQ(str_at(note, "title"), "健診を受けましたか");
  EXPECT_EQ(note.at("count").as_int64(), 22);
  EXPECT_EQ(note.at("users").as_array().size(), wire::kMaxUsersPerSystemNote);
  auto msg = must(store().message(room.id, r.room.msg_seq));
  EXPECT_EQ(msg.kind, MessageKind::system);
  EXPECT_EQ(msg.sender, bob_.id);
  EXPECT_EQ(msg.mentions.size(), wire::kMaxUsersPerSystemNote);
  EXPECT_EQ(msg.mentions.front(), staff.front());  // 五十音: しょくいん 100 first
  // Every pending member has it as a mention; those who answered do not.
  for (UserId u : {staff[0], staff[20], staff[21]}) {
    EXPECT_EQ(must(store().room_summary(room.id, u)).mention_unread, 1) << u;
  }
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 0);

  // Nobody pending, or closed: conflict, nothing written.
  for (std::size_t i = 0; i < 22; ++i) must(answer(room.id, seq, staff[i], {{1, 0}}));
  const EventNo ev = must(store().room(room.id)).ev;
  EXPECT_EQ(remind(room.id, seq, alice_.id).status().code(), Code::conflict);
  const Seq other = must(ask(room.id, alice_.id, "c-2", spec_of(ActionKind::yesno, "次"))).message->seq;
  must(close_action(room.id, other, alice_.id));
  const EventNo closed_ev = must(store().room(room.id)).ev;
  EXPECT_EQ(remind(room.id, other, alice_.id).status().code(), Code::conflict);
  EXPECT_EQ(must(store().room(room.id)).ev, closed_ev);
  EXPECT_GT(closed_ev, ev);
}

}  // namespace
}  // namespace tonari::testing
