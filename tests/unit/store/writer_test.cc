// The writer's group commit: jobs from one batch share a transaction, and a failing job is
// undone alone — by its savepoint, or, for a job that writes with one statement
// (Undo::statement), by SQLite undoing the failed statement; a storage error after the
// first write of an Undo::whole_batch job rolls back the batch.
#include "store/sqlite/writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/sqlite/db.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

using store::sqlite::Connection;
using store::sqlite::DbError;
using store::Handoff;
using store::sqlite::Stmt;
using store::sqlite::Undo;
using store::sqlite::Writer;
using store::sqlite::WriterStats;
using store::sqlite::WriteJob;

// Inserts `values` into t(x UNIQUE), one statement each; records how it ended.
class InsertJob final : public WriteJob {
 public:
  InsertJob(std::vector<int> values, Undo undo, std::promise<std::string> done)
      : values_(std::move(values)), undo_(undo), done_(std::move(done)) {}
  bool apply(Connection& db) override {
    for (int v : values_) db.q("INSERT INTO t(x) VALUES(?)").bind(1, v).run();
    outcome_ = "applied";
    return true;
  }
  void fail(const DbError& e) override { outcome_ = e.is_constraint() ? "constraint" : "error"; }
  void finish(bool committed) override {
    done_.set_value(outcome_ + (committed ? "+committed" : "+not committed"));
  }
  Undo undo() const override { return undo_; }

 private:
  std::vector<int> values_;
  Undo undo_;
  std::promise<std::string> done_;
  std::string outcome_ = "none";
};

// Holds the writer thread until released, so that the jobs queued meanwhile form one batch.
class GateJob final : public WriteJob {
 public:
  GateJob(std::promise<void> started, std::shared_future<void> open)
      : started_(std::move(started)), open_(std::move(open)) {}
  bool apply(Connection&) override {
    started_.set_value();
    open_.wait();
    return true;
  }
  void fail(const DbError&) override {}
  void finish(bool) override {}

 private:
  std::promise<void> started_;
  std::shared_future<void> open_;
};

std::set<int> values_in(const std::string& path) {
  Connection db(path, "NORMAL", true);
  std::set<int> out;
  Stmt s = db.q("SELECT x FROM t");
  while (s.step()) out.insert(static_cast<int>(s.i64(0)));
  return out;
}

struct Job {
  std::string name;
  std::vector<int> values;  // inserted into t(x UNIQUE), one statement each
  Undo undo;
};

struct BatchRun {
  std::map<std::string, std::string> outcome;  // job name -> how it ended
  std::set<int> values;                        // what t holds afterwards
  std::uint64_t batches = 0;
  std::uint64_t failed_commits = 0;
};

// Runs `jobs` on a writer over a fresh table, queued while the writer is held inside a gate
// job's batch so that they form one batch of their own; then drains the writer.
BatchRun run_as_one_batch(const std::vector<Job>& jobs) {
  TempDir dir;
  const std::string path = (dir.path() / "w.db").string();
  auto db = std::make_unique<Connection>(path, "NORMAL", false);
  db->exec("CREATE TABLE t(x INTEGER UNIQUE)");
  WriterStats stats;
  std::map<std::string, std::future<std::string>> results;
  {
    Writer writer(std::move(db), stats);
    std::promise<void> started, gate;
    auto gate_started = started.get_future();
    writer.submit(std::make_unique<GateJob>(std::move(started), gate.get_future().share()));
    gate_started.wait();  // the writer is inside the gate's batch: what follows queues up
    for (const Job& job : jobs) {
      std::promise<std::string> p;
      results[job.name] = p.get_future();
      writer.submit(std::make_unique<InsertJob>(job.values, job.undo, std::move(p)));
    }
    gate.set_value();
  }  // the writer drains its queue before it stops
  BatchRun run;
  for (auto& [name, result] : results) run.outcome[name] = result.get();
  run.values = values_in(path);
  run.batches = stats.batches.load();
  run.failed_commits = stats.failed_commits.load();
  return run;
}

