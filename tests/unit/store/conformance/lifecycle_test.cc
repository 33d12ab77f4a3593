// Store conformance (store_test.h): the store as a whole — durability across reopening,
// concurrent writers, shutdown and the callbacks' hand-off — and what the nodes of a
// cluster share through it (node ids, secrets).
#include "store/conformance/store_test.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tonari::testing {
namespace {

using store::RoomChange;

// ---- Durability -------------------------------------------------------------------

TEST_P(StoreTest, ReopenedStoreStillHasTheData) {
  Room room = group_room();
  auto first = must(post(room.id, alice_.id, "c-1", "再起動前の一通目"));
  auto last = must(post(room.id, bob_.id, "c-2", "再起動前の二通目"));
  must(mark_read(room.id, carol_.id, first.message->seq));
  auto direct = must(create_direct(alice_.id, dave_.id));

  reopen();

  EXPECT_EQ(must(store().tenant_by_code("999001")).name, "テスト市");
  EXPECT_EQ(must(store().user(carol_.id)).login, "carol");
  auto stored = must(store().room(room.id));
  EXPECT_EQ(stored.msg_seq, last.room.msg_seq);
  EXPECT_EQ(stored.ev, last.room.ev);
  auto msgs = must(store().messages(room.id, room.msg_seq, 0, 50));  // after the creation
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].body, "再起動前の一通目");
  EXPECT_EQ(msgs[1].body, "再起動前の二通目");
  EXPECT_EQ(all_events(room.id).size(), static_cast<std::size_t>(last.room.ev));
  EXPECT_EQ(must(store().member(room.id, carol_.id))->read_seq, first.message->seq);
  EXPECT_EQ(must(store().direct_room(dave_.id, alice_.id)),
            std::optional<RoomId>(direct.room.id));

  // Numbering continues where it stopped, and old client ids are still remembered.
  auto next = must(post(room.id, alice_.id, "c-3", "再起動後"));
  EXPECT_EQ(next.message->seq, last.message->seq + 1);
  EXPECT_EQ(next.room.ev, last.room.ev + 1);
  auto retry = must(post(room.id, alice_.id, "c-1", "再送"));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.message->seq, first.message->seq);
}

// ---- Concurrent writers ------------------------------------------------------------

// Posts from several threads into two rooms at once: each room's posts are numbered on from
// its creation (its room_created message) without a gap, and the callbacks run one at a
// time in commit order, so each room's numbers arrive in order.
TEST_P(StoreTest, ConcurrentPostsGetGaplessSeqsAndCallbacksInCommitOrder) {
  Room room_a = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id}, "A")).room;
  Room room_b = must(create_group(bob_.id, {alice_.id, carol_.id, dave_.id}, "B")).room;
  const std::vector<UserId> senders = {alice_.id, bob_.id, carol_.id, dave_.id};
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  constexpr int kTotal = kThreads * kPerThread;

  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  int failures = 0;
  std::atomic<int> inside{0}, overlaps{0};
  std::map<RoomId, std::vector<Seq>> seqs_in_callback_order;

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
        m.tenant = tenant_.id;
        store().post_message(std::move(m), [&](Result<RoomChange> r) {
          if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
          {
            std::lock_guard lock(mu);
            if (r.ok() && r->created && r->message) {
              seqs_in_callback_order[r->room.id].push_back(r->message->seq);
            } else {
              ++failures;
            }
            ++done;
          }
          inside.fetch_sub(1);
          cv.notify_all();
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return done == kTotal; }))
        << done << " of " << kTotal << " posts answered";
  }

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(overlaps.load(), 0) << "callbacks ran at the same time";
  const int per_room = kTotal / 2;
  for (const Room& room : {room_a, room_b}) {
    const auto& seqs = seqs_in_callback_order[room.id];
    ASSERT_EQ(seqs.size(), static_cast<std::size_t>(per_room));
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
}

// ---- Shutdown ---------------------------------------------------------------------

