// The kinds of store the conformance suite runs on, and its instantiation.
#include "store/conformance/store_test.h"

#include "store/postgres/pg_store.h"
#include "store/sqlite/db.h"
#include "store/test_postgres.h"

namespace tonari::testing {
namespace {

class SqliteDatabase final : public ScratchDatabase {
 public:
  std::unique_ptr<store::Store> open() override {
    store::sqlite::Options opts;
    opts.path = (dir_.path() / "tonari.db").string();
    opts.synchronous = "NORMAL";
    return std::make_unique<store::sqlite::SqliteStore>(opts);
  }
  Status exec(const std::string& sql) override {
    try {
      store::sqlite::Connection db((dir_.path() / "tonari.db").string(), "NORMAL", false);
      db.exec(sql.c_str());
      return Status::ok();
    } catch (const store::sqlite::DbError& e) {
      return internal_error(e.what());
    }
  }

 private:
  TempDir dir_;
};

class PostgresDatabase final : public ScratchDatabase {
 public:
  explicit PostgresDatabase(std::string name) : name_(std::move(name)) {}
  ~PostgresDatabase() override {
    Status dropped = TestPostgres::instance().drop_database(name_);
    EXPECT_TRUE(dropped.is_ok()) << "after the test, with its stores closed: "
                                 << dropped.message();
  }
  std::unique_ptr<store::Store> open() override {
    store::postgres::Options opts;
    opts.conninfo = TestPostgres::instance().uri(name_);
    return std::make_unique<store::postgres::PgStore>(opts);
  }
  Status exec(const std::string& sql) override {
    PGconn* c = PQconnectdb(TestPostgres::instance().uri(name_).c_str());
    Status out = Status::ok();
    if (PQstatus(c) != CONNECTION_OK) {
      out = internal_error(PQerrorMessage(c));
    } else {
      PGresult* r = PQexec(c, sql.c_str());
      const auto st = PQresultStatus(r);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) out = internal_error(PQerrorMessage(c));
      PQclear(r);
    }
    PQfinish(c);
    return out;
  }

 private:
  std::string name_;
};

}  // namespace

std::string kind_name(StoreKind kind) {
  return kind == StoreKind::sqlite ? "Sqlite" : "Postgres";
}

Result<std::unique_ptr<ScratchDatabase>> ScratchDatabase::create(StoreKind kind) {
  if (kind == StoreKind::sqlite) return std::unique_ptr<ScratchDatabase>(new SqliteDatabase);
  auto name = TestPostgres::instance().create_database();
  if (!name.ok()) return name.status();
  return std::unique_ptr<ScratchDatabase>(new PostgresDatabase(*name));
}

void StoreTest::SetUp() {
  auto database = ScratchDatabase::create(GetParam());
  ASSERT_TRUE(database.ok()) << "no " << kind_name(GetParam())
                             << " store to test: " << database.status().message();
  database_ = std::move(*database);
  StoreFixture::SetUp();
}

void StoreTest::TearDown() {
  StoreFixture::TearDown();
  database_.reset();
}

Result<store::RoomChange> StoreTest::create_with_rules(RoomRules rules,
                                                     std::vector<UserId> members,
                                                     const std::string& name) {
  store::NewRoom r;
  r.tenant = tenant_.id;
  r.kind = RoomKind::group;
  r.name = name;
  r.creator = alice_.id;
  r.members = std::move(members);
  r.now = kT0;
  r.description = "庁内のお知らせを流します";
  r.rules = rules;
  return wait<store::RoomChange>([&](auto cb) { store().create_room(r, cb); });
}

std::vector<Message> StoreTest::system_messages(RoomId room) {
  std::vector<Message> out;
  for (Message& m : must(store().messages(room, 0, 0, 1000))) {
    if (m.kind == MessageKind::system) out.push_back(std::move(m));
  }
  return out;
}

boost::json::object StoreTest::note_of(const Message& m) {
  return boost::json::parse(m.body).as_object();
}

boost::json::object StoreTest::note_of(const RoomEvent& e) {
  auto f = parse_frame(e);
  if (str_at(f, "type") != "message.created") return {};
  const auto& msg = f.at("message").as_object();
  if (!msg.contains("kind") || msg.at("kind").as_string() != "system") return {};
  return msg.at("system").as_object();
}

MemberRole StoreTest::role(RoomId room, UserId user) {
  auto m = must(store().member(room, user));
  EXPECT_TRUE(m.has_value());
  return m ? m->role : MemberRole::member;
}

std::vector<UserId> StoreTest::owners(RoomId room) {
  std::vector<UserId> out;
  for (const auto& [u, m] : must(store().members(room))) {
    if (m.role == MemberRole::owner) out.push_back(u.id);
  }
  return out;
}

