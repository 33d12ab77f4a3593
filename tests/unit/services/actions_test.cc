// Action stamps through the services on a SQLite store: the coalesced tally (one
// action.updated per question per period), what each viewer gets back, the reminder's
// rate, and the marks history fills.
#include "services/actions.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "services/messages.h"
#include "services/reactions.h"
#include "services/test_fakes.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace json = boost::json;

class ActionsTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ctx_ = std::make_unique<services::Context>(services::Context{
        store(), bus_, clock_, [](std::function<void()> f) { f(); }, services::Limits{}});
    ctx_->limits.tally_flush_period_ms = 1000;
    receipts_ = std::make_unique<services::ReadReceipts>(*ctx_);
    messages_ = std::make_unique<services::Messages>(*ctx_, *receipts_);
    tallies_ = std::make_unique<services::ActionTallies>(*ctx_);
    actions_ = std::make_unique<services::Actions>(*ctx_, *tallies_);
    reactions_ = std::make_unique<services::Reactions>(*ctx_);
    room_ = group_room();  // alice (owner), bob, carol
  }
  void TearDown() override {
    reactions_.reset();
    actions_.reset();
    tallies_.reset();
    messages_.reset();
    receipts_.reset();
    ctx_.reset();
    SqliteStoreTest::TearDown();
  }

  services::Actor actor(const User& u) { return services::Actor{u, tenant_, {}, {}}; }

  Seq ask(const User& asker, ActionSpec spec) {
    services::PostRequest p;
    p.room = room_.id;
    p.client_id = "q-" + std::to_string(++asked_);
    p.action = std::move(spec);
    return must(wait<store::RoomChange>([&](auto cb) { messages_->post(actor(asker), p, cb); })).message->seq;
  }
  Result<ActionState> answer(const User& u, Seq seq, std::vector<ActionPick> picks) {
    return wait<ActionState>([&](auto cb) { actions_->answer(actor(u), room_.id, seq, picks, cb); });
  }
  // flush_due(), and its writes' callbacks run: they are called back in commit order, so
  // once a later write's has run, theirs have.
  std::size_t flush() {
    const std::size_t n = tallies_->flush_due();
    must(wait<std::int64_t>([&](auto cb) { store().purge_sessions(clock_.now_ms(), cb); }));
    return n;
  }
  // The action.updated events published so far, as JSON.
  std::vector<json::object> updates() {
    std::vector<json::object> out;
    for (const bus::Event& e : bus_.events()) {
      json::object o = json::parse(*e.frame).as_object();
      if (o.at("type").as_string() == "action.updated") out.push_back(std::move(o));
    }
    return out;
  }

  static ActionSpec yesno(bool results_public = true) {
    ActionSpec s;
    s.kind = ActionKind::yesno;
    s.title = "研修に参加しますか";
    s.results_public = results_public;
    return s;
  }

  FakeClock clock_{kT0 + 10'000};
  CapturingBus bus_{clock_};
  std::unique_ptr<services::Context> ctx_;
  std::unique_ptr<services::ReadReceipts> receipts_;
  std::unique_ptr<services::Messages> messages_;
  std::unique_ptr<services::ActionTallies> tallies_;
  std::unique_ptr<services::Actions> actions_;
  std::unique_ptr<services::Reactions> reactions_;
  Room room_;
  int asked_ = 0;
};

TEST_F(ActionsTest, AnAnswerWritesNoEventTheTallyGoesOutOncePerPeriod) {
  const Seq q = ask(alice_, yesno());
  EXPECT_FALSE(tallies_->active());
  EXPECT_EQ(flush(), 0u);

  must(answer(bob_, q, {{0, 0}}));
  EXPECT_TRUE(updates().empty()) << "an answer writes no event";
  EXPECT_TRUE(tallies_->active());
  ASSERT_EQ(flush(), 1u);  // the first: at once
  ASSERT_EQ(updates().size(), 1u);
  EXPECT_EQ(updates()[0].at("action").at("answered").as_int64(), 1);
  EXPECT_EQ(updates()[0].at("seq").as_int64(), q);

  clock_.advance(100);
  must(answer(carol_, q, {{1, 0}}));
  clock_.advance(100);
  must(answer(bob_, q, {{1, 0}}));  // a change of mind
  for (int i = 0; i < 7; ++i) {
    clock_.advance(100);
    EXPECT_EQ(flush(), 0u) << "within the period";
  }
  clock_.advance(100);  // one period after the first flush
  ASSERT_EQ(flush(), 1u);
  const auto ups = updates();
  ASSERT_EQ(ups.size(), 2u);
  const auto& a = ups[1].at("action").as_object();
  EXPECT_EQ(a.at("answered").as_int64(), 2);
  EXPECT_EQ(json::serialize(a.at("counts")), "[0,2]");
  EXPECT_FALSE(a.contains("mine"));

  clock_.advance(5000);
  EXPECT_EQ(flush(), 0u);
  EXPECT_FALSE(tallies_->active());
}