TEST(WriterTest, FailingJobsInABatchAreUndoneAloneWithOrWithoutASavepoint) {
  BatchRun run = run_as_one_batch({
      {"first", {1}, Undo::savepoint},
      {"one statement, duplicate", {1}, Undo::statement},        // fails in its only statement
      {"savepoint, second duplicate", {2, 1}, Undo::savepoint},  // 2 is written, then undone
      {"last", {3}, Undo::statement},
  });
  EXPECT_EQ(run.outcome["first"], "applied+committed");
  EXPECT_EQ(run.outcome["one statement, duplicate"], "constraint+committed");
  EXPECT_EQ(run.outcome["savepoint, second duplicate"], "constraint+committed");
  EXPECT_EQ(run.outcome["last"], "applied+committed");
  EXPECT_EQ(run.values, (std::set<int>{1, 3}));
  EXPECT_EQ(run.batches, 2u);  // the gate, then the four together
}

// A whole_batch job that fails after its first write takes its batch down: nothing of the
// batch is written, the jobs applied before it report "not committed", the ones after it
// run in the next batch, on the same connection.
TEST(WriterTest, AStorageErrorAfterTheFirstWriteOfAWholeBatchJobRollsBackTheBatch) {
  BatchRun run = run_as_one_batch({
      {"before", {1}, Undo::savepoint},
      {"whole batch, fails after writing", {2, 1}, Undo::whole_batch},
      {"after", {3}, Undo::statement},
      {"after, whole batch", {4, 5}, Undo::whole_batch},
  });
  EXPECT_EQ(run.outcome["before"], "applied+not committed");
  EXPECT_EQ(run.outcome["whole batch, fails after writing"], "constraint+not committed");
  EXPECT_EQ(run.outcome["after"], "applied+committed");
  EXPECT_EQ(run.outcome["after, whole batch"], "applied+committed");
  EXPECT_EQ(run.values, (std::set<int>{3, 4, 5}));
  EXPECT_EQ(run.failed_commits, 1u);
  EXPECT_EQ(run.batches, 3u);  // the gate, the aborted batch, the rest of it
}

// Records the order in which callbacks run and on which thread.
class OrderJob final : public WriteJob {
 public:
  OrderJob(int id, std::mutex& mu, std::vector<std::pair<int, std::thread::id>>& log)
      : id_(id), mu_(mu), log_(log) {}
  bool apply(Connection& db) override {
    db.q("INSERT INTO t(x) VALUES(?)").bind(1, id_).run();
    return true;
  }
  void fail(const DbError&) override {}
  void finish(bool) override {
    std::lock_guard lock(mu_);
    log_.emplace_back(id_, std::this_thread::get_id());
  }

 private:
  int id_;
  std::mutex& mu_;
  std::vector<std::pair<int, std::thread::id>>& log_;
};

// An executor that runs what it is handed only when told to.
struct ManualExecutor {
  std::mutex mu;
  std::vector<std::function<void()>> tasks;
  Handoff handoff() {
    return [this](std::function<void()> work) {
      std::lock_guard lock(mu);
      tasks.push_back(std::move(work));
    };
  }
  std::size_t run_all() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard lock(mu);
      now.swap(tasks);
    }
    for (auto& t : now) t();
    return now.size();
  }
};

