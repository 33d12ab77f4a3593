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
  // Posts are numbered on from the room's creation (its room_created message).
  const Seq s0 = room.msg_seq;
  const EventNo e0 = room.ev;
  std::vector<MessageId> ids;
  std::vector<std::string> live_frames;
  for (int i = 1; i <= 3; ++i) {
    const UserId sender = i == 2 ? bob_.id : alice_.id;
    auto c = must(post(room.id, sender, "c-" + std::to_string(i), "本文" + std::to_string(i), 0,
                       {}, kT0 + i));
    EXPECT_TRUE(c.created);
    ASSERT_TRUE(c.message.has_value());
    EXPECT_EQ(c.message->seq, s0 + i);
    EXPECT_EQ(c.message->sender, sender);
    EXPECT_EQ(c.message->body, "本文" + std::to_string(i));
    EXPECT_EQ(c.message->created_at, kT0 + i);
    EXPECT_EQ(c.room.msg_seq, s0 + i);
    EXPECT_EQ(c.room.ev, e0 + i);
    EXPECT_EQ(c.room.last_activity, kT0 + i);
    ASSERT_EQ(c.events.size(), 1u);
    EXPECT_EQ(c.events[0].ev, e0 + i);
    auto f = parse_frame(c.events[0]);
    EXPECT_EQ(str_at(f, "type"), "message.created");
    EXPECT_EQ(f.at("ev").as_int64(), e0 + i);
    EXPECT_EQ(f.at("message").at("seq").as_int64(), s0 + i);
    EXPECT_EQ(std::string(f.at("message").at("body").as_string()), "本文" + std::to_string(i));
    ids.push_back(c.message->id);
    live_frames.push_back(*c.events[0].frame);
  }
  EXPECT_LT(ids[0], ids[1]);
  // Replay rebuilds message.created from the stored row: the same bytes as sent live.
  auto replayed = must(store().events_after(room.id, e0, 100));
  ASSERT_EQ(replayed.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*replayed[i].frame, live_frames[i]);
  EXPECT_LT(ids[1], ids[2]);

  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, s0 + 3);
  EXPECT_EQ(stored.ev, e0 + 3);
  EXPECT_EQ(stored.last_activity, kT0 + 3);

  auto msgs = must(store().messages(room.id, s0, 0, 50));
  ASSERT_EQ(msgs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(msgs[i].seq, s0 + i + 1);
    EXPECT_EQ(msgs[i].id, ids[i]);
  }
  EXPECT_EQ(msgs[1].sender_name, "伊藤 文");

  // Posting moved each sender's read position to their message.
  EXPECT_EQ(must(store().member(room.id, alice_.id))->read_seq, s0 + 3);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, s0 + 2);
  EXPECT_EQ(must(store().member(room.id, carol_.id))->read_seq, 0);
}

