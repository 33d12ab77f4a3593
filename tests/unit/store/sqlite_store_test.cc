#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <boost/json.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "search/collation.h"
#include "search/normalize.h"
#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace json = boost::json;
using store::RoomChange;

json::object parse_frame(const RoomEvent& e) {
  return json::parse(*e.frame).as_object();
}
std::string str_at(const json::object& o, const char* key) {
  return std::string(o.at(key).as_string());
}
std::string type_of(const RoomEvent& e) { return str_at(parse_frame(e), "type"); }

std::vector<UserId> ids_of(const std::vector<User>& users) {
  std::vector<UserId> out;
  for (const User& u : users) out.push_back(u.id);
  return out;
}

class SqliteStoreTest : public StoreTest {
 protected:
  std::vector<RoomEvent> all_events(RoomId room) {
    return must(store().events_after(room, 0, 100000));
  }
  Room group_room() {
    return must(create_group(alice_.id, {bob_.id, carol_.id})).room;
  }
};

// ---- Shutdown --------------------------------------------------------------------------

// Writes submitted from other threads while the store shuts down are each either done or
// refused ("shut down"): every callback runs exactly once, and none runs on a writer that
// is gone.
TEST(SqliteStoreShutdown, WritesRacingShutdownAreEachAnsweredOnce) {
  for (int round = 0; round < 20; ++round) {
    TempDir dir;
    store::sqlite::Options opts;
    opts.path = (dir.path() / "tonari.db").string();
    opts.synchronous = "OFF";
    auto store = std::make_unique<store::sqlite::SqliteStore>(opts);
    std::atomic<int> submitted{0}, answered{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        while (!stop.load()) {
          submitted.fetch_add(1);
          store->set_status(1, "x", [&](Result<User>) { answered.fetch_add(1); });
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    store->shutdown();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stop = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(answered.load(), submitted.load()) << "round " << round;
    if (answered.load() != submitted.load()) break;
  }
}

// ---- Accounts -------------------------------------------------------------------------

TEST_F(SqliteStoreTest, CreatedUsersCanBeReadBack) {
  auto u = must(store().user(bob_.id));
  EXPECT_EQ(u.login, "bob");
  EXPECT_EQ(u.name, "伊藤 文");
  EXPECT_EQ(u.reading, "いとう ぶん");
  EXPECT_EQ(u.tenant, tenant_.id);
  EXPECT_EQ(u.dept, dept_.id);
  EXPECT_EQ(u.dept_name, "防災係");
  EXPECT_EQ(u.role, Role::staff);
  EXPECT_FALSE(u.disabled);
  EXPECT_EQ(must(store().tenant_by_code("999001")).id, tenant_.id);
  EXPECT_EQ(store().tenant_by_code("123456").status().code(), Code::not_found);
  EXPECT_EQ(store().user(999999).status().code(), Code::not_found);
}

TEST_F(SqliteStoreTest, DisablingAnAccountEndsItsSessionsAndRecordsARevocation) {
  auto session = [&](const std::string& hash, UserId user) {
    must(wait<bool>([&](auto cb) {
      store().create_session(store::Session{hash, user, "csrf", kT0, kT0 + 3600000}, cb);
    }));
  };
  session("bob-phone", bob_.id);
  session("bob-desk", bob_.id);
  session("carol", carol_.id);

  auto off = must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 5, cb); }));
  EXPECT_TRUE(off.disabled);
  EXPECT_EQ(store().session("bob-phone").status().code(), Code::unauthenticated);
  EXPECT_EQ(store().session("bob-desk").status().code(), Code::unauthenticated);
  EXPECT_TRUE(store().session("carol").ok());
  auto revoked = must(store().revocations_after(0, 10));
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].user, bob_.id);
  EXPECT_TRUE(must(store().revocations_after(revoked[0].id, 10)).empty());
  EXPECT_TRUE(must(store().find_users(tenant_.id, "いとう", {}, 10)).empty());

  auto on = must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, false, kT0 + 6, cb); }));
  EXPECT_FALSE(on.disabled);
  EXPECT_EQ(must(store().revocations_after(0, 10)).size(), 1u);  // enabling ends nothing
  EXPECT_EQ(must(store().find_users(tenant_.id, "いとう", {}, 10)).size(), 1u);

  auto missing = wait<User>([&](auto cb) { store().set_user_disabled(999999, true, kT0, cb); });
  EXPECT_EQ(missing.status().code(), Code::not_found);
  EXPECT_EQ(must(store().revocations_after(0, 10)).size(), 1u);
  EXPECT_TRUE(must(store().session("carol")).user == carol_.id);

  // A disabled account gets no new session (a login that raced the disabling).
  must(wait<User>([&](auto cb) { store().set_user_disabled(bob_.id, true, kT0 + 7, cb); }));
  auto late = wait<bool>([&](auto cb) {
    store().create_session(store::Session{"bob-late", bob_.id, "csrf", kT0, kT0 + 3600000}, cb);
  });
  EXPECT_EQ(late.status().code(), Code::unauthenticated);
  EXPECT_EQ(store().session("bob-late").status().code(), Code::unauthenticated);

  // Revocations are purged with the sessions once a day old, and their ids never come
  // back: servers act on those above the last id they saw.
  const auto last = must(store().revocations_after(0, 10)).back().id;
  must(wait<std::int64_t>([&](auto cb) { store().purge_sessions(kT0 + 7 + 24LL * 3600 * 1000 + 1, cb); }));
  EXPECT_TRUE(must(store().revocations_after(0, 10)).empty());
  must(wait<User>([&](auto cb) { store().set_user_disabled(carol_.id, true, kT0 + 8, cb); }));
  auto next = must(store().revocations_after(last, 10));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].user, carol_.id);
}

