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

// Writes queued while the first one's callback holds the store's writer (on the writer
// thread when callbacks are not handed off), so that they are applied in as few batches as
// the store makes. Each write's result goes where add() says; wait() opens the gate and
// returns once every callback has run.
class Queued {
 public:
  template <class T, class Write>
  void add(std::optional<Result<T>>* into, Write write) {
    bool first = false;
    {
      std::lock_guard lock(mu_);
      first = !started_;
      started_ = true;
      ++pending_;
    }
    write([this, into, first](Result<T> r) {
      if (first) open_.wait();
      std::lock_guard lock(mu_);
      into->emplace(std::move(r));
      if (--pending_ == 0) done_.notify_all();
    });
  }
  void wait() {
    gate_.set_value();
    std::unique_lock lock(mu_);
    done_.wait(lock, [&] { return pending_ == 0; });
  }

 private:
  std::promise<void> gate_;
  std::shared_future<void> open_ = gate_.get_future().share();
  std::mutex mu_;
  std::condition_variable done_;
  int pending_ = 0;      // guarded by mu_
  bool started_ = false;  // guarded by mu_
};

TEST_P(StoreTest, PostsQueuedTogetherFollowTheRulesOfOneAtATime) {
  const Room a = group_room();  // alice (owner), bob, carol; alice sent its room_created
  const Room b = must(create_group(bob_.id, {alice_.id}, "B")).room;
  // The seq of the k-th post in A (nth(0): the room_created message); each post takes one
  // ev more.
  auto nth = [&](Seq k) { return a.msg_seq + k; };

  Queued queued;
  std::vector<std::optional<Result<RoomChange>>> posted(13);
  std::optional<Result<ReadChange>> carol_read;

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
    queued.add(&posted[n], [&, m](auto cb) { store().post_message(m, cb); });
  };

  submit(0, a.id, alice_, "g");            // nth(1)
  submit(1, a.id, bob_, "x");              // nth(2)
  submit(2, a.id, alice_, "x");            // nth(3): another sender's key
  submit(3, a.id, bob_, "x");              // a retry of 1: nth(2), nothing written
  submit(4, a.id, dave_, "d");             // not a member: not found
  submit(5, a.id, eve_, "e");              // another municipality: not found
  submit(6, a.id, alice_, "y");            // nth(4)
  queued.add(&carol_read, [&](auto cb) {   // carol: 0 -> nth(4)
    store().mark_read(a.id, carol_.id, 100, 0, cb);
  });
  submit(7, a.id, carol_, "z", nth(2));    // nth(5), quoting bob's nth(2)
  submit(8, b.id, bob_, "x");              // room B's first post
  submit(9, a.id, bob_, "w");              // nth(6)
  submit(10, a.id, alice_, "g");           // a retry of 0: nth(1)
  submit(11, a.id, carol_, "m", 0, {alice_.id});  // nth(7), mentioning alice
  submit(12, a.id, alice_, "n");           // nth(8)
  queued.wait();

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

TEST_P(StoreTest, StampsAndActionStampsQueuedTogetherKeepWhatEachIs) {
  const Room a = group_room();
  const Seq first = a.msg_seq + 1;
  Queued queued;
  std::vector<std::optional<Result<RoomChange>>> posted(5);
  auto submit = [&](int n, const User& sender, const std::string& client_id,
                    const std::string& stamp, std::optional<ActionSpec> action = {},
                    Seq reply_to = 0) {
    store::NewMessage m;
    m.room = a.id;
    m.sender = sender.id;
    m.sender_name = sender.name;
    m.client_id = client_id;
    m.body = stamp.empty() ? "本文 " + std::to_string(n) : "";
    m.stamp = stamp;
    m.action = std::move(action);
    m.reply_to = reply_to;
    m.now = kT0 + 10 + n;
    m.tenant = sender.tenant;
    queued.add(&posted[n], [&, m](auto cb) { store().post_message(m, cb); });
  };
  ActionSpec lunch;
  lunch.kind = ActionKind::choice;
  lunch.title = "昼食";
  lunch.options = {"弁当", "外食"};
  submit(0, alice_, "s1", "ryokai");         // first
  submit(1, bob_, "s2", "arigato");          // first + 1
  submit(2, carol_, "q1", "", lunch);        // first + 2
  submit(3, alice_, "s1", "iine");           // a retry of 0
  submit(4, bob_, "r1", "", {}, first);      // first + 3, quoting 0
  queued.wait();

  std::vector<RoomChange> out;
  for (auto& p : posted) {
    ASSERT_TRUE(p.has_value() && p->ok()) << (p ? p->status().message() : "no answer");
    out.push_back(**p);
  }
  EXPECT_EQ(out[0].message->seq, first);
  EXPECT_EQ(out[0].message->stamp, "ryokai");
  EXPECT_EQ(out[1].message->seq, first + 1);
  EXPECT_EQ(out[1].message->stamp, "arigato");
  EXPECT_EQ(out[2].message->seq, first + 2);
  ASSERT_TRUE(out[2].message->action.has_value());
  EXPECT_EQ(out[2].message->action->spec, lunch);
  EXPECT_EQ(out[2].message->action->tally, (ActionTally{0, 3, {0, 0}}));
  EXPECT_FALSE(out[3].created);
  EXPECT_EQ(out[3].message->seq, first);
  EXPECT_EQ(out[3].message->stamp, "ryokai");
  EXPECT_EQ(out[4].message->seq, first + 3);
  ASSERT_TRUE(out[4].message->reply_to.has_value());
  EXPECT_EQ(out[4].message->reply_to->body, "了解しました");
  // Stored as answered: replay builds the frames that were sent.
  auto events = all_events(a.id);
  ASSERT_EQ(events.size(), static_cast<std::size_t>(a.ev + 4));
  for (int n : {0, 1, 2, 4}) {
    ASSERT_EQ(out[n].events.size(), 1u) << n;
    EXPECT_EQ(*events.at(static_cast<std::size_t>(out[n].events[0].ev - 1)).frame,
              *out[n].events[0].frame) << n;
  }
  auto msgs = must(store().messages(a.id, a.msg_seq, 0, 10));
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(msgs[1].stamp, "arigato");
  ASSERT_TRUE(msgs[2].action.has_value());
  EXPECT_EQ(msgs[2].action->spec.title, "昼食");
  EXPECT_EQ(msgs[3].stamp, "");
  // Room lists show the last message with its question.
  must(ask(a.id, carol_.id, "q2", lunch));
  auto summary = must(store().room_summary(a.id, bob_.id));
  ASSERT_TRUE(summary.last_message && summary.last_message->action);
  EXPECT_EQ(summary.last_message->action->spec.title, "昼食");
  for (const RoomSummary& s : must(store().rooms_for_user(bob_.id))) {
    if (s.room.id != a.id) continue;
    ASSERT_TRUE(s.last_message && s.last_message->action);
    EXPECT_EQ(s.last_message->action->tally.pending, 3);
  }
}

}  // namespace
}  // namespace tonari::testing
