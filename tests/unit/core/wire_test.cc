#include "core/wire.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

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

TEST(WireTest, ErrorBodyShape) {
  json::object o = json::parse(error_body("not_found", "room 4 not found")).as_object();
  EXPECT_EQ(o["error"].as_object()["code"].as_string(), "not_found");
  EXPECT_EQ(o["error"].as_object()["message"].as_string(), "room 4 not found");
}

}  // namespace
}  // namespace tonari::wire
