// SQLite schema upgrades: a database written by an older tonari reads back the same after
// its migrations; one written by a newer tonari is refused.

#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "search/collation.h"
#include "search/normalize.h"
#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

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

TEST_F(SqliteStoreTest, Version4KeepsTheReadPositionsOfAVersion3Database) {
  Room room = group_room();  // alice, bob, carol
  const Seq a1 = must(post(room.id, alice_.id, "a-1", "一")).message->seq;
  const Seq a2 = must(post(room.id, alice_.id, "a-2", "二")).message->seq;
  must(mark_read(room.id, bob_.id, a1));
  // Turn the database back into what version 3 wrote: every position in its member row
  // (a post wrote its sender's), no last_sender, no revocations, no department codes,
  // one key of users' order, no members' sort keys, no files, no room rules nor message
  // kinds (the room_created message stays, as a message like any), no stamps, reactions,
  // action stamps, notes nor pins, no search index.
  store_.reset();
  {
    store::sqlite::Connection db(db_path_, "NORMAL", false);
    db.exec(("DROP TRIGGER members_sort_key;"
            "DROP TABLE message_acks; DROP TABLE safety_checks; DROP TABLE safety_targets;"
            "DROP TABLE safety_picks; DROP TABLE safety_answers;"
            "ALTER TABLE users DROP COLUMN crisis; ALTER TABLE users DROP COLUMN dept_head;"
            "ALTER TABLE messages DROP COLUMN ack_required; ALTER TABLE messages DROP COLUMN ack_count;"
            "DROP TABLE search_fts; DROP TABLE search_docs; DROP TABLE search_state;"
            "DROP TABLE search_pending;"
            "DROP TABLE pins; DROP TABLE note_versions; DROP TABLE notes;"
            "DROP TABLE action_picks; DROP TABLE action_answers; DROP TABLE actions;"
            "DROP TABLE reactions; DROP TABLE reaction_counts;"
            "ALTER TABLE messages DROP COLUMN stamp; DROP TABLE files; DROP TABLE tenant_usage; DROP TABLE tenant_settings;"
            "ALTER TABLE users DROP COLUMN internet_allowed; ALTER TABLE messages DROP COLUMN nfiles;"
            "UPDATE members SET read_seq=" + std::to_string(a2) +
            " WHERE user_id=(SELECT id FROM users WHERE login='alice');"
            "ALTER TABLE rooms DROP COLUMN last_sender; DROP TABLE revocations;"
            "DROP INDEX members_order;"
            "ALTER TABLE members DROP COLUMN sort_key;"
            "DROP INDEX departments_code; ALTER TABLE departments DROP COLUMN code;"
            "DROP INDEX users_tenant_order; ALTER TABLE users DROP COLUMN name_key;"
            "CREATE INDEX users_tenant_order ON users(tenant_id, reading_key);"
            "DROP TABLE node_ids; DROP TABLE secrets;"
            "DROP INDEX rooms_synced; ALTER TABLE rooms DROP COLUMN description;"
            "ALTER TABLE rooms DROP COLUMN announcement; ALTER TABLE rooms DROP COLUMN official;"
            "ALTER TABLE rooms DROP COLUMN members_invite; ALTER TABLE rooms DROP COLUMN members_edit;"
            "ALTER TABLE rooms DROP COLUMN sync_kind; ALTER TABLE rooms DROP COLUMN sync_dept;"
            "ALTER TABLE rooms DROP COLUMN sync_subtree; ALTER TABLE users DROP COLUMN extension;"
            "ALTER TABLE messages DROP COLUMN kind; ALTER TABLE messages DROP COLUMN reply_edited;"
            "PRAGMA user_version=3;").c_str());
  }
  open();
  auto position = [&](UserId user) { return must(store().member(room.id, user))->read_seq; };
  EXPECT_EQ(position(alice_.id), a2);
  EXPECT_EQ(position(bob_.id), a1);
  EXPECT_EQ(position(carol_.id), 0);
  // carol posts: nobody's position was implied before (last_sender 0), so nothing moves
  // but hers.
  const Seq c3 = must(post(room.id, carol_.id, "c-3", "三")).message->seq;
  EXPECT_EQ(position(alice_.id), a2);
  EXPECT_EQ(position(bob_.id), a1);
  EXPECT_EQ(position(carol_.id), c3);
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
  for (const User& u : must(store.find_users(1, "", {}, 50))) logins.push_back(u.login);
  EXPECT_EQ(logins, (std::vector<std::string>{"sato", "sado", "hatta", "hatsuta"}));
}

