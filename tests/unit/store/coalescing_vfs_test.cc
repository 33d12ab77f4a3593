// The VFS that gathers a commit's writes to the write-ahead log (coalescing_vfs.h): what a
// commit wrote is all there for every other connection, also when it is larger than the
// unix VFS's largest single write and than what the VFS gathers at once; a connection that
// does not sync each commit writes through.
#include "store/sqlite/coalescing_vfs.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <filesystem>
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

// Every row from `from` to `to`, read through a connection of its own, and the file's
// integrity.
void expect_rows(const std::string& path, int from, int to) {
  Connection reader(path, "FULL", true);
  {
    auto check = reader.q("PRAGMA quick_check");
    ASSERT_TRUE(check.step());
    EXPECT_EQ(check.text(0), "ok");
  }
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

// A fresh database file with table t, open for writing in `mode` (`query`: URI parameters
// to open it with).
struct TestDb {
  explicit TestDb(const char* mode = "FULL", const char* query = nullptr)
      : db(query ? "file:" + path + "?" + query : path, mode, false) {
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB NOT NULL)");
  }
  TempDir dir;
  const std::string path = (dir.path() / "t.db").string();
  Connection db;
};

TEST(CoalescingVfs, ACommitLargerThanAnyOneWriteIsWholeForOtherConnections) {
  TestDb t;
  Connection& db = t.db;
  const std::string& path = t.path;
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
  TestDb t;
  Connection& db = t.db;
  const std::string& path = t.path;
  insert_rows(db, 0, 50);
  auto [log, copied] = db.checkpoint_passive();
  EXPECT_EQ(log, copied);  // all copied: the next commit writes the log from its start
  insert_rows(db, 50, 100);
  expect_rows(path, 0, 100);
}

TEST(CoalescingVfs, WhatARollbackLeftGatheredNeverLandsOnAnotherWritersFrames) {
  TestDb t;
  Connection& first = t.db;
  const std::string& path = t.path;
  first.exec("PRAGMA cache_size=8");  // a transaction larger than 8 pages spills into the log
  insert_rows(first, 0, 5);
  first.exec("BEGIN IMMEDIATE");
  for (int i = 100; i < 300; ++i) {
    first.q("INSERT INTO t(id, b) VALUES(?, ?)").bind(1, i).bind_blob(2, blob(i)).run();
  }
  first.exec("ROLLBACK");
  // Another writer commits frames where the rolled-back ones were; then the first
  // connection reads. What it gathered of the rolled-back frames must not land over the
  // other's (the VFS drops it when the write lock goes; SQLite 3.40 writes it
  // out during the rollback already, while the lock is held).
  {
    Connection second(path, "FULL", false);
    insert_rows(second, 1000, 1010);
  }
  {
    auto s = first.q("SELECT count(*) FROM t");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.i64(0), 15);
  }
  expect_rows(path, 0, 5);
  expect_rows(path, 1000, 1010);
  insert_rows(first, 5, 10);
  expect_rows(path, 0, 10);
}

// RLIMIT_FSIZE for the scope; writes past it fail with EFBIG (SIGXFSZ ignored).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit r = old_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_;
};

TEST(CoalescingVfs, ACommitWhoseWritesFailIsNotCommittedAndLosesNothingBefore) {
  TestDb t;
  Connection& db = t.db;
  const std::string& path = t.path;
  insert_rows(db, 0, 10);
  const auto wal = std::filesystem::file_size(path + "-wal");
  const auto main = std::filesystem::file_size(path);
  {
    FileSizeLimit limit(std::max(wal, main) + 16 * 1024);
    EXPECT_THROW(insert_rows(db, 10, 110), store::sqlite::DbError);  // 400 KB: past the limit
    if (db.in_transaction()) db.exec("ROLLBACK");
  }
  expect_rows(path, 0, 10);
  {
    Connection reader(path, "FULL", true);
    auto s = reader.q("SELECT count(*) FROM t");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.i64(0), 10);
  }
  insert_rows(db, 10, 20);  // and the connection writes again
  expect_rows(path, 0, 20);
}

TEST(CoalescingVfs, ALogWithoutPowerSafeOverwriteIsWrittenThrough) {
  if (!sqlite3_compileoption_used("USE_URI")) GTEST_SKIP() << "this SQLite takes no URI file names";
  TestDb t("FULL", "psow=0");
  Connection& db = t.db;
  const auto before = coalescing_stats();
  insert_rows(db, 0, 20);
  EXPECT_EQ(coalescing_stats().log_writes, before.log_writes);
  expect_rows(t.path, 0, 20);
}

TEST(CoalescingVfs, OnlyModesThatSyncEachCommitGather) {
  EXPECT_TRUE(synchronous_syncs_each_commit("FULL"));
  EXPECT_TRUE(synchronous_syncs_each_commit("extra"));
  EXPECT_TRUE(synchronous_syncs_each_commit("2"));
  EXPECT_FALSE(synchronous_syncs_each_commit("NORMAL"));
  EXPECT_FALSE(synchronous_syncs_each_commit("OFF"));

  TestDb t("NORMAL");
  Connection& db = t.db;
  const std::string& path = t.path;
  const auto before = coalescing_stats();
  insert_rows(db, 0, 20);
  EXPECT_EQ(coalescing_stats().log_writes, before.log_writes);
  expect_rows(path, 0, 20);
}

}  // namespace
}  // namespace tonari::testing
