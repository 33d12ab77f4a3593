// FileJobs: this node's sanitizing (無害化) jobs. Every uploaded file is recorded in state
// `processing`; a job claims it from the store (a lease, so that one node of a cluster
// takes it), runs the tonari-sanitize worker on the original blob (files/
// sanitizer_process.h), puts the rebuilt file and the thumbnail into the blob store,
// records the outcome (finish_file_job) and publishes the file.updated event. Jobs run on
// `workers` threads of their own, never on an I/O thread.
// Thread safety: notify() and stats() may be called from any thread; start() and stop()
// once each, from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "files/blob_store.h"
#include "files/config.h"
#include "files/sanitizer_process.h"
#include "services/context.h"
#include "services/file_policy.h"

namespace tonari::services {

// Counters for /metrics.
struct FileJobStats {
  std::atomic<std::int64_t> jobs{0};       // jobs ended (finished or given up)
  std::atomic<std::int64_t> ready{0};
  std::atomic<std::int64_t> withheld{0};   // including sanitizer_failed
  std::atomic<std::int64_t> blocked{0};
  std::atomic<std::int64_t> failed{0};     // sanitizer_failed: the worker crashed, hung, ...
  std::atomic<std::int64_t> lost{0};       // finished by another node after our lease ran out
  std::atomic<std::int64_t> running{0};    // workers running now
  std::atomic<std::int64_t> job_ms{0};     // sum over ended jobs: claim to commit
  std::atomic<std::int64_t> peak_rss_kb{0};  // the largest worker seen
};

class FileJobs {
 public:
  struct Options {
    // workers (0: this node runs no jobs), job_seconds, worker_memory_mb, sanitizer, test_hooks
    files::FilesConfig config;
    std::int64_t node_id = 0;   // the leases' holder (Store::claim_node_id)
    // No other node shares the store: start() frees every lease (a crash's leftovers).
    // A cluster node lets other nodes' leases expire.
    bool single_process = true;
  };

  // `ctx` and `blobs` must outlive this object and every store callback it started.
  FileJobs(Context& ctx, files::BlobStore& blobs, Options options);
  ~FileJobs();  // stop()

  // Frees leases (single process; waits for the store: call before the store's callbacks
  // are handed to I/O threads that do not run yet), removes job directories a crash left,
  // and starts the slots.
  void start();
  // A file was created on this node: an idle slot claims at once instead of at its next
  // poll (every 500 ms). Cheap; never blocks.
  void notify();
  // Stops claiming, kills running workers (their jobs are not finished: the lease runs
  // out, or the next start of a single process frees it) and joins the slots.
  void stop();

  const FileJobStats& stats() const { return stats_; }

 private:
  void slot();
  // Waits up to 500 ms for notify() or stop().
  void idle();
  void run(FileInfo f);
  // Fills `o` from the worker's report, storing its outputs. Not ok: the outputs could
  // not be stored (the job is not finished, and runs again when its lease runs out).
  Status outcome(const FileInfo& f, const FilePolicy& policy, const files::WorkerReport& report,
                 store::FileOutcome& o);
  // Moves the worker's output `path` into the blob store; returns its hash and size.
  Result<std::pair<std::string, std::int64_t>> store_output(const std::filesystem::path& path);
  // Runs a store call and waits for its callback; nullopt when stop() came first.
  template <class T, class Start>
  std::optional<Result<T>> await(Start start);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Constant after construction.
  Context& ctx_;
  files::BlobStore& blobs_;
  const Options options_;
  files::WorkerLimits limits_;
  std::filesystem::path jobs_dir_;  // <files dir>/tmp: job directories, beside the blobs
  int cancel_fd_ = -1;              // an eventfd, readable from stop() on

  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  int wakes_ = 0;  // notify() calls not yet taken by an idle slot; guarded by mu_
  std::vector<std::thread> slots_;
  FileJobStats stats_;
};

}  // namespace tonari::services
