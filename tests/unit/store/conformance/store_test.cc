// The kinds of store the conformance suite runs on, and its instantiation.
#include "store/conformance/store_test.h"

#include "store/postgres/pg_store.h"
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

INSTANTIATE_TEST_SUITE_P(Conformance, StoreTest,
                         ::testing::Values(StoreKind::sqlite, StoreKind::postgres),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return kind_name(info.param);
                         });

}  // namespace tonari::testing