TEST_F(SqliteStoreTest, TakenLoginIsConflictButOtherTenantMayReuseIt) {
  store::NewUser u;
  u.tenant = tenant_.id;
  u.login = "alice";
  u.name = "別人";
  u.reading = "べつじん";
  u.password_hash = "x";
  auto dup = wait<User>([&](auto cb) { store().create_user(u, kT0, cb); });
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::conflict);

  u.tenant = other_tenant_.id;
  auto other = wait<User>([&](auto cb) { store().create_user(u, kT0, cb); });
  ASSERT_TRUE(other.ok()) << other.status().message();
  EXPECT_EQ(other->tenant, other_tenant_.id);
  EXPECT_EQ(other->login, "alice");
}

TEST_F(SqliteStoreTest, FindUsersMatchesFoldedQueriesInGojuonOrderWithinTenant) {
  auto everyone = must(store().find_users(tenant_.id, "", {}, 50));
  EXPECT_EQ(ids_of(everyone),
            (std::vector<UserId>{alice_.id, bob_.id, carol_.id, dave_.id}));  // あ い う え

  // Half-width katakana query matches the hiragana reading of 阿部.
  auto abe = must(store().find_users(tenant_.id, search::fold("ｱﾍﾞ"), {}, 50));
  EXPECT_EQ(ids_of(abe), (std::vector<UserId>{alice_.id}));
  // Full-width upper-case login.
  auto carol = must(store().find_users(tenant_.id, search::fold("ＣＡＲＯＬ"), {}, 50));
  EXPECT_EQ(ids_of(carol), (std::vector<UserId>{carol_.id}));
  // Other municipality's users are never found.
  EXPECT_TRUE(must(store().find_users(tenant_.id, search::fold("eve"), {}, 50)).empty());
  EXPECT_EQ(must(store().find_users(tenant_.id, "", {}, 2)).size(), 2u);
}

// 五十音 order is the order of the readings: a difference in voicing (さとう/さどう) or in a
// small kana (はった/はつた) decides before any difference in the names; names only order
// equal readings, and ids equal names.
TEST_F(SqliteStoreTest, UsersAreOrderedByReadingThenNameThenId) {
  const User sado = make_user(tenant_.id, "sado", "佐渡 花子", "さどう はなこ");
  const User sato = make_user(tenant_.id, "sato", "佐藤 花子", "さとう はなこ");
  const User hatsuta = make_user(tenant_.id, "hatsuta", "初田 花子", "はつた はなこ");
  const User hatta = make_user(tenant_.id, "hatta", "八田 花子", "はった はなこ");
  const User ito2 = make_user(tenant_.id, "ito2", "伊東 文", "いとう ぶん");  // bob: 伊藤 文
  const User bob2 = make_user(tenant_.id, "bob2", "伊藤 文", "いとう ぶん");
  const std::vector<UserId> hanako = {sato.id, sado.id, hatta.id, hatsuta.id};
  EXPECT_EQ(ids_of(must(store().find_users(tenant_.id, search::fold("はなこ"), {}, 50))), hanako);
  // Equal readings: by name (ICU puts 伊東 before 伊藤), then equal names by id.
  ASSERT_LT(search::compare_ja("伊東 文", "伊藤 文"), 0);
  EXPECT_EQ(ids_of(must(store().find_users(tenant_.id, search::fold("いとう"), {}, 50))),
            (std::vector<UserId>{ito2.id, bob_.id, bob2.id}));

  auto room = must(create_group(alice_.id, {hatsuta.id, sado.id, hatta.id, sato.id})).room;
  std::vector<UserId> members;
  for (const auto& [u, m] : must(store().members(room.id))) members.push_back(u.id);
  EXPECT_EQ(members, (std::vector<UserId>{alice_.id, sato.id, sado.id, hatta.id, hatsuta.id}));
  EXPECT_EQ(ids_of(must(store().users_in_tenant(tenant_.id, {hatsuta.id, sado.id, hatta.id, sato.id}))),
            hanako);
}

// ---- Rooms ----------------------------------------------------------------------------

TEST_F(SqliteStoreTest, CreateGroupRoomMakesCreatorOwnerAndWritesMemberJoined) {
  auto c = must(create_group(alice_.id, {bob_.id, carol_.id, alice_.id}));
  EXPECT_TRUE(c.created);
  EXPECT_GT(c.room.id, 0);
  EXPECT_EQ(c.room.kind, RoomKind::group);
  EXPECT_EQ(c.room.name, "防災訓練PJ");
  EXPECT_EQ(c.room.created_by, alice_.id);
  EXPECT_EQ(c.room.msg_seq, 0);
  EXPECT_EQ(c.room.ev, 1);
  EXPECT_EQ(c.joined, (std::vector<UserId>{alice_.id, bob_.id, carol_.id}));
  ASSERT_EQ(c.events.size(), 1u);
  EXPECT_EQ(c.events[0].ev, 1);
  auto f = parse_frame(c.events[0]);
  EXPECT_EQ(str_at(f, "type"), "member.joined");
  EXPECT_EQ(f.at("room").as_int64(), c.room.id);
  EXPECT_EQ(f.at("ev").as_int64(), 1);
  EXPECT_EQ(f.at("by").as_int64(), alice_.id);
  EXPECT_EQ(f.at("users").as_array().size(), 3u);

  auto members = must(store().members(c.room.id));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].first.id, alice_.id);
  EXPECT_EQ(members[0].second.role, MemberRole::owner);
  EXPECT_EQ(members[1].first.id, bob_.id);
  EXPECT_EQ(members[1].second.role, MemberRole::member);
  EXPECT_EQ(members[2].first.id, carol_.id);
  EXPECT_EQ(members[2].second.role, MemberRole::member);
}

TEST_F(SqliteStoreTest, CreateRoomWithOtherTenantsUserIsNotFoundAndWritesNothing) {
  auto c = create_group(alice_.id, {bob_.id, eve_.id});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::not_found);
  EXPECT_TRUE(must(store().rooms_for_user(alice_.id)).empty());
  EXPECT_TRUE(must(store().rooms_for_user(bob_.id)).empty());
}

