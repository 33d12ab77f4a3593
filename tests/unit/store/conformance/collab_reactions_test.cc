// Store conformance (store_test.h): working together, part 1 — stamp messages, reactions
// (counts, order, who reacted in 五十音 order, the limits), and what deleting a message
// takes with it (reactions, answers, action, pins). store.h, "Working together".
#include "store/conformance/store_test.h"

#include <algorithm>
#include <string>
#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;
using Keys = std::vector<std::pair<std::string, std::int64_t>>;

Keys keys_of(const Message& m) {
  Keys out;
  for (const ReactionCount& r : m.reactions) {
    EXPECT_FALSE(r.mine) << "a store read never says mine";
    out.emplace_back(r.key, r.count);
  }
  return out;
}

ActionSpec yesno(const std::string& title) {
  ActionSpec s;
  s.kind = ActionKind::yesno;
  s.title = title;
  return s;
}

// ---- Stamp messages -------------------------------------------------------------------

TEST_P(StoreTest, AStampMessageIsStoredReadAndReplayedWithItsStamp) {
  Room room = group_room();
  auto c = must(post_stamp(room.id, bob_.id, "c-stamp", "ryokai"));
  ASSERT_TRUE(c.message.has_value());
  EXPECT_TRUE(c.created);
  EXPECT_EQ(c.message->stamp, "ryokai");
  EXPECT_EQ(c.message->body, "");
  ASSERT_EQ(c.events.size(), 1u);
  auto f = parse_frame(c.events[0]);
  EXPECT_EQ(str_at(f.at("message").as_object(), "stamp"), "ryokai");
  EXPECT_EQ(str_at(f.at("message").as_object(), "body"), "");

  auto read = must(store().message(room.id, c.message->seq));
  EXPECT_EQ(read.stamp, "ryokai");
  EXPECT_EQ(must(store().messages(room.id, -1, 0, 1)).at(0).stamp, "ryokai");
  auto summary = must(store().room_summary(room.id, alice_.id));
  ASSERT_TRUE(summary.last_message.has_value());
  EXPECT_EQ(summary.last_message->stamp, "ryokai");
  // Replay builds the same frame as was sent live.
  EXPECT_EQ(*all_events(room.id).back().frame, *c.events[0].frame);
  // A retry is the first message, stamp and all.
  auto retry = must(post_stamp(room.id, bob_.id, "c-stamp", "arigato"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.message->stamp, "ryokai");
  // Plain messages have none.
  auto plain = must(post(room.id, bob_.id, "c-plain", "本文"));
  EXPECT_EQ(must(store().message(room.id, plain.message->seq)).stamp, "");
}

TEST_P(StoreTest, QuotingAStampQuotesItsWordsAndAnActionItsTitle) {
  Room room = group_room();
  const Seq stamp = must(post_stamp(room.id, bob_.id, "c-1", "otsukare")).message->seq;
  const Seq asked =
      must(ask(room.id, alice_.id, "c-2", yesno("懇親会に参加しますか"), "金曜 18 時から")).message->seq;
  auto r1 = must(post(room.id, carol_.id, "c-3", "こちらこそ", stamp));
  ASSERT_TRUE(r1.message->reply_to.has_value());
  EXPECT_EQ(r1.message->reply_to->body, "お疲れさまです");
  auto r2 = must(post(room.id, carol_.id, "c-4", "参加します", asked));
  ASSERT_TRUE(r2.message->reply_to.has_value());
  EXPECT_EQ(r2.message->reply_to->body, "懇親会に参加しますか");
  // Editing the action message's text leaves the quote of its question as it was.
  must(wait<RoomChange>([&](auto cb) {
    store().edit_message(room.id, asked, alice_.id, "金曜 19 時から", kT0 + 1500, cb);
  }));
  EXPECT_EQ(must(store().message(room.id, r2.message->seq)).reply_to->body, "懇親会に参加しますか");
  // A long question is quoted cut, as a long text is.
  const Seq long_q = must(ask(room.id, alice_.id, "c-5", yesno(std::string(150, 'q')))).message->seq;
  EXPECT_EQ(must(post(room.id, carol_.id, "c-6", "はい", long_q)).message->reply_to->body,
            std::string(100, 'q') + "…");
}

TEST_P(StoreTest, AStampMessageCannotBeEdited) {
  Room room = group_room();
  const Seq seq = must(post_stamp(room.id, bob_.id, "c-1", "ryokai")).message->seq;
  const EventNo ev = must(store().room(room.id)).ev;
  auto edit = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, seq, bob_.id, "文字", kT0 + 1500, cb); });
  EXPECT_EQ(edit.status().code(), Code::invalid_argument);
  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  EXPECT_EQ(must(store().message(room.id, seq)).body, "");
}

