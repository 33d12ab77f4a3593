// The single writer of a SQLite store: jobs from all rooms and all connections are queued,
// then applied in batches of one transaction each ("group commit"), so many messages share
// one fsync. A failing job is rolled back alone (see Undo for how).
// Completions of applied jobs run after COMMIT, in commit order, one at a time — that is
// what makes event publication ordered per room — on the writer thread or where they are
// handed off to (hand_off_callbacks); a job refused at submit() is finished on the caller's
// thread. They must be quick and must not block.
// The write-ahead log is kept short (see Writer's wal_limit_frames).
// Thread safety: submit() may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>

#include "store/commit_stats.h"
#include "store/sqlite/db.h"
#include "store/store.h"

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
  // True for a job that changes what the store keeps on the writer's side
  // (WriterOptions::drop_cache) only through that cache itself, as posting does. The cache
  // is dropped before any other job.
  virtual bool keeps_writer_cache() const { return false; }
};

// The commit figures (store/commit_stats.h), and the write-ahead log's.
struct WriterStats : CommitStats {
  // After the last checkpoint: frames in the write-ahead log, and how many of them are
  // already copied into the database (readers of the rest look them up in the log).
  std::atomic<std::int64_t> wal_frames{0};
  std::atomic<std::int64_t> wal_checkpointed{0};
  // Checkpoints the writer ran itself to let the log start over (Writer, wal_limit_frames).
  std::atomic<std::uint64_t> wal_catch_ups{0};
  // How often the log has started over, as the writer saw it (the writer's alone to change).
  std::atomic<std::uint32_t> wal_generation{0};
  // wal_progress(generation, copied): how much of the log of that generation a checkpoint
  // had copied. In one word, so that a count is never read with another log's generation.
  std::atomic<std::uint64_t> wal_progress{0};
  static std::uint64_t wal_progress_of(std::uint32_t generation, int copied) {
    return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(copied);
  }
};

struct WriterOptions {
  std::size_t max_batch = 1024;   // jobs per group commit
  // Jobs waiting; beyond this a job fails at once with kRcOverloaded (memory stays bounded
  // when clients outpace the disk).
  std::size_t max_queue = 200000;
  // Bounds the write-ahead log under a sustained load (0: no bound). Checkpoints run
  // beside the writer (SqliteStore's checkpointer), and SQLite starts the log over from
  // its beginning only after one has copied every frame of it, which never happens while
  // commits keep coming: the log then grows without end (2.4 GB in a 15-second ingest),
  // and so does the index every reader searches. So once the log holds this many frames
  // and the checkpointer has copied all but at most Writer::kMaxCatchUpFrames of them
  // (WriterStats::wal_progress), the writer runs a checkpoint itself between two
  // batches, which no commit can outrun: it copies the rest, and the next batch writes
  // from the start of the log again.
  int wal_limit_frames = 0;
  // Drops what the jobs keep between them on the writer's side (run on the writer thread):
  // before a job that does not keep it (WriteJob::keeps_writer_cache), after a rollback,
  // and when another connection has written the database.
  std::function<void()> drop_cache;
};

// Committed batches whose callbacks (WriteJob::finish) have yet to run, and the one drain
// that runs them: in commit order, one batch after another, never two at once.
// Shared with the drains handed off, so that a drain run after the writer is gone finds
// nothing to do instead of a dangling writer.
class Finished : public std::enable_shared_from_this<Finished> {
 public:
  // Queues a batch's callbacks and, unless a drain is already due, hands one off.
  void add(std::vector<std::unique_ptr<WriteJob>> jobs, bool committed, const Handoff& handoff);
  // Runs the queued callbacks until none are left. `final`: also those whose handed-off
  // drain never ran (an executor that stopped), after any drain running elsewhere.
  void drain(bool final = false);

 private:
  struct Batch {
    std::vector<std::unique_ptr<WriteJob>> jobs;
    bool committed;
  };
  std::mutex mu_;
  std::condition_variable idle_;
  std::deque<Batch> queue_;  // guarded by mu_
  bool due_ = false;         // guarded by mu_: a drain is handed off or running
  bool running_ = false;     // guarded by mu_
};

class Writer {
 public:
  // Takes ownership of `db`; starts the writer thread. `stats` must outlive the writer.
  Writer(std::unique_ptr<Connection> db, WriterStats& stats, WriterOptions options = {});
  // stop().
  ~Writer();

  // Drains the queue (every job queued before is applied and finished), then stops the
  // writer thread; from the moment it is called, submit() refuses. Callbacks handed off and
  // not yet run run here, on the calling thread. Idempotent; not from the writer thread.
  void stop();

  // Queues `job`. If the writer is stopping or stopped, or max_queue jobs are already
  // waiting, the job fails at once (on this thread) with kRcOverloaded instead.
  void submit(std::unique_ptr<WriteJob> job);

  // From now on each batch's callbacks run through `handoff` instead of on the writer
  // thread, which meanwhile goes on with the next batch: it is the one thread every write
  // waits for. Batches' callbacks still run in commit order, one batch at a time.
  void hand_off_callbacks(Handoff handoff);

  // The most frames the writer copies in a catch-up: what it costs the writes queued
  // meanwhile (a few milliseconds).
  static constexpr int kMaxCatchUpFrames = 1024;

 private:
  void run();
  void keep_wal_short();
  // Drops the jobs' cache if another connection has committed since the last call.
  void check_data_version();
  void drop_cache() {
    if (options_.drop_cache) options_.drop_cache();
  }

  const WriterOptions options_;
  // Used only by the writer thread.
  std::unique_ptr<Connection> db_;
  std::chrono::steady_clock::time_point last_catch_up_{};
  bool catch_up_failing_ = false;  // the last catch-up failed (logged once per run)
  int last_wal_frames_ = 0;
  std::int64_t data_version_ = -1;

  WriterStats& stats_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<WriteJob>> queue_;  // guarded by mu_
  bool stopping_ = false;                        // guarded by mu_
  Handoff handoff_;                              // guarded by mu_
  const std::shared_ptr<Finished> finished_ = std::make_shared<Finished>();
  std::mutex stop_mu_;  // one stop() at a time
  std::thread thread_;
};

}  // namespace tonari::store::sqlite