std::vector<UserId> StoreTest::walk(RoomId room, int limit, store::MemberFilter filter) {
  std::vector<UserId> out;
  store::MemberKey after;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = must(store().members_page(room, after, limit, filter));
    EXPECT_LE(static_cast<int>(page.members.size()), limit);
    for (UserId id : ids_of(page)) out.push_back(id);
    if (!page.next) return out;
    EXPECT_EQ(page.next->user, page.members.back().first.id);
    after = *page.next;
  }
  ADD_FAILURE() << "the pages never ended";
  return out;
}

Result<FileInfo> StoreTest::upload(RoomId room, UserId uploader, const std::string& name,
                                   std::int64_t size, TimeMs now, std::int64_t quota,
                                   TenantId tenant) {
  store::NewFile f;
  f.tenant = tenant ? tenant : tenant_.id;
  f.room = room;
  f.uploader = uploader;
  f.name = name;
  f.size = size;
  f.sha256 = std::string(64, 'a');
  f.declared_type = "image/jpeg";
  f.from_internet = true;
  f.now = now;
  return wait<FileInfo>([&](auto cb) { store().create_file(f, quota, cb); });
}

Result<store::RoomChange> StoreTest::post_files(RoomId room, UserId sender,
                                                const std::string& client_id,
                                                std::vector<FileId> files,
                                                const std::string& body, TimeMs now) {
  store::NewMessage m;
  m.room = room;
  m.sender = sender;
  m.sender_name = sender == alice_.id ? alice_.name : "";
  m.client_id = client_id;
  m.body = body;
  m.now = now;
  m.tenant = tenant_.id;
  m.files = std::move(files);
  return wait<store::RoomChange>([&](auto cb) { store().post_message(m, cb); });
}

Result<std::optional<FileInfo>> StoreTest::claim(std::int64_t node, TimeMs now, store::Store* s) {
  store::Store& on = s ? *s : store();
  return wait<std::optional<FileInfo>>(
      [&](auto cb) { on.claim_file_job(node, now, kLease, cb); });
}

Result<std::int64_t> StoreTest::release(std::int64_t node) {
  return wait<std::int64_t>([&](auto cb) { store().release_file_jobs(node, cb); });
}

Result<store::RoomChange> StoreTest::finish(FileId file, std::int64_t node, FileState state,
                                            const std::string& reason, TimeMs now) {
  store::FileOutcome o;
  o.file = file;
  o.node = node;
  o.state = state;
  o.reason = reason;
  o.detected_type = "image/jpeg";
  if (state == FileState::ready) {
    o.clean_sha256 = std::string(64, 'c');
    o.clean_size = 900;
    o.clean_type = "image/jpeg";
    o.clean_name = "写真.jpg";
    o.sanitized = true;
  }
  o.thumb_sha256 = std::string(64, 't');
  o.width = 4032;
  o.height = 3024;
  o.lat = 35.681236;
  o.lon = 139.767125;
  o.now = now;
  return wait<store::RoomChange>([&](auto cb) { store().finish_file_job(o, cb); });
}

void StoreTest::hold(FileId id, std::int64_t node) {
  for (int i = 0; i < 20; ++i) {
    auto got = must(claim(node, kT0 + 1500));
    ASSERT_TRUE(got.has_value()) << "file " << id << " was never claimed";
    if (got->id == id) return;
  }
  FAIL() << "file " << id << " was never claimed";
}

// ---- Working together ----------------------------------------------------------------

Result<store::RoomChange> StoreTest::post_stamp(RoomId room, UserId sender,
                                                const std::string& client_id,
                                                const std::string& stamp, Seq reply_to) {
  store::NewMessage m;
  m.room = room;
  m.sender = sender;
  m.client_id = client_id;
  m.stamp = stamp;
  m.reply_to = reply_to;
  m.now = kT0 + 1000;
  m.tenant = tenant_.id;
  return wait<store::RoomChange>([&](auto cb) { store().post_message(m, cb); });
}

Result<store::RoomChange> StoreTest::ask(RoomId room, UserId sender, const std::string& client_id,
                                         ActionSpec spec, const std::string& body) {
  store::NewMessage m;
  m.room = room;
  m.sender = sender;
  m.client_id = client_id;
  m.body = body;
  m.action = std::move(spec);
  m.now = kT0 + 1000;
  m.tenant = tenant_.id;
  return wait<store::RoomChange>([&](auto cb) { store().post_message(m, cb); });
}

Result<store::RoomChange> StoreTest::react(RoomId room, Seq seq, UserId user,
                                           const std::string& key, bool on, TimeMs now,
                                           TenantId tenant) {
  store::NewReaction r{room, seq, user, tenant, key, on, now};
  return wait<store::RoomChange>([&](auto cb) { store().react(r, cb); });
}

