// copy_sqlite_to_postgres (store/copy_store.h) on what issue 19 added: files (attached, with
// a sanitizing outcome and a position, and not attached), the tenants' file bytes and
// settings, and who may use the Internet zone; and on what issue 21 added: stamps,
// reactions, action stamps, notes and pins. The names contain "Postgres": these run in the
// one process of the PostgreSQL tests (tests/unit/CMakeLists.txt).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "store/copy_store.h"
#include "store/postgres/pg_store.h"
#include "store/test_postgres.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::RoomChange;

class CopyStorePostgres : public SqliteStoreTest {};

TEST_F(CopyStorePostgres, FilesSettingsAndInternetAccessAreCopied) {
  Room room = group_room();
  store::NewFile nf;
  nf.tenant = tenant_.id;
  nf.room = room.id;
  nf.uploader = alice_.id;
  nf.name = "破裂箇所.jpg";
  nf.size = 4012345;
  nf.sha256 = std::string(64, 'a');
  nf.declared_type = "image/jpeg";
  nf.from_internet = true;
  nf.now = kT0 + 10;
  FileInfo photo = must(wait<FileInfo>([&](auto cb) { store().create_file(nf, 0, cb); }));
  nf.name = "まだ.pdf";
  nf.size = 10;
  must(wait<FileInfo>([&](auto cb) { store().create_file(nf, 0, cb); }));
  store::NewMessage m;
  m.room = room.id;
  m.sender = alice_.id;
  m.client_id = "photo";
  m.now = kT0 + 20;
  m.files = {photo.id};
  const Seq photo_seq =
      must(wait<RoomChange>([&](auto cb) { store().post_message(m, cb); })).message->seq;
  auto job = must(wait<std::optional<FileInfo>>(
      [&](auto cb) { store().claim_file_job(1, kT0 + 30, 60'000, cb); }));
  ASSERT_TRUE(job && job->id == photo.id);
  store::FileOutcome o;
  o.file = photo.id;
  o.node = 1;
  o.state = FileState::ready;
  o.clean_sha256 = std::string(64, 'c');
  o.clean_size = 900;
  o.clean_type = "image/jpeg";
  o.clean_name = "破裂箇所.jpg";
  o.sanitized = true;
  o.lat = 35.68123456789012;  // more digits than SQLite's text of a REAL keeps
  o.lon = 139.7671234567891;
  o.now = kT0 + 40;
  must(wait<RoomChange>([&](auto cb) { store().finish_file_job(o, cb); }));
  must(wait<bool>([&](auto cb) {
    store().set_tenant_setting(tenant_.id, "file_policy", R"({"pdf":"rasterize"})", cb);
  }));
  must(wait<User>([&](auto cb) { store().set_internet_allowed(bob_.id, false, cb); }));
  store_->shutdown();
  store_.reset();

  auto name = TestPostgres::instance().create_database();
  ASSERT_TRUE(name.ok()) << name.status().message();
  const std::string uri = TestPostgres::instance().uri(*name);
  {
    auto report = store::copy_sqlite_to_postgres(db_path_, uri, [](const std::string&) {});
    ASSERT_TRUE(report.ok()) << report.status().message();
    std::map<std::string, std::int64_t> copied;
    for (const auto& t : report->tables) copied[t.table] = t.to;
    EXPECT_EQ(copied["files"], 2);
    EXPECT_EQ(copied["tenant_usage"], 1);
    EXPECT_EQ(copied["tenant_settings"], 1);

    store::postgres::PgStore pg(store::postgres::Options{.conninfo = uri});
    FileInfo f = must(pg.file(photo.id));
    EXPECT_EQ(f.name, "破裂箇所.jpg");
    EXPECT_EQ(f.state, FileState::ready);
    EXPECT_TRUE(f.sanitized);
    EXPECT_TRUE(f.from_internet);
    ASSERT_TRUE(f.lat && f.lon);
    EXPECT_EQ(*f.lat, 35.68123456789012);
    EXPECT_EQ(*f.lon, 139.7671234567891);
    EXPECT_EQ(must(pg.message(room.id, photo_seq)).files.size(), 1u);
    EXPECT_EQ(must(pg.tenant_file_bytes(tenant_.id)), 4012355);
    EXPECT_EQ(must(pg.tenant_setting(tenant_.id, "file_policy")), R"({"pdf":"rasterize"})");
    EXPECT_FALSE(must(pg.user(bob_.id)).internet_allowed);
    EXPECT_TRUE(must(pg.user(alice_.id)).internet_allowed);
    // New files get ids after the copied ones.
    nf.name = "次.jpg";
    FileInfo next = must(wait<FileInfo>([&](auto cb) { pg.create_file(nf, 0, cb); }));
    EXPECT_GT(next.id, photo.id + 1);
    pg.shutdown();
  }
  EXPECT_TRUE(TestPostgres::instance().drop_database(*name).is_ok());
}

TEST_F(CopyStorePostgres, WorkingTogetherIsCopiedAndGoesOnThere) {
  Room room = group_room();
  auto send = [&](store::NewMessage m) {
    m.room = room.id;
    m.now = kT0 + 20;
    return must(wait<RoomChange>([&](auto cb) { store().post_message(m, cb); })).message->seq;
  };
  store::NewMessage stamp;
  stamp.sender = bob_.id;
  stamp.client_id = "stamp";
  stamp.stamp = "otsukare";
  const Seq stamp_seq = send(stamp);
  store::NewMessage asking;
  asking.sender = alice_.id;
  asking.client_id = "ask";
  asking.action = ActionSpec{ActionKind::choice, "弁当", {"幕の内", "のり弁"}};
  const Seq ask_seq = send(asking);
  for (const auto& [user, key] : std::vector<std::pair<UserId, std::string>>{
           {alice_.id, "s:ryokai"}, {carol_.id, "s:ryokai"}, {carol_.id, "👍"}}) {
    store::NewReaction r{room.id, stamp_seq, user, 0, key, true, kT0 + 30};
    must(wait<RoomChange>([&](auto cb) { store().react(r, cb); }));
  }
  for (UserId user : {bob_.id, carol_.id}) {
    store::NewAnswer a{room.id, ask_seq, user, 0, {{user == bob_.id ? 0 : 1, 0}}, kT0 + 40};
    must(wait<RoomChange>([&](auto cb) { store().answer_action(a, cb); }));
  }
  must(wait<RoomChange>(  // carol leaves: her answer stays, she is no longer pending
      [&](auto cb) { store().remove_member(room.id, carol_.id, carol_.id, kT0 + 50, nullptr, cb); }));
  auto add_note = [&](const std::string& title) {
    store::NewNote n{room.id, 0, bob_.id, title, "本文", kT0 + 60};
    return must(wait<RoomChange>([&](auto cb) { store().create_note(n, nullptr, cb); })).note->id;
  };
  const NoteId kept = add_note("議事録");
  store::NoteEdit e{kept, room.id, 0, alice_.id, 1, "議事録", "本文 改", 0, kT0 + 70};
  must(wait<RoomChange>([&](auto cb) { store().update_note(e, nullptr, cb); }));
  const NoteId gone = add_note("下書き");
  must(wait<RoomChange>(
      [&](auto cb) { store().delete_note(room.id, gone, bob_.id, kT0 + 80, nullptr, cb); }));
  for (const auto& [kind, target] : std::vector<std::pair<Pin::Kind, std::int64_t>>{
           {Pin::Kind::message, ask_seq}, {Pin::Kind::note, kept}}) {
    must(wait<RoomChange>(
        [&](auto cb) { store().pin(room.id, alice_.id, kind, target, kT0 + 90, nullptr, cb); }));
  }
  store_->shutdown();
  store_.reset();

  auto name = TestPostgres::instance().create_database();
  ASSERT_TRUE(name.ok()) << name.status().message();
  const std::string uri = TestPostgres::instance().uri(*name);
  {
    // The copy's own check compares every message (reactions, action), note and pin.
    auto report = store::copy_sqlite_to_postgres(db_path_, uri, [](const std::string&) {});
    ASSERT_TRUE(report.ok()) << report.status().message();
    std::map<std::string, std::int64_t> copied;
    for (const auto& t : report->tables) copied[t.table] = t.to;
    EXPECT_EQ(copied["reactions"], 3);
    EXPECT_EQ(copied["action_answers"], 2);
    EXPECT_EQ(copied["pins"], 2);

    store::postgres::PgStore pg(store::postgres::Options{.conninfo = uri});
    auto on_pg = [&](auto write) { return must(wait<RoomChange>(write)); };
    // What PostgreSQL derives (quotes, which messages have parts) was derived.
    store::NewMessage reply;
    reply.room = room.id;
    reply.sender = alice_.id;
    reply.client_id = "reply";
    reply.body = "こちらこそ";
    reply.reply_to = stamp_seq;
    reply.now = kT0 + 100;
    EXPECT_EQ(on_pg([&](auto cb) { pg.post_message(reply, cb); }).message->reply_to->body,
              "お疲れさまです");
    reply.client_id = "reply-2";
    reply.reply_to = ask_seq;
    EXPECT_EQ(on_pg([&](auto cb) { pg.post_message(reply, cb); }).message->reply_to->body, "弁当");
    auto msg = must(pg.message(room.id, stamp_seq));
    ASSERT_EQ(msg.reactions.size(), 2u);
    EXPECT_EQ(msg.reactions[0], (ReactionCount{"s:ryokai", 2, false}));
    // The tallies go on from where they were.
    EXPECT_EQ(must(pg.action(room.id, ask_seq)).tally, (ActionTally{2, 1, {1, 1}}));
    store::NewAnswer a{room.id, ask_seq, alice_.id, 0, {{1, 0}}, kT0 + 110};
    EXPECT_EQ(on_pg([&](auto cb) { pg.answer_action(a, cb); }).action->tally,
              (ActionTally{3, 0, {1, 2}}));
    store::NewReaction r{room.id, stamp_seq, bob_.id, 0, "s:ryokai", true, kT0 + 120};
    EXPECT_EQ(on_pg([&](auto cb) { pg.react(r, cb); }).count, 3);
    // Notes: the deleted one stays deleted, new ones get ids after the copied ones.
    EXPECT_EQ(pg.note(room.id, gone).status().code(), Code::not_found);
    EXPECT_EQ(must(pg.note_versions(room.id, kept)).size(), 2u);
    store::NewNote n{room.id, 0, bob_.id, "次", "", kT0 + 130};
    EXPECT_GT(on_pg([&](auto cb) { pg.create_note(n, nullptr, cb); }).note->id, gone);
    auto pins = must(pg.pins(room.id));
    ASSERT_EQ(pins.size(), 2u);
    EXPECT_EQ(pins[0].note, kept);
    pg.shutdown();
  }
  EXPECT_TRUE(TestPostgres::instance().drop_database(*name).is_ok());
}

// Issue 23: the role flags, acknowledgements and a safety check with answers (a proxy one,
// a changed one) are copied, checked by the copy's digests, and go on on PostgreSQL.
TEST_F(CopyStorePostgres, SafetyChecksAndAcksAreCopiedAndGoOnThere) {
  Room room = group_room();  // alice, bob, carol
  store::NewMessage m;
  m.room = room.id;
  m.sender = alice_.id;
  m.client_id = "notice";
  m.body = "全職員へ";
  m.ack_required = true;
  m.now = kT0 + 10;
  const Seq notice = must(wait<RoomChange>([&](auto cb) { store().post_message(m, cb); })).message->seq;
  must(wait<RoomChange>([&](auto cb) { store().ack_message(room.id, notice, bob_.id, 0, kT0 + 20, cb); }));
  must(wait<User>([&](auto cb) { store().set_user_flags(alice_.id, true, false, cb); }));
  must(wait<User>([&](auto cb) { store().set_user_flags(bob_.id, false, true, cb); }));
  store::SafetyStart s;
  s.tenant = tenant_.id;
  s.title = "地震";
  s.questions = R"([{"key":"status","kind":"choice","options":["無事","軽傷","重傷"]}])";
  s.by = alice_.id;
  s.origin = "webhook";
  s.webhook_event = "ev-1";
  s.now = kT0 + 30;
  const auto check = must(wait<store::SafetyStarted>([&](auto cb) { store().start_safety(s, cb); })).check;
  auto answer = [&](store::Store& on, UserId user, UserId by, const std::string& client_id, int option) {
    store::SafetyAnswerWrite a{check.id, tenant_.id, user, by, client_id,
                               "{\"status\":" + std::to_string(option) + "}", {{0, option}}, kT0 + 40};
    return must(wait<store::SafetyAnswered>([&](auto cb) { on.answer_safety(a, cb); }));
  };
  answer(store(), bob_.id, bob_.id, "b-1", 0);
  answer(store(), bob_.id, bob_.id, "b-2", 1);
  answer(store(), carol_.id, alice_.id, "p-1", 2);
  store_->shutdown();
  store_.reset();

  auto name = TestPostgres::instance().create_database();
  ASSERT_TRUE(name.ok()) << name.status().message();
  const std::string uri = TestPostgres::instance().uri(*name);
  {
    auto report = store::copy_sqlite_to_postgres(db_path_, uri, [](const std::string&) {});
    ASSERT_TRUE(report.ok()) << report.status().message();
    std::map<std::string, std::int64_t> copied;
    for (const auto& t : report->tables) copied[t.table] = t.to;
    EXPECT_EQ(copied["message_acks"], 1);
    EXPECT_EQ(copied["safety_checks"], 1);
    EXPECT_EQ(copied["safety_targets"], 4);
    EXPECT_EQ(copied["safety_answers"], 3);
    EXPECT_EQ(copied["safety_picks"], 2);

    store::postgres::PgStore pg(store::postgres::Options{.conninfo = uri});
    EXPECT_TRUE(must(pg.user(alice_.id)).crisis);
    EXPECT_TRUE(must(pg.user(bob_.id)).dept_head);
    EXPECT_EQ(must(pg.message(room.id, notice)).ack_count, 1);
    EXPECT_EQ(must(wait<RoomChange>([&](auto cb) {
                pg.ack_message(room.id, notice, carol_.id, 0, kT0 + 50, cb);
              })).count, 2);
    auto copied_check = must(pg.safety_check(check.id));
    EXPECT_EQ(copied_check.answered, 2);
    EXPECT_EQ(copied_check.webhook_event, "ev-1");
    EXPECT_TRUE(must(pg.safety_target(check.id, carol_.id)).proxy);
    EXPECT_EQ(must(pg.safety_answer_history(check.id, bob_.id)).size(), 2u);
    // A retry of a copied answer is still one; new answers and checks get new ids.
    EXPECT_FALSE(answer(pg, bob_.id, bob_.id, "b-2", 1).created);
    EXPECT_TRUE(answer(pg, dave_.id, dave_.id, "d-1", 0).created);
    s.webhook_event = "ev-2";
    auto next = must(wait<store::SafetyStarted>([&](auto cb) { pg.start_safety(s, cb); }));
    EXPECT_GT(next.check.id, check.id);
    pg.shutdown();
  }
  EXPECT_TRUE(TestPostgres::instance().drop_database(*name).is_ok());
}

}  // namespace
}  // namespace tonari::testing