TEST_P(StoreTest, MessagesPagesBeforeAndAfter) {
  Room room = group_room();
  const Seq created = room.msg_seq;  // the room_created message, the room's first
  std::vector<Seq> p;                // the five posts after it
  for (int i = 1; i <= 5; ++i) {
    p.push_back(must(post(room.id, alice_.id, "c-" + std::to_string(i), "m")).message->seq);
  }
  auto seqs = [](const std::vector<Message>& msgs) {
    std::vector<Seq> out;
    for (const Message& m : msgs) out.push_back(m.seq);
    return out;
  };
  using Seqs = std::vector<Seq>;
  // after < 0 ("not given"): the latest `limit`, ascending.
  EXPECT_EQ(seqs(must(store().messages(room.id, -1, 0, 2))), (Seqs{p[3], p[4]}));
  EXPECT_EQ(seqs(must(store().messages(room.id, -1, p[3], 2))), (Seqs{p[1], p[2]}));
  EXPECT_EQ(seqs(must(store().messages(room.id, -1, p[1], 10))), (Seqs{created, p[0]}));
  // after >= 0: the first `limit` after it.
  EXPECT_EQ(seqs(must(store().messages(room.id, 0, 0, 2))), (Seqs{created, p[0]}));
  EXPECT_EQ(seqs(must(store().messages(room.id, created, 0, 2))), (Seqs{p[0], p[1]}));
  EXPECT_EQ(seqs(must(store().messages(room.id, p[0], p[3], 10))), (Seqs{p[1], p[2]}));
  EXPECT_EQ(seqs(must(store().messages(room.id, p[4], 0, 10))), Seqs{});
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
  EXPECT_EQ(retry.message->seq, first.message->seq);
  EXPECT_EQ(retry.message->body, "最初の本文");
  EXPECT_TRUE(retry.events.empty());

  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, first.room.msg_seq);
  EXPECT_EQ(stored.ev, first.room.ev);
  EXPECT_EQ(all_events(room.id).size(), events_before);
  auto msgs = must(store().messages(room.id, room.msg_seq, 0, 50));  // after the creation
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].body, "最初の本文");

  // Client ids are per sender: the same id from someone else is a new message.
  auto other = must(post(room.id, bob_.id, "c-1700000000000-1", "別の人"));
  EXPECT_TRUE(other.created);
  EXPECT_EQ(other.message->seq, first.message->seq + 1);
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

  auto stored = must(store().room(room.id));  // as created
  EXPECT_EQ(stored.msg_seq, room.msg_seq);
  EXPECT_EQ(stored.ev, room.ev);
  EXPECT_TRUE(must(store().messages(room.id, room.msg_seq, 0, 50)).empty());

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
  const Seq quoted = must(post(room.id, alice_.id, "c-quoted", "元の発言")).message->seq;
  auto first = must(post(room.id, bob_.id, "c-reply", "返信です", quoted));
  must(wait<RoomChange>([&](auto cb) { store().delete_message(room.id, quoted, alice_.id, kT0 + 2, cb); }));
  auto retry = must(post(room.id, bob_.id, "c-reply", "返信です", quoted));  // quote now deleted
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.message->seq, first.message->seq);

  must(wait<RoomChange>([&](auto cb) {
    store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb);
  }));
  auto gone = post(room.id, bob_.id, "c-reply", "返信です", quoted);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Code::not_found);
}

// ---- Replies and mentions ---------------------------------------------------------

TEST_P(StoreTest, ReplyToMissingSeqIsInvalidArgumentAndWritesNothing) {
  Room room = group_room();
  auto last = must(post(room.id, alice_.id, "c-1", "一通目"));
  for (Seq bad : {last.message->seq + 1, last.message->seq + 4}) {
    auto r = post(room.id, bob_.id, "c-r" + std::to_string(bad), "返信", bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
  }
  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, last.room.msg_seq);
  EXPECT_EQ(stored.ev, last.room.ev);
}

TEST_P(StoreTest, ReplySnapshotQuotesTheFirstHundredCharacters) {
  Room room = group_room();
  std::string long_body;
  for (int i = 0; i < 150; ++i) long_body += "あ";
  std::string expected;
  for (int i = 0; i < 100; ++i) expected += "あ";
  expected += "…";
  const Seq quoted = must(post(room.id, alice_.id, "c-1", long_body)).message->seq;
  auto reply = must(post(room.id, bob_.id, "c-2", "返信です", quoted));
  ASSERT_TRUE(reply.message->reply_to.has_value());
  EXPECT_EQ(reply.message->reply_to->seq, quoted);
  EXPECT_EQ(reply.message->reply_to->sender, alice_.id);
  EXPECT_EQ(reply.message->reply_to->sender_name, "阿部 愛");
  EXPECT_EQ(reply.message->reply_to->body, expected);
  auto stored = must(store().message(room.id, reply.message->seq));
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
  auto stored = must(store().room(room.id));  // as created
  EXPECT_EQ(stored.msg_seq, room.msg_seq);
  EXPECT_EQ(stored.ev, room.ev);

  auto ok = must(post(room.id, alice_.id, "c-ok", "@伊藤 @上田", 0, {carol_.id, bob_.id, bob_.id}));
  EXPECT_EQ(ok.message->mentions, (std::vector<UserId>{bob_.id, carol_.id}));
  EXPECT_EQ(must(store().message(room.id, ok.message->seq)).mentions,
            (std::vector<UserId>{bob_.id, carol_.id}));
  EXPECT_EQ(must(store().room_summary(room.id, bob_.id)).mention_unread, 1);
  EXPECT_EQ(must(store().room_summary(room.id, carol_.id)).mention_unread, 1);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 0);
}

// ---- Editing and deleting ---------------------------------------------------------