TEST_F(SqliteStoreTest, DirectRoomIsCreatedOnceAndReturnedWithCreatedFalseAfterwards) {
  auto first = must(create_direct(alice_.id, bob_.id));
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.room.kind, RoomKind::direct);
  EXPECT_EQ(first.joined, (std::vector<UserId>{alice_.id, bob_.id}));
  ASSERT_EQ(first.events.size(), 1u);

  auto second = must(create_direct(alice_.id, bob_.id));
  EXPECT_FALSE(second.created);
  EXPECT_EQ(second.room.id, first.room.id);
  EXPECT_TRUE(second.events.empty());
  EXPECT_TRUE(second.joined.empty());

  // Started from the other side, it is still the same room.
  auto third = must(create_direct(bob_.id, alice_.id));
  EXPECT_FALSE(third.created);
  EXPECT_EQ(third.room.id, first.room.id);
  EXPECT_EQ(must(store().room(first.room.id)).ev, 1);  // nothing new was written

  EXPECT_EQ(must(store().direct_room(alice_.id, bob_.id)), std::optional<RoomId>(first.room.id));
  EXPECT_EQ(must(store().direct_room(bob_.id, alice_.id)), std::optional<RoomId>(first.room.id));
  EXPECT_EQ(must(store().direct_room(alice_.id, carol_.id)), std::nullopt);

  auto summary = must(store().room_summary(first.room.id, alice_.id));
  EXPECT_EQ(summary.display_name, "伊藤 文");
  EXPECT_EQ(summary.peer, bob_.id);
  EXPECT_EQ(summary.member_count, 2);
}

TEST_F(SqliteStoreTest, DirectRoomNeedsExactlyOneOtherMember) {
  auto self = create_direct(alice_.id, alice_.id);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.status().code(), Code::invalid_argument);

  store::NewRoom r;
  r.tenant = tenant_.id;
  r.kind = RoomKind::direct;
  r.creator = alice_.id;
  r.members = {bob_.id, carol_.id};
  r.now = kT0;
  auto three = wait<RoomChange>([&](auto cb) { store().create_room(r, cb); });
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(three.status().code(), Code::invalid_argument);
}

// ---- Messages -------------------------------------------------------------------------

TEST_F(SqliteStoreTest, PostedMessagesGetGaplessSeqsAndEachAdvancesEvByOne) {
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

TEST_F(SqliteStoreTest, MessagesPagesBeforeAndAfter) {
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

TEST_F(SqliteStoreTest, RetryWithSameClientIdReturnsTheFirstMessageAndWritesNothing) {
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
TEST_F(SqliteStoreTest, NonMemberPostIsNotFoundAndWritesNothing) {
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
TEST_F(SqliteStoreTest, RetriesAnswerWithTheFirstMessageOnlyWhileTheSenderIsAMember) {
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

// The writer keeps what a post read of the room and its sender for the sender's next post
// (PostCache). Whatever else writes in between is seen all the same: another job (here
// 既読), or another connection, such as `tonari admin` while the server runs.
TEST_F(SqliteStoreTest, APostSeesWhatOtherWritesChangedSinceTheSendersLastPost) {
  Room room = group_room();
  EXPECT_EQ(must(post(room.id, alice_.id, "c-1", "一")).sender_read_before, 0);
  must(post(room.id, bob_.id, "c-2", "二"));
  must(post(room.id, bob_.id, "c-3", "三"));
  auto second = must(post(room.id, alice_.id, "c-4", "四"));  // the room as bob's posts left it
  EXPECT_EQ(second.message->seq, 4);
  EXPECT_EQ(second.room.msg_seq, 4);
  EXPECT_EQ(second.sender_read_before, 1);
  must(post(room.id, bob_.id, "c-5", "五"));
  must(mark_read(room.id, alice_.id, 5));
  EXPECT_EQ(must(post(room.id, alice_.id, "c-6", "六")).sender_read_before, 5);
  must(post(room.id, bob_.id, "c-7", "七"));

  {
    store::sqlite::Connection other(db_path_, "FULL", false);
    other.exec(("DELETE FROM members WHERE room_id=" + std::to_string(room.id) +
                " AND user_id=" + std::to_string(bob_.id)).c_str());
  }
  auto gone = post(room.id, bob_.id, "c-8", "八");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Code::not_found);
  auto third = must(post(room.id, alice_.id, "c-9", "九"));
  EXPECT_EQ(third.message->seq, 8);
  EXPECT_EQ(third.room.ev, must(store().room(room.id)).ev);
}

TEST_F(SqliteStoreTest, ReplyToMissingSeqIsInvalidArgumentAndWritesNothing) {
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

TEST_F(SqliteStoreTest, ReplySnapshotQuotesTheFirstHundredCharacters) {
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

TEST_F(SqliteStoreTest, MentionOfNonMemberIsInvalidArgumentAndWritesNothing) {
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

TEST_F(SqliteStoreTest, MarkReadNeverMovesBackwardsAndClampsToMsgSeq) {
  Room room = group_room();
  for (int i = 1; i <= 3; ++i) must(post(room.id, alice_.id, "c-" + std::to_string(i), "m"));

  auto r1 = must(mark_read(room.id, bob_.id, 2));
  EXPECT_EQ(r1.old_seq, 0);
  EXPECT_EQ(r1.new_seq, 2);
  auto r2 = must(mark_read(room.id, bob_.id, 1));
  EXPECT_EQ(r2.old_seq, 2);
  EXPECT_EQ(r2.new_seq, 2);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, 2);
  auto r3 = must(mark_read(room.id, bob_.id, 99));
  EXPECT_EQ(r3.old_seq, 2);
  EXPECT_EQ(r3.new_seq, 3);
  EXPECT_EQ(must(store().member(room.id, bob_.id))->read_seq, 3);
  auto r4 = must(mark_read(room.id, bob_.id, 3));
  EXPECT_EQ(r4.old_seq, 3);
  EXPECT_EQ(r4.new_seq, 3);

  auto carol_clamped = must(mark_read(room.id, carol_.id, 1000));
  EXPECT_EQ(carol_clamped.old_seq, 0);
  EXPECT_EQ(carol_clamped.new_seq, 3);

  auto outsider = mark_read(room.id, dave_.id, 1);
  ASSERT_FALSE(outsider.ok());
  EXPECT_EQ(outsider.status().code(), Code::not_found);
  auto missing = mark_read(room.id + 1000, bob_.id, 1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::not_found);

  // The reader's municipality must be the room's (policy::can_read_room, applied here).
  auto elsewhere = mark_read(room.id, bob_.id, 3, other_tenant_.id);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.status().code(), Code::not_found);
  EXPECT_EQ(elsewhere.status().message(), "room " + std::to_string(room.id) + " not found");
  EXPECT_EQ(must(mark_read(room.id, bob_.id, 3, tenant_.id)).new_seq, 3);
}

// read_counts as (seq, count) pairs.
std::vector<std::pair<Seq, std::int64_t>> counts_of(const std::vector<store::ReadCount>& rc) {
  std::vector<std::pair<Seq, std::int64_t>> out;
  for (const auto& c : rc) out.emplace_back(c.seq, c.count);
  return out;
}

TEST_F(SqliteStoreTest, ReadCountsExcludeTheSender) {
  Room room = group_room();  // alice, bob, carol
  must(post(room.id, alice_.id, "c-1", "一"));  // alice read_seq -> 1
  must(post(room.id, bob_.id, "c-2", "二"));    // bob read_seq -> 2
  must(post(room.id, alice_.id, "c-3", "三"));  // alice read_seq -> 3
  using Counts = std::vector<std::pair<Seq, std::int64_t>>;
  // seq 1 (alice): bob; seq 2 (bob): alice; seq 3 (alice): nobody else yet.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 3))), (Counts{{1, 1}, {2, 1}, {3, 0}}));

  must(mark_read(room.id, carol_.id, 3));
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 3))), (Counts{{1, 2}, {2, 2}, {3, 1}}));
  // (lo, hi] bounds.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 1, 2))), (Counts{{2, 2}}));

  // Deleted messages have no read count.
  must(wait<RoomChange>([&](auto cb) { store().delete_message(room.id, 3, alice_.id, kT0 + 9, cb); }));
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 3))), (Counts{{1, 2}, {2, 2}}));
}

