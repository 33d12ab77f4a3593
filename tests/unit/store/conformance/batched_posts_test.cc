// Store conformance (store_test.h): writes queued together, as a busy server queues them.
// A store may apply them together (one transaction, one statement for many posts), but
// each one's result is what applying them one at a time, in the order they were
// submitted, gives: numbers, idempotent retries, refusals, read positions.
#include "store/conformance/store_test.h"

#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace tonari::testing {
namespace {

using store::ReadChange;
using store::RoomChange;

TEST_P(StoreTest, PostsQueuedTogetherFollowTheRulesOfOneAtATime) {
  const Room a = group_room();  // alice (owner), bob, carol; alice sent its room_created
  const Room b = must(create_group(bob_.id, {alice_.id}, "B")).room;
  // The seq of the k-th post in A (nth(0): the room_created message); each post takes one
  // ev more.
  auto nth = [&](Seq k) { return a.msg_seq + k; };

  // Every write below is queued while the first one's callback holds the store's writer
  // (on the writer thread when callbacks are not handed off), so that they are applied in
  // as few batches as the store makes.
  std::promise<void> gate;
  std::shared_future<void> gate_open = gate.get_future().share();
  std::vector<std::optional<Result<RoomChange>>> posted(13);
  std::optional<Result<ReadChange>> carol_read;
  std::mutex mu;
  std::condition_variable cv;
  int pending = 0;

  auto submit = [&](int n, RoomId room, const User& sender, const std::string& client_id,
                    Seq reply_to = 0, std::vector<UserId> mentions = {}) {
    store::NewMessage m;
    m.room = room;
    m.sender = sender.id;
    m.sender_name = sender.name;  // as Messages::post gives it
    m.client_id = client_id;
    m.body = "本文 " + std::to_string(n);
    m.reply_to = reply_to;
    m.mentions = std::move(mentions);
    m.now = kT0 + 10 + n;
    m.tenant = sender.tenant;
    {
      std::lock_guard lock(mu);
      ++pending;
    }
    store().post_message(std::move(m), [&, n](Result<RoomChange> r) {
      if (n == 0) gate_open.wait();
      std::lock_guard lock(mu);
      posted[n].emplace(std::move(r));
      if (--pending == 0) cv.notify_all();
    });
  };

  submit(0, a.id, alice_, "g");            // nth(1)
  submit(1, a.id, bob_, "x");              // nth(2)
  submit(2, a.id, alice_, "x");            // nth(3): another sender's key
  submit(3, a.id, bob_, "x");              // a retry of 1: nth(2), nothing written
  submit(4, a.id, dave_, "d");             // not a member: not found
  submit(5, a.id, eve_, "e");              // another municipality: not found
  submit(6, a.id, alice_, "y");            // nth(4)
  {
    std::lock_guard lock(mu);
    ++pending;
  }
  store().mark_read(a.id, carol_.id, 100, 0, [&](Result<ReadChange> r) {
    std::lock_guard lock(mu);
    carol_read.emplace(std::move(r));
    if (--pending == 0) cv.notify_all();
  });                                      // carol: 0 -> nth(4)
  submit(7, a.id, carol_, "z", nth(2));    // nth(5), quoting bob's nth(2)
  submit(8, b.id, bob_, "x");              // room B's first post
  submit(9, a.id, bob_, "w");              // nth(6)
  submit(10, a.id, alice_, "g");           // a retry of 0: nth(1)
  submit(11, a.id, carol_, "m", 0, {alice_.id});  // nth(7), mentioning alice
  submit(12, a.id, alice_, "n");           // nth(8)
  gate.set_value();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return pending == 0; });
  }

  auto created = [&](int n, Seq seq, Seq read_before) {
    SCOPED_TRACE("post " + std::to_string(n));
    ASSERT_TRUE(posted[n].has_value());
    const Result<RoomChange>& r = *posted[n];
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->created);
    ASSERT_TRUE(r->message.has_value());
    EXPECT_EQ(r->message->seq, seq);
    EXPECT_EQ(r->message->body, "本文 " + std::to_string(n));
    EXPECT_EQ(r->message->created_at, kT0 + 10 + n);
    EXPECT_EQ(r->room.msg_seq, seq);
    EXPECT_EQ(r->room.ev, a.ev + (seq - a.msg_seq));
    EXPECT_EQ(r->room.last_activity, kT0 + 10 + n);
    EXPECT_EQ(r->sender_read_before, read_before);
    ASSERT_EQ(r->events.size(), 1u);
    EXPECT_EQ(r->events[0].ev, a.ev + (seq - a.msg_seq));
  };
  auto retried = [&](int n, Seq seq, int first) {
    SCOPED_TRACE("post " + std::to_string(n));
    ASSERT_TRUE(posted[n].has_value());
    const Result<RoomChange>& r = *posted[n];
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_FALSE(r->created);
    ASSERT_TRUE(r->message.has_value());
    EXPECT_EQ(r->message->seq, seq);
    EXPECT_EQ(r->message->body, "本文 " + std::to_string(first));
    EXPECT_TRUE(r->events.empty());
  };
  auto hidden = [&](int n) {
    SCOPED_TRACE("post " + std::to_string(n));
    ASSERT_TRUE(posted[n].has_value());
    ASSERT_FALSE(posted[n]->ok());
    EXPECT_EQ(posted[n]->status().code(), Code::not_found);
  };

  created(0, nth(1), nth(0));  // after the room_created message she sent
  created(1, nth(2), 0);
  created(2, nth(3), nth(1));  // alice's own nth(1) was read when bob posted after it
  retried(3, nth(2), 1);
  hidden(4);
  hidden(5);
  created(6, nth(4), nth(3));  // after her own nth(3)
  ASSERT_TRUE(carol_read.has_value());
  ASSERT_TRUE(carol_read->ok());
  EXPECT_EQ((*carol_read)->old_seq, 0);
  EXPECT_EQ((*carol_read)->new_seq, nth(4));
  created(7, nth(5), nth(4));
  ASSERT_TRUE((*posted[7])->message->reply_to.has_value());
  EXPECT_EQ((*posted[7])->message->reply_to->seq, nth(2));
  EXPECT_EQ((*posted[7])->message->reply_to->sender, bob_.id);
  EXPECT_EQ((*posted[7])->message->reply_to->body, "本文 1");
  {
    SCOPED_TRACE("post 8, room B");
    ASSERT_TRUE(posted[8]->ok());
    EXPECT_TRUE((*posted[8])->created);
    EXPECT_EQ((*posted[8])->message->seq, b.msg_seq + 1);
    EXPECT_EQ((*posted[8])->room.id, b.id);
  }
  created(9, nth(6), nth(2));  // bob's nth(2) was read when alice posted after it
  retried(10, nth(1), 0);
  created(11, nth(7), nth(5));
  EXPECT_EQ((*posted[11])->message->mentions, std::vector<UserId>{alice_.id});
  created(12, nth(8), nth(4));

  // What was stored: the same as the answers.
  const Room stored = must(store().room(a.id));
  EXPECT_EQ(stored.msg_seq, nth(8));
  EXPECT_EQ(stored.ev, a.ev + 8);
  EXPECT_EQ(stored.last_activity, kT0 + 22);
  auto msgs = must(store().messages(a.id, nth(0), 0, 50));
  ASSERT_EQ(msgs.size(), 8u);
  const std::vector<UserId> senders = {alice_.id, bob_.id,   alice_.id, alice_.id,
                                       carol_.id, bob_.id,   carol_.id, alice_.id};
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(msgs[i].seq, nth(i + 1));
    EXPECT_EQ(msgs[i].sender, senders[i]) << "post " << i + 1;
    if (i > 0) {
      EXPECT_LT(msgs[i - 1].id, msgs[i].id);
    }
  }
  EXPECT_EQ(all_events(a.id).size(), static_cast<std::size_t>(a.ev + 8));
  // Read positions: the last sender has read everything; each earlier sender up to the
  // message before the one that followed theirs.
  EXPECT_EQ(must(store().member(a.id, alice_.id))->read_seq, nth(8));
  EXPECT_EQ(must(store().member(a.id, bob_.id))->read_seq, nth(6));
  EXPECT_EQ(must(store().member(a.id, carol_.id))->read_seq, nth(7));
  EXPECT_EQ(must(store().room(b.id)).msg_seq, b.msg_seq + 1);
}

}  // namespace
}  // namespace tonari::testing
