// The single writer of a SQLite store: jobs from all rooms and all connections are queued,
// then applied in batches of one transaction each ("group commit"), so many messages share
// one fsync. A failing job is rolled back alone (see Undo for how).
// Completions run on the writer thread, after COMMIT, in commit order — that is what makes
// event publication ordered per room. They must be quick and must not block.
// Thread safety: submit() may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>

#include "store/sqlite/db.h"

namespace tonari::store::sqlite {

// DbError code of a job refused because the writer's queue is full.
inline constexpr int kRcOverloaded = -2;
// DbError code of a job whose batch was rolled back by a storage error in another job.
inline constexpr int kRcBatchAborted = -3;

// How a job that fails is undone without undoing the rest of its batch.
enum class Undo {
  // Anything goes: the job runs in a SAVEPOINT of its own, rolled back if it fails.
  savepoint,
  // The job writes with at most one statement, after all of its checks: a failure leaves
  // nothing of it behind (SQLite undoes a failed statement by itself).
  statement,
  // The job refuses only before its first write; after that, a storage error (DbError)
  // rolls back the whole batch, as a failed COMMIT does: the jobs applied before it fail
  // with a "try again", the ones after it go into the next batch. For hot multi-statement
  // writes (posting a message): a savepoint costs a copy of every page the job touches,
  // into the savepoint's journal.
  whole_batch,
};

class WriteJob {
 public:
  virtual ~WriteJob() = default;
  // Applies the job. Returns false to roll the job back (it keeps its own error to
  // report); throwing DbError also rolls it back (see Undo).
  virtual bool apply(Connection& db) = 0;
  // Called once after the batch: `committed` is false if the batch's COMMIT failed.
  virtual void finish(bool committed) = 0;
  // Called instead of apply() when DbError escaped from apply().
  virtual void fail(const DbError& e) = 0;
  virtual Undo undo() const { return Undo::savepoint; }
};

// Upper bounds (ms) of the group-commit duration histogram: a batch from BEGIN (its wait for
// the write lock included) through every job's SQL to the end of its COMMIT or ROLLBACK
// (fsync included): what every write in it waits for. Failed batches count too.
inline constexpr double kCommitBucketsMs[] = {0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000};
inline constexpr std::size_t kCommitBuckets = std::size(kCommitBucketsMs);

struct WriterStats {
  std::atomic<std::uint64_t> batches{0};
  // Batches by duration: commit_in[i] counts those that took more than kCommitBucketsMs[i-1]
  // and at most kCommitBucketsMs[i]; the slower ones are only in `batches`. (/metrics adds
  // them up into Prometheus' cumulative buckets.)
  std::array<std::atomic<std::uint64_t>, kCommitBuckets> commit_in{};
  std::atomic<std::uint64_t> commit_us_total{0};
  std::atomic<std::uint64_t> jobs{0};
  std::atomic<std::uint64_t> failed_commits{0};
  // After the last checkpoint: frames in the write-ahead log, and how many of them are
  // already copied into the database (readers of the rest look them up in the log).
  std::atomic<std::int64_t> wal_frames{0};
  std::atomic<std::int64_t> wal_checkpointed{0};
};

class Writer {
 public:
  // Takes ownership of `db`; starts the writer thread. `stats` must outlive the writer.
  Writer(std::unique_ptr<Connection> db, WriterStats& stats, std::size_t max_batch = 1024,
         std::size_t max_queue = 200000);
  // Drains the queue (every job queued before is applied and finished), then stops.
  ~Writer();

  // Queues `job`. If max_queue jobs are already waiting, the job fails at once with
  // kRcOverloaded instead (memory stays bounded when clients outpace the disk).
  void submit(std::unique_ptr<WriteJob> job);

 private:
  void run();

  // Constant after construction.
  const std::size_t max_batch_;
  const std::size_t max_queue_;
  std::unique_ptr<Connection> db_;  // used only by the writer thread

  WriterStats& stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<WriteJob>> queue_;  // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_
  std::thread thread_;
};

}  // namespace tonari::store::sqlite
