// A store writer's figures for /metrics: its group commits (transactions), how long they
// took, the writes in them. Every store kind with a writer keeps them (SQLite adds its
// write-ahead log's).
// Thread safety: atomics, written by the writer(s), read from any thread.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>

namespace tonari::store {

// Upper bounds (ms) of the group-commit duration histogram: a batch from BEGIN (its wait for
// the write lock included) through every job's SQL to the end of its COMMIT or ROLLBACK
// (fsync included): what every write in it waits for. Failed batches count too.
inline constexpr double kCommitBucketsMs[] = {0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000};
inline constexpr std::size_t kCommitBuckets = std::size(kCommitBucketsMs);

struct CommitStats {
  std::atomic<std::uint64_t> batches{0};
  // Batches by duration: commit_in[i] counts those that took more than kCommitBucketsMs[i-1]
  // and at most kCommitBucketsMs[i]; the slower ones are only in `batches`. (/metrics adds
  // them up into Prometheus' cumulative buckets.)
  std::array<std::atomic<std::uint64_t>, kCommitBuckets> commit_in{};
  std::atomic<std::uint64_t> commit_us_total{0};
  std::atomic<std::uint64_t> jobs{0};
  std::atomic<std::uint64_t> failed_commits{0};

  // Counts a batch of `jobs` writes that took `us` microseconds.
  void record(std::uint64_t us, std::size_t batch_jobs, bool committed) {
    const double ms = static_cast<double>(us) / 1000;
    const auto b = std::lower_bound(std::begin(kCommitBucketsMs), std::end(kCommitBucketsMs), ms) -
                   std::begin(kCommitBucketsMs);
    if (b < static_cast<std::ptrdiff_t>(kCommitBuckets)) {
      commit_in[static_cast<std::size_t>(b)].fetch_add(1, std::memory_order_relaxed);
    }
    commit_us_total.fetch_add(us, std::memory_order_relaxed);
    if (!committed) failed_commits.fetch_add(1, std::memory_order_relaxed);
    jobs.fetch_add(batch_jobs, std::memory_order_relaxed);
    batches.fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace tonari::store
