// Store conformance (store_test.h): 確認必須 (issue 23) — acknowledgements of a message
// that asks for them: counted once per member, refused on ordinary, deleted or hidden
// messages, listed in member pages by state (and department), reminded.
#include "store/conformance/store_test.h"

#include <vector>

namespace tonari::testing {
namespace {

using store::MemberFilter;
using store::RoomChange;

class AckTest : public StoreTest {
 protected:
  Result<RoomChange> post_ack(RoomId room, UserId sender, const std::string& client_id,
                              bool ack_required = true) {
    store::NewMessage m;
    m.room = room;
    m.sender = sender;
    m.client_id = client_id;
    m.body = "全職員へ: 本日17時に避難訓練を行います";
    m.ack_required = ack_required;
    m.now = kT0 + 1000;
    m.tenant = tenant_.id;
    return wait<RoomChange>([&](auto cb) { store().post_message(m, cb); });
  }
  Result<RoomChange> ack(RoomId room, Seq seq, UserId user, TenantId tenant = 0) {
    return wait<RoomChange>(
        [&](auto cb) { store().ack_message(room, seq, user, tenant, kT0 + 2000, cb); });
  }
};

TEST_P(AckTest, AcknowledgementsCountOncePerMember) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id})).room;
  auto posted = must(post_ack(room.id, alice_.id, "a-1"));
  const Seq seq = posted.message->seq;
  EXPECT_TRUE(posted.message->ack_required);
  auto first = must(ack(room.id, seq, bob_.id, tenant_.id));
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.count, 1);
  auto again = must(ack(room.id, seq, bob_.id));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.count, 1);
  EXPECT_EQ(must(ack(room.id, seq, carol_.id)).count, 2);
  auto m = must(store().message(room.id, seq));
  EXPECT_TRUE(m.ack_required);
  EXPECT_EQ(m.ack_count, 2);
  EXPECT_FALSE(m.acked);  // the viewer's: viewer_marks
  auto history = must(store().messages(room.id, 0, 0, 10));
  EXPECT_EQ(history.back().ack_count, 2);
  EXPECT_EQ(must(store().viewer_marks(room.id, 1, seq, bob_.id)).acked, (std::vector<Seq>{seq}));
  EXPECT_TRUE(must(store().viewer_marks(room.id, 1, seq, dave_.id)).acked.empty());
  EXPECT_EQ(must(store().ack_counts(room.id, seq, alice_.id)), std::make_pair(int64_t{2}, int64_t{1}));
  // Reading is not acknowledging.
  must(mark_read(room.id, dave_.id, seq));
  EXPECT_EQ(must(store().message(room.id, seq)).ack_count, 2);
}

TEST_P(AckTest, AcksAreRefusedWherePrecise) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  const Seq asks = must(post_ack(room.id, alice_.id, "a-1")).message->seq;
  const Seq plain = must(post_ack(room.id, alice_.id, "a-2", false)).message->seq;
  auto ordinary = ack(room.id, plain, bob_.id);
  EXPECT_EQ(ordinary.status().code(), Code::invalid_argument);
  EXPECT_EQ(ordinary.status().message(), "not ack required");
  EXPECT_EQ(ack(room.id, asks, carol_.id).status().code(), Code::not_found);  // not a member
  EXPECT_EQ(ack(room.id, asks, bob_.id, other_tenant_.id).status().code(), Code::not_found);
  EXPECT_EQ(ack(room.id, asks + 10, bob_.id).status().code(), Code::not_found);
  must(ack(room.id, asks, bob_.id));
  // A deleted message loses its acks, and cannot be acknowledged.
  must(wait<RoomChange>([&](auto cb) { store().delete_message(room.id, asks, alice_.id, kT0 + 3000, cb); }));
  EXPECT_EQ(must(store().message(room.id, asks)).ack_count, 0);
  EXPECT_TRUE(must(store().viewer_marks(room.id, 1, asks, bob_.id)).acked.empty());
  EXPECT_EQ(ack(room.id, asks, bob_.id).status().code(), Code::not_found);
}

