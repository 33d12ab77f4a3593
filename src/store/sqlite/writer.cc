#include "store/sqlite/writer.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/thread_name.h"
#include "log/log.h"

namespace tonari::store::sqlite {

Writer::Writer(std::unique_ptr<Connection> db, WriterStats& stats, WriterOptions options)
    : options_(std::move(options)), db_(std::move(db)), stats_(stats),
      thread_([this] {
        name_this_thread("tonari-writer");
        run();
      }) {}

Writer::~Writer() { stop(); }

void Writer::stop() {
  std::lock_guard stopping(stop_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  finished_->drain(true);
}

void Writer::submit(std::unique_ptr<WriteJob> job) {
  const char* refused = nullptr;
  {
    std::lock_guard lock(mu_);
    // Once stopping, a job could be queued after the thread found the queue empty and
    // ended: it would never run, nor its callback.
    if (stopping_) {
      refused = "store is shut down";
    } else if (queue_.size() >= options_.max_queue) {
      refused = "store queue full";
    } else {
      queue_.push_back(std::move(job));
    }
  }
  if (refused) {
    job->fail(DbError(kRcOverloaded, refused));
    job->finish(true);
    return;
  }
  cv_.notify_one();
}

void Writer::run() {
  std::vector<std::unique_ptr<WriteJob>> batch;
  Handoff handoff;  // where this batch's callbacks run; empty: here
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      // Once stopping, the executor the callbacks went to may have stopped too.
      handoff = stopping_ ? Handoff() : handoff_;
    }

    const auto started = std::chrono::steady_clock::now();
    bool committed = false;
    bool aborted = false;     // a job failed in a way that takes the batch down
    std::size_t applied = 0;  // batch[0, applied) have been applied (or have failed)
    try {
      db_->q("BEGIN IMMEDIATE").run();  // prepared once: parsing it cost 18,000 instructions a batch
      check_data_version();
      while (applied < batch.size()) {
        auto& job = batch[applied++];
        const Undo undo = job->undo();
        if (!job->keeps_writer_cache()) drop_cache();
        if (undo == Undo::savepoint) db_->q("SAVEPOINT job").run();
        bool keep = false, failed = false;
        try {
          keep = job->apply(*db_);
        } catch (const DbError& e) {
          // A constraint is a race another write won (the job answers `conflict`); the
          // rest is a storage failure.
          if (e.is_constraint()) {
            log::warn("store.job_conflict", {{"rc", e.rc()}, {"error", e.what()}});
          } else {
            log::error("store.job_failed", {{"rc", e.rc()}, {"error", e.what()}});
          }
          job->fail(e);
          failed = true;
        } catch (const std::exception& e) {
          log::error("store.job_failed", {{"rc", -1}, {"error", e.what()}});
          job->fail(DbError(-1, e.what()));
          failed = true;
        }
        // SQLite rolls the whole transaction back by itself on some errors (disk full, I/O,
        // out of memory): the jobs after this one would run outside any transaction.
        if (failed && (undo == Undo::whole_batch || !db_->in_transaction())) {
          aborted = true;
          break;
        }
        if (undo == Undo::savepoint) {
          if (!keep) {
            drop_cache();
            db_->q("ROLLBACK TO job").run();
          }
          db_->q("RELEASE job").run();
        }
      }
      if (aborted) {
        drop_cache();
        if (db_->in_transaction()) db_->q("ROLLBACK").run();
      } else {
        db_->q("COMMIT").run();
        committed = true;
      }
    } catch (const DbError& e) {
      // BEGIN, a savepoint or COMMIT failed (e.g. disk full): nothing of the batch is durable.
      log::error("store.batch_failed",
                 {{"rc", e.rc()}, {"error", e.what()}, {"jobs", batch.size()}, {"applied", applied}});
      drop_cache();
      try {
        if (db_->in_transaction()) db_->q("ROLLBACK").run();
      } catch (const DbError& re) {
        log::error("store.rollback_failed", {{"rc", re.rc()}, {"error", re.what()}});
      }
      for (std::size_t j = applied; j < batch.size(); ++j) {
        batch[j]->fail(DbError(kRcBatchAborted, "the batch was rolled back"));
      }
      applied = batch.size();
    }
    // The batch's time ends here, before anything that waits for the queue's lock.
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started).count();
    if (aborted && applied < batch.size()) {
      // The jobs the abort kept from running go first into the next batch: one job's
      // storage error costs the others no more than the jobs already applied with it.
      std::lock_guard lock(mu_);
      for (std::size_t j = batch.size(); j-- > applied;) queue_.push_front(std::move(batch[j]));
      batch.resize(applied);
    }
    stats_.record(static_cast<std::uint64_t>(us), batch.size(), committed);
    if (handoff) {
      finished_->add(std::move(batch), committed, handoff);
    } else {
      // On this thread, after any batch still waiting for a drain handed off earlier.
      finished_->add(std::move(batch), committed, nullptr);
      finished_->drain(true);
    }
    batch.clear();
    if (committed) keep_wal_short();
  }
}

