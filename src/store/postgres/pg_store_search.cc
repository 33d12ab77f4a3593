// Full-text search on PgStore (issue 22): the read, in one snapshot, and reindex as a run
// of transactions on a connection of its own. The documents and the index: search_docs.h.
#include <algorithm>
#include <chrono>
#include <thread>

#include "log/log.h"
#include "search/fulltext.h"
#include "store/postgres/search_docs.h"
#include "store/postgres/search_indexer.h"
#include "store/postgres/store_impl.h"

namespace tonari::store::postgres {

Result<SearchPage> PgStore::search(const SearchQuery& q) {
  if (!opts_.search_index) return Status(Code::unavailable, "search is off");
  return read_snapshot<SearchPage>([&](PgConn& db) { return run_search(db, q, opts_.search_window); });
}

Result<std::int64_t> PgStore::index_pending() {
  try {
    return SearchIndexer::drain(ConnectOptions{.conninfo = opts_.conninfo,
                                               .connect_timeout_s = opts_.connect_timeout_s});
  } catch (const PgError& e) {
    return status_of(e);
  }
}

std::int64_t PgStore::unindexed_documents() const { return indexer_ ? indexer_->backlog() : 0; }

Result<std::int64_t> PgStore::reindex(
    TenantId tenant, int batch, const std::function<void(std::int64_t, std::int64_t)>& progress) {
  if (!opts_.search_index) return Status(Code::unavailable, "search is off");
  if (batch < 1) return invalid_argument("batch must be at least 1");
  ReindexCursor cursor;
  std::int64_t total = 0;
  int retries = 0;
  std::unique_ptr<PgConn> db;
  log::info("search.reindex", {{"tenant", tenant}, {"done", 0}});
  for (;;) {
    // The batch works on a copy of the cursor, kept only if it commits: one that failed
    // (a deadlock with a writer, the connection lost) runs again from where it began.
    ReindexCursor next = cursor;
    bool more = true;
    try {
      if (!db || !db->usable()) {
        // A batch waits for its rooms' writers, and they for it: no statement timeout of
        // a read, but a bound all the same.
        db = PgConn::open(ConnectOptions{.conninfo = opts_.conninfo,
                                         .connect_timeout_s = opts_.connect_timeout_s,
                                         .statement_timeout_ms = 60000,
                                         .reply_timeout_ms = 65000});
        total = reindex_total(*db, tenant);
      }
      db->script("BEGIN");
      more = reindex_step(*db, tenant, batch, next);
      // The documents are all of this normalizer's once a rebuild of every tenant ends.
      if (!more && tenant == 0) set_search_state(*db, "norm_version", search::kFulltextVersion);
      db->script("COMMIT");
    } catch (const PgError& e) {
      if (db && db->usable() && db->in_transaction()) {
        try {
          db->script("ROLLBACK");
        } catch (const PgError&) {
        }
      }
      if ((e.broken() || e.is_retryable() || e.sqlstate() == "57014") && ++retries <= 5) {
        log::warn("search.reindex_retry", {{"tenant", tenant}, {"error", e.what()}});
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * retries));
        continue;
      }
      log::error("search.reindex_failed", {{"tenant", tenant}, {"error", e.what()}});
      return e.broken() ? database_unavailable() : status_of(e);
    }
    cursor = next;
    retries = 0;
    if (progress) progress(std::min(cursor.done, total), total);
    if (!more) break;
  }
  log::info("search.reindex", {{"tenant", tenant}, {"done", cursor.done}, {"total", total},
                               {"documents", cursor.written}});
  return cursor.written;
}

}  // namespace tonari::store::postgres
