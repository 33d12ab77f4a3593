// copy_sqlite_to_postgres (store/copy_store.h) on what issue 19 added: files (attached, with
// a sanitizing outcome and a position, and not attached), the tenants' file bytes and
// settings, and who may use the Internet zone. The names contain "Postgres": these run in
// the one process of the PostgreSQL tests (tests/unit/CMakeLists.txt).
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

}  // namespace
}  // namespace tonari::testing