// ---- Reactions --------------------------------------------------------------------------

TEST_P(StoreTest, ReactionsAreCountedMostUsedFirstAndSentAsEvents) {
  Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "c-1", "明日の会議は中止です")).message->seq;
  const EventNo ev0 = must(store().room(room.id)).ev;

  auto first = must(react(room.id, seq, bob_.id, "👍", true, kT0 + 2001));
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.count, 1);
  EXPECT_EQ(first.room.ev, ev0 + 1);
  ASSERT_EQ(first.events.size(), 1u);
  EXPECT_EQ(first.events[0].ev, ev0 + 1);
  auto f = parse_frame(first.events[0]);
  EXPECT_EQ(str_at(f, "type"), "reaction.updated");
  EXPECT_EQ(f.at("room").as_int64(), room.id);
  EXPECT_EQ(f.at("ev").as_int64(), ev0 + 1);
  EXPECT_EQ(f.at("seq").as_int64(), seq);
  EXPECT_EQ(str_at(f, "key"), "👍");
  EXPECT_EQ(f.at("count").as_int64(), 1);
  EXPECT_EQ(f.at("user").as_int64(), bob_.id);
  EXPECT_TRUE(f.at("on").as_bool());

  must(react(room.id, seq, carol_.id, "s:ryokai", true, kT0 + 2002));
  auto second = must(react(room.id, seq, alice_.id, "s:ryokai", true, kT0 + 2003));
  EXPECT_EQ(second.count, 2);
  must(react(room.id, seq, carol_.id, "🙏", true, kT0 + 2004));
  // Most used first; equal counts in the order they were first put there.
  EXPECT_EQ(keys_of(must(store().message(room.id, seq))),
            (Keys{{"s:ryokai", 2}, {"👍", 1}, {"🙏", 1}}));
  EXPECT_EQ(keys_of(must(store().messages(room.id, seq - 1, 0, 10)).at(0)),
            (Keys{{"s:ryokai", 2}, {"👍", 1}, {"🙏", 1}}));

  // Taking one away: on=false, the count after it; a key nobody has any more is gone.
  auto off = must(react(room.id, seq, bob_.id, "👍", false, kT0 + 2005));
  EXPECT_TRUE(off.created);
  EXPECT_EQ(off.count, 0);
  auto g = parse_frame(off.events.at(0));
  EXPECT_FALSE(g.at("on").as_bool());
  EXPECT_EQ(g.at("count").as_int64(), 0);
  EXPECT_EQ(keys_of(must(store().message(room.id, seq))), (Keys{{"s:ryokai", 2}, {"🙏", 1}}));
  // Put back, it is the newest of its count.
  must(react(room.id, seq, bob_.id, "👍", true, kT0 + 2006));
  EXPECT_EQ(keys_of(must(store().message(room.id, seq))),
            (Keys{{"s:ryokai", 2}, {"🙏", 1}, {"👍", 1}}));
  // Stored room events: resume replays them as sent.
  auto replay = all_events(room.id);
  EXPECT_EQ(*replay.back().frame, *must(store().events_after(room.id, ev0 + 5, 10)).at(0).frame);
  EXPECT_EQ(type_of(replay.back()), "reaction.updated");
  EXPECT_EQ(must(store().room(room.id)).ev, ev0 + 6);
}

TEST_P(StoreTest, ReactingAsItAlreadyIsWritesNothing) {
  Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "c-1", "了解です")).message->seq;
  must(react(room.id, seq, bob_.id, "s:iine"));
  const EventNo ev = must(store().room(room.id)).ev;
  auto again = must(react(room.id, seq, bob_.id, "s:iine"));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.count, 1);
  auto absent = must(react(room.id, seq, carol_.id, "s:iine", false));
  EXPECT_FALSE(absent.created);
  EXPECT_TRUE(absent.events.empty());
  auto never = must(react(room.id, seq, carol_.id, "🎉", false));
  EXPECT_FALSE(never.created);
  EXPECT_EQ(never.count, 0);
  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  EXPECT_EQ(keys_of(must(store().message(room.id, seq))), (Keys{{"s:iine", 1}}));
}

