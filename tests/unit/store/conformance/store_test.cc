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

INSTANTIATE_TEST_SUITE_P(Conformance, StoreTest,
                         ::testing::Values(StoreKind::sqlite, StoreKind::postgres),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return kind_name(info.param);
                         });

}  // namespace tonari::testing
