// SQLite backups (store/sqlite/backup.h): a checked snapshot of the database that carries
// the data directory's files, and what is refused as one.

#include "store/sqlite/backup.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "store/sqlite/db.h"
#include "store/sqlite/schema.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

TEST_F(SqliteStoreTest, ABackupIsACheckedSnapshotThatCarriesFiles) {
  auto room = must(create_group(alice_.id, {bob_.id})).room;
  must(post(room.id, alice_.id, "c-1", "バックアップ前"));
  const std::string out = (dir_.path() / "backup.db").string();
  auto info = must(store::sqlite::write_backup(db_path_, out, {{"cookie.key", "secret", 0600}}));
  EXPECT_EQ(info.schema_version, store::sqlite::latest_version());
  EXPECT_GT(info.bytes, 0);
  EXPECT_EQ(info.files, std::vector<std::string>{"cookie.key"});
  std::map<std::string, std::int64_t> counts(info.counts.begin(), info.counts.end());
  EXPECT_EQ(counts["messages"], 2);  // the room_created message and the post
  EXPECT_EQ(counts["users"], 5);
  auto files = must(store::sqlite::backup_files(out));
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].content, "secret");

  // Stripped, the copy opens as a store with the message in it.
  ASSERT_TRUE(store::sqlite::strip_backup(out).is_ok());
  EXPECT_TRUE(must(store::sqlite::backup_files(out)).empty());
  store::sqlite::Options opts;
  opts.path = out;
  opts.synchronous = "NORMAL";
  store::sqlite::SqliteStore copy(opts);
  auto msgs = must(copy.messages(room.id, room.msg_seq, 0, 10));  // after the creation
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].body, "バックアップ前");
}

TEST_F(SqliteStoreTest, WhatIsNotATonariBackupIsRefused) {
  const std::string junk = (dir_.path() / "junk.db").string();
  std::ofstream(junk) << "not a database at all, just text that is long enough to be read";
  EXPECT_EQ(store::sqlite::backup_info(junk).status().code(), Code::invalid_argument);
  const std::string other = (dir_.path() / "other.db").string();
  {
    store::sqlite::Connection db(other, "NORMAL", false);
    db.exec("CREATE TABLE t(x)");
  }
  EXPECT_EQ(store::sqlite::backup_info(other).status().code(), Code::invalid_argument);
  const std::string newer = (dir_.path() / "newer.db").string();
  ASSERT_TRUE(store::sqlite::write_backup(db_path_, newer, {}).ok());
  {
    store::sqlite::Connection db(newer, "NORMAL", false);
    db.exec("PRAGMA user_version=999; PRAGMA journal_mode=DELETE");
  }
  auto st = store::sqlite::backup_info(newer).status();
  EXPECT_EQ(st.code(), Code::invalid_argument);
  EXPECT_NE(st.message().find("newer than this tonari"), std::string::npos) << st.message();
  EXPECT_EQ(store::sqlite::write_backup((dir_.path() / "none.db").string(),
                                        (dir_.path() / "x.db").string(), {}).status().code(),
            Code::not_found);
}

}  // namespace
}  // namespace tonari::testing