Result<store::RoomChange> StoreTest::answer(RoomId room, Seq seq, UserId user,
                                            std::vector<ActionPick> picks, TimeMs now,
                                            TenantId tenant) {
  store::NewAnswer a{room, seq, user, tenant, std::move(picks), now};
  return wait<store::RoomChange>([&](auto cb) { store().answer_action(a, cb); });
}

Result<store::RoomChange> StoreTest::close_action(RoomId room, Seq seq, UserId by,
                                                  store::AuthorRule may, TimeMs now) {
  return wait<store::RoomChange>(
      [&](auto cb) { store().close_action(room, seq, by, now, may, cb); });
}

Result<store::RoomChange> StoreTest::remind(RoomId room, Seq seq, UserId by,
                                            store::AuthorRule may, TimeMs now) {
  return wait<store::RoomChange>(
      [&](auto cb) { store().remind_action(room, seq, by, now, may, cb); });
}

Result<store::RoomChange> StoreTest::add_note(RoomId room, UserId by, const std::string& title,
                                              const std::string& body, store::RoomRule may,
                                              TimeMs now, TenantId tenant) {
  store::NewNote n{room, tenant, by, title, body, now};
  return wait<store::RoomChange>([&](auto cb) { store().create_note(n, may, cb); });
}

Result<store::RoomChange> StoreTest::save_note(RoomId room, NoteId note, UserId by,
                                               std::int64_t base_version, const std::string& title,
                                               const std::string& body,
                                               std::int64_t restored_from, store::RoomRule may,
                                               TimeMs now, TenantId tenant) {
  store::NoteEdit e{note, room, tenant, by, base_version, title, body, restored_from, now};
  return wait<store::RoomChange>([&](auto cb) { store().update_note(e, may, cb); });
}

Result<store::RoomChange> StoreTest::drop_note(RoomId room, NoteId note, UserId by,
                                               store::AuthorRule may, TimeMs now) {
  return wait<store::RoomChange>(
      [&](auto cb) { store().delete_note(room, note, by, now, may, cb); });
}

Result<store::RoomChange> StoreTest::put_pin(RoomId room, UserId by, Pin::Kind kind,
                                             std::int64_t target, store::RoomRule may,
                                             TimeMs now) {
  return wait<store::RoomChange>(
      [&](auto cb) { store().pin(room, by, kind, target, now, may, cb); });
}

Result<store::RoomChange> StoreTest::take_pin(RoomId room, UserId by, Pin::Kind kind,
                                              std::int64_t target, store::RoomRule may,
                                              TimeMs now) {
  return wait<store::RoomChange>(
      [&](auto cb) { store().unpin(room, by, kind, target, now, may, cb); });
}

namespace {
// Every page of `read(after)` joined, checking each page's bounds.
template <class Read>
std::vector<UserId> walk_pages(int limit, Read read) {
  std::vector<UserId> out;
  store::MemberKey after;
  for (int pages = 0; pages < 100; ++pages) {
    store::UserPage page = must(read(after));
    EXPECT_LE(static_cast<int>(page.users.size()), limit);
    EXPECT_EQ(page.at.size(), page.users.size());
    for (const User& u : page.users) out.push_back(u.id);
    if (!page.next) return out;
    EXPECT_EQ(page.next->user, page.users.back().id);
    after = *page.next;
  }
  ADD_FAILURE() << "the pages never ended";
  return out;
}
}  // namespace

std::vector<UserId> StoreTest::walk_reactors(RoomId room, Seq seq, const std::string& key,
                                             int limit) {
  return walk_pages(limit, [&](const store::MemberKey& after) {
    return store().reactors_page(room, seq, key, after, limit);
  });
}

std::vector<UserId> StoreTest::walk_answers(RoomId room, Seq seq, int option, int value,
                                            int limit) {
  return walk_pages(limit, [&](const store::MemberKey& after) {
    return store().action_answers_page(room, seq, option, value, after, limit);
  });
}

StoreTest::Gojuon StoreTest::gojuon_users() {
  Gojuon g;
  g.safuji = make_user(tenant_.id, "safuji", "佐藤 花子", "さふじ はなこ");
  g.zato = make_user(tenant_.id, "zato", "座頭 花子", "ざとう はなこ");
  g.sado = make_user(tenant_.id, "sado", "佐渡 花子", "さどう はなこ");
  g.sato = make_user(tenant_.id, "sato", "佐藤 花子", "さとう はなこ");
  return g;
}

INSTANTIATE_TEST_SUITE_P(Conformance, StoreTest,
                         ::testing::Values(StoreKind::sqlite, StoreKind::postgres),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return kind_name(info.param);
                         });

}  // namespace tonari::testing