TEST_F(SqliteStoreTest, ReadCountsNameEachSenderAndWhetherTheyAreStillAMember) {
  Room room = group_room();  // alice, bob, carol
  must(post(room.id, alice_.id, "c-1", "一"));
  must(post(room.id, bob_.id, "c-2", "二"));
  must(mark_read(room.id, carol_.id, 2));
  using store::ReadCount;
  EXPECT_EQ(must(store().read_counts(room.id, 0, 2)),
            (std::vector<ReadCount>{{1, alice_.id, true, 2}, {2, bob_.id, true, 1}}));
  // Bob leaves (alice removes him): his message keeps its count, but he is no longer in the
  // room to be told of it. His own read position leaves with him.
  must(wait<RoomChange>([&](auto cb) { store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb); }));
  EXPECT_EQ(must(store().read_counts(room.id, 0, 2)),
            (std::vector<ReadCount>{{1, alice_.id, true, 1}, {2, bob_.id, false, 1}}));
}

TEST_F(SqliteStoreTest, TheLastSendersReadPositionIsTheirsWithoutAWriteToTheirMemberRow) {
  Room room = group_room();  // alice, bob, carol
  // What `members` itself holds: posts no longer write the sender's row (migration 4).
  auto stored = [&](UserId user) {
    store::sqlite::Connection db(db_path_, "NORMAL", true);
    store::sqlite::Stmt s = db.q("SELECT read_seq FROM members WHERE room_id=? AND user_id=?");
    s.bind(1, room.id).bind(2, user);
    return s.step() ? s.i64(0) : -1;
  };
  auto position_everywhere = [&](UserId user) {
    const Seq p = must(store().member(room.id, user))->read_seq;
    EXPECT_EQ(must(store().room_and_member(room.id, user)).second->read_seq, p);
    EXPECT_EQ(must(store().room_summary(room.id, user)).read_seq, p);
    int found = 0;
    for (const auto& [u, m] : must(store().members(room.id))) {
      if (u.id == user) {
        EXPECT_EQ(m.read_seq, p);
        ++found;
      }
    }
    for (const auto& summary : must(store().rooms_for_user(user))) {
      if (summary.room.id == room.id) {
        EXPECT_EQ(summary.read_seq, p);
        ++found;
      }
    }
    EXPECT_EQ(found, 2);
    return p;
  };

  must(post(room.id, alice_.id, "a-1", "一"));
  must(post(room.id, alice_.id, "a-2", "二"));
  EXPECT_EQ(position_everywhere(alice_.id), 2);
  EXPECT_EQ(stored(alice_.id), 0);

  // bob posts, mentioning alice: alice's position is written down, bob's is implied.
  must(post(room.id, bob_.id, "b-3", "三", 0, {alice_.id}));
  EXPECT_EQ(stored(alice_.id), 2);
  EXPECT_EQ(position_everywhere(alice_.id), 2);
  EXPECT_EQ(position_everywhere(bob_.id), 3);
  EXPECT_EQ(stored(bob_.id), 0);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 1);

  // alice answers: she has now read the mention, and bob keeps 3.
  auto answer = must(post(room.id, alice_.id, "a-4", "四"));
  EXPECT_EQ(answer.sender_read_before, 2);
  EXPECT_EQ(position_everywhere(alice_.id), 4);
  EXPECT_EQ(position_everywhere(bob_.id), 3);
  EXPECT_EQ(stored(bob_.id), 3);
  EXPECT_EQ(must(store().room_summary(room.id, alice_.id)).mention_unread, 0);
  // Read counts see the implied position too: bob and carol have not read 4.
  using Counts = std::vector<std::pair<Seq, std::int64_t>>;
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 0, 4))), (Counts{{1, 1}, {2, 1}, {3, 1}, {4, 0}}));

  // Marking read below the implied position changes nothing; the same post again is a retry.
  auto again = must(mark_read(room.id, alice_.id, 1));
  EXPECT_EQ(again.old_seq, 4);
  EXPECT_EQ(again.new_seq, 4);
  auto retry = must(post(room.id, alice_.id, "a-4", "四"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(position_everywhere(bob_.id), 3);

  // And it outlives the store.
  reopen();
  EXPECT_EQ(position_everywhere(alice_.id), 4);
  EXPECT_EQ(position_everywhere(bob_.id), 3);
  EXPECT_EQ(position_everywhere(carol_.id), 0);
}

TEST_F(SqliteStoreTest, Version4KeepsTheReadPositionsOfAVersion3Database) {
  Room room = group_room();  // alice, bob, carol
  must(post(room.id, alice_.id, "a-1", "一"));
  must(post(room.id, alice_.id, "a-2", "二"));
  must(mark_read(room.id, bob_.id, 1));
  // Turn the database back into what version 3 wrote: every position in its member row
  // (a post wrote its sender's), no last_sender, no revocations, no department codes,
  // one key of users' order, no members' sort keys.
  store_.reset();
  {
    store::sqlite::Connection db(db_path_, "NORMAL", false);
    db.exec("UPDATE members SET read_seq=2 WHERE user_id=(SELECT id FROM users WHERE login='alice');"
            "ALTER TABLE rooms DROP COLUMN last_sender; DROP TABLE revocations;"
            "DROP TRIGGER members_sort_key; DROP INDEX members_order;"
            "ALTER TABLE members DROP COLUMN sort_key;"
            "DROP INDEX departments_code; ALTER TABLE departments DROP COLUMN code;"
            "DROP INDEX users_tenant_order; ALTER TABLE users DROP COLUMN name_key;"
            "CREATE INDEX users_tenant_order ON users(tenant_id, reading_key);"
            "DROP TABLE node_ids; DROP TABLE secrets;"
            "PRAGMA user_version=3;");
  }
  open();
  auto position = [&](UserId user) { return must(store().member(room.id, user))->read_seq; };
  EXPECT_EQ(position(alice_.id), 2);
  EXPECT_EQ(position(bob_.id), 1);
  EXPECT_EQ(position(carol_.id), 0);
  // carol posts: nobody's position was implied before (last_sender 0), so nothing moves
  // but hers.
  must(post(room.id, carol_.id, "c-3", "三"));
  EXPECT_EQ(position(alice_.id), 2);
  EXPECT_EQ(position(bob_.id), 1);
  EXPECT_EQ(position(carol_.id), 3);
}

TEST_F(SqliteStoreTest, TheLastSenderLeavingAndComingBackKeepsPositionsRight) {
  Room room = group_room();  // alice, bob, carol
  auto position = [&](UserId user) { return must(store().member(room.id, user))->read_seq; };
  must(post(room.id, bob_.id, "b-1", "一"));
  // Refusals write nothing, the implied position included.
  auto hidden = post(room.id, dave_.id, "d-x", "部外者");
  EXPECT_EQ(hidden.status().code(), Code::not_found);
  auto bad_reply = post(room.id, alice_.id, "a-x", "返信", 99);
  EXPECT_EQ(bad_reply.status().code(), Code::invalid_argument);
  auto bad_mention = post(room.id, alice_.id, "a-y", "宛先", 0, {dave_.id});
  EXPECT_EQ(bad_mention.status().code(), Code::invalid_argument);
  EXPECT_EQ(position(bob_.id), 1);
  EXPECT_EQ(position(alice_.id), 0);
  // A retry by someone who is not the last sender changes nothing.
  must(post(room.id, alice_.id, "a-2", "二"));
  auto retry = must(post(room.id, bob_.id, "b-1", "一"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(position(bob_.id), 1);
  EXPECT_EQ(position(alice_.id), 2);

  must(post(room.id, bob_.id, "b-3", "三"));
  must(wait<RoomChange>([&](auto cb) { store().remove_member(room.id, alice_.id, bob_.id, kT0 + 3, nullptr, cb); }));
  must(post(room.id, carol_.id, "c-4", "四"));  // materializes nobody: bob has no row
  must(wait<RoomChange>([&](auto cb) { store().add_members(room.id, alice_.id, {bob_.id}, kT0 + 4, 0, nullptr, cb); }));
  EXPECT_EQ(position(bob_.id), 4);  // a newcomer has read what came before
  EXPECT_EQ(position(carol_.id), 4);
  must(post(room.id, alice_.id, "a-5", "五"));
  EXPECT_EQ(position(carol_.id), 4);
  EXPECT_EQ(position(bob_.id), 4);
  EXPECT_EQ(position(alice_.id), 5);
  using Counts = std::vector<std::pair<Seq, std::int64_t>>;
  // Carol's 4 has been read by alice (by posting 5) and by bob (who came back at 4); alice's
  // 5 by nobody else yet.
  EXPECT_EQ(counts_of(must(store().read_counts(room.id, 3, 5))), (Counts{{4, 2}, {5, 0}}));
}

TEST_F(SqliteStoreTest, EditByAnotherUserIsPermissionDeniedAndSenderCanEdit) {
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
TEST_F(SqliteStoreTest, WritesAboutMessagesByANonMemberAreNotFound) {
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

TEST_F(SqliteStoreTest, DeleteRewritesTheStoredCreatedAndEditedEvents) {
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
TEST_F(SqliteStoreTest, DeletedTextDoesNotSurviveInReplySnapshots) {
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

TEST_F(SqliteStoreTest, EventsAfterIsGaplessAcrossAllKindsOfChanges) {
  Room room = group_room();                                            // ev 1
  must(post(room.id, alice_.id, "c-1", "一"));                          // ev 2
  must(post(room.id, bob_.id, "c-2", "二"));                            // ev 3
  ASSERT_FALSE(post(room.id, dave_.id, "c-x", "外").ok());              // no event
  ASSERT_FALSE(post(room.id, bob_.id, "c-y", "返信", 42).ok());         // no event
  must(post(room.id, alice_.id, "c-1", "retry"));                       // no event (retry)
  must(wait<RoomChange>([&](auto cb) {                                 // ev 4
    store().edit_message(room.id, 2, bob_.id, "二(訂正)", kT0 + 3, cb);
  }));
  auto added = must(wait<RoomChange>([&](auto cb) {                    // ev 5
    store().add_members(room.id, alice_.id, {dave_.id, bob_.id}, kT0 + 4, 0, nullptr, cb);
  }));
  EXPECT_EQ(added.joined, (std::vector<UserId>{dave_.id}));
  auto again = must(wait<RoomChange>([&](auto cb) {                    // no event
    store().add_members(room.id, alice_.id, {dave_.id}, kT0 + 4, 0, nullptr, cb);
  }));
  EXPECT_FALSE(again.created);
  EXPECT_TRUE(again.events.empty());
  // A newcomer starts with everything before them read.
  EXPECT_EQ(must(store().member(room.id, dave_.id))->read_seq, 2);
  must(wait<RoomChange>([&](auto cb) {                                 // ev 6
    store().rename_room(room.id, alice_.id, "新しい名前", kT0 + 5, nullptr, cb);
  }));
  auto removed = must(wait<RoomChange>([&](auto cb) {                  // ev 7
    store().remove_member(room.id, alice_.id, carol_.id, kT0 + 6, nullptr, cb);
  }));
  EXPECT_EQ(removed.left, (std::vector<UserId>{carol_.id}));
  auto not_member = wait<RoomChange>([&](auto cb) {                    // no event
    store().remove_member(room.id, alice_.id, carol_.id, kT0 + 6, nullptr, cb);
  });
  EXPECT_EQ(not_member.status().code(), Code::not_found);
  must(wait<RoomChange>([&](auto cb) {                                 // ev 8
    store().delete_message(room.id, 1, alice_.id, kT0 + 7, cb);
  }));

  auto events = all_events(room.id);
  const std::vector<std::string> expected_types = {
      "member.joined", "message.created", "message.created", "message.edited",
      "member.joined", "room.updated",    "member.left",     "message.deleted"};
  ASSERT_EQ(events.size(), expected_types.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].ev, static_cast<EventNo>(i + 1));
    EXPECT_EQ(events[i].room, room.id);
    auto f = parse_frame(events[i]);
    EXPECT_EQ(f.at("ev").as_int64(), static_cast<EventNo>(i + 1));
    EXPECT_EQ(f.at("room").as_int64(), room.id);
    EXPECT_EQ(str_at(f, "type"), expected_types[i]);
  }
  EXPECT_EQ(must(store().room(room.id)).ev, 8);
  EXPECT_EQ(must(store().room(room.id)).name, "新しい名前");

  auto page = must(store().events_after(room.id, 3, 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].ev, 4);
  EXPECT_EQ(page[1].ev, 5);
  EXPECT_TRUE(must(store().events_after(room.id, 8, 10)).empty());
  auto cursors = must(store().room_cursors(carol_.id));
  EXPECT_TRUE(cursors.empty());
  auto dave_cursors = must(store().room_cursors(dave_.id));
  ASSERT_EQ(dave_cursors.size(), 1u);
  EXPECT_EQ(dave_cursors[0], (std::pair<RoomId, EventNo>{room.id, 8}));

  // A replay for several rooms at once: only the rooms the user is a member of, each
  // exactly as events_after gives it.
  Room other = must(create_group(bob_.id, {alice_.id}, "別室")).room;
  auto replay = must(store().events_after_as_member(dave_.id, {{room.id, 3}, {other.id, 0}}, 2));
  ASSERT_EQ(replay.size(), 1u);  // dave is not in `other`
  EXPECT_EQ(replay[0].first, room.id);
  ASSERT_EQ(replay[0].second.size(), 2u);
  EXPECT_EQ(*replay[0].second[0].frame, *page[0].frame);
  EXPECT_EQ(*replay[0].second[1].frame, *page[1].frame);
  auto carol_replay = must(store().events_after_as_member(carol_.id, {{room.id, 0}}, 10));
  EXPECT_TRUE(carol_replay.empty());  // removed: nothing more of the room
}

// A replay of messages alone does not read the stored events (every missed event is a
// message.created); once another kind of event is among the missed, the two are merged.
// Either way the frames are those of the full replay.
TEST_F(SqliteStoreTest, ReplayOfMessagesAloneEqualsTheFullReplay) {
  Room room = group_room();                                            // ev 1
  for (int i = 0; i < 4; ++i) {                                        // ev 2..5
    must(post(room.id, alice_.id, "m-" + std::to_string(i), "本文 " + std::to_string(i)));
  }
  const auto full = all_events(room.id);
  ASSERT_EQ(full.size(), 5u);
  auto since_join = must(store().events_after(room.id, 1, 10));
  ASSERT_EQ(since_join.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(since_join[i].ev, static_cast<EventNo>(i + 2));
    EXPECT_EQ(*since_join[i].frame, *full[i + 1].frame);
  }
  auto limited = must(store().events_after(room.id, 1, 2));  // fewer than were missed
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[1].ev, 3);
  auto as_member = must(store().events_after_as_member(bob_.id, {{room.id, 3}}, 10));
  ASSERT_EQ(as_member.size(), 1u);
  ASSERT_EQ(as_member[0].second.size(), 2u);
  EXPECT_EQ(*as_member[0].second[0].frame, *full[3].frame);

  must(wait<RoomChange>([&](auto cb) {                                 // ev 6
    store().edit_message(room.id, 2, alice_.id, "本文 1(訂正)", kT0 + 3, cb);
  }));
  must(post(room.id, bob_.id, "m-b", "返事"));                          // ev 7
  auto mixed = must(store().events_after(room.id, 4, 10));
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(mixed[0].ev, 5);
  EXPECT_EQ(mixed[1].ev, 6);
  EXPECT_EQ(str_at(parse_frame(mixed[1]), "type"), "message.edited");
  EXPECT_EQ(mixed[2].ev, 7);
  EXPECT_EQ(str_at(parse_frame(mixed[2]), "type"), "message.created");
  auto limited_mixed = must(store().events_after(room.id, 4, 2));
  ASSERT_EQ(limited_mixed.size(), 2u);
  EXPECT_EQ(limited_mixed[1].ev, 6);
}

// A replay for many rooms at once reads the user's memberships in one scan: rooms the user
// is not in, between the others, are left out; each room's events are its own.
TEST_F(SqliteStoreTest, ReplayForManyRoomsLeavesOutRoomsTheUserIsNotIn) {
  std::vector<Room> rooms;
  rooms.push_back(must(create_group(alice_.id, {bob_.id}, "一")).room);
  rooms.push_back(must(create_group(alice_.id, {carol_.id}, "二")).room);  // bob not in it
  rooms.push_back(must(create_group(alice_.id, {bob_.id}, "三")).room);
  rooms.push_back(must(create_group(alice_.id, {bob_.id, carol_.id}, "四")).room);
  for (const Room& r : rooms) must(post(r.id, alice_.id, "c-" + std::to_string(r.id), "連絡"));
  std::vector<std::pair<RoomId, EventNo>> wanted;
  for (const Room& r : rooms) wanted.emplace_back(r.id, 0);
  auto replay = must(store().events_after_as_member(bob_.id, wanted, 10));
  ASSERT_EQ(replay.size(), 3u);
  EXPECT_EQ(replay[0].first, rooms[0].id);
  EXPECT_EQ(replay[1].first, rooms[2].id);
  EXPECT_EQ(replay[2].first, rooms[3].id);
  for (const auto& [room, events] : replay) {
    const auto full = all_events(room);
    ASSERT_EQ(events.size(), full.size());
    for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(*events[i].frame, *full[i].frame);
  }
}

// ---- Group commit ---------------------------------------------------------------------

TEST_F(SqliteStoreTest, ConcurrentPostsAreGroupCommittedWithGaplessSeqs) {
  Room room_a = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id}, "A")).room;
  Room room_b = must(create_group(bob_.id, {alice_.id, carol_.id, dave_.id}, "B")).room;
  const std::vector<UserId> senders = {alice_.id, bob_.id, carol_.id, dave_.id};
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  constexpr int kTotal = kThreads * kPerThread;

  const auto batches_before = store().writer_stats().batches.load();
  const auto jobs_before = store().writer_stats().jobs.load();

  // Hold the writer thread inside the callback of a first job until every post has been
  // submitted, so that the posts are queued together whatever the thread timing is.
  std::promise<void> gate;
  std::shared_future<void> gate_open = gate.get_future().share();
  store().set_status(alice_.id, "会議中", [gate_open](Result<User>) { gate_open.wait(); });

  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int failures = 0;
  std::map<RoomId, std::vector<Seq>> seqs_in_callback_order;
  std::map<RoomId, int> posted;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        store::NewMessage m;
        m.room = (t + i) % 2 == 0 ? room_a.id : room_b.id;
        m.sender = senders[t];
        m.client_id = "t" + std::to_string(t) + "-" + std::to_string(i);
        m.body = "並行 " + m.client_id;
        m.now = kT0 + i;
        store().post_message(std::move(m), [&](Result<RoomChange> r) {
          std::lock_guard lock(mu);
          if (r.ok() && r->created && r->message) {
            seqs_in_callback_order[r->room.id].push_back(r->message->seq);
          } else {
            ++failures;
          }
          if (++done == kTotal) cv.notify_all();
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  gate.set_value();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return done == kTotal; });
  }

  EXPECT_EQ(failures, 0);
  const int per_room = kTotal / 2;
  for (const Room& room : {room_a, room_b}) {
    const auto& seqs = seqs_in_callback_order[room.id];
    ASSERT_EQ(seqs.size(), static_cast<std::size_t>(per_room));
    // Completions run in commit order, so the seqs arrive exactly as 1, 2, ..., N.
    for (int i = 0; i < per_room; ++i) {
      ASSERT_EQ(seqs[i], i + 1) << "room " << room.id << " position " << i;
    }
    auto stored = must(store().room(room.id));
    EXPECT_EQ(stored.msg_seq, per_room);
    EXPECT_EQ(stored.ev, per_room + 1);
    auto msgs = must(store().messages(room.id, 0, 0, per_room + 10));
    ASSERT_EQ(msgs.size(), static_cast<std::size_t>(per_room));
    for (int i = 0; i < per_room; ++i) EXPECT_EQ(msgs[i].seq, i + 1);
    EXPECT_EQ(all_events(room.id).size(), static_cast<std::size_t>(per_room + 1));
  }

  const auto batches = store().writer_stats().batches.load() - batches_before;
  const auto jobs = store().writer_stats().jobs.load() - jobs_before;
  EXPECT_EQ(jobs, static_cast<std::uint64_t>(kTotal + 1));  // the posts and the gate
  EXPECT_LT(batches, jobs);
  // The gate's batch, then the queued posts in batches of at most max_batch (1024).
  EXPECT_LE(batches, 1u + (kTotal + 1023) / 1024);
  EXPECT_EQ(store().writer_stats().failed_commits.load(), 0u);
}

