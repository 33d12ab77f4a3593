// Store conformance (store_test.h): system messages — what each write that changes a group
// room says in it (store.h, "System messages"), as real messages: numbered, replayed, read,
// and neither editable, deletable nor quotable. And quotes that follow edits.
#include "store/conformance/store_test.h"

#include <string>
#include <vector>

#include "core/text_limits.h"

namespace tonari::testing {
namespace {

using store::RoomChange;

// The ids of a note's "users".
std::vector<UserId> note_users(const boost::json::object& note) {
  std::vector<UserId> out;
  for (const auto& u : note.at("users").as_array()) out.push_back(u.at("id").as_int64());
  return out;
}

std::string reason_of(const boost::json::object& note) {
  return note.contains("reason") ? std::string(note.at("reason").as_string()) : "";
}

// ---- create_room ------------------------------------------------------------------

TEST_P(StoreTest, ANewGroupRoomSaysItWasCreatedAsItsFirstMessage) {
  auto c = must(create_group(alice_.id, {bob_.id, carol_.id}));
  EXPECT_EQ(c.room.msg_seq, 1);
  EXPECT_EQ(c.room.ev, 2);
  ASSERT_EQ(c.events.size(), 2u);
  EXPECT_EQ(type_of(c.events[0]), "member.joined");
  EXPECT_EQ(type_of(c.events[1]), "message.created");
  EXPECT_EQ(c.events[1].ev, 2);
  auto live = note_of(c.events[1]);
  EXPECT_EQ(str_at(live, "action"), "room_created");
  EXPECT_EQ(str_at(live, "name"), "防災訓練PJ");
  EXPECT_EQ(note_users(live), (std::vector<UserId>{bob_.id, carol_.id}));  // not the creator
  EXPECT_EQ(live.at("count").as_int64(), 2);

  auto msgs = must(store().messages(c.room.id, 0, 0, 10));
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].seq, 1);
  EXPECT_EQ(msgs[0].kind, MessageKind::system);
  EXPECT_EQ(msgs[0].sender, alice_.id);
  EXPECT_EQ(msgs[0].sender_name, "阿部 愛");
  EXPECT_EQ(note_of(msgs[0]), live);
  // Stored as sent: a resuming client gets the same frame.
  auto replay = all_events(c.room.id);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(*replay[1].frame, *c.events[1].frame);
  // The creator has read it, the others have not.
  EXPECT_EQ(must(store().member(c.room.id, alice_.id))->read_seq, 1);
  EXPECT_EQ(must(store().member(c.room.id, bob_.id))->read_seq, 0);
  auto summary = must(store().room_summary(c.room.id, bob_.id));
  ASSERT_TRUE(summary.last_message.has_value());
  EXPECT_EQ(summary.last_message->kind, MessageKind::system);
}

TEST_P(StoreTest, ADirectRoomHasNoSystemMessage) {
  auto c = must(create_direct(alice_.id, bob_.id));
  EXPECT_EQ(c.room.msg_seq, 0);
  EXPECT_EQ(c.events.size(), 1u);
  EXPECT_TRUE(must(store().messages(c.room.id, 0, 0, 10)).empty());
}

// ---- add_members, remove_member, take_over_room, set_user_disabled ----------------

TEST_P(StoreTest, AddingMembersSaysWhoWasAdded) {
  Room room = group_room();
  auto a = must(add(room.id, bob_.id, {dave_.id, carol_.id}, kT0 + 50));  // carol already is
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(type_of(a.events[0]), "member.joined");
  auto note = note_of(a.events[1]);
  EXPECT_EQ(str_at(note, "action"), "members_added");
  EXPECT_EQ(note_users(note), std::vector<UserId>{dave_.id});
  EXPECT_EQ(note.at("count").as_int64(), 1);
  EXPECT_EQ(reason_of(note), "");
  auto last = system_messages(room.id).back();
  EXPECT_EQ(last.seq, 2);
  EXPECT_EQ(last.sender, bob_.id);
  EXPECT_EQ(last.sender_name, "伊藤 文");
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, 2);  // the actor read it
  // dave joined before the note: it is his first unread message.
  EXPECT_EQ(must(store().member(room.id, dave_.id))->read_seq, 1);

  // Nobody new: nothing said.
  auto none = must(add(room.id, bob_.id, {dave_.id}, kT0 + 60));
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(must(store().room(room.id)).msg_seq, 2);
}