// Departments made before codes existed get one from migration 6.
TEST(SqliteStoreUpgrade, Version6GivesExistingDepartmentsACode) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 5);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO departments(id, tenant_id, parent_id, name) VALUES(1, 1, NULL, '総務部'), (12, 1, 1, '総務課');
)sql");
    store::sqlite::migrate(db, 6);
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  auto depts = must(store.departments(1));
  ASSERT_EQ(depts.size(), 2u);
  EXPECT_EQ(depts[0].code, "D0001");
  EXPECT_EQ(depts[1].code, "D0012");
}

// A database of schema version 5 gets its members' sort keys from their users (whose keys
// version 7 computes from the readings), and the trigger keeps them in step when a
// reading's key changes.
TEST(SqliteStoreUpgrade, Version8CopiesSortKeysIntoMembers) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 5);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO users(id, tenant_id, login, name, reading, reading_key, search_key, password_hash, created_at)
  VALUES(1, 1, 'a', 'A', 'う', x'03', 'a', 'x', 0), (2, 1, 'b', 'B', 'あ', x'01', 'b', 'x', 0),
        (3, 1, 'c', 'C', 'い', x'02', 'c', 'x', 0);
INSERT INTO rooms(id, tenant_id, kind, name, created_by, created_at, member_count, last_activity)
  VALUES(7, 1, 'group', '防災', 1, 0, 3, 0);
INSERT INTO members(room_id, user_id, role, read_seq, joined_at)
  VALUES(7, 1, 'owner', 0, 0), (7, 2, 'member', 0, 0), (7, 3, 'member', 0, 0);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  {
    store::sqlite::SqliteStore store(opts);
    auto page = must(store.members_page(7, {}, 10, {}));
    EXPECT_EQ(ids_of(page), (std::vector<UserId>{2, 3, 1}));
  }
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    db.exec("UPDATE users SET reading_key=x'00' WHERE id=1");
  }
  store::sqlite::SqliteStore store(opts);
  EXPECT_EQ(ids_of(must(store.members_page(7, {}, 10, {}))),
            (std::vector<UserId>{1, 2, 3}));
}

// A database of schema version 9 gets files: its messages have none, its users may use
// the Internet zone, and its tenants have used no bytes; a file attaches to a new post.
TEST(SqliteStoreUpgrade, Version10AddsFilesToAnExistingTown) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 9);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO users(id, tenant_id, login, name, reading, reading_key, search_key, password_hash, created_at)
  VALUES(1, 1, 'alice', '阿部 愛', 'あべ あい', x'01', 'alice', 'x', 0);
INSERT INTO rooms(id, tenant_id, kind, name, created_by, created_at, msg_seq, ev, member_count, last_activity)
  VALUES(7, 1, 'group', '防災', 1, 0, 1, 2, 1, 0);
INSERT INTO members(room_id, user_id, role, read_seq, joined_at) VALUES(7, 1, 'owner', 1, 0);
INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, created_at, created_ev)
  VALUES(7, 1, 1, '阿部 愛', 'c-1', '一通目', 0, 2);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  EXPECT_TRUE(must(store.user(1)).internet_allowed);
  EXPECT_TRUE(must(store.message(7, 1)).files.empty());
  EXPECT_EQ(must(store.tenant_file_bytes(1)), 0);
  store::NewFile f;
  f.tenant = 1;
  f.room = 7;
  f.uploader = 1;
  f.name = "写真.jpg";
  f.size = 5;
  f.sha256 = std::string(64, 'a');
  FileInfo file = must(wait<FileInfo>([&](auto cb) { store.create_file(f, 0, cb); }));
  store::NewMessage m;
  m.room = 7;
  m.sender = 1;
  m.client_id = "c-2";
  m.files = {file.id};
  auto posted = must(wait<store::RoomChange>([&](auto cb) { store.post_message(m, cb); }));
  EXPECT_EQ(posted.message->seq, 2);
  auto page = must(store.messages(7, 0, 0, 10));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_TRUE(page[0].files.empty());
  ASSERT_EQ(page[1].files.size(), 1u);
  EXPECT_EQ(page[1].files[0].name, "写真.jpg");
}

// A database of schema version 10 gets rooms with rules: its rooms have the rules of a new
// group room and no description, its users no extension, its messages are text and their
// quotes unedited; its members take the role admin, and its rooms system messages.
TEST(SqliteStoreUpgrade, Version11AddsRulesRolesAndSystemMessages) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 10);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO users(id, tenant_id, login, name, reading, reading_key, search_key, password_hash, created_at)
  VALUES(1, 1, 'alice', '阿部 愛', 'あべ あい', x'01', 'alice', 'x', 0),
        (2, 1, 'bob', '伊藤 文', 'いとう ぶん', x'02', 'bob', 'x', 0);
