#include "core/wire.h"

#include "core/text_limits.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <random>

namespace tonari::wire {
namespace {

namespace json = boost::json;

TEST(WireTest, MemberJoinedNamesAtMostOneHundredUsersAndCountsAll) {
  std::vector<User> users(150);
  for (int i = 0; i < 150; ++i) {
    users[i].id = i + 1;
    users[i].name = "職員 " + std::to_string(i + 1);
  }
  json::object o = json::parse(member_joined_event(7, 3, users, 1)).as_object();
  EXPECT_EQ(o["type"].as_string(), "member.joined");
  EXPECT_EQ(o["ev"].as_int64(), 3);
  EXPECT_EQ(o["users"].as_array().size(), kMaxUsersPerJoinEvent);
  EXPECT_EQ(o["users"].as_array()[99].as_object()["id"].as_int64(), 100);
  EXPECT_EQ(o["count"].to_number<std::int64_t>(), 150);
}

TEST(WireTest, DeletedMessageCarriesNoText) {
  Message m;
  m.id = 5;
  m.room = 2;
  m.seq = 9;
  m.deleted = true;
  json::object o = json::parse(message_event("message.deleted", m, 12)).as_object();
  json::object msg = o["message"].as_object();
  EXPECT_EQ(msg["body"].as_string(), "");
  EXPECT_TRUE(msg["deleted"].as_bool());
  EXPECT_TRUE(msg["reply_to"].is_null());
  EXPECT_FALSE(msg.contains("read_count"));
}

// append_message writes the JSON by hand; it must say exactly what message() says.
TEST(WireTest, AppendMessageEqualsTheDomBuiltMessage) {
  Message plain;
  plain.id = 1;
  plain.room = 2;
  plain.seq = 3;
  plain.sender = 4;
  plain.sender_name = "田中 一郎";
  plain.client_id = "c-1";
  plain.body = "会議は\n15時から";
  plain.created_at = 1700000000000;

  Message full = plain;
  full.body = std::string("quote \" back\\slash tab\t cr\r bell\x07 nul") + '\0' + " end \x7f é 😀";
  full.reply_to = ReplySnapshot{2, 9, "佐藤 \"花子\"", "元の\u3000本文\x1f"};
  full.mentions = {9, 12};
  full.mention_all = true;
  full.edited_at = 1700000001000;
  full.deleted = true;
  full.read_count = 0;

  Message stamp = plain;
  stamp.body.clear();
  stamp.stamp = "ryokai";
  stamp.reactions = {{"s:iine", 3, true}, {"👍", 1, false}, {"\"\\", 1, false}};

  Message asks = plain;
  ActionState a;
  a.spec.kind = ActionKind::schedule;
  a.spec.title = "打合せ \"日程\"";
  a.spec.options = {"9/1 (月)", "9/2 (火)"};
  a.spec.deadline = 1700000900000;
  a.spec.results_public = false;
  a.spec.assignees = {4, 9};
  a.closed = true;
  a.closed_at = 1700000950000;
  a.closed_by = 4;
  a.tally = ActionTally{2, 5, {1, 1, 0, 0, 0, 2}};
  a.mine = {{0, 0}, {1, 2}};
  a.mine_at = 1700000800000;
  asks.action = a;
  asks.reactions = {{"s:ryokai", 1, false}};

  Message no_counts = asks;
  no_counts.action->tally.counts.clear();
  no_counts.action->mine.clear();

  Message acks = plain;  // 確認必須, acknowledged by the viewer
  acks.ack_required = true;
  acks.ack_count = 4213;
  acks.acked = true;
  Message not_acked = acks;
  not_acked.acked = false;

  for (const Message* m : {&plain, &full, &stamp, &asks, &no_counts, &acks, &not_acked}) {
    std::string out = "[";
    append_message(out, *m);
    out += "]";
    json::value parsed = json::parse(out);
    EXPECT_EQ(parsed.as_array()[0], json::value(message(*m))) << out;
  }
}

TEST(WireTest, MessageExtrasAreWrittenOnlyWhenThere) {
  Message m;
  m.id = 1;
  json::object plain = message(m);
  EXPECT_FALSE(plain.contains("stamp"));
  EXPECT_FALSE(plain.contains("reactions"));
  EXPECT_FALSE(plain.contains("action"));
  // 確認必須's three fields only for a message that asks.
  EXPECT_FALSE(plain.contains("ack_required"));
  EXPECT_FALSE(plain.contains("ack_count"));
  EXPECT_FALSE(plain.contains("acked"));
  m.stamp = "arigato";
  m.reactions = {{"s:arigato", 2, true}, {"🙏", 1, false}};
  ActionState a;
  a.spec.kind = ActionKind::yesno;
  a.spec.title = "参加?";
  a.tally = ActionTally{1, 2, {1, 0}};
  m.action = a;
  json::object o = message(m);
  EXPECT_EQ(o["stamp"].as_string(), "arigato");
  EXPECT_EQ(o["reactions"].as_array()[0], (json::value{{"key", "s:arigato"}, {"count", 2}, {"me", true}}));
  EXPECT_EQ(o["reactions"].as_array()[1], (json::value{{"key", "🙏"}, {"count", 1}}));
  json::object act = o["action"].as_object();
  EXPECT_EQ(act["kind"].as_string(), "yesno");
  EXPECT_EQ(act["options"].as_array().size(), 0u);
  EXPECT_TRUE(act["public"].as_bool());
  EXPECT_TRUE(act["changeable"].as_bool());
  EXPECT_FALSE(act["anonymous"].as_bool());
  EXPECT_EQ(act["counts"], (json::value{1, 0}));
  EXPECT_FALSE(act.contains("mine"));
  EXPECT_FALSE(act.contains("mine_at"));

  Message asks;
  asks.ack_required = true;
  asks.ack_count = 2;
  json::object ack = message(asks);
  EXPECT_TRUE(ack["ack_required"].as_bool());
  EXPECT_EQ(ack["ack_count"].as_int64(), 2);
  EXPECT_FALSE(ack["acked"].as_bool());
}

// An event frame is the same for everyone: no `mine`, and counts only of a public question.
TEST(WireTest, ActionFramesAreAsEveryoneMaySeeThem) {
  ActionState a;
  a.spec.kind = ActionKind::yesno;
  a.spec.title = "参加?";
  a.tally = ActionTally{1, 2, {1, 0}};
  a.mine = {{0, 0}};
  a.mine_at = 5;
  json::object f = json::parse(action_updated_event(3, 8, 12, a)).as_object();
  EXPECT_EQ(f["type"].as_string(), "action.updated");
  EXPECT_EQ(f["seq"].as_int64(), 12);
  EXPECT_FALSE(f["action"].as_object().contains("mine"));
  EXPECT_EQ(f["action"].as_object()["counts"], (json::value{1, 0}));
  a.spec.results_public = false;
  f = json::parse(action_updated_event(3, 9, 12, a)).as_object();
  EXPECT_FALSE(f["action"].as_object().contains("counts"));
  EXPECT_EQ(f["action"].as_object()["answered"].as_int64(), 1);

  Message m;
  m.room = 3;
  m.seq = 12;
  m.action = a;
  json::object created = json::parse(message_event("message.created", m, 10)).as_object();
  json::object sent = created["message"].as_object()["action"].as_object();
  EXPECT_FALSE(sent.contains("counts"));
  EXPECT_FALSE(sent.contains("mine"));
  Pin p;
  p.seq = 12;
  p.message = m;
  json::object pinned = json::parse(pin_added_event(3, 11, p)).as_object();
  EXPECT_FALSE(pinned["pin"].as_object()["message"].as_object()["action"].as_object().contains("counts"));
}

TEST(WireTest, CollaborationEventsAndObjects) {
  json::object r = json::parse(reaction_updated_event(3, 4, 5, "s:ryokai", 2, 9, false)).as_object();
  EXPECT_EQ(r, (json::object{{"type", "reaction.updated"}, {"room", 3}, {"ev", 4}, {"seq", 5},
                             {"key", "s:ryokai"}, {"count", 2}, {"user", 9}, {"on", false}}));
  Note n;
  n.id = 7;
  n.room = 3;
  n.title = "議事録";
  n.body = "# 本文";
  n.version = 2;
  json::object nu = json::parse(note_updated_event(3, 5, n)).as_object();
  EXPECT_EQ(nu["type"].as_string(), "note.updated");
  EXPECT_FALSE(nu["note"].as_object().contains("body"));
  EXPECT_EQ(note(n, true)["body"].as_string(), "# 本文");
  EXPECT_EQ(json::parse(note_deleted_event(3, 6, 7)),
            (json::value{{"type", "note.deleted"}, {"room", 3}, {"ev", 6}, {"note", 7}}));
  EXPECT_EQ(json::parse(pin_removed_event(3, 7, Pin::Kind::note, 7)),
            (json::value{{"type", "pin.removed"}, {"room", 3}, {"ev", 7}, {"kind", "note"}, {"note", 7}}));
  EXPECT_EQ(json::parse(pin_removed_event(3, 8, Pin::Kind::message, 12)),
            (json::value{{"type", "pin.removed"}, {"room", 3}, {"ev", 8}, {"kind", "message"}, {"seq", 12}}));
  Pin p;
  p.kind = Pin::Kind::note;
  p.note = 7;
  p.by = 9;
  p.by_name = "佐藤";
  p.at = 100;
  p.note_info = n;
  json::object po = pin(p);
  EXPECT_EQ(po["kind"].as_string(), "note");
  EXPECT_EQ(po["note"].as_int64(), 7);
  EXPECT_FALSE(po.contains("seq"));
  EXPECT_FALSE(po["note_info"].as_object().contains("body"));
  NoteVersion v{7, 3, "議事録", "本文", 9, "佐藤", 200, 1};
  json::object vo = note_version(v, false);
  EXPECT_FALSE(vo.contains("body"));
  EXPECT_EQ(vo["restored_from"].as_int64(), 1);

  SystemNote s;
  s.action = "note_updated";
  s.note = 7;
  s.title = "議事録";
  s.version = 3;
  s.restored_from = 1;
  EXPECT_EQ(json::parse(system_note_json(s)),
            (json::value{{"action", "note_updated"}, {"note", 7}, {"title", "議事録"},
                         {"version", 3}, {"restored_from", 1}}));
  SystemNote c;
  c.action = "action_closed";
  c.seq = 12;
  c.title = "参加?";
  EXPECT_EQ(json::parse(system_note_json(c)),
            (json::value{{"action", "action_closed"}, {"seq", 12}, {"title", "参加?"}}));
}

TEST(WireTest, JsonStringEscapesOnlyWhatJsonRequires) {
  std::string out;
  append_json_string(out, "a\"b\\c\x01" "d\n日本");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\u0001d\\n日本\"");
}

// Whatever the string, at whatever place in an 8-byte word its special characters fall, the
// output parses back to it.
TEST(WireTest, JsonStringRoundTripsWhereverTheEscapesFall) {
  const std::string specials[] = {"\"", "\\", "\n", "\x01", "\x1f", " ", "日本", "a", "\x7f", "é"};
  std::mt19937 rng(7);
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    const int n = static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) s += specials[rng() % std::size(specials)];
    std::string out;
    append_json_string(out, s);
    ASSERT_EQ(json::parse(out).as_string(), s) << out;
  }
}

TEST(WireTest, ErrorBodyShape) {
  json::object o = json::parse(error_body("not_found", "room 4 not found")).as_object();
  EXPECT_EQ(o["error"].as_object()["code"].as_string(), "not_found");
  EXPECT_EQ(o["error"].as_object()["message"].as_string(), "room 4 not found");
}

TEST(WireTest, ErrorBodyIsValidUtf8WhateverTheMessageHolds) {
  const std::string body = error_body("not_found", "no such endpoint: /api/\xff\xfe");
  EXPECT_TRUE(text::valid_utf8(body)) << body;
  json::object o = json::parse(body).as_object();
  EXPECT_EQ(o["error"].as_object()["message"].as_string(),
            "no such endpoint: /api/\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace tonari::wire