// ---- Durability -----------------------------------------------------------------------

TEST_F(SqliteStoreTest, ReopenedStoreStillHasTheData) {
  Room room = group_room();
  must(post(room.id, alice_.id, "c-1", "再起動前の一通目"));
  must(post(room.id, bob_.id, "c-2", "再起動前の二通目"));
  must(mark_read(room.id, carol_.id, 1));
  auto direct = must(create_direct(alice_.id, dave_.id));

  reopen();

  EXPECT_EQ(must(store().tenant_by_code("999001")).name, "テスト市");
  EXPECT_EQ(must(store().user(carol_.id)).login, "carol");
  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, 2);
  EXPECT_EQ(stored.ev, 3);
  auto msgs = must(store().messages(room.id, 0, 0, 50));
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].body, "再起動前の一通目");
  EXPECT_EQ(msgs[1].body, "再起動前の二通目");
  EXPECT_EQ(all_events(room.id).size(), 3u);
  EXPECT_EQ(must(store().member(room.id, carol_.id))->read_seq, 1);
  EXPECT_EQ(must(store().direct_room(dave_.id, alice_.id)),
            std::optional<RoomId>(direct.room.id));

  // Numbering continues where it stopped, and old client ids are still remembered.
  auto next = must(post(room.id, alice_.id, "c-3", "再起動後"));
  EXPECT_EQ(next.message->seq, 3);
  EXPECT_EQ(next.room.ev, 4);
  auto retry = must(post(room.id, alice_.id, "c-1", "再送"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.message->seq, 1);
}

