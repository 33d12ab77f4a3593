#include "store/postgres/writer.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "core/thread_name.h"
#include "log/log.h"

namespace tonari::store::postgres {

Status database_unavailable() {
  return Status(Code::unavailable, "the database is unavailable; try again");
}

Status status_of(const PgError& e) {
  if (e.broken()) return database_unavailable();
  // Constraint text names tables and columns: keep it out of client-facing messages.
  if (e.is_constraint()) return conflict("the change conflicts with another; try again");
  // 57014: statement_timeout; 55P03: a lock not available; 53xxx: out of resources.
  if (e.sqlstate() == "57014" || e.sqlstate() == "55P03" || e.sqlstate().starts_with("53") ||
      e.is_retryable()) {
    return Status(Code::unavailable, "the database is busy; try again");
  }
  return internal_error(std::string("storage failed: ") + e.what());
}

// ---- Completions ----------------------------------------------------------------------

Completions::Ticket Completions::reserve() {
  std::lock_guard lock(mu_);
  slots_.emplace_back();
  return first_ + slots_.size() - 1;
}

void Completions::resolve(Ticket ticket, std::vector<std::unique_ptr<PgJob>> jobs,
                          bool committed, const Handoff& handoff) {
  bool hand_off = false, here = false;
  {
    std::lock_guard lock(mu_);
    Slot& slot = slots_[ticket - first_];
    slot.resolved = true;
    slot.committed = committed;
    slot.jobs = std::move(jobs);
    if (slots_.front().resolved) {
      if (!handoff) {
        here = true;
      } else if (!due_) {
        due_ = hand_off = true;
      }
    }
  }
  if (hand_off) handoff([self = shared_from_this()] { self->drain(); });
  if (here) drain(true);
}

void Completions::drain(bool final) {
  std::unique_lock lock(mu_);
  if (final) {
    idle_.wait(lock, [&] { return !running_; });
  } else if (running_) {
    // Another drain is running: it takes everything resolved, until nothing is left.
    due_ = false;
    return;
  }
  running_ = true;
  for (;;) {
    std::vector<Slot> ready;
    while (!slots_.empty() && slots_.front().resolved) {
      ready.push_back(std::move(slots_.front()));
      slots_.pop_front();
      ++first_;
    }
    if (ready.empty()) {
      running_ = false;
      if (!final) due_ = false;
      idle_.notify_all();
      return;
    }
    lock.unlock();
    for (Slot& s : ready) {
      for (auto& job : s.jobs) {
        // A callback's failure must not take the writers (and every later commit) down.
        try {
          job->finish(s.committed);
        } catch (...) {
          log::error("store.callback_failed", {{"error", log::describe(std::current_exception())}});
        }
      }
    }
    ready.clear();  // the jobs (and what their callbacks hold) go before the lock is taken
    lock.lock();
  }
}

// ---- Writer ---------------------------------------------------------------------------

class Writer {
 public:
  Writer(WriterGroup& group, const ConnectOptions& connect, std::size_t max_batch, int index)
      : group_(group), connect_(connect), max_batch_(max_batch), index_(index),
        conn_(PgConn::open(connect)) {
    thread_ = std::thread([this] {
      name_this_thread(("tonari-pgw" + std::to_string(index_)).c_str());
      run();
    });
  }
  ~Writer() { stop(); }

  void submit(std::unique_ptr<PgJob> job) {
    Status refused;
    {
      std::lock_guard lock(mu_);
      // Once stopping, a job could be queued after the thread found the queue empty and
      // ended: it would never run, nor its callback.
      if (stopping_) {
        refused = Status(Code::unavailable, "store is shut down");
      } else if (down_) {
        refused = database_unavailable();
      } else if (queue_.size() >= kMaxQueue) {
        refused = Status(Code::unavailable, "the server is busy; try again");
      } else {
        queue_.push_back(std::move(job));
      }
    }
    if (!refused.is_ok()) {
      job->fail(refused);
      job->finish(false);
      return;
    }
    cv_.notify_one();
  }

  // The database answered another writer: a writer without a connection tries again now
  // rather than at the end of its backoff (up to kMaxBackoff of refusals after it is back).
  void retry_now() {
    {
      std::lock_guard lock(mu_);
      if (!down_) return;
      retry_now_ = true;
    }
    cv_.notify_one();
  }

