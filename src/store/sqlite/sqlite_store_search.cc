// Full-text search on SqliteStore (issue 22): the read, and reindex as a run of write jobs.
// The documents and the index: search_index.h.
#include <algorithm>
#include <chrono>
#include <thread>

#include "log/log.h"
#include "search/fulltext.h"
#include "store/sqlite/search_index.h"
#include "store/sqlite/store_impl.h"

namespace tonari::store::sqlite {

Result<SearchPage> SqliteStore::search(const SearchQuery& q) {
  if (!opts_.search_index) return Status(Code::unavailable, "search is off");
  return read<SearchPage>([&](Connection& db) { return run_search(db, q); });
}

Result<std::int64_t> SqliteStore::index_pending() {
  auto r = write_and_wait<std::int64_t>([](Connection& db) -> Result<std::int64_t> {
    std::int64_t n = 0;
    for (std::int64_t k; (k = flush_search_index(db, 100000)) > 0;) n += k;
    return n;
  });
  if (r.ok()) {
    unindexed_.store(0);
    if (*r > 0) merge_owed_.store(true);
  }
  return r;
}

// Measured with 200,000 municipal messages posted through the store alone (4,000 in
// flight, synchronous NORMAL), process CPU per message: indexing off 13.2–17.7 µs; every
// document put into FTS5 in the group commit of its post (a few hundred a transaction)
// 41.6 µs; flushed 2,000 to 5,000 at a time 27.3 µs, and 22.4–25.6 µs once documents were
// found by source id instead of by room. FTS5 writes a segment per transaction and merges
// segments as they pile up: small ones cost much more per document to write and to merge.
// A flush of 5,000 holds the writer for some 50 ms.
void SqliteStore::maybe_flush_search() {
  if (!opts_.search_index || flushing_.load()) return;
  const auto now = std::chrono::steady_clock::now();
  const std::int64_t posted = unindexed_.load();
  // Edits, notes and files are not counted: a look every 10 s finds theirs.
  if (posted < kFlushDocs && !flush_backlog_.load() &&
      (now - last_flush_ < kFlushAfter || (posted <= 0 && now - last_flush_ < 10 * kFlushAfter))) {
    return;
  }
  last_flush_ = now;
  flushing_.store(true);
  search_jobs_.fetch_add(1);
  write<std::int64_t>([](Connection& db) -> Result<std::int64_t> {
    return flush_search_index(db, kMaxFlushDocs);
  }, [this](Result<std::int64_t> r) {
    if (r.ok()) {
      // What others wrote is flushed too: never below none.
      if (unindexed_.fetch_sub(*r) - *r < 0) unindexed_.store(0);
      // Deletions and edits write segments of their own too: a look every flush.
      merge_owed_.store(true);
      flush_backlog_.store(*r >= kMaxFlushDocs);
    } else {
      log::warn("search.flush_failed", {{"error", r.status().message()}});
    }
    flushing_.store(false);
  });
}

Result<bool> SqliteStore::merge_index_step() {
  return write_and_wait<bool>(
      [](Connection& db) -> Result<bool> { return merge_search_index(db, kMergePages); });
}

Result<std::int64_t> SqliteStore::index_segments() {
  return read<std::int64_t>([](Connection& db) -> Result<std::int64_t> {
    return search_index_segments(db);
  });
}

void SqliteStore::maybe_merge_search() {
  const auto now = std::chrono::steady_clock::now();
  const std::uint64_t jobs = stats_.jobs.load(std::memory_order_relaxed);
  const std::uint64_t own = search_jobs_.load();
  const std::uint64_t others = jobs - seen_jobs_ - std::min(jobs - seen_jobs_, own - seen_search_jobs_);
  const double seconds = std::chrono::duration<double>(now - seen_at_).count();
  idle_ = static_cast<double>(others) < kIdleJobsPerSecond * seconds;
  seen_jobs_ = jobs;
  seen_search_jobs_ = own;
  seen_at_ = now;
  if (!opts_.search_index || !idle_ || !merge_owed_.load() || merging_.load() ||
      flushing_.load() || unindexed_.load() >= kFlushDocs) {
    return;
  }
  merging_.store(true);
  search_jobs_.fetch_add(1);
  write<bool>([](Connection& db) -> Result<bool> { return merge_search_index(db, kMergePages); },
              [this](Result<bool> r) {
    if (r.ok() && !*r) merge_owed_.store(false);
    // (unavailable: the store is shutting down, or the writer's queue is full: next time.)
    // Another failure is tried again after the next flush, not at the fast pace.
    if (!r.ok() && r.status().code() != Code::unavailable) {
      merge_owed_.store(false);
      log::warn("search.merge_failed", {{"error", r.status().message()}});
    }
    merging_.store(false);
  });
}

Result<std::int64_t> SqliteStore::reindex(
    TenantId tenant, int batch, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (!opts_.search_index) return Status(Code::unavailable, "search is off");
  if (batch < 1) return invalid_argument("batch must be at least 1");
  ReindexCursor cursor;
  std::int64_t total = 0;
  {
    auto counted = read<std::int64_t>([&](Connection& db) -> Result<std::int64_t> {
      return reindex_total(db, tenant);
    });
    if (!counted.ok()) return counted.status();
    total = *counted;
  }
  log::info("search.reindex", {{"tenant", tenant}, {"done", 0}, {"total", total}});
  int retries = 0;
  for (;;) {
    // Each batch one write job: the writer runs others' writes between two of them, and each
    // reads the sources as they are then (a post meanwhile has its document already). The
    // job works on a copy of the cursor, kept only if the batch commits: a batch rolled
    // back (a busy writer: "try again") is run again from where it began.
    ReindexCursor next = cursor;
    auto more = write_and_wait<bool>([&next, tenant, batch](Connection& db) -> Result<bool> {
      const bool more = reindex_step(db, tenant, batch, next);
      // The documents are all of this normalizer's once a rebuild of every tenant ends.
      if (!more && tenant == 0) set_search_state(db, "norm_version", search::kFulltextVersion);
      return more;
    });
    if (!more.ok()) {
      // A batch rolled back with others' (or refused by a full queue): again, a few times.
      if (more.status().code() == Code::unavailable && ++retries <= 5) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100 * retries));
        continue;
      }
      log::error("search.reindex_failed", {{"tenant", tenant}, {"error", more.status().message()}});
      return more.status();
    }
    cursor = next;
    retries = 0;
    if (progress) progress(std::min(cursor.done, total), total);
    if (!*more) break;
  }
  merge_owed_.store(true);  // a segment a batch
  log::info("search.reindex",
            {{"tenant", tenant},
             {"done", cursor.done},
             {"total", total},
             {"documents", cursor.written}});
  return cursor.written;
}

}  // namespace tonari::store::sqlite
