#include "store/postgres/search_indexer.h"

#include <algorithm>

#include "core/thread_name.h"
#include "log/log.h"
#include "store/postgres/search_docs.h"

namespace tonari::store::postgres {

namespace {

// Runs `batch` (which begins and commits a transaction of its own); whatever fails, the
// transaction it left open is rolled back.
template <typename F>
auto rolled_back_on_error(PgConn& db, F batch) {
  try {
    return batch();
  } catch (...) {
    if (db.usable() && db.in_transaction()) {
      try {
        db.script("ROLLBACK");
      } catch (const PgError&) {
      }
    }
    throw;
  }
}

// One batch: how many messages it took (those of a batch rolled back stay on the list).
std::int64_t index_batch(PgConn& db, int max) {
  return rolled_back_on_error(db, [&] { return index_pending(db, max); });
}

}  // namespace

SearchIndexer::SearchIndexer(ConnectOptions connect, Pace pace, std::function<bool()> busy)
    : connect_(std::move(connect)), pace_(pace), busy_(std::move(busy)) {
  thread_ = std::thread([this] {
    name_this_thread("tonari-pgidx");
    run();
  });
}

SearchIndexer::~SearchIndexer() { stop(); }

void SearchIndexer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SearchIndexer::rest(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

void SearchIndexer::run() {
  std::unique_ptr<PgConn> db;
  auto backoff = std::chrono::milliseconds(200);
  std::int64_t taken = 0;  // since the last vacuum
  std::int64_t burst = 0;  // since the last vacuum that gave pages back
  bool words_left = true;  // documents may lack their words (add_missing_words)
  auto cut_after = std::chrono::steady_clock::time_point{};  // no cut tried before then
  for (;;) {
    std::chrono::milliseconds pause = pace_.every;
    try {
      if (!db || !db->usable()) db = PgConn::open(connect_);
      const auto t0 = std::chrono::steady_clock::now();
      const std::int64_t n = index_batch(*db, pace_.batch);
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - t0);
      backoff = std::chrono::milliseconds(200);
      taken += n;
      burst += n;
      const auto now = std::chrono::steady_clock::now();
      // The list has no index, so every search and every batch reads all of its pages. A
      // vacuum every Pace::vacuum_after rows taken gives their space to the posts' new rows
      // (the list then stays about as large as its backlog, not as the burst), and one once
      // caught up gives the empty pages back (TRUNCATE: the table's reloptions leave that
      // out of autovacuum, whose lock would stop the posts mid-burst). Measured after
      // 1,000,000 posts without them: 6,370 empty pages that each search and each idle
      // look of the indexer read, 5-9 ms.
      if (n < pace_.batch && burst >= pace_.vacuum_after && now >= cut_after) {
        db->script("VACUUM (TRUNCATE) search_pending");
        taken = 0;
        // The pages go only if no snapshot still sees their rows and the table's lock
        // could be had: otherwise again a little later.
        if (db->exec("SELECT pg_relation_size('search_pending') > $1::bigint * 8192",
                     Params().i64(pace_.keep_pages)).row(0).boolean(0)) {
          cut_after = now + pace_.retry_cut;
        } else {
          burst = 0;
        }
      } else if (taken >= pace_.vacuum_after) {
        db->script("VACUUM search_pending");
        taken = 0;
      }
      if (n < pace_.batch) {
        backlog_.store(0);
        // Idle: the words of documents from before search_words, a batch at a time.
        if (words_left && !busy_()) {
          words_left =
              rolled_back_on_error(*db, [&] { return add_missing_words(*db, pace_.batch); });
        }
      } else {
        const std::int64_t left = pending_messages_estimate(*db);
        backlog_.store(left);
        pause = left >= pace_.max_backlog || !busy_()
                    ? std::chrono::milliseconds(0)
                    : std::chrono::milliseconds(static_cast<std::int64_t>(
                          pace_.yield * static_cast<double>(std::max<std::int64_t>(took.count(), 1))));
      }
    } catch (const PgError& e) {
      // A deadlock with a writer, a lost connection: the batch runs again later.
      log::warn("search.index_failed", {{"error", e.what()}});
      pause = backoff;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    } catch (const std::exception& e) {
      log::warn("search.index_failed", {{"error", e.what()}});
      db.reset();  // a connection in an unknown state: a new one
      pause = backoff;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
    if (pause.count() == 0) {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    } else if (!rest(pause)) {
      return;
    }
  }
}

std::int64_t SearchIndexer::drain(const ConnectOptions& connect) {
  auto db = PgConn::open(connect);
  std::int64_t total = 0;
  // Until none is pending: a batch of another indexer holds its rows until it commits.
  for (int waits = 0; waits < 500;) {
    const std::int64_t n = index_batch(*db, Pace{}.batch);
    total += n;
    if (n > 0) continue;
    if (pending_messages(*db) == 0) break;
    ++waits;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return total;
}

}  // namespace tonari::store::postgres
