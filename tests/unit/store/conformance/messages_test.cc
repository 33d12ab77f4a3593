// Store conformance (store_test.h): messages — posting (gapless numbers, idempotent
// retries, who may), replies and mentions, editing and deleting.
#include "store/conformance/store_test.h"

#include <string>
#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- Posting ----------------------------------------------------------------------

TEST_P(StoreTest, PostedMessagesGetGaplessSeqsAndEachAdvancesEvByOne) {
  Room room = group_room();
  ASSERT_EQ(room.ev, 1);
  std::vector<MessageId> ids;
  std::vector<std::string> live_frames;
  for (int i = 1; i <= 3; ++i) {
    const UserId sender = i == 2 ? bob_.id : alice_.id;
    auto c = must(post(room.id, sender, "c-" + std::to_string(i), "本文" + std::to_string(i), 0,
                       {}, kT0 + i));
    EXPECT_TRUE(c.created);
    ASSERT_TRUE(c.message.has_value());
    EXPECT_EQ(c.message->seq, i);
    EXPECT_EQ(c.message->sender, sender);
    EXPECT_EQ(c.message->body, "本文" + std::to_string(i));
    EXPECT_EQ(c.message->created_at, kT0 + i);
    EXPECT_EQ(c.room.msg_seq, i);
    EXPECT_EQ(c.room.ev, 1 + i);
    EXPECT_EQ(c.room.last_activity, kT0 + i);
    ASSERT_EQ(c.events.size(), 1u);
    EXPECT_EQ(c.events[0].ev, 1 + i);
    auto f = parse_frame(c.events[0]);
    EXPECT_EQ(str_at(f, "type"), "message.created");
    EXPECT_EQ(f.at("ev").as_int64(), 1 + i);
    EXPECT_EQ(f.at("message").at("seq").as_int64(), i);
    EXPECT_EQ(std::string(f.at("message").at("body").as_string()), "本文" + std::to_string(i));
    ids.push_back(c.message->id);
    live_frames.push_back(*c.events[0].frame);
  }
  EXPECT_LT(ids[0], ids[1]);
  // Replay rebuilds message.created from the stored row: the same bytes as sent live.
  auto replayed = all_events(room.id);
  ASSERT_EQ(replayed.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*replayed[i + 1].frame, live_frames[i]);
  EXPECT_LT(ids[1], ids[2]);

  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, 3);
  EXPECT_EQ(stored.ev, 4);
  EXPECT_EQ(stored.last_activity, kT0 + 3);

  auto msgs = must(store().messages(room.id, 0, 0, 50));
  ASSERT_EQ(msgs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(msgs[i].seq, i + 1);
    EXPECT_EQ(msgs[i].id, ids[i]);
  }
  EXPECT_EQ(msgs[1].sender_name, "伊藤 文");

  // Posting moved each sender's read position to their message.
  EXPECT_EQ(must(store().member(room.id, alice_.id))->read_seq, 3);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, 2);
  EXPECT_EQ(must(store().member(room.id, carol_.id))->read_seq, 0);
}

TEST_P(StoreTest, MessagesPagesBeforeAndAfter) {
  Room room = group_room();
  for (int i = 1; i <= 5; ++i) must(post(room.id, alice_.id, "c-" + std::to_string(i), "m"));
  auto seqs = [](const std::vector<Message>& msgs) {
    std::vector<Seq> out;
    for (const Message& m : msgs) out.push_back(m.seq);
    return out;
  };
  using Seqs = std::vector<Seq>;
  // after < 0 ("not given"): the latest `limit`, ascending.
  EXPECT_EQ(seqs(must(store().messages(room.id, -1, 0, 2))), (Seqs{4, 5}));
  EXPECT_EQ(seqs(must(store().messages(room.id, -1, 4, 2))), (Seqs{2, 3}));
  EXPECT_EQ(seqs(must(store().messages(room.id, -1, 2, 10))), (Seqs{1}));
  // after >= 0: the first `limit` after it.
  EXPECT_EQ(seqs(must(store().messages(room.id, 0, 0, 2))), (Seqs{1, 2}));
  EXPECT_EQ(seqs(must(store().messages(room.id, 1, 0, 2))), (Seqs{2, 3}));
  EXPECT_EQ(seqs(must(store().messages(room.id, 1, 4, 10))), (Seqs{2, 3}));
  EXPECT_EQ(seqs(must(store().messages(room.id, 5, 0, 10))), Seqs{});
}