TEST_P(StoreTest, EditByAnotherUserIsPermissionDeniedAndSenderCanEdit) {
  Room room = group_room();
  auto posted = must(post(room.id, alice_.id, "c-1", "元の本文"));
  const Seq seq = posted.message->seq;

  auto by_bob = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, seq, bob_.id, "乗っ取り", kT0 + 5, cb); });
  ASSERT_FALSE(by_bob.ok());
  EXPECT_EQ(by_bob.status().code(), Code::permission_denied);
  auto unchanged = must(store().message(room.id, seq));
  EXPECT_EQ(unchanged.body, "元の本文");
  EXPECT_EQ(unchanged.edited_at, 0);
  EXPECT_EQ(must(store().room(room.id)).ev, posted.room.ev);

  auto edited = must(wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, seq, alice_.id, "直した本文", kT0 + 6, cb); }));
  EXPECT_EQ(edited.message->body, "直した本文");
  EXPECT_EQ(edited.message->edited_at, kT0 + 6);
  ASSERT_EQ(edited.events.size(), 1u);
  EXPECT_EQ(edited.events[0].ev, posted.room.ev + 1);
  EXPECT_EQ(type_of(edited.events[0]), "message.edited");
  auto stored = must(store().message(room.id, seq));
  EXPECT_EQ(stored.body, "直した本文");
  EXPECT_EQ(stored.edited_at, kT0 + 6);
  EXPECT_EQ(stored.seq, seq);
  EXPECT_EQ(must(store().room(room.id)).msg_seq, seq);  // an edit is not a new message

  auto missing = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, seq + 8, alice_.id, "x", kT0 + 7, cb); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::not_found);
}

// store.h: to someone who is not (or no longer) a member, the room does not exist, for every
// write about its messages (policy: non-members get not_found); a member touching another
// member's message is refused with permission_denied.
TEST_P(StoreTest, WritesAboutMessagesByANonMemberAreNotFound) {
  Room room = group_room();
  const Seq seq = must(post(room.id, bob_.id, "c-1", "文の本文")).message->seq;
  must(wait<RoomChange>([&](auto cb) { store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb); }));
  const EventNo ev = must(store().room(room.id)).ev;

  auto post_after = post(room.id, bob_.id, "c-2", "まだいます");
  ASSERT_FALSE(post_after.ok());
  EXPECT_EQ(post_after.status().code(), Code::not_found);
  auto edit = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, seq, bob_.id, "抜けた後に直す", kT0 + 5, cb); });
  ASSERT_FALSE(edit.ok());
  EXPECT_EQ(edit.status().code(), Code::not_found);
  auto del = wait<RoomChange>([&](auto cb) { store().delete_message(room.id, seq, bob_.id, kT0 + 6, cb); });
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.status().code(), Code::not_found);
  EXPECT_EQ(must(store().message(room.id, seq)).body, "文の本文");
  EXPECT_EQ(must(store().room(room.id)).ev, ev);

  auto by_member = wait<RoomChange>([&](auto cb) { store().delete_message(room.id, seq, carol_.id, kT0 + 7, cb); });
  ASSERT_FALSE(by_member.ok());
  EXPECT_EQ(by_member.status().code(), Code::permission_denied);
}

