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

  for (const Message* m : {&plain, &full}) {
    std::string out = "[";
    append_message(out, *m);
    out += "]";
    json::value parsed = json::parse(out);
    EXPECT_EQ(parsed.as_array()[0], json::value(message(*m))) << out;
  }
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
