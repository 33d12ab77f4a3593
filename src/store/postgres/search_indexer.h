// The search indexer of a PostgreSQL store: a thread with a connection of its own that
// writes the documents of posted messages (search_docs.h, "Pending messages") a batch at a
// time, each batch one transaction. Every node runs one; their batches never take the same
// messages (SKIP LOCKED).
// Pace: a batch every `every` while a little is pending, back to back while a full batch
// is; but while this node's writers have a queue (posts arrive faster than PostgreSQL
// takes them), it rests `yield` times as long as its last batch took after each one, so
// that the posts get most of the database, unless `max_backlog` messages are pending (the
// searches read those one by one: their cost stays bounded). It vacuums the list every
// `vacuum_after` messages it takes, and gives its empty pages back once it has caught up
// (search_indexer.cc).
// Thread safety: backlog() and stop() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "store/postgres/pg.h"

namespace tonari::store::postgres {

class SearchIndexer {
 public:
  struct Pace {
    int batch = 2000;
    std::chrono::milliseconds every{50};
    double yield = 4;
    std::int64_t max_backlog = 50000;
    std::int64_t vacuum_after = 10000;
    // A cut that left more than `keep_pages` pages (a search's snapshot still saw their
    // rows, or the table's lock was taken) is tried again `retry_cut` later.
    std::int64_t keep_pages = 8;
    std::chrono::milliseconds retry_cut{5000};
  };
  // `busy`: whether this node's writers have a queue now.
  SearchIndexer(ConnectOptions connect, Pace pace, std::function<bool()> busy);
  ~SearchIndexer();

  // Ends the batch under way (committed or rolled back) and the thread. Idempotent.
  void stop();
  // Messages pending when the indexer last looked (after a full batch, estimated:
  // pending_messages_estimate; 0 after one that was not full).
  std::int64_t backlog() const { return backlog_.load(); }

  // Writes every pending document on the caller's thread, on a connection of its own.
  // Returns how many messages it took.
  static std::int64_t drain(const ConnectOptions& connect);

 private:
  void run();
  // Waits `d` or until stop(); false once stopping.
  bool rest(std::chrono::milliseconds d);

  const ConnectOptions connect_;
  const Pace pace_;
  const std::function<bool()> busy_;
  std::atomic<std::int64_t> backlog_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace tonari::store::postgres