  std::size_t queued() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  // From now on submit() refuses; the thread applies what is queued, then ends.
  void request_stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
  }
  void stop() {
    request_stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  // Jobs waiting; beyond this a job fails at once (memory stays bounded when clients
  // outpace the database).
  static constexpr std::size_t kMaxQueue = 200000;
  static constexpr int kAttempts = 3;  // runs of a batch that deadlocked with another

  void run();
  // Runs one batch to its end: committed, or every job failed.
  void run_batch(std::vector<std::unique_ptr<PgJob>> batch, const Handoff& handoff);
  // Applies the batch's jobs (those not `excluded`) in one transaction, up to before its
  // COMMIT. Returns false when a statement failed: its job is now excluded (failed) and the
  // transaction must be rolled back and run again. Throws PgError for a broken connection or
  // a deadlock.
  bool apply(std::vector<std::unique_ptr<PgJob>>& batch, const std::vector<std::size_t>& order,
             std::vector<char>& excluded);
  bool reconnect();
  // Fails every queued job with unavailable.
  void fail_queued();

  WriterGroup& group_;
  const ConnectOptions connect_;
  const std::size_t max_batch_;
  const int index_;
  // Used only by the writer thread.
  std::unique_ptr<PgConn> conn_;
  std::chrono::milliseconds backoff_{kMinBackoff};
  static constexpr std::chrono::milliseconds kMinBackoff{100};
  static constexpr std::chrono::milliseconds kMaxBackoff{2000};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<PgJob>> queue_;  // guarded by mu_
  bool stopping_ = false;                     // guarded by mu_
  bool down_ = false;                         // guarded by mu_: no connection; jobs refused
  bool retry_now_ = false;                    // guarded by mu_: retry_now() while down_
  std::thread thread_;
};

bool Writer::reconnect() {
  conn_.reset();
  try {
    conn_ = PgConn::open(connect_);
    group_.wake_down_writers(this);
    return true;
  } catch (const PgError& e) {
    // Logged once per run of failures (the writer retries with a backoff).
    if (backoff_ == kMinBackoff) {
      log::warn("store.pg_connect_failed", {{"writer", index_}, {"error", e.what()}});
    }
    return false;
  }
}

void Writer::fail_queued() {
  std::deque<std::unique_ptr<PgJob>> failed;
  {
    std::lock_guard lock(mu_);
    failed.swap(queue_);
  }
  for (auto& job : failed) {
    job->fail(database_unavailable());
    job->finish(false);
  }
}

void Writer::run() {
  for (;;) {
    std::vector<std::unique_ptr<PgJob>> batch;
    Handoff handoff;
    {
      std::unique_lock lock(mu_);
      if (down_) {
        cv_.wait_for(lock, backoff_, [&] { return stopping_ || retry_now_; });
        retry_now_ = false;
      } else {
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      }
      if (stopping_ && (down_ || queue_.empty())) break;
    }
    if (!conn_) {
      if (!reconnect()) {
        {
          std::lock_guard lock(mu_);
          down_ = true;
        }
        fail_queued();
        backoff_ = std::min(backoff_ * 2, kMaxBackoff);
        continue;
      }
      log::info("store.pg_connected", {{"writer", index_}});
      std::lock_guard lock(mu_);
      down_ = false;
      backoff_ = kMinBackoff;
    }
    {
      std::lock_guard lock(mu_);
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      // Once stopping, the executor the callbacks went to may have stopped too.
      if (!stopping_) handoff = group_.handoff();
    }
    if (!batch.empty()) run_batch(std::move(batch), handoff);
  }
  fail_queued();
}

bool Writer::apply(std::vector<std::unique_ptr<PgJob>>& batch,
                   const std::vector<std::size_t>& order, std::vector<char>& excluded) {
  bool begun = false;
  std::size_t i = 0;
  while (i < order.size()) {
    if (excluded[order[i]]) {
      ++i;
      continue;
    }
    PgJob& first = *batch[order[i]];
    if (first.pipelined()) {
      // The run of one-statement jobs from here, in one round trip (BEGIN too, if due);
      // consecutive jobs of a group in the group's statements.
      struct Segment {
        std::size_t first, count;      // its statements in `piped`
        std::vector<std::size_t> jobs;  // its jobs in `batch`
        bool grouped;
      };
      std::vector<Piped> piped;
      std::vector<Segment> segments;
      if (!begun) piped.push_back(Piped{"BEGIN", {}, {}, {}});
      while (i < order.size()) {
        if (excluded[order[i]]) {
          ++i;
          continue;
        }
        PgJob& job = *batch[order[i]];
        if (!job.pipelined()) break;
        if (const JobGroup* group = job.group()) {
          Segment seg{piped.size(), 0, {}, true};
          std::vector<PgJob*> members;
          for (; i < order.size() && (excluded[order[i]] || batch[order[i]]->group() == group); ++i) {
            if (excluded[order[i]]) continue;
            seg.jobs.push_back(order[i]);
            members.push_back(batch[order[i]].get());
          }
          for (Piped& p : group->statements(members)) piped.push_back(std::move(p));
          seg.count = piped.size() - seg.first;
          segments.push_back(std::move(seg));
        } else {
          segments.push_back(Segment{piped.size(), 1, {order[i]}, false});
          piped.push_back(job.statement());
          ++i;
        }
      }
      conn_->pipeline(piped);
      if (!begun && piped[0].error) throw *piped[0].error;
      begun = true;
      bool failed = false;
      for (const Segment& seg : segments) {
        const PgError* error = nullptr;
        for (std::size_t k = seg.first; k < seg.first + seg.count && !error; ++k) {
          if (piped[k].error) error = &*piped[k].error;
        }
        if (!error) {
          const PgResult& rows = *piped[seg.first + seg.count - 1].result;
          if (!seg.grouped) {
            batch[seg.jobs[0]]->take(rows);
          } else if (rows.rows() != static_cast<int>(seg.jobs.size())) {
            throw PgError("a grouped statement returned " + std::to_string(rows.rows()) +
                              " rows for " + std::to_string(seg.jobs.size()) + " jobs", "XX000", false);
          } else {
            for (std::size_t k = 0; k < seg.jobs.size(); ++k) {
              batch[seg.jobs[k]]->take_row(rows.row(static_cast<int>(k)));
            }
          }
          continue;
        }
        if (failed) continue;  // skipped after the first failure (and run again)
        if (error->broken() || error->is_retryable()) throw *error;
        log::warn("store.job_failed", {{"sqlstate", error->sqlstate()}, {"error", error->what()}});
        failed = true;
        if (seg.grouped) {
          // Which of them failed is not known: they run again one by one.
          for (std::size_t j : seg.jobs) batch[j]->alone();
        } else {
          batch[seg.jobs[0]]->fail(status_of(*error));
          excluded[seg.jobs[0]] = 1;
        }
      }
      if (failed) return false;
      continue;
    }
    if (!begun) {
      conn_->exec("BEGIN");
      begun = true;
    }
    conn_->exec("SAVEPOINT job");
    bool keep = false;
    try {
      keep = first.apply(*conn_);
    } catch (const PgError& e) {
      if (e.broken() || e.is_retryable()) throw;
      log::warn("store.job_failed", {{"sqlstate", e.sqlstate()}, {"error", e.what()}});
      first.fail(status_of(e));
    } catch (const std::exception& e) {
      log::error("store.job_failed", {{"error", e.what()}});
      first.fail(internal_error(std::string("storage failed: ") + e.what()));
    }
    if (!keep) conn_->exec("ROLLBACK TO SAVEPOINT job");
    conn_->exec("RELEASE SAVEPOINT job");
    ++i;
  }
  if (!begun) conn_->exec("BEGIN");  // every job excluded: an empty transaction
  return true;
}

void Writer::run_batch(std::vector<std::unique_ptr<PgJob>> batch, const Handoff& handoff) {
  // Jobs in room order (a batch's jobs of one room in the order they came): every batch
  // takes the rooms' row locks in the same order, so two writers (or nodes) whose batches
  // share rooms wait for each other instead of deadlocking.
  std::vector<std::size_t> order(batch.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return batch[a]->room() < batch[b]->room();
  });
  std::vector<char> excluded(batch.size(), 0);
  const auto started = std::chrono::steady_clock::now();
  const auto record = [&](bool committed) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started).count();
    group_.stats().record(static_cast<std::uint64_t>(us), batch.size(), committed);
  };
  int deadlocks = 0;
  bool fresh_connection = false;  // the batch has been run again on a new connection
  Completions& completions = group_.completions();
  for (;;) {
    std::optional<Completions::Ticket> ticket;
    bool commit_sent = false;
    try {
      if (!conn_ && !reconnect()) throw PgError("the database is unavailable", "", true);
      if (!apply(batch, order, excluded)) {
        conn_->exec("ROLLBACK");
        continue;  // without the job that failed
      }
      ticket = completions.reserve();
      commit_sent = true;
      conn_->exec("COMMIT");
      record(true);
      completions.resolve(*ticket, std::move(batch), true, handoff);
      return;
    } catch (const PgError& e) {
      // A COMMIT whose outcome is unknown (the connection lost during it) is reported as a
      // failure, never as a success: clients retry (posts are idempotent).
      if (ticket) completions.resolve(*ticket, {}, false, handoff);
      if (e.broken()) {
        log::warn("store.pg_batch_failed", {{"writer", index_}, {"error", e.what()}, {"jobs", batch.size()},
                                            {"during_commit", commit_sent}});
        conn_.reset();
        // Lost before COMMIT: nothing of it was written. The connection may have died
        // while idle (the server restarted): run the batch once more on a new one.
        if (!commit_sent && !fresh_connection) {
          fresh_connection = true;
          if (reconnect()) continue;
        }
        std::lock_guard lock(mu_);
        down_ = !conn_;
      } else {
        try {
          if (conn_->in_transaction()) conn_->exec("ROLLBACK");
        } catch (const PgError& re) {
          log::warn("store.pg_rollback_failed", {{"error", re.what()}});
          conn_.reset();
        }
        if (e.is_retryable() && ++deadlocks < kAttempts && conn_) {
          log::info("store.pg_batch_retried", {{"writer", index_}, {"error", e.what()}});
          continue;
        }
        log::error("store.pg_batch_failed", {{"writer", index_}, {"sqlstate", e.sqlstate()}, {"error", e.what()}});
      }
      const Status failed = status_of(e);
      for (std::size_t j = 0; j < batch.size(); ++j) {
        if (!excluded[j]) batch[j]->fail(failed);
      }
      record(false);
      completions.resolve(completions.reserve(), std::move(batch), false, handoff);
      return;
    }
  }
}

