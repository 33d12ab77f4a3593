#include "store/sqlite/writer.h"

#include <vector>

namespace tonari::store::sqlite {

Writer::Writer(std::unique_ptr<Connection> db, WriterStats& stats, std::size_t max_batch,
               std::size_t max_queue)
    : max_batch_(max_batch), max_queue_(max_queue), db_(std::move(db)), stats_(stats),
      thread_([this] { run(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Writer::submit(std::unique_ptr<WriteJob> job) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() < max_queue_) {
      queue_.push_back(std::move(job));
    }
  }
  if (job) {
    job->fail(DbError(kRcOverloaded, "store queue full"));
    job->finish(true);
    return;
  }
  cv_.notify_one();
}

void Writer::run() {
  std::vector<std::unique_ptr<WriteJob>> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }

    bool committed = false;
    try {
      db_->exec("BEGIN IMMEDIATE");
      bool aborted = false;  // a whole_batch job failed after writing
      for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& job = batch[i];
        const Undo undo = job->undo();
        if (undo == Undo::savepoint) db_->q("SAVEPOINT job").run();
        bool keep = false;
        try {
          keep = job->apply(*db_);
        } catch (const DbError& e) {
          job->fail(e);
          aborted = undo == Undo::whole_batch;
        } catch (const std::exception& e) {
          job->fail(DbError(-1, e.what()));
          aborted = undo == Undo::whole_batch;
        }
        if (undo == Undo::savepoint) {
          if (!keep) db_->q("ROLLBACK TO job").run();
          db_->q("RELEASE job").run();
        }
        if (aborted) {
          for (std::size_t j = i + 1; j < batch.size(); ++j) {
            batch[j]->fail(DbError(kRcBatchAborted, "the batch was rolled back"));
          }
          break;
        }
      }
      if (aborted) {
        db_->exec("ROLLBACK");
        stats_.failed_commits.fetch_add(1, std::memory_order_relaxed);
      } else {
        db_->exec("COMMIT");
        committed = true;
      }
    } catch (const DbError&) {
      // COMMIT (or BEGIN) failed, e.g. disk full: nothing of the batch is durable.
      try { db_->exec("ROLLBACK"); } catch (const DbError&) {}
      stats_.failed_commits.fetch_add(1, std::memory_order_relaxed);
    }
    stats_.batches.fetch_add(1, std::memory_order_relaxed);
    stats_.jobs.fetch_add(batch.size(), std::memory_order_relaxed);
    for (auto& job : batch) {
      try {
        job->finish(committed);
      } catch (...) {
        // A callback's failure must not take the writer (and every later commit) down.
      }
    }
    batch.clear();
  }
}

}  // namespace tonari::store::sqlite