TEST_P(AckTest, MemberPagesByAcknowledgementAndDepartment) {
  auto g = gojuon_users();
  auto kensetsu = must(department("建設部"));
  auto doboku = must(department("土木課", kensetsu.id));
  store::UserPatch p;
  p.dept = doboku.id;
  must(update_user(g.sado.id, p));
  must(update_user(g.zato.id, p));
  auto room = must(create_group(alice_.id, {bob_.id, g.sato.id, g.sado.id, g.zato.id, g.safuji.id})).room;
  const Seq seq = must(post_ack(room.id, alice_.id, "a-1")).message->seq;
  must(ack(room.id, seq, g.zato.id));
  must(ack(room.id, seq, bob_.id));
  EXPECT_EQ(walk(room.id, 1, {MemberFilter::acked, seq, alice_.id}),
            (std::vector<UserId>{bob_.id, g.zato.id}));
  EXPECT_EQ(walk(room.id, 2, {MemberFilter::unacked, seq, alice_.id}),
            (std::vector<UserId>{g.sato.id, g.sado.id, g.safuji.id}));
  MemberFilter in_dept{MemberFilter::unacked, seq, alice_.id, kensetsu.id};
  EXPECT_EQ(walk(room.id, 1, in_dept), (std::vector<UserId>{g.sado.id}));
  in_dept.kind = MemberFilter::acked;
  EXPECT_EQ(walk(room.id, 1, in_dept), (std::vector<UserId>{g.zato.id}));
}

TEST_P(AckTest, ARemindMentionsTheUnacknowledged) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id, dave_.id})).room;
  const Seq seq = must(post_ack(room.id, alice_.id, "a-1")).message->seq;
  must(ack(room.id, seq, carol_.id));
  auto reminded = must(wait<RoomChange>([&](auto cb) {
    store().remind_ack(room.id, seq, alice_.id, 0, kT0 + 3000, nullptr, cb);
  }));
  EXPECT_EQ(reminded.count, 2);
  ASSERT_TRUE(reminded.message);
  EXPECT_EQ(reminded.message->mentions, (std::vector<UserId>{bob_.id, dave_.id}));
  EXPECT_EQ(note_of(*reminded.message).at("action").as_string(), "ack_reminded");
  must(ack(room.id, seq, bob_.id));
  must(ack(room.id, seq, dave_.id));
  auto nobody = wait<RoomChange>([&](auto cb) {
    store().remind_ack(room.id, seq, alice_.id, 0, kT0 + 4000, nullptr, cb);
  });
  EXPECT_EQ(nobody.status().code(), Code::conflict);
}

// The coalesced count (services/acks.h): one message.acks event with the count the write
// reads; nothing for an ordinary or deleted message.
TEST_P(AckTest, PublishAcksAppendsTheCountAsAnEvent) {
  auto room = must(create_group(alice_.id, {bob_.id, carol_.id})).room;
  const Seq seq = must(post_ack(room.id, alice_.id, "a-1")).message->seq;
  const Seq plain = must(post_ack(room.id, alice_.id, "a-2", false)).message->seq;
  must(ack(room.id, seq, bob_.id));
  must(ack(room.id, seq, carol_.id));
  auto published = must(wait<RoomChange>(
      [&](auto cb) { store().publish_acks(room.id, seq, kT0 + 3000, cb); }));
  EXPECT_TRUE(published.created);
  EXPECT_EQ(published.count, 2);
  ASSERT_EQ(published.events.size(), 1u);
  auto f = parse_frame(published.events[0]);
  EXPECT_EQ(str_at(f, "type"), "message.acks");
  EXPECT_EQ(f.at("seq").as_int64(), seq);
  EXPECT_EQ(f.at("ack_count").as_int64(), 2);
  EXPECT_EQ(f.at("ev").as_int64(), published.room.ev);
  // Stored: a resume replays it.
  auto stored = must(store().events_after(room.id, published.room.ev - 1, 10));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(*stored[0].frame, *published.events[0].frame);

  auto ordinary = must(wait<RoomChange>(
      [&](auto cb) { store().publish_acks(room.id, plain, kT0 + 3000, cb); }));
  EXPECT_FALSE(ordinary.created);
  EXPECT_TRUE(ordinary.events.empty());
  must(wait<RoomChange>([&](auto cb) { store().delete_message(room.id, seq, alice_.id, kT0 + 4000, cb); }));
  auto deleted = must(wait<RoomChange>(
      [&](auto cb) { store().publish_acks(room.id, seq, kT0 + 5000, cb); }));
  EXPECT_FALSE(deleted.created);
  EXPECT_TRUE(deleted.events.empty());
}

INSTANTIATE_TEST_SUITE_P(Conformance, AckTest,
                         ::testing::Values(StoreKind::sqlite, StoreKind::postgres),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return kind_name(info.param);
                         });

}  // namespace
}  // namespace tonari::testing