TEST_P(StoreTest, DeleteRewritesTheStoredCreatedAndEditedEvents) {
  Room room = group_room();
  auto secret = must(post(room.id, alice_.id, "c-1", "秘密の会議は木曜日"));
  const Seq seq = secret.message->seq;
  auto ok = must(post(room.id, bob_.id, "c-2", "了解"));
  auto edit_change = must(wait<RoomChange>([&](auto cb) {
    store().edit_message(room.id, seq, alice_.id, "秘密の会議は金曜日", kT0 + 5, cb);
  }));

  auto by_bob = wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, bob_.id, kT0 + 8, cb); });
  ASSERT_FALSE(by_bob.ok());
  EXPECT_EQ(by_bob.status().code(), Code::permission_denied);
  EXPECT_EQ(must(store().message(room.id, seq)).body, "秘密の会議は金曜日");

  auto del = must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 9, cb); }));
  EXPECT_TRUE(del.created);
  EXPECT_TRUE(del.message->deleted);
  EXPECT_EQ(del.message->body, "");
  EXPECT_EQ(del.message->seq, seq);
  ASSERT_EQ(del.events.size(), 1u);
  EXPECT_EQ(del.events[0].ev, edit_change.room.ev + 1);
  EXPECT_EQ(type_of(del.events[0]), "message.deleted");

  // The events after the room's creation: the two posts, the edit, the deletion.
  auto events = must(store().events_after(room.id, room.ev, 100));
  ASSERT_EQ(events.size(), 4u);
  // Still the creation event, now carrying the deleted marker.
  auto created = parse_frame(events[0]);
  EXPECT_EQ(events[0].ev, secret.room.ev);
  EXPECT_EQ(str_at(created, "type"), "message.created");
  EXPECT_EQ(created.at("ev").as_int64(), secret.room.ev);
  EXPECT_EQ(created.at("room").as_int64(), room.id);
  const auto& cm = created.at("message").as_object();
  EXPECT_EQ(cm.at("seq").as_int64(), seq);
  EXPECT_EQ(cm.at("deleted").as_bool(), true);
  EXPECT_EQ(std::string(cm.at("body").as_string()), "");
  EXPECT_TRUE(cm.at("reply_to").is_null());
  EXPECT_TRUE(cm.at("mentions").as_array().empty());
  // bob's message is untouched.
  auto other = parse_frame(events[1]);
  EXPECT_EQ(events[1].ev, ok.room.ev);
  EXPECT_EQ(std::string(other.at("message").at("body").as_string()), "了解");
  EXPECT_EQ(other.at("message").at("deleted").as_bool(), false);
  // The edit event is rewritten too.
  auto edit = parse_frame(events[2]);
  EXPECT_EQ(str_at(edit, "type"), "message.edited");
  EXPECT_EQ(edit.at("ev").as_int64(), edit_change.room.ev);
  EXPECT_EQ(edit.at("message").at("deleted").as_bool(), true);
  EXPECT_EQ(std::string(edit.at("message").at("body").as_string()), "");
  // The deletion.
  EXPECT_EQ(type_of(events[3]), "message.deleted");

  for (const RoomEvent& e : all_events(room.id)) {
    EXPECT_EQ(e.frame->find("秘密"), std::string::npos) << "ev " << e.ev << ": " << *e.frame;
    EXPECT_EQ(e.frame->find("曜日"), std::string::npos) << "ev " << e.ev << ": " << *e.frame;
  }
  auto stored = must(store().message(room.id, seq));
  EXPECT_TRUE(stored.deleted);
  EXPECT_EQ(stored.body, "");

  // Deleting again changes nothing.
  auto again = must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 10, cb); }));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(must(store().room(room.id)).ev, del.events[0].ev);

  // A deleted message can be neither edited nor quoted.
  auto edit_deleted = wait<RoomChange>(
      [&](auto cb) { store().edit_message(room.id, seq, alice_.id, "復活", kT0 + 11, cb); });
  ASSERT_FALSE(edit_deleted.ok());
  EXPECT_EQ(edit_deleted.status().code(), Code::invalid_argument);
  auto quote_deleted = post(room.id, bob_.id, "c-3", "返信", seq);
  ASSERT_FALSE(quote_deleted.ok());
  EXPECT_EQ(quote_deleted.status().code(), Code::invalid_argument);
}

// The deletion rewrites the message's own events, but a reply posted earlier keeps a
// snapshot of the deleted text (reply_to.body) in its message row and in its
// message.created event, so resume replays the deleted text.
TEST_P(StoreTest, DeletedTextDoesNotSurviveInReplySnapshots) {
  Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "c-1", "秘密の会議は木曜日")).message->seq;
  const Seq reply_seq = must(post(room.id, bob_.id, "c-2", "了解です", seq)).message->seq;
  must(wait<RoomChange>(
      [&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 9, cb); }));

  for (const RoomEvent& e : all_events(room.id)) {
    EXPECT_EQ(e.frame->find("秘密"), std::string::npos) << "ev " << e.ev << ": " << *e.frame;
  }
  auto reply = must(store().message(room.id, reply_seq));
  EXPECT_EQ(reply.body, "了解です");
  if (reply.reply_to) {
    EXPECT_EQ(reply.reply_to->body.find("秘密"), std::string::npos) << reply.reply_to->body;
  }
}

}  // namespace
}  // namespace tonari::testing