void Writer::check_data_version() {
  Stmt s = db_->q("PRAGMA data_version");  // changes only with other connections' commits
  const std::int64_t v = s.step() ? s.i64(0) : -1;
  if (v != data_version_) drop_cache();
  data_version_ = v;
}

void Writer::keep_wal_short() {
  const int frames = db_->wal_frames();
  auto generation = stats_.wal_generation.load(std::memory_order_relaxed);
  if (frames < last_wal_frames_) {
    // The log has started over: nothing of the new one is copied yet, and the
    // checkpointer's last figures are about the old one.
    stats_.wal_generation.store(++generation, std::memory_order_relaxed);
    stats_.wal_progress.store(WriterStats::wal_progress_of(generation, 0));
  }
  last_wal_frames_ = frames;
  if (options_.wal_limit_frames <= 0 || frames < options_.wal_limit_frames) return;
  const std::uint64_t progress = stats_.wal_progress.load();
  if (progress >> 32 != generation) return;  // no figures about this log yet
  if (frames - static_cast<int>(progress & 0xffffffffu) > kMaxCatchUpFrames) {
    return;  // the checkpointer is behind: copying its share here would hold writes too long
  }
  // A reader on an old snapshot can keep the log from starting over; retry, but not after
  // every batch.
  const auto now = std::chrono::steady_clock::now();
  if (now - last_catch_up_ < std::chrono::milliseconds(10)) return;
  last_catch_up_ = now;
  try {
    auto [log, copied] = db_->checkpoint_passive();
    if (log < 0) return;  // the checkpointer is at it
    stats_.wal_frames.store(log, std::memory_order_relaxed);
    stats_.wal_checkpointed.store(copied, std::memory_order_relaxed);
    stats_.wal_progress.store(WriterStats::wal_progress_of(generation, copied));
    stats_.wal_catch_ups.fetch_add(1, std::memory_order_relaxed);
    catch_up_failing_ = false;
  } catch (const DbError& e) {
    // Tried again after a later batch; meanwhile the log only grows. Logged once per run
    // of failures (it is retried every 10 ms).
    if (!catch_up_failing_) {
      log::warn("store.checkpoint_failed", {{"by", "writer"}, {"rc", e.rc()}, {"error", e.what()}});
    }
    catch_up_failing_ = true;
  }
}

void Writer::hand_off_callbacks(Handoff handoff) {
  std::lock_guard lock(mu_);
  handoff_ = std::move(handoff);
}

void Finished::add(std::vector<std::unique_ptr<WriteJob>> jobs, bool committed,
                   const Handoff& handoff) {
  bool hand_off = false;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(Batch{std::move(jobs), committed});
    if (handoff && !due_) due_ = hand_off = true;
  }
  if (hand_off) handoff([self = shared_from_this()] { self->drain(); });
}

void Finished::drain(bool final) {
  std::unique_lock lock(mu_);
  if (final) {
    idle_.wait(lock, [&] { return !running_; });
  } else if (running_) {
    // Another drain is running: it takes everything queued, until nothing is left.
    due_ = false;
    return;
  }
  running_ = true;
  for (;;) {
    if (queue_.empty()) {
      running_ = false;
      if (!final) due_ = false;
      idle_.notify_all();
      return;
    }
    std::deque<Batch> batches;
    batches.swap(queue_);
    lock.unlock();
    for (Batch& b : batches) {
      for (auto& job : b.jobs) {
        // A callback's failure must not take the writer (and every later commit) down.
        try {
          job->finish(b.committed);
        } catch (...) {
          log::error("store.callback_failed", {{"error", log::describe(std::current_exception())}});
        }
      }
    }
    batches.clear();  // the jobs (and what their callbacks hold) go before the lock is taken
    lock.lock();
  }
}

}  // namespace tonari::store::sqlite