TEST_P(StoreTest, RetryWithSameClientIdReturnsTheFirstMessageAndWritesNothing) {
  Room room = group_room();
  auto first = must(post(room.id, alice_.id, "c-1700000000000-1", "最初の本文"));
  ASSERT_TRUE(first.created);
  const auto events_before = all_events(room.id).size();

  auto retry = must(post(room.id, alice_.id, "c-1700000000000-1", "違う本文"));
  EXPECT_FALSE(retry.created);
  ASSERT_TRUE(retry.message.has_value());
  EXPECT_EQ(retry.message->id, first.message->id);
  EXPECT_EQ(retry.message->seq, 1);
  EXPECT_EQ(retry.message->body, "最初の本文");
  EXPECT_TRUE(retry.events.empty());

  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, 1);
  EXPECT_EQ(stored.ev, 2);
  EXPECT_EQ(all_events(room.id).size(), events_before);
  auto msgs = must(store().messages(room.id, 0, 0, 50));
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].body, "最初の本文");

  // Client ids are per sender: the same id from someone else is a new message.
  auto other = must(post(room.id, bob_.id, "c-1700000000000-1", "別の人"));
  EXPECT_TRUE(other.created);
  EXPECT_EQ(other.message->seq, 2);
  EXPECT_NE(other.message->id, first.message->id);
}

// policy::can_post, applied in the inserting transaction: to a non-member (or someone of
// another municipality) the room does not exist, exactly as for a missing room.
TEST_P(StoreTest, NonMemberPostIsNotFoundAndWritesNothing) {
  Room room = group_room();
  auto r = post(room.id, dave_.id, "c-1", "入れてください");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::not_found);
  auto other_tenant = post(room.id, eve_.id, "c-1", "よそから");
  ASSERT_FALSE(other_tenant.ok());
  EXPECT_EQ(other_tenant.status().code(), Code::not_found);

  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, 0);
  EXPECT_EQ(stored.ev, 1);
  EXPECT_TRUE(must(store().messages(room.id, 0, 0, 50)).empty());

  auto missing = post(room.id + 1000, alice_.id, "c-1", "どこ");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::not_found);
  EXPECT_EQ(missing.status().message(), "room " + std::to_string(room.id + 1000) + " not found");
  EXPECT_EQ(r.status().message(), "room " + std::to_string(room.id) + " not found");
}

// A retry (same client id) gets the first message back even when its content would now be
// refused — but not once the sender has left: to a non-member the room does not exist.
TEST_P(StoreTest, RetriesAnswerWithTheFirstMessageOnlyWhileTheSenderIsAMember) {
  Room room = group_room();
  must(post(room.id, alice_.id, "c-quoted", "元の発言"));
  auto first = must(post(room.id, bob_.id, "c-reply", "返信です", 1));
  must(wait<RoomChange>([&](auto cb) { store().delete_message(room.id, 1, alice_.id, kT0 + 2, cb); }));
  auto retry = must(post(room.id, bob_.id, "c-reply", "返信です", 1));  // quote now deleted
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.message->seq, first.message->seq);

  must(wait<RoomChange>([&](auto cb) {
    store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb);
  }));
  auto gone = post(room.id, bob_.id, "c-reply", "返信です", 1);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Code::not_found);
}

// ---- Replies and mentions ---------------------------------------------------------

TEST_P(StoreTest, ReplyToMissingSeqIsInvalidArgumentAndWritesNothing) {
  Room room = group_room();
  must(post(room.id, alice_.id, "c-1", "一通目"));
  for (Seq bad : {Seq{2}, Seq{5}}) {
    auto r = post(room.id, bob_.id, "c-r" + std::to_string(bad), "返信", bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
  }
  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, 1);
  EXPECT_EQ(stored.ev, 2);
}

TEST_P(StoreTest, ReplySnapshotQuotesTheFirstHundredCharacters) {
  Room room = group_room();
  std::string long_body;
  for (int i = 0; i < 150; ++i) long_body += "あ";
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "あ";
  expected += "…";
  must(post(room.id, alice_.id, "c-1", long_body));
  auto reply = must(post(room.id, bob_.id, "c-2", "返信です", 1));
  ASSERT_TRUE(reply.message->reply_to.has_value());
  EXPECT_EQ(reply.message->reply_to->seq, 1);
  EXPECT_EQ(reply.message->reply_to->sender, alice_.id);
  EXPECT_EQ(reply.message->reply_to->sender_name, "阿部 愛");
  EXPECT_EQ(reply.message->reply_to->body, expected);
  auto stored = must(store().message(room.id, 2));
  ASSERT_TRUE(stored.reply_to.has_value());
  EXPECT_EQ(stored.reply_to->body, expected);
}