// Callbacks handed off run where they were handed, in commit order; those whose drain never
// ran run when the writer is destroyed, and a drain that runs after that finds nothing to do.
TEST(WriterTest, HandedOffCallbacksRunInCommitOrderAndAtTheLatestWhenTheWriterStops) {
  TempDir dir;
  const std::string path = (dir.path() / "w.db").string();
  auto db = std::make_unique<Connection>(path, "NORMAL", false);
  db->exec("CREATE TABLE t(x INTEGER UNIQUE)");
  WriterStats stats;
  std::mutex mu;
  std::vector<std::pair<int, std::thread::id>> log;
  ManualExecutor executor;
  auto logged = [&] {
    std::lock_guard lock(mu);
    return log.size();
  };
  {
    Writer writer(std::move(db), stats);
    writer.hand_off_callbacks(executor.handoff());
    for (int i = 1; i <= 50; ++i) writer.submit(std::make_unique<OrderJob>(i, mu, log));
    // Every job is committed, and no callback has run: they wait for the executor.
    while (stats.jobs.load() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(logged(), 0u);
    // The last batches may still be on their way to the executor.
    while (logged() < 50) {
      if (executor.run_all() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(logged(), 50u);
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(log[i].first, i + 1);
      EXPECT_EQ(log[i].second, std::this_thread::get_id());
    }

    // Now the executor stops running anything: the writer's destructor runs the rest.
    for (int i = 51; i <= 60; ++i) writer.submit(std::make_unique<OrderJob>(i, mu, log));
    while (stats.jobs.load() < 60) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(logged(), 50u);
  }
  ASSERT_EQ(logged(), 60u);
  for (int i = 50; i < 60; ++i) {
    EXPECT_EQ(log[i].first, i + 1);
    EXPECT_EQ(log[i].second, std::this_thread::get_id());
  }
  EXPECT_GE(executor.run_all(), 1u);  // the drain handed off for them: nothing left to run
  EXPECT_EQ(logged(), 60u);
  EXPECT_EQ(values_in(path).size(), 60u);
}

// Inserts one row of `bytes` bytes into blobs(b): several pages of the log.
class BlobJob final : public WriteJob {
 public:
  BlobJob(std::size_t bytes, std::promise<void> done) : bytes_(bytes), done_(std::move(done)) {}
  bool apply(Connection& db) override {
    db.q("INSERT INTO blobs(b) VALUES(zeroblob(?))").bind(1, static_cast<std::int64_t>(bytes_)).run();
    return true;
  }
  void fail(const DbError&) override {}
  void finish(bool) override { done_.set_value(); }

 private:
  std::size_t bytes_;
  std::promise<void> done_;
};

struct WalRun {
  std::uintmax_t wal_bytes = 0;
  std::uint64_t catch_ups = 0;
  std::int64_t rows = 0;
};

// 60 commits of a 20 KB row each, one at a time and 11 ms apart (the writer tries a
// catch-up at most every 10 ms), with no checkpointer beside the writer.
WalRun sixty_commits(int wal_limit_frames) {
  TempDir dir;
  const std::string path = (dir.path() / "w.db").string();
  auto db = std::make_unique<Connection>(path, "NORMAL", false);
  db->exec("CREATE TABLE blobs(b BLOB)");
  WriterStats stats;
  WalRun run;
  {
    Writer writer(std::move(db), stats, {.wal_limit_frames = wal_limit_frames, .drop_cache = {}});
    for (int i = 0; i < 60; ++i) {
      std::promise<void> done;
      auto committed = done.get_future();
      writer.submit(std::make_unique<BlobJob>(20000, std::move(done)));
      committed.wait();
      std::this_thread::sleep_for(std::chrono::milliseconds(11));
    }
    run.wal_bytes = std::filesystem::file_size(path + "-wal");
  }
  run.catch_ups = stats.wal_catch_ups.load();
  Connection reader(path, "NORMAL", true);
  Stmt s = reader.q("SELECT count(*) FROM blobs");
  if (s.step()) run.rows = s.i64(0);
  return run;
}

// Without checkpoints the log only grows; with a limit, once it is reached the writer
// checkpoints between two commits and the next commit writes from the log's start again.
TEST(WriterTest, TheWriteAheadLogStartsOverOnceItReachesItsLimit) {
  const WalRun unlimited = sixty_commits(0);
  EXPECT_EQ(unlimited.rows, 60);
  EXPECT_EQ(unlimited.catch_ups, 0u);
  EXPECT_GT(unlimited.wal_bytes, 60u * 20000);  // every row is still in the log

  const WalRun limited = sixty_commits(32);
  EXPECT_EQ(limited.rows, 60);
  EXPECT_GE(limited.catch_ups, 5u);
  // At most the limit plus the commit that crossed it (six pages of a 4 KiB page size,
  // 4,120 bytes a frame with its header), and far below the unlimited log.
  EXPECT_LE(limited.wal_bytes, (32u + 8u) * 4120u + 32u);
}

}  // namespace
}  // namespace tonari::testing