// A store written by schema version 1 (message.created copied into `events`, idempotency
// key led by room) reads back the same after the upgrade.
TEST(SqliteStoreUpgrade, Version1EventsReplayTheSameAfterUpgrade) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 1);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO users(id, tenant_id, login, name, reading, reading_key, search_key, password_hash, created_at)
  VALUES(1, 1, 'alice', '阿部 愛', 'あべ あい', x'01', 'alice', 'x', 0);
INSERT INTO rooms(id, tenant_id, kind, name, created_by, created_at, msg_seq, ev, member_count, last_activity)
  VALUES(7, 1, 'group', '防災', 1, 0, 2, 3, 1, 0);
INSERT INTO members(room_id, user_id, role, read_seq, joined_at) VALUES(7, 1, 'owner', 2, 0);
INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, created_at, created_ev)
  VALUES(7, 1, 1, '阿部 愛', 'c-1', '一通目', 0, 2), (7, 2, 1, '阿部 愛', 'c-2', '二通目', 0, 3);
INSERT INTO events(room_id, ev, frame, msg_seq, created_at) VALUES
  (7, 1, '{"type":"member.joined","room":7,"ev":1}', NULL, 0),
  (7, 2, '{"type":"message.created","room":7,"ev":2}', 1, 0),
  (7, 3, '{"type":"message.created","room":7,"ev":3}', 2, 0);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  auto must = [](auto r) { return StoreTest::must(std::move(r)); };
  auto events = must(store.events_after(7, 0, 100));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(type_of(events[0]), "member.joined");
  for (int i = 1; i < 3; ++i) {
    auto f = parse_frame(events[i]);
    EXPECT_EQ(str_at(f, "type"), "message.created");
    EXPECT_EQ(f.at("ev").as_int64(), i + 1);
    EXPECT_EQ(f.at("message").as_object().at("seq").as_int64(), i);
  }
  EXPECT_EQ(str_at(parse_frame(events[2]).at("message").as_object(), "body"), "二通目");
  EXPECT_EQ(must(store.events_after(7, 2, 100)).size(), 1u);
  // The idempotency key still holds for messages written before the upgrade.
  store::NewMessage m;
  m.room = 7;
  m.sender = 1;
  m.client_id = "c-2";
  m.body = "再送";
  auto retry = must(wait<store::RoomChange>([&](auto cb) { store.post_message(m, cb); }));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.message->seq, 2);
}