TEST_P(StoreTest, MembersAddedByTheOrgSyncHaveNoSender) {
  Room room = group_room();
  auto a = must(add(room.id, 0, {dave_.id}, kT0 + 50));
  auto note = note_of(a.events.back());
  EXPECT_EQ(str_at(note, "action"), "members_added");
  EXPECT_EQ(reason_of(note), "org");
  auto last = system_messages(room.id).back();
  EXPECT_EQ(last.sender, 0);
  EXPECT_EQ(last.sender_name, "");
}

TEST_P(StoreTest, LeavingAndBeingRemovedAreTold) {
  Room room = group_room();
  auto left = must(remove(room.id, carol_.id, carol_.id));
  ASSERT_EQ(left.events.size(), 2u);
  EXPECT_EQ(type_of(left.events[0]), "member.left");
  auto note = note_of(left.events[1]);
  EXPECT_EQ(str_at(note, "action"), "member_left");
  EXPECT_EQ(note_users(note), std::vector<UserId>{carol_.id});

  auto removed = must(remove(room.id, alice_.id, bob_.id));
  ASSERT_EQ(removed.events.size(), 2u);
  note = note_of(removed.events[1]);
  EXPECT_EQ(str_at(note, "action"), "member_removed");
  EXPECT_EQ(note_users(note), std::vector<UserId>{bob_.id});
  auto last = system_messages(room.id).back();
  EXPECT_EQ(last.sender, alice_.id);
  EXPECT_EQ(must(store().member(room.id, alice_.id))->read_seq, last.seq);
}

TEST_P(StoreTest, AHandoverIsToldAfterTheLeavingAndPrefersAnAdmin) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id})).room;
  must(set_role(room.id, alice_.id, dave_.id, MemberRole::admin));
  // bob and carol joined first, but dave is an admin: he takes over.
  auto left = must(remove(room.id, alice_.id, alice_.id));
  ASSERT_EQ(left.events.size(), 4u);
  EXPECT_EQ(type_of(left.events[0]), "member.left");
  EXPECT_EQ(type_of(left.events[1]), "member.role_changed");
  EXPECT_EQ(str_at(note_of(left.events[2]), "action"), "member_left");
  auto handover = note_of(left.events[3]);
  EXPECT_EQ(str_at(handover, "action"), "role_changed");
  EXPECT_EQ(note_users(handover), std::vector<UserId>{dave_.id});
  EXPECT_EQ(str_at(handover, "role"), "owner");
  EXPECT_EQ(reason_of(handover), "owner_left");
  EXPECT_EQ(owners(room.id), std::vector<UserId>{dave_.id});
  for (std::size_t i = 1; i < left.events.size(); ++i) {
    EXPECT_EQ(left.events[i].ev, left.events[i - 1].ev + 1);
  }
}

TEST_P(StoreTest, ATakeoverIsTold) {
  Room room = group_room();
  auto t = must(take_over(room.id, dave_.id));
  auto note = note_of(t.events.back());
  EXPECT_EQ(str_at(note, "action"), "taken_over");
  EXPECT_EQ(note_users(note), std::vector<UserId>{dave_.id});
  auto last = system_messages(room.id).back();
  EXPECT_EQ(last.sender, dave_.id);
  EXPECT_EQ(must(store().member(room.id, dave_.id))->read_seq, last.seq);
}

TEST_P(StoreTest, ADisabledOwnersHandoverIsTold) {
  Room room = group_room();
  const EventNo before = must(store().room(room.id)).ev;
  must(wait<User>([&](auto cb) { store().set_user_disabled(alice_.id, true, kT0 + 10, cb); }));
  auto events = must(store().events_after(room.id, before, 10));
  ASSERT_EQ(events.size(), 3u);
  auto note = note_of(events[2]);
  EXPECT_EQ(str_at(note, "action"), "role_changed");
  EXPECT_EQ(note_users(note), std::vector<UserId>{bob_.id});
  EXPECT_EQ(str_at(note, "role"), "owner");
  EXPECT_EQ(reason_of(note), "owner_disabled");
  EXPECT_EQ(system_messages(room.id).back().sender, 0);
}