TEST_P(StoreTest, MentionOfNonMemberIsInvalidArgumentAndWritesNothing) {
  Room room = group_room();
  for (UserId outsider : {dave_.id, eve_.id}) {
    auto r = post(room.id, alice_.id, "c-" + std::to_string(outsider), "@誰か", 0,
                  {bob_.id, outsider});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
  }
  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, 0);
  EXPECT_EQ(stored.ev, 1);

  auto ok = must(post(room.id, alice_.id, "c-ok", "@伊藤 @上田", 0, {carol_.id, bob_.id, bob_.id}));
  EXPECT_EQ(ok.message->mentions, (std::vector<UserId>{bob_.id, carol_.id}));
  EXPECT_EQ(must(store().message(room.id, 1)).mentions,
            (std::vector<UserId>{bob_.id, carol_.id}));
  EXPECT_EQ(must(store().room_summary(room.id, bob_.id)).mention_unread, 1);
  EXPECT_EQ(must(store().room_summary(room.id, carol_.id)).mention_unread, 1);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 0);
}

// ---- Editing and deleting ---------------------------------------------------------

TEST_P(StoreTest, EditByAnotherUserIsPermissionDeniedAndSenderCanEdit) {
  Room room = group_room();
  must(post(room.id, alice_.id, "c-1", "元の本文"));

  auto by_bob = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, 1, bob_.id, "乗っ取り", kT0 + 5, cb); });
  ASSERT_FALSE(by_bob.ok());
  EXPECT_EQ(by_bob.status().code(), Code::permission_denied);
  auto unchanged = must(store().message(room.id, 1));
  EXPECT_EQ(unchanged.body, "元の本文");
  EXPECT_EQ(unchanged.edited_at, 0);
  EXPECT_EQ(must(store().room(room.id)).ev, 2);

  auto edited = must(wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, 1, alice_.id, "直した本文", kT0 + 6, cb); }));
  EXPECT_EQ(edited.message->body, "直した本文");
  EXPECT_EQ(edited.message->edited_at, kT0 + 6);
  ASSERT_EQ(edited.events.size(), 1u);
  EXPECT_EQ(edited.events[0].ev, 3);
  EXPECT_EQ(type_of(edited.events[0]), "message.edited");
  auto stored = must(store().message(room.id, 1));
  EXPECT_EQ(stored.body, "直した本文");
  EXPECT_EQ(stored.edited_at, kT0 + 6);
  EXPECT_EQ(stored.seq, 1);
  EXPECT_EQ(must(store().room(room.id)).msg_seq, 1);  // an edit is not a new message

  auto missing = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, 9, alice_.id, "x", kT0 + 7, cb); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::not_found);
}

// store.h: to someone who is not (or no longer) a member, the room does not exist, for every
// write about its messages (policy: non-members get not_found); a member touching another
// member's message is refused with permission_denied.
TEST_P(StoreTest, WritesAboutMessagesByANonMemberAreNotFound) {
  Room room = group_room();
  must(post(room.id, bob_.id, "c-1", "文の本文"));
  must(wait<RoomChange>([&](auto cb) { store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb); }));
  const EventNo ev = must(store().room(room.id)).ev;

  auto post_after = post(room.id, bob_.id, "c-2", "まだいます");
  ASSERT_FALSE(post_after.ok());
  EXPECT_EQ(post_after.status().code(), Code::not_found);
  auto edit = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, 1, bob_.id, "抜けた後に直す", kT0 + 5, cb); });
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), Code::not_found);
  auto del = wait<RoomChange>([&](auto cb) { store().delete_message(room.id, 1, bob_.id, kT0 + 6, cb); });
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.status().code(), Code::not_found);
  EXPECT_EQ(must(store().message(room.id, 1)).body, "文の本文");
  EXPECT_EQ(must(store().room(room.id)).ev, ev);

  auto by_member = wait<RoomChange>([&](auto cb) { store().delete_message(room.id, 1, carol_.id, kT0 + 7, cb); });
  ASSERT_FALSE(by_member.ok());
  EXPECT_EQ(by_member.status().code(), Code::permission_denied);
}