INSERT INTO rooms(id, tenant_id, kind, name, created_by, created_at, msg_seq, ev, member_count, last_activity)
  VALUES(7, 1, 'group', '防災', 1, 0, 2, 3, 2, 0);
INSERT INTO members(room_id, user_id, role, read_seq, joined_at) VALUES(7, 1, 'owner', 2, 0),
  (7, 2, 'member', 2, 0);
INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, created_at, created_ev)
  VALUES(7, 1, 1, '阿部 愛', 'c-1', '一通目', 0, 2);
INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, reply_seq,
  reply_sender, reply_sender_name, reply_body, created_at, created_ev)
  VALUES(7, 2, 2, '伊藤 文', 'c-2', '返信', 1, 1, '阿部 愛', '一通目', 0, 3);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  Room room = must(store.room(7));
  EXPECT_EQ(room.description, "");
  EXPECT_EQ(room.rules, RoomRules{});
  EXPECT_EQ(must(store.user(1)).extension, "");
  auto page = must(store.messages(7, 0, 0, 10));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].kind, MessageKind::text);
  ASSERT_TRUE(page[1].reply_to.has_value());
  EXPECT_FALSE(page[1].reply_to->edited);
  auto promoted = must(wait<store::RoomChange>([&](auto cb) {
    store.set_member_role(7, 1, 2, MemberRole::admin, 10, nullptr, cb);
  }));
  EXPECT_EQ(promoted.room.msg_seq, 3);
  EXPECT_EQ(must(store.member(7, 2))->role, MemberRole::admin);
  must(wait<store::RoomChange>(
      [&](auto cb) { store.edit_message(7, 1, 1, "一通目（訂正）", 20, cb); }));
  auto reply = must(store.message(7, 2));
  EXPECT_EQ(reply.reply_to->body, "一通目（訂正）");
  EXPECT_TRUE(reply.reply_to->edited);
}

// Version 14 (issue 23) gives existing users no role flags and existing messages no
// acknowledgement; a check started on the upgraded database finds their order keys.
TEST(SqliteStoreUpgrade, Version14AddsSafetyChecksAndAcksToAnExistingTown) {
  TempDir dir;
  const std::string path = (dir.path() / "tonari.db").string();
  {
    store::sqlite::Connection db(path, "NORMAL", false);
    store::sqlite::migrate(db, 13);
    db.exec(R"sql(
INSERT INTO tenants(id, code, name, created_at) VALUES(1, '999001', 'テスト市', 0);
INSERT INTO users(id, tenant_id, login, name, reading, reading_key, name_key, search_key, password_hash, created_at)
  VALUES(1, 1, 'alice', '阿部 愛', 'あべ あい', x'02', x'01', 'alice', 'x', 0),
        (2, 1, 'bob', '伊藤 文', 'いとう ぶん', x'01', x'01', 'bob', 'x', 0);
INSERT INTO rooms(id, tenant_id, kind, name, created_by, created_at, msg_seq, ev, member_count, last_activity)
  VALUES(7, 1, 'group', '防災', 1, 0, 1, 2, 2, 0);
INSERT INTO members(room_id, user_id, role, read_seq, joined_at, sort_key) VALUES(7, 1, 'owner', 1, 0, x'0200'),
  (7, 2, 'member', 0, 0, x'0100');
INSERT INTO messages(room_id, seq, sender_id, sender_name, client_id, body, created_at, created_ev)
  VALUES(7, 1, 1, '阿部 愛', 'c-1', '一通目', 0, 2);
)sql");
  }
  store::sqlite::Options opts;
  opts.path = path;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore store(opts);
  const User alice = must(store.user(1));
  EXPECT_FALSE(alice.crisis);
  EXPECT_FALSE(alice.dept_head);
  const Message m = must(store.message(7, 1));
  EXPECT_FALSE(m.ack_required);
  EXPECT_EQ(m.ack_count, 0);
  auto refused = wait<store::RoomChange>([&](auto cb) { store.ack_message(7, 1, 2, 0, 10, cb); });
  EXPECT_EQ(refused.status().code(), Code::invalid_argument);
  store::SafetyStart s;
  s.tenant = 1;
  s.title = "訓練";
  s.training = true;
  s.questions = "[]";
  s.by = 1;
  s.now = 10;
  auto started = must(wait<store::SafetyStarted>([&](auto cb) { store.start_safety(s, cb); }));
  EXPECT_EQ(started.targets, (std::vector<UserId>{1, 2}));
  auto page = must(store.safety_targets_page(started.check.id, {}, {}, 10));
  ASSERT_EQ(page.targets.size(), 2u);
  EXPECT_EQ(page.targets[0].user.id, 2);  // bob's reading key sorts first
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