// ---- What a system message is -----------------------------------------------------

TEST_P(StoreTest, SystemMessagesAreNumberedAmongPostsAndCannotBeEditedDeletedOrQuoted) {
  Room room = group_room();  // seq 1: room_created, by alice
  EXPECT_EQ(must(post(room.id, alice_.id, "c-1", "一通目")).message->seq, 2);
  store::RoomPatch rename;
  rename.name = "改名";
  must(update(room.id, alice_.id, rename));  // seq 3, between two posts of alice
  auto next = must(post(room.id, alice_.id, "c-2", "二通目"));
  EXPECT_EQ(next.message->seq, 4);
  EXPECT_EQ(next.room.ev, 5);
  EXPECT_EQ(must(post(room.id, bob_.id, "c-3", "三通目")).message->seq, 5);
  auto msgs = must(store().messages(room.id, 0, 0, 10));
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs[2].kind, MessageKind::system);
  EXPECT_EQ(msgs[3].kind, MessageKind::text);
  EXPECT_EQ(msgs[2].read_count, 1);  // bob read it by posting after it

  auto edit = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, 3, alice_.id, "書き換え", kT0 + 900, cb); });
  EXPECT_EQ(edit.status().code(), Code::permission_denied);
  auto del = wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, 1, alice_.id, kT0 + 900, cb); });
  EXPECT_EQ(del.status().code(), Code::permission_denied);
  EXPECT_EQ(post(room.id, bob_.id, "c-4", "引用", 3).status().code(), Code::invalid_argument);
  EXPECT_EQ(must(store().room(room.id)).msg_seq, 5);
}

// ---- Quotes follow edits ----------------------------------------------------------

TEST_P(StoreTest, AnEditUpdatesTheQuotesOfItsReplies) {
  Room room = group_room();
  const Seq quoted = must(post(room.id, alice_.id, "c-1", "元の本文")).message->seq;
  const Seq reply = must(post(room.id, bob_.id, "c-2", "返信です", quoted)).message->seq;
  // The reply was edited itself before: its stored message.edited is rewritten too.
  must(wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, reply, bob_.id, "返信です（訂正）", kT0 + 1100, cb); }));
  const std::string long_body(150, 'x');
  auto edited = must(wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, quoted, alice_.id, long_body, kT0 + 1200, cb); }));
  ASSERT_EQ(edited.events.size(), 1u);
  EXPECT_EQ(type_of(edited.events[0]), "message.edited");

  auto m = must(store().message(room.id, reply));
  ASSERT_TRUE(m.reply_to.has_value());
  EXPECT_EQ(m.reply_to->body, text::cut(long_body, 100));
  EXPECT_TRUE(m.reply_to->edited);
  auto page = must(store().messages(room.id, quoted, 0, 10));
  ASSERT_FALSE(page.empty());
  EXPECT_TRUE(page[0].reply_to->edited);
  // Replay carries the quote as it is now, in every stored event of the reply.
  int seen = 0;
  for (const RoomEvent& e : all_events(room.id)) {
    auto f = parse_frame(e);
    if (!f.contains("message") || f.at("message").at("seq").as_int64() != reply) continue;
    const auto& q = f.at("message").at("reply_to").as_object();
    EXPECT_EQ(std::string(q.at("body").as_string()), text::cut(long_body, 100)) << str_at(f, "type");
    EXPECT_TRUE(q.at("edited").as_bool()) << str_at(f, "type");
    ++seen;
  }
  EXPECT_EQ(seen, 2);  // message.created and message.edited
  // A reply posted now quotes the edited text, marked edited.
  auto later = must(post(room.id, carol_.id, "c-3", "再返信", quoted));
  EXPECT_TRUE(later.message->reply_to->edited);
  EXPECT_EQ(later.message->reply_to->body, text::cut(long_body, 100));
  // A quote of a message never edited says so.
  const Seq fresh = must(post(room.id, alice_.id, "c-4", "新しい")).message->seq;
  EXPECT_FALSE(must(post(room.id, carol_.id, "c-5", "返信", fresh)).message->reply_to->edited);
}

}  // namespace
}  // namespace tonari::testing
