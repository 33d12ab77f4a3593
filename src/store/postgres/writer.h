// The writers of a PostgreSQL store: each a thread with its own connection and queue, that
// applies its queued jobs in batches of one transaction each (group commit). A room's jobs
// always go to the same writer. In a batch, the jobs of one statement each (posting a
// message, marking read: server-side work without checks in C++) are sent together in
// pipeline mode, one round trip for all of them; the others run one by one, each in a
// savepoint. A job that refuses (a Status) does not fail the others; one whose statement
// fails is taken out and the batch runs again without it.
// Callbacks run after COMMIT returned success, in commit order across all writers, one at
// a time (Completions), on a writer thread or where they are handed off to.
// When the database is unreachable, jobs fail at once with unavailable while the writers
// connect again with a short backoff.
// Thread safety: WriterGroup::submit() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/commit_stats.h"
#include "store/postgres/pg.h"
#include "store/store.h"

namespace tonari::store::postgres {

// The Status of a failed statement: unavailable when the database is unreachable or busy,
// conflict for a constraint (a race another write won), internal for the rest.
Status status_of(const PgError& e);
Status database_unavailable();

class PgJob;

// Jobs of one kind that a batch applies together, in statements of their own (posting plain
// messages: one statement for all of a batch's, instead of one call each).
class JobGroup {
 public:
  virtual ~JobGroup() = default;
  // The statements that apply `jobs` (in this order); the last one returns one row per job,
  // in the same order, for PgJob::take_row().
  virtual std::vector<Piped> statements(const std::vector<PgJob*>& jobs) const = 0;
};

class PgJob {
 public:
  explicit PgJob(RoomId room) : room_(room) {}
  virtual ~PgJob() = default;
  // The room the job writes in (0: none): it picks the writer, and orders the batch.
  RoomId room() const { return room_; }

  // A job of one statement: statement() is sent in a pipeline with the batch's others,
  // and take() gets its rows. Otherwise apply() runs it.
  virtual bool pipelined() const { return false; }
  virtual Piped statement() { return Piped{"SELECT 1", {}, {}, {}}; }
  virtual void take(const PgResult& rows) {}
  // A pipelined job that can go into one statement with the batch's other jobs of its
  // group: take_row() then gets its row of that statement. Null: on its own. A group whose
  // statement failed runs again with its jobs on their own (alone()), which finds the one
  // that failed.
  const JobGroup* group() const { return alone_ ? nullptr : group_of(); }
  virtual void take_row(const Row& row) {}
  void alone() { alone_ = true; }
  // Runs the job in a savepoint. Returns false to roll it back (it keeps its own refusal);
  // PgError rolls it back too.
  virtual bool apply(PgConn& db) { return false; }
  // The job failed with `s` (it was not run, or it was undone).
  virtual void fail(Status s) = 0;
  // Runs the callback, once, after the batch's COMMIT (committed) or its failure.
  virtual void finish(bool committed) = 0;

 protected:
  virtual const JobGroup* group_of() const { return nullptr; }

 private:
  const RoomId room_;
  bool alone_ = false;
};

// A job running `fn(PgConn&) -> Result<T>` in a savepoint.
template <class T, class Fn>
class FnJob final : public PgJob {
 public:
  FnJob(RoomId room, Fn fn, Callback<T> done)
      : PgJob(room), fn_(std::move(fn)), done_(std::move(done)) {}
  bool apply(PgConn& db) override {
    result_.emplace(fn_(db));
    return result_->ok();
  }
  void fail(Status s) override { result_.emplace(std::move(s)); }
  void finish(bool committed) override {
    if (!result_ || (!committed && result_->ok())) result_.emplace(database_unavailable());
    done_(std::move(*result_));
  }

 private:
  Fn fn_;
  Callback<T> done_;
  std::optional<Result<T>> result_;
};

// A job of one statement (`sql` with `params`), whose rows `decode(const PgResult&) ->
// Result<T>` reads.
template <class T, class Decode>
class StatementJob final : public PgJob {
 public:
  StatementJob(RoomId room, const char* sql, Params params, Decode decode, Callback<T> done)
      : PgJob(room), sql_(sql), params_(std::move(params)), decode_(std::move(decode)),
        done_(std::move(done)) {}
  bool pipelined() const override { return true; }
  Piped statement() override { return Piped{sql_, params_, {}, {}}; }
  void take(const PgResult& rows) override { result_.emplace(decode_(rows)); }
  void fail(Status s) override { result_.emplace(std::move(s)); }
  void finish(bool committed) override {
    if (!result_ || (!committed && result_->ok())) result_.emplace(database_unavailable());
    done_(std::move(*result_));
  }

 private:
  const char* sql_;
  Params params_;
  Decode decode_;
  Callback<T> done_;
  std::optional<Result<T>> result_;
};

// The callbacks of every writer's batches, in the order of their commits, one batch at a
// time. A writer takes its place (reserve) just before it sends COMMIT: a batch that
// waited for another's row lock can only commit after it, and reserves after it too.
// Shared with the drains handed off, so that one run after the writers are gone finds
// nothing to do instead of a dangling object.
class Completions : public std::enable_shared_from_this<Completions> {
 public:
  using Ticket = std::uint64_t;
  Ticket reserve();
  // The batch of `ticket` is over: its callbacks run once those before it have run,
  // through `handoff` (or here, when empty).
  void resolve(Ticket ticket, std::vector<std::unique_ptr<PgJob>> jobs, bool committed,
               const Handoff& handoff);
  // Runs the callbacks of resolved batches in order, up to the first unresolved one.
  // `final`: after any drain running elsewhere (shutdown, and a writer with no hand-off).
  void drain(bool final = false);

 private:
  struct Slot {
    bool resolved = false;
    bool committed = false;
    std::vector<std::unique_ptr<PgJob>> jobs;
  };
  std::mutex mu_;
  std::condition_variable idle_;
  std::deque<Slot> slots_;  // guarded by mu_; slots_[0] is ticket first_
  Ticket first_ = 0;        // guarded by mu_
  bool due_ = false;        // guarded by mu_: a drain is handed off or running
  bool running_ = false;    // guarded by mu_
};

class Writer;

class WriterGroup {
 public:
  // Connects `count` writers (throws PgError if the database cannot be reached) and starts
  // their threads, which count their batches in `stats` (it must outlive the group).
  WriterGroup(const ConnectOptions& connect, int count, std::size_t max_batch,
              CommitStats& stats);
  ~WriterGroup();

  // Queues `job` for the writer of its room. Fails it at once (on this thread) with
  // unavailable after stop(), while the database is unreachable, or when the queue is full.
  void submit(std::unique_ptr<PgJob> job);
  void hand_off_callbacks(Handoff handoff);
  // Whether a writer has jobs waiting (for the search indexer's pace).
  bool busy();
  // Applies every queued job, stops the writers and runs the callbacks still pending.
  // Idempotent.
  void stop();

  Handoff handoff();
  // A writer reached the database: the others that could not try again now (Writer).
  void wake_down_writers(const Writer* except);
  Completions& completions() { return *completions_; }
  CommitStats& stats() { return stats_; }

 private:
  const std::shared_ptr<Completions> completions_ = std::make_shared<Completions>();
  CommitStats& stats_;
  std::vector<std::unique_ptr<Writer>> writers_;  // complete once started_
  std::atomic<bool> started_{false};
  std::mutex mu_;
  Handoff handoff_;  // guarded by mu_
  std::mutex stop_mu_;  // one stop() at a time
};

}  // namespace tonari::store::postgres