// Migration 3 drops the index on members' read positions (the read counts, tested above on
// the latest schema, scan the room's members by key instead), and running it again is a no-op.
TEST(SqliteStoreUpgrade, Version3DropsTheReadPositionIndex) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  auto index_count = [&] {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::Stmt s = db.q("SELECT count(*) FROM sqlite_master WHERE name='members_read'");
    return s.step() ? s.i64(0) : -1;
  };
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 2);
  }
  EXPECT_EQ(index_count(), 1);
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 3);
    store::sqlite::migrate(db, 3);  // a second run finds nothing to do
    store::sqlite::Stmt v = db.q("PRAGMA user_version");
    ASSERT_TRUE(v.step());
    EXPECT_EQ(v.i64(0), 3);
  }
  EXPECT_EQ(index_count(), 0);
}

// Users written before the order was fixed (a key of "reading name") are ordered by
// their readings after the upgrade.
TEST(SqliteStoreUpgrade, UsersKeyedByReadingAndNameAreReorderedByReading) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 5);
    db.exec("INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0)");
    const std::vector<std::array<std::string, 3>> users = {
        {"sado", "佐渡 花子", "さどう はなこ"}, {"sato", "佐藤 花子", "さとう はなこ"},
        {"hatsuta", "初田 花子", "はつた はなこ"}, {"hatta", "八田 花子", "はった はなこ"}};
    for (const auto& [login, name, reading] : users) {
      db.q("INSERT INTO users(tenant_id, login, name, reading, reading_key, search_key,"
           " password_hash, created_at) VALUES(1,?,?,?,?,?,'x',0)")
          .bind(1, login).bind(2, name).bind(3, reading)
          .bind_blob(4, search::sort_key_ja(reading + " " + name))
          .bind(5, search::fold(reading)).run();
    }
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  std::vector<std::string> logins;
  for (const User& u : StoreTest::must(store.find_users(1, "", {}, 50))) logins.push_back(u.login);
  EXPECT_EQ(logins, (std::vector<std::string>{"sato", "sado", "hatta", "hatsuta"}));
}

