// The VFS that gathers a commit's writes to the write-ahead log (coalescing_vfs.h): what a
// commit wrote is all there for every other connection, also when it is larger than the
// unix VFS's largest single write and than what the VFS gathers at once; a connection that
// does not sync each commit writes through.
#include "store/sqlite/coalescing_vfs.h"

#include <gtest/gtest.h>

#include <string>

#include "store/sqlite/db.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::sqlite::coalescing_stats;
using store::sqlite::Connection;
using store::sqlite::synchronous_syncs_each_commit;

// Row i's blob: 4,000 bytes that differ from row to row.
std::string blob(int i) {
  std::string b(4000, '\0');
  for (std::size_t k = 0; k < b.size(); ++k) b[k] = static_cast<char>((i * 31 + k * 7) & 0xff);
  return b;
}

void insert_rows(Connection& db, int from, int to) {
  db.exec("BEGIN IMMEDIATE");
  for (int i = from; i < to; ++i) {
    db.q("INSERT INTO t(id, b) VALUES(?, ?)").bind(1, i).bind_blob(2, blob(i)).run();
  }
  db.exec("COMMIT");
}

// Every row from `from` to `to`, read through a connection of its own.
void expect_rows(const std::string& path, int from, int to) {
  Connection reader(path, "FULL", true);
  auto s = reader.q("SELECT id, b FROM t WHERE id >= ? AND id < ? ORDER BY id");
  s.bind(1, from).bind(2, to);
  int expected = from;
  while (s.step()) {
    ASSERT_EQ(s.i64(0), expected);
    ASSERT_EQ(s.text(1), blob(expected)) << "row " << expected;
    ++expected;
  }
  EXPECT_EQ(expected, to);
}

TEST(CoalescingVfs, ACommitLargerThanAnyOneWriteIsWholeForOtherConnections) {
  TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  Connection db(path, "FULL", false);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
  const auto before = coalescing_stats();
  // 300 rows of 4,000 bytes: about 1.3 MB of log frames in one commit, past both the
  // 128 KiB the unix VFS writes at most per call and the 1 MiB gathered at most.
  insert_rows(db, 0, 300);
  expect_rows(path, 0, 300);
  const auto after = coalescing_stats();
  const auto log_writes = after.log_writes - before.log_writes;
  const auto file_writes = after.file_writes - before.file_writes;
  EXPECT_GE(log_writes, 600u);  // a header and a page per frame
  EXPECT_LT(file_writes * 20, log_writes);

  // Small commits after the large one, each visible as soon as it returns.
  for (int i = 300; i < 310; ++i) {
    insert_rows(db, i, i + 1);
    expect_rows(path, i, i + 1);
  }
}

TEST(CoalescingVfs, TheLogStartsOverAfterACheckpointAndStaysWhole) {
  TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  Connection db(path, "FULL", false);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
  insert_rows(db, 0, 50);
  auto [log, copied] = db.checkpoint_passive();
  EXPECT_EQ(log, copied);  // all copied: the next commit writes the log from its start
  insert_rows(db, 50, 100);
  expect_rows(path, 0, 100);
}

TEST(CoalescingVfs, OnlyModesThatSyncEachCommitGather) {
  EXPECT_TRUE(synchronous_syncs_each_commit("FULL"));
  EXPECT_TRUE(synchronous_syncs_each_commit("extra"));
  EXPECT_TRUE(synchronous_syncs_each_commit("2"));
  EXPECT_FALSE(synchronous_syncs_each_commit("NORMAL"));
  EXPECT_FALSE(synchronous_syncs_each_commit("OFF"));

  TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  Connection db(path, "NORMAL", false);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
  const auto before = coalescing_stats();
  insert_rows(db, 0, 20);
  EXPECT_EQ(coalescing_stats().log_writes, before.log_writes);
  expect_rows(path, 0, 20);
}

}  // namespace
}  // namespace tonari::testing