TEST_F(ActionsTest, TheAnswererGetsTheirAnswerAndOnlyTheAskerCountsOfAPrivateQuestion) {
  const Seq q = ask(alice_, yesno(false));
  const ActionState mine = must(answer(bob_, q, {{1, 0}}));
  EXPECT_EQ(mine.mine, (std::vector<ActionPick>{{1, 0}}));
  EXPECT_EQ(mine.mine_at, clock_.now_ms());
  EXPECT_TRUE(mine.tally.counts.empty());
  EXPECT_EQ(mine.tally.answered, 1);
  const ActionState asker = must(actions_->state(actor(alice_), room_.id, q));
  EXPECT_EQ(asker.tally.counts, (std::vector<std::int64_t>{0, 1}));
  EXPECT_TRUE(asker.mine.empty());
  // The published tally is as everyone sees it: no counts.
  flush();
  ASSERT_EQ(updates().size(), 1u);
  EXPECT_FALSE(updates()[0].at("action").as_object().contains("counts"));

  // Picks in any order; one that does not fit is refused.
  EXPECT_EQ(answer(carol_, q, {{2, 0}}).status().code(), Code::invalid_argument);
  ActionSpec schedule;
  schedule.kind = ActionKind::schedule;
  schedule.title = "日程";
  schedule.options = {"月", "火"};
  const Seq s = ask(alice_, schedule);
  EXPECT_EQ(must(answer(carol_, s, {{1, 2}, {0, 1}})).mine, (std::vector<ActionPick>{{0, 1}, {1, 2}}));
  EXPECT_EQ(answer(eve_, q, {{0, 0}}).status().code(), Code::not_found);
}

TEST_F(ActionsTest, ARemindIsRefusedWithinTenMinutesOfTheLast) {
  const Seq q = ask(alice_, yesno());
  auto remind = [&](const User& u) {
    return wait<std::int64_t>([&](auto cb) { actions_->remind(actor(u), room_.id, q, cb); });
  };
  EXPECT_EQ(remind(bob_).status().code(), Code::permission_denied);
  EXPECT_EQ(must(remind(alice_)), 3);  // everyone, the asker too
  clock_.advance(9 * 60 * 1000);
  const Status again = remind(alice_).status();
  EXPECT_EQ(again.code(), Code::rate_limited);
  EXPECT_EQ(again.retry_after_ms(), 60 * 1000);
  clock_.advance(60 * 1000);
  EXPECT_EQ(must(remind(alice_)), 3);
  // A refused reminder does not hold the slot: closed, then refused; the next one, too.
  must(wait<bool>([&](auto cb) { actions_->close(actor(alice_), room_.id, q, cb); }));
  clock_.advance(10 * 60 * 1000);
  EXPECT_EQ(remind(alice_).status().code(), Code::conflict);
  EXPECT_EQ(remind(alice_).status().code(), Code::conflict);
}

TEST_F(ActionsTest, HistoryMarksWhatTheViewerDid) {
  const Seq q = ask(alice_, yesno(false));
  must(answer(bob_, q, {{0, 0}}));
  must(wait<store::RoomChange>([&](auto cb) { reactions_->react(actor(bob_), room_.id, q, "👍", true, cb); }));
  must(wait<store::RoomChange>([&](auto cb) { reactions_->react(actor(carol_), room_.id, q, "s:ryokai", true, cb); }));

  auto find = [&](const User& viewer) {
    auto h = must(messages_->history(actor(viewer), room_.id, -1, 0, 50));
    for (Message& m : h.messages) {
      if (m.seq == q) return m;
    }
    ADD_FAILURE() << "no message " << q;
    return Message{};
  };
  const Message as_bob = find(bob_);
  ASSERT_TRUE(as_bob.action);
  EXPECT_EQ(as_bob.action->mine, (std::vector<ActionPick>{{0, 0}}));
  EXPECT_TRUE(as_bob.action->tally.counts.empty()) << "a private question's counts";
  ASSERT_EQ(as_bob.reactions.size(), 2u);
  for (const ReactionCount& r : as_bob.reactions) EXPECT_EQ(r.mine, r.key == "👍") << r.key;
  const Message as_alice = find(alice_);
  EXPECT_TRUE(as_alice.action->mine.empty());
  EXPECT_EQ(as_alice.action->tally.counts, (std::vector<std::int64_t>{1, 0}));
  for (const ReactionCount& r : as_alice.reactions) EXPECT_FALSE(r.mine) << r.key;
  const Message one = must(messages_->get(actor(carol_), room_.id, q));
  for (const ReactionCount& r : one.reactions) EXPECT_EQ(r.mine, r.key == "s:ryokai") << r.key;
}

TEST_F(ActionsTest, PostsCheckStampsAndTaskAssignees) {
  auto post = [&](services::PostRequest p) {
    p.room = room_.id;
    p.client_id = "p-" + std::to_string(++asked_);
    return wait<store::RoomChange>([&](auto cb) { messages_->post(actor(alice_), p, cb); });
  };
  services::PostRequest stamp;
  stamp.stamp = "ryokai";
  EXPECT_EQ(must(post(stamp)).message->stamp, "ryokai");
  stamp.stamp = "nope";
  EXPECT_EQ(post(stamp).status().message(), "unknown stamp");
  stamp.stamp = "ryokai";
  stamp.body = "了解";
  EXPECT_EQ(post(stamp).status().code(), Code::invalid_argument);

  services::PostRequest task;
  ActionSpec spec;
  spec.kind = ActionKind::task;
  spec.title = "議事録";
  spec.assignees = {bob_.id, dave_.id};
  task.action = spec;
  EXPECT_EQ(post(task).status().message(),
            "action.assignees: user " + std::to_string(dave_.id) + " is not a member of the room");
  task.action->assignees = {carol_.id, bob_.id, carol_.id};
  EXPECT_EQ(must(post(task)).message->action->spec.assignees,
            (std::vector<UserId>{std::min(bob_.id, carol_.id), std::max(bob_.id, carol_.id)}));
}

}  // namespace
}  // namespace tonari::testing