// The synchronous mode is one word of four, never SQL: a value with more in it is refused
// before anything runs.
TEST(SqliteConnection, SynchronousTakesOnlyItsFourModes) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  { store::sqlite::Connection created(path, "NORMAL", false); }
  for (const char* bad : {"NORMAL; PRAGMA user_version=42", "fast", "", "2; PRAGMA user_version=42"}) {
    EXPECT_THROW(store::sqlite::Connection(path, bad, false), store::sqlite::DbError) << bad;
    EXPECT_THROW(store::sqlite::Connection(path, bad, true), store::sqlite::DbError) << bad;
  }
  for (const char* good : {"OFF", "normal", "FULL", "Extra"}) {
    store::sqlite::Connection db(path, good, false);
    store::sqlite::Stmt s = db.q("PRAGMA user_version");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.i64(0), 0) << good;
  }
}

TEST(SqliteStoreUpgrade, ANewerTonarisDatabaseIsRefused) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  store::sqlite::Connection db(path, "NORMAL", false);
  store::sqlite::migrate(db);
  db.exec("PRAGMA user_version=999");
  try {
    store::sqlite::migrate(db);
    ADD_FAILURE() << "a database of schema 999 was opened";
  } catch (const store::sqlite::DbError& e) {
    EXPECT_NE(std::string(e.what()).find("newer tonari"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tonari::testing