TEST_P(StoreTest, DeleteRewritesTheStoredCreatedAndEditedEvents) {
  Room room = group_room();
  must(post(room.id, alice_.id, "c-1", "秘密の会議は木曜日"));       // ev 2
  must(post(room.id, bob_.id, "c-2", "了解"));                     // ev 3
  must(wait<RoomChange>([&](auto cb) {                             // ev 4
    store().edit_message(room.id, 1, alice_.id, "秘密の会議は金曜日", kT0 + 5, cb);
  }));

  auto by_bob = wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, 1, bob_.id, kT0 + 8, cb); });
  ASSERT_FALSE(by_bob.ok());
  EXPECT_EQ(by_bob.status().code(), Code::permission_denied);
  EXPECT_EQ(must(store().message(room.id, 1)).body, "秘密の会議は金曜日");

  auto del = must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, 1, alice_.id, kT0 + 9, cb); }));
  EXPECT_TRUE(del.created);
  EXPECT_TRUE(del.message->deleted);
  EXPECT_EQ(del.message->body, "");
  EXPECT_EQ(del.message->seq, 1);
  ASSERT_EQ(del.events.size(), 1u);
  EXPECT_EQ(del.events[0].ev, 5);
  EXPECT_EQ(type_of(del.events[0]), "message.deleted");

  auto events = all_events(room.id);
  ASSERT_EQ(events.size(), 5u);
  // ev 2: still the creation event, now carrying the deleted marker.
  auto created = parse_frame(events[1]);
  EXPECT_EQ(events[1].ev, 2);
  EXPECT_EQ(str_at(created, "type"), "message.created");
  EXPECT_EQ(created.at("ev").as_int64(), 2);
  EXPECT_EQ(created.at("room").as_int64(), room.id);
  const auto& cm = created.at("message").as_object();
  EXPECT_EQ(cm.at("seq").as_int64(), 1);
  EXPECT_EQ(cm.at("deleted").as_bool(), true);
  EXPECT_EQ(std::string(cm.at("body").as_string()), "");
  EXPECT_TRUE(cm.at("reply_to").is_null());
  EXPECT_TRUE(cm.at("mentions").as_array().empty());
  // ev 3: bob's message is untouched.
  auto other = parse_frame(events[2]);
  EXPECT_EQ(std::string(other.at("message").at("body").as_string()), "了解");
  EXPECT_EQ(other.at("message").at("deleted").as_bool(), false);
  // ev 4: the edit event is rewritten too.
  auto edit = parse_frame(events[3]);
  EXPECT_EQ(str_at(edit, "type"), "message.edited");
  EXPECT_EQ(edit.at("ev").as_int64(), 4);
  EXPECT_EQ(edit.at("message").at("deleted").as_bool(), true);
  EXPECT_EQ(std::string(edit.at("message").at("body").as_string()), "");
  // ev 5: the deletion.
  EXPECT_EQ(type_of(events[4]), "message.deleted");

  for (const RoomEvent& e : events) {
    EXPECT_EQ(e.frame->find("秘密"), std::string::npos) << "ev " << e.ev << ": " << *e.frame;
    EXPECT_EQ(e.frame->find("曜日"), std::string::npos) << "ev " << e.ev << ": " << *e.frame;
  }
  auto stored = must(store().message(room.id, 1));
  EXPECT_TRUE(stored.deleted);
  EXPECT_EQ(stored.body, "");

  // Deleting again changes nothing.
  auto again = must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, 1, alice_.id, kT0 + 10, cb); }));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, 5);

  // A deleted message can be neither edited nor quoted.
  auto edit_deleted = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, 1, alice_.id, "復活", kT0 + 11, cb); });
  ASSERT_FALSE(edit_deleted.ok());
  EXPECT_EQ(edit_deleted.status().code(), Code::invalid_argument);
  auto quote_deleted = post(room.id, bob_.id, "c-3", "返信", 1);
  ASSERT_FALSE(quote_deleted.ok());
  EXPECT_EQ(quote_deleted.status().code(), Code::invalid_argument);
}

// The deletion rewrites the message's own events, but a reply posted earlier keeps a
// snapshot of the deleted text (reply_to.body) in its message row and in its
// message.created event, so resume replays the deleted text.
TEST_P(StoreTest, DeletedTextDoesNotSurviveInReplySnapshots) {
  Room room = group_room();
  must(post(room.id, alice_.id, "c-1", "秘密の会議は木曜日"));
  must(post(room.id, bob_.id, "c-2", "了解です", 1));
  must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, 1, alice_.id, kT0 + 9, cb); }));

  for (const RoomEvent& e : all_events(room.id)) {
    EXPECT_EQ(e.frame->find("秘密"), std::string::npos) << "ev " << e.ev << ": " << *e.frame;
  }
  auto reply = must(store().message(room.id, 2));
  EXPECT_EQ(reply.body, "了解です");
  if (reply.reply_to) {
    EXPECT_EQ(reply.reply_to->body.find("秘密"), std::string::npos) << reply.reply_to->body;
  }
}

}  // namespace
}  // namespace tonari::testing