TEST_P(StoreTest, ReactionsAreRefusedWhereTheContractSays) {
  Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "c-1", "本文")).message->seq;
  const Seq gone = must(post(room.id, alice_.id, "c-2", "消す")).message->seq;
  must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, gone, alice_.id, kT0 + 1100, cb); }));
  const EventNo ev = must(store().room(room.id)).ev;
  auto code = [&](Seq s, UserId u, TenantId t = 0, const std::string& key = "👍") {
    return react(room.id, s, u, key, true, kT0 + 2000, t).status().code();
  };
  EXPECT_EQ(code(seq + 100, bob_.id), Code::not_found);
  EXPECT_EQ(code(gone, bob_.id), Code::not_found);
  EXPECT_EQ(code(1, bob_.id), Code::invalid_argument);  // room_created, a system message
  EXPECT_EQ(code(seq, dave_.id), Code::not_found);      // not a member
  EXPECT_EQ(code(seq, eve_.id, other_tenant_.id), Code::not_found);
  EXPECT_EQ(code(seq, bob_.id, other_tenant_.id), Code::not_found);  // another municipality
  EXPECT_EQ(react(room.id, seq, bob_.id, "👍", false, kT0, other_tenant_.id).status().code(),
            Code::not_found);
  auto other_room = must(create_group(dave_.id, {}, "別室")).room;
  EXPECT_EQ(react(other_room.id, seq, bob_.id, "👍").status().code(), Code::not_found);
  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  EXPECT_TRUE(must(store().message(room.id, seq)).reactions.empty());
  // With its own municipality given, a member reacts.
  EXPECT_TRUE(react(room.id, seq, bob_.id, "👍", true, kT0 + 2000, tenant_.id).ok());
}

TEST_P(StoreTest, AMessageHasAtMostTwentyDifferentReactions) {
  Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "c-1", "本文")).message->seq;
  const std::vector<std::string> stamps = {
      "ryokai", "shochi", "arigato", "otsukare", "yoroshiku", "kakunin_shimasu",
      "kakunin_shimashita", "taio_shimasu", "taiochu", "kanryo", "omachi", "moushiwake",
      "tasukarimasu", "ohayo", "osaki", "shikyu", "ryokai_desu", "iine", "sansei", "haiken"};
  ASSERT_EQ(stamps.size(), store::kMaxReactionKeysPerMessage);
  for (const auto& s : stamps) must(react(room.id, seq, bob_.id, "s:" + s));
  const EventNo ev = must(store().room(room.id)).ev;
  EXPECT_EQ(react(room.id, seq, carol_.id, "s:hai").status().code(), Code::conflict);
  EXPECT_EQ(must(store().room(room.id)).ev, ev);
  // One of the twenty may still be put there by others.
  EXPECT_EQ(must(react(room.id, seq, carol_.id, "s:iine")).count, 2);
  EXPECT_EQ(must(store().message(room.id, seq)).reactions.size(), 20u);
  // Once a key is gone, another fits.
  must(react(room.id, seq, bob_.id, "s:ryokai", false));
  EXPECT_TRUE(react(room.id, seq, carol_.id, "s:hai").ok());
}

TEST_P(StoreTest, ReactorsAreListedInGojuonOrderPageByPage) {
  const Gojuon g = gojuon_users();
  auto room = must(create_group(alice_.id, {g.safuji.id, g.zato.id, g.sado.id, g.sato.id,
                                            bob_.id})).room;
  const Seq seq = must(post(room.id, alice_.id, "c-1", "了解の方はスタンプを")).message->seq;
  TimeMs t = kT0 + 2000;
  for (const User* u : {&g.safuji, &g.zato, &g.sado, &g.sato}) {
    must(react(room.id, seq, u->id, "s:ryokai", true, ++t));
  }
  must(react(room.id, seq, alice_.id, "s:ryokai", true, ++t));
  must(react(room.id, seq, bob_.id, "👍", true, ++t));  // another key: not listed
  const std::vector<UserId> order = {alice_.id, g.sato.id, g.sado.id, g.zato.id, g.safuji.id};
  for (int limit : {1, 2, 3, 5, 10}) {
    EXPECT_EQ(walk_reactors(room.id, seq, "s:ryokai", limit), order) << limit;
  }
  auto page = must(store().reactors_page(room.id, seq, "s:ryokai", {}, 2));
  ASSERT_EQ(page.users.size(), 2u);
  EXPECT_EQ(page.users[0].name, "阿部 愛");
  EXPECT_EQ(page.at, (std::vector<TimeMs>{kT0 + 2005, kT0 + 2004}));  // when each reacted
  EXPECT_TRUE(page.next.has_value());
  auto exact = must(store().reactors_page(room.id, seq, "s:ryokai", {}, 5));
  EXPECT_FALSE(exact.next.has_value());  // no empty page after the last
  EXPECT_TRUE(must(store().reactors_page(room.id, seq, "🎉", {}, 5)).users.empty());
  // Taken away, they leave the list.
  must(react(room.id, seq, g.sado.id, "s:ryokai", false));
  EXPECT_EQ(walk_reactors(room.id, seq, "s:ryokai", 2),
            (std::vector<UserId>{alice_.id, g.sato.id, g.zato.id, g.safuji.id}));
}

