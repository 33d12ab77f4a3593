// What only the SQLite store has: its writer's group commit, the writer's post cache, read
// positions implied by rooms.last_sender (migration 4), the synchronous mode. The tests of
// the Store contract are in conformance/, on every kind of store.

#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/db.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- Group commit -----------------------------------------------------------------

TEST_F(SqliteStoreTest, ConcurrentPostsAreGroupCommittedWithGaplessSeqs) {
  Room room_a = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id}, "A")).room;
  Room room_b = must(create_group(bob_.id, {alice_.id, carol_.id, dave_.id}, "B")).room;
  const std::vector<UserId> senders = {alice_.id, bob_.id, carol_.id, dave_.id};
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  constexpr int kTotal = kThreads * kPerThread;

  const auto batches_before = sqlite().writer_stats().batches.load();
  const auto jobs_before = sqlite().writer_stats().jobs.load();

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
    // Completions run in commit order, so the seqs arrive exactly as 1, 2, ..., N after
    // the room's creation (its room_created message).
    for (int i = 0; i < per_room; ++i) {
      ASSERT_EQ(seqs[i], room.msg_seq + i + 1) << "room " << room.id << " position " << i;
    }
    auto stored = must(store().room(room.id));
    EXPECT_EQ(stored.msg_seq, room.msg_seq + per_room);
    EXPECT_EQ(stored.ev, room.ev + per_room);
    auto msgs = must(store().messages(room.id, room.msg_seq, 0, per_room + 10));
    ASSERT_EQ(msgs.size(), static_cast<std::size_t>(per_room));
    for (int i = 0; i < per_room; ++i) EXPECT_EQ(msgs[i].seq, room.msg_seq + i + 1);
    EXPECT_EQ(all_events(room.id).size(), static_cast<std::size_t>(room.ev + per_room));
  }

  const auto batches = sqlite().writer_stats().batches.load() - batches_before;
  const auto jobs = sqlite().writer_stats().jobs.load() - jobs_before;
  EXPECT_EQ(jobs, static_cast<std::uint64_t>(kTotal + 1));  // the posts and the gate
  EXPECT_LT(batches, jobs);
  // The gate's batch, then the queued posts in batches of at most max_batch (1024).
  EXPECT_LE(batches, 1u + (kTotal + 1023) / 1024);
  EXPECT_EQ(sqlite().writer_stats().failed_commits.load(), 0u);
}

// ---- The post cache ---------------------------------------------------------------

// The writer keeps what a post read of the room and its sender for the sender's next post
// (PostCache). Whatever else writes in between is seen all the same: another job (here
// 既読), or another connection, such as `tonari admin` while the server runs.
TEST_F(SqliteStoreTest, APostSeesWhatOtherWritesChangedSinceTheSendersLastPost) {
  Room room = group_room();
  auto first = must(post(room.id, alice_.id, "c-1", "一"));
  EXPECT_EQ(first.sender_read_before, room.msg_seq);  // the room_created message she sent
  must(post(room.id, bob_.id, "c-2", "二"));
  const Seq bobs = must(post(room.id, bob_.id, "c-3", "三")).message->seq;
  auto second = must(post(room.id, alice_.id, "c-4", "四"));  // the room as bob's posts left it
  EXPECT_EQ(second.message->seq, bobs + 1);
  EXPECT_EQ(second.room.msg_seq, bobs + 1);
  EXPECT_EQ(second.sender_read_before, first.message->seq);
  const Seq read = must(post(room.id, bob_.id, "c-5", "五")).message->seq;
  must(mark_read(room.id, alice_.id, read));
  EXPECT_EQ(must(post(room.id, alice_.id, "c-6", "六")).sender_read_before, read);
  const Seq last = must(post(room.id, bob_.id, "c-7", "七")).message->seq;

  {
    store::sqlite::Connection other(db_path_, "FULL", false);
    other.exec(("DELETE FROM members WHERE room_id=" + std::to_string(room.id) +
                " AND user_id=" + std::to_string(bob_.id)).c_str());
  }
  auto gone = post(room.id, bob_.id, "c-8", "八");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), Code::not_found);
  auto third = must(post(room.id, alice_.id, "c-9", "九"));
  EXPECT_EQ(third.message->seq, last + 1);
  EXPECT_EQ(third.room.ev, must(store().room(room.id)).ev);
}

// ---- Read positions ---------------------------------------------------------------

// Posts do not write their sender's member row (migration 4): the last sender's position
// is implied by rooms.last_sender, and written down only when someone else posts. What the
// reads show is the same either way (Conformance/StoreTest.ReadPositionsAgreeInEveryRead).
TEST_F(SqliteStoreTest, TheLastSendersReadPositionIsTheirsWithoutAWriteToTheirMemberRow) {
  Room room = group_room();  // alice, bob, carol
  // What `members` itself holds.
  auto stored = [&](UserId user) {
    store::sqlite::Connection db(db_path_, "NORMAL", true);
    store::sqlite::Stmt s = db.q("SELECT read_seq FROM members WHERE room_id=? AND user_id=?");
    s.bind(1, room.id).bind(2, user);
    return s.step() ? s.i64(0) : -1;
  };
  auto position = [&](UserId user) { return must(store().member(room.id, user))->read_seq; };

  // alice sent the room_created message, then posts twice.
  must(post(room.id, alice_.id, "a-1", "一"));
  const Seq a2 = must(post(room.id, alice_.id, "a-2", "二")).message->seq;
  EXPECT_EQ(position(alice_.id), a2);
  EXPECT_EQ(stored(alice_.id), 0);

  // bob posts, mentioning alice: alice's position is written down, bob's is implied.
  const Seq b3 = must(post(room.id, bob_.id, "b-3", "三", 0, {alice_.id})).message->seq;
  EXPECT_EQ(stored(alice_.id), a2);
  EXPECT_EQ(position(bob_.id), b3);
  EXPECT_EQ(stored(bob_.id), 0);

  // alice answers: bob's position is written down now.
  const Seq a4 = must(post(room.id, alice_.id, "a-4", "四")).message->seq;
  EXPECT_EQ(position(alice_.id), a4);
  EXPECT_EQ(stored(alice_.id), a2);
  EXPECT_EQ(stored(bob_.id), b3);

  // A retry of the last post writes nothing either.
  EXPECT_FALSE(must(post(room.id, alice_.id, "a-4", "四")).created);
  EXPECT_EQ(stored(alice_.id), a2);
  EXPECT_EQ(position(alice_.id), a4);
}

// ---- Connections ------------------------------------------------------------------

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

}  // namespace
}  // namespace tonari::testing