// Writes submitted from other threads while the store shuts down are each either done or
// refused ("shut down"): every callback runs exactly once, and none runs on a writer that
// is gone.
TEST_P(StoreTest, WritesRacingShutdownAreEachAnsweredOnce) {
  for (int round = 0; round < 20; ++round) {
    auto store = open_store();
    std::atomic<int> submitted{0}, answered{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        while (!stop.load()) {
          submitted.fetch_add(1);
          store->set_status(alice_.id, "x", [&](Result<User>) { answered.fetch_add(1); });
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

// shutdown() applies every write queued before it, and runs their callbacks, before it
// returns.
TEST_P(StoreTest, ShutdownAppliesEveryQueuedWriteFirst) {
  Room room = group_room();
  constexpr int kPosts = 300;
  std::atomic<int> succeeded{0}, answered{0};
  for (int i = 0; i < kPosts; ++i) {
    store::NewMessage m;
    m.room = room.id;
    m.sender = i % 2 == 0 ? alice_.id : bob_.id;
    m.client_id = "q-" + std::to_string(i);
    m.body = "終了前 " + std::to_string(i);
    m.now = kT0 + i;
    m.tenant = tenant_.id;
    store().post_message(std::move(m), [&](Result<RoomChange> r) {
      if (r.ok()) succeeded.fetch_add(1);
      answered.fetch_add(1);
    });
  }
  store().shutdown();
  EXPECT_EQ(answered.load(), kPosts);
  EXPECT_EQ(succeeded.load(), kPosts);
  reopen();
  EXPECT_EQ(must(store().room(room.id)).msg_seq, room.msg_seq + kPosts);
}

// Calls `write` (with a callback) on this thread and on another, and expects it refused at
// once each time: the callback run before the call returned, on the calling thread, with
// unavailable.
template <class T>
void expect_refused_at_once(const char* name,
                            const std::function<void(store::Callback<T>)>& write) {
  // What the callback saw, kept alive for a callback that comes late.
  struct Answer {
    std::atomic<bool> called{false};
    Code code = Code::ok;
    std::thread::id thread;
  };
  for (bool other_thread : {false, true}) {
    auto answer = std::make_shared<Answer>();
    std::thread::id caller;
    auto call = [&] {
      caller = std::this_thread::get_id();
      write([answer](Result<T> r) {
        answer->code = r.ok() ? Code::ok : r.status().code();
        answer->thread = std::this_thread::get_id();
        answer->called = true;
      });
    };
    if (other_thread) {
      std::thread(call).join();
    } else {
      call();
    }
    const std::string where = std::string(name) + (other_thread ? " from another thread" : "");
    ASSERT_TRUE(answer->called.load()) << where << ": not answered at once";
    EXPECT_EQ(answer->code, Code::unavailable) << where << ": " << code_name(answer->code);
    EXPECT_EQ(answer->thread, caller) << where << ": answered on another thread";
  }
}

// After shutdown() every write fails at once with unavailable, whichever thread calls;
// nothing is written.
TEST_P(StoreTest, WritesAfterShutdownFailAtOnceWithUnavailable) {
  Room room = group_room();
  const Seq seq = must(post(room.id, alice_.id, "c-1", "一")).message->seq;
  const Room before = must(store().room(room.id));
  store().shutdown();

  store::NewMessage m;
  m.room = room.id;
  m.sender = bob_.id;
  m.client_id = "c-2";
  m.body = "終了後";
  m.tenant = tenant_.id;
  store::NewRoom r;
  r.tenant = tenant_.id;
  r.name = "終了後の部屋";
  r.creator = alice_.id;
  r.now = kT0;
  store::NewUser u;
  u.tenant = tenant_.id;
  u.login = "late";
  u.name = "遅刻";
  u.reading = "ちこく";
  Department d;
  d.tenant = tenant_.id;
  d.name = "終了後係";
  store::Session session{"h", bob_.id, "c", kT0, kT0 + 1};
  store::Store& s = store();
  const RoomId id = room.id;

  expect_refused_at_once<Tenant>("create_tenant",
                                 [&](auto cb) { s.create_tenant("999003", "後町", kT0, cb); });
  expect_refused_at_once<Department>("create_department",
                                     [&](auto cb) { s.create_department(d, cb); });
  expect_refused_at_once<User>("create_user", [&](auto cb) { s.create_user(u, kT0, cb); });
  expect_refused_at_once<User>("set_status", [&](auto cb) { s.set_status(bob_.id, "x", cb); });
  expect_refused_at_once<User>("set_user_disabled",
                               [&](auto cb) { s.set_user_disabled(bob_.id, true, kT0, cb); });
  expect_refused_at_once<bool>("create_session", [&](auto cb) { s.create_session(session, cb); });
  expect_refused_at_once<bool>("extend_session",
                               [&](auto cb) { s.extend_session("h", kT0 + 2, cb); });
  expect_refused_at_once<bool>("delete_session", [&](auto cb) { s.delete_session("h", cb); });
  expect_refused_at_once<std::int64_t>("purge_sessions",
                                       [&](auto cb) { s.purge_sessions(kT0, cb); });
  expect_refused_at_once<RoomChange>("create_room", [&](auto cb) { s.create_room(r, cb); });
  expect_refused_at_once<RoomChange>("add_members", [&](auto cb) {
    s.add_members(id, alice_.id, {dave_.id}, kT0, 0, nullptr, cb);
  });
  expect_refused_at_once<RoomChange>("remove_member", [&](auto cb) {
    s.remove_member(id, alice_.id, bob_.id, kT0, nullptr, cb);
  });
  expect_refused_at_once<RoomChange>("take_over_room",
                                     [&](auto cb) { s.take_over_room(id, dave_.id, kT0, cb); });
  expect_refused_at_once<RoomChange>("update_room", [&](auto cb) {
    store::RoomPatch p;
    p.name = "改名";
    s.update_room(id, alice_.id, p, kT0, nullptr, cb);
  });
  expect_refused_at_once<RoomChange>("post_message", [&](auto cb) { s.post_message(m, cb); });
  expect_refused_at_once<RoomChange>("edit_message", [&](auto cb) {
    s.edit_message(id, seq, alice_.id, "直す", kT0, cb);
  });
  expect_refused_at_once<RoomChange>("delete_message", [&](auto cb) {
    s.delete_message(id, seq, alice_.id, kT0, cb);
  });
  expect_refused_at_once<store::ReadChange>("mark_read", [&](auto cb) {
    s.mark_read(id, carol_.id, seq, 0, cb);
  });
  expect_refused_at_once<std::int64_t>("claim_node_id",
                                       [&](auto cb) { s.claim_node_id(kT0, cb); });
  expect_refused_at_once<std::string>("ensure_secret",
                                      [&](auto cb) { s.ensure_secret("device_key", "x", cb); });

  reopen();
  EXPECT_EQ(must(store().room(room.id)).ev, before.ev);
  EXPECT_EQ(must(store().room(room.id)).msg_seq, before.msg_seq);
  EXPECT_EQ(must(store().messages(room.id, 0, 0, 10)).back().seq, seq);
  EXPECT_EQ(must(store().member(room.id, carol_.id))->read_seq, 0);
  EXPECT_EQ(must(store().user(bob_.id)).status, "");
  EXPECT_FALSE(must(store().user(bob_.id)).disabled);
  EXPECT_EQ(store().tenant_by_code("999003").status().code(), Code::not_found);
}

// After hand_off_callbacks() a write's callback runs when the handoff runs it (here, when
// the test does); a callback handed off but never run runs on shutdown()'s caller.
TEST_P(StoreTest, CallbacksRunThroughTheHandoffOrAtShutdown) {
  struct Handed {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::function<void()>> work;
  };
  auto handed = std::make_shared<Handed>();
  store().hand_off_callbacks([handed](std::function<void()> work) {
    std::lock_guard lock(handed->mu);
    handed->work.push_back(std::move(work));
    handed->cv.notify_all();
  });
  auto take_handed = [&] {
    std::unique_lock lock(handed->mu);
    EXPECT_TRUE(handed->cv.wait_for(lock, std::chrono::seconds(10),
                                    [&] { return !handed->work.empty(); }))
        << "nothing was handed off";
    return std::exchange(handed->work, {});
  };

  std::atomic<int> called{0};
  store().set_status(alice_.id, "会議中", [&](Result<User> r) {
    EXPECT_TRUE(r.ok());
    called.fetch_add(1);
  });
  auto work = take_handed();
  EXPECT_EQ(called.load(), 0);  // committed, but its callback waits for the handoff
  for (auto& w : work) w();
  EXPECT_EQ(called.load(), 1);
  EXPECT_EQ(must(store().user(alice_.id)).status, "会議中");

  store().set_status(bob_.id, "外出中", [&](Result<User> r) {
    EXPECT_TRUE(r.ok());
    called.fetch_add(1);
  });
  auto never_run = take_handed();  // an executor that stopped
  EXPECT_FALSE(never_run.empty());
  EXPECT_EQ(called.load(), 1);
  store().shutdown();
  EXPECT_EQ(called.load(), 2);
}

// ---- The cluster -------------------------------------------------------------------

// A node id is never handed out twice: each call gets a number above all those before it,
// also when two store objects (two nodes) share the database, claiming at the same time.
TEST_P(StoreTest, ClaimedNodeIdsAreDistinctAndIncreasing) {
  auto claim = [](store::Store& s) {
    return wait<std::int64_t>([&](auto cb) { s.claim_node_id(kT0, cb); });
  };
  auto second = open_store();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(must(claim(store())));
    ids.push_back(must(claim(*second)));
  }
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]) << i;

  constexpr int kEach = 25;
  std::vector<std::int64_t> by_first, by_second;
  std::atomic<int> failures{0};
  auto claim_many = [&](store::Store& s, std::vector<std::int64_t>& out) {
    for (int i = 0; i < kEach; ++i) {
      auto id = claim(s);
      if (id.ok()) out.push_back(*id);
      else failures.fetch_add(1);
    }
  };
  std::thread a([&] { claim_many(store(), by_first); });
  std::thread b([&] { claim_many(*second, by_second); });
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<std::int64_t> all(ids.begin(), ids.end());
  for (const auto* each : {&by_first, &by_second}) {
    for (std::size_t i = 0; i < each->size(); ++i) {
      if (i > 0) {
        EXPECT_LT((*each)[i - 1], (*each)[i]);
      }
      EXPECT_GT((*each)[i], ids.back());
      all.insert((*each)[i]);
    }
  }
  EXPECT_EQ(all.size(), ids.size() + 2 * kEach) << "an id was handed out twice";

  second.reset();
  reopen();
  EXPECT_GT(must(claim(store())), *all.rbegin());
}

// A shared secret is the first one stored under its name: later calls, from any node and
// after a restart, get it back whatever `fresh` they bring; two nodes racing to store a
// new one both get the winner's.
TEST_P(StoreTest, TheFirstSecretStoredWins) {
  auto ensure = [](store::Store& s, const std::string& name, const std::string& fresh) {
    return wait<std::string>([&](auto cb) { s.ensure_secret(name, fresh, cb); });
  };
  EXPECT_EQ(must(ensure(store(), "device_key", "first")), "first");
  EXPECT_EQ(must(ensure(store(), "device_key", "second")), "first");
  EXPECT_EQ(must(ensure(store(), "cookie_key", "other")), "other");  // names are apart
  auto second = open_store();
  EXPECT_EQ(must(ensure(*second, "device_key", "third")), "first");

  for (int round = 0; round < 5; ++round) {
    const std::string name = "race-" + std::to_string(round);
    Result<std::string> got_a = Status(), got_b = Status();
    std::thread a([&] { got_a = ensure(store(), name, "from-a"); });
    std::thread b([&] { got_b = ensure(*second, name, "from-b"); });
    a.join();
    b.join();
    ASSERT_TRUE(got_a.ok()) << got_a.status().message();
    ASSERT_TRUE(got_b.ok()) << got_b.status().message();
    EXPECT_EQ(*got_a, *got_b) << name;
    EXPECT_TRUE(*got_a == "from-a" || *got_a == "from-b") << *got_a;
  }

  second.reset();
  reopen();
  EXPECT_EQ(must(ensure(store(), "device_key", "fourth")), "first");
  EXPECT_EQ(must(ensure(store(), "cookie_key", "fifth")), "other");
}

}  // namespace
}  // namespace tonari::testing