// ---- WriterGroup ----------------------------------------------------------------------

WriterGroup::WriterGroup(const ConnectOptions& connect, int count, std::size_t max_batch,
                         CommitStats& stats)
    : stats_(stats) {
  for (int i = 0; i < std::max(1, count); ++i) {
    writers_.push_back(std::make_unique<Writer>(*this, connect, std::max<std::size_t>(1, max_batch), i));
  }
  started_.store(true, std::memory_order_release);
}

void WriterGroup::wake_down_writers(const Writer* except) {
  // writers_ is complete once started_ (a writer that reconnects while the group is still
  // being built wakes nobody: the others are connected).
  if (!started_.load(std::memory_order_acquire)) return;
  for (auto& w : writers_) {
    if (w.get() != except) w->retry_now();
  }
}

WriterGroup::~WriterGroup() { stop(); }

void WriterGroup::submit(std::unique_ptr<PgJob> job) {
  const RoomId room = job->room();
  const std::size_t w = room > 0 ? static_cast<std::size_t>(room) % writers_.size() : 0;
  writers_[w]->submit(std::move(job));
}

void WriterGroup::hand_off_callbacks(Handoff handoff) {
  std::lock_guard lock(mu_);
  handoff_ = std::move(handoff);
}

Handoff WriterGroup::handoff() {
  std::lock_guard lock(mu_);
  return handoff_;
}

bool WriterGroup::busy() {
  return std::any_of(writers_.begin(), writers_.end(),
                     [](const std::unique_ptr<Writer>& w) { return w->queued() > 0; });
}

void WriterGroup::stop() {
  std::lock_guard stopping(stop_mu_);
  // All refuse new writes at once (none accepts a write while another has stopped).
  for (auto& w : writers_) w->request_stop();
  for (auto& w : writers_) w->stop();
  completions_->drain(true);
}

}  // namespace tonari::store::postgres