// ---- What a viewer did ------------------------------------------------------------------

TEST_P(StoreTest, ViewerMarksSayWhatTheViewerReactedAndAnswered) {
  Room room = group_room();
  const Seq s1 = must(post(room.id, alice_.id, "c-1", "一")).message->seq;
  const Seq s2 = must(ask(room.id, alice_.id, "c-2", yesno("出ますか"))).message->seq;
  const Seq s3 = must(post(room.id, alice_.id, "c-3", "三")).message->seq;
  must(react(room.id, s1, bob_.id, "👍"));
  must(react(room.id, s1, bob_.id, "s:iine"));
  must(react(room.id, s3, bob_.id, "🙏"));
  must(react(room.id, s1, carol_.id, "🎉"));
  must(answer(room.id, s2, bob_.id, {{1, 0}}, kT0 + 2500));
  must(answer(room.id, s2, carol_.id, {{0, 0}}));

  auto marks = must(store().viewer_marks(room.id, s1, s2, bob_.id));
  auto reacted = marks.reacted;
  std::sort(reacted.begin(), reacted.end());
  EXPECT_EQ(reacted, (std::vector<std::pair<Seq, std::string>>{{s1, "s:iine"}, {s1, "👍"}}));
  ASSERT_EQ(marks.answered.size(), 1u);
  EXPECT_EQ(marks.answered[0].first, s2);
  EXPECT_EQ(marks.answered[0].second.first, (std::vector<ActionPick>{{1, 0}}));
  EXPECT_EQ(marks.answered[0].second.second, kT0 + 2500);
  auto dave = must(store().viewer_marks(room.id, s1, s3, dave_.id));
  EXPECT_TRUE(dave.reacted.empty());
  EXPECT_TRUE(dave.answered.empty());
  EXPECT_EQ(must(store().viewer_marks(room.id, s3, s3, bob_.id)).reacted,
            (std::vector<std::pair<Seq, std::string>>{{s3, "🙏"}}));
}

// ---- Deleting a message -----------------------------------------------------------------

TEST_P(StoreTest, DeletingAMessageTakesItsReactionsAnswersActionAndPins) {
  Room room = group_room();
  const Seq seq = must(ask(room.id, alice_.id, "c-1", yesno("極秘案件に参加しますか"))).message->seq;
  const Seq kept = must(post(room.id, alice_.id, "c-2", "残る")).message->seq;
  must(react(room.id, seq, bob_.id, "👍"));
  must(react(room.id, kept, bob_.id, "👍"));
  must(answer(room.id, seq, bob_.id, {{0, 0}}));
  must(wait<RoomChange>([&](auto cb) { store().publish_action(room.id, seq, kT0 + 2100, cb); }));
  must(put_pin(room.id, alice_.id, Pin::Kind::message, seq));
  must(put_pin(room.id, alice_.id, Pin::Kind::message, kept));

  must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 9000, cb); }));
  auto msg = must(store().message(room.id, seq));
  EXPECT_TRUE(msg.deleted);
  EXPECT_TRUE(msg.reactions.empty());
  EXPECT_FALSE(msg.action.has_value());
  EXPECT_FALSE(must(store().messages(room.id, seq - 1, 0, 1)).at(0).action.has_value());
  EXPECT_EQ(store().action(room.id, seq).status().code(), Code::not_found);
  EXPECT_TRUE(must(store().reactors_page(room.id, seq, "👍", {}, 10)).users.empty());
  EXPECT_TRUE(must(store().action_answers_page(room.id, seq, -1, 0, {}, 10)).users.empty());
  auto marks = must(store().viewer_marks(room.id, seq, seq, bob_.id));
  EXPECT_TRUE(marks.reacted.empty());
  EXPECT_TRUE(marks.answered.empty());
  auto pins = must(store().pins(room.id));
  ASSERT_EQ(pins.size(), 1u);
  EXPECT_EQ(pins[0].seq, kept);
  // Nobody reacts to it or answers it any more.
  EXPECT_EQ(react(room.id, seq, carol_.id, "👍").status().code(), Code::not_found);
  EXPECT_EQ(answer(room.id, seq, carol_.id, {{0, 0}}).status().code(), Code::not_found);
  // The other message keeps its own.
  EXPECT_EQ(keys_of(must(store().message(room.id, kept))), (Keys{{"👍", 1}}));
  // What it asked does not come back through resume either.
  for (const RoomEvent& e : all_events(room.id)) {
    EXPECT_EQ(e.frame->find("極秘案件"), std::string::npos) << *e.frame;
  }
}

}  // namespace
}  // namespace tonari::testing
