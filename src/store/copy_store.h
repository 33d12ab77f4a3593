// Moving a town's data to the hosted service: every row of a SQLite database copied into an
// empty PostgreSQL database (same ids, sequence numbers, read positions and event log), in
// one transaction (row counts checked before it commits), then checked through the Store
// interface of both: each municipality's departments and users (password hashes and the
// directory's order included), and each room — members, read positions, history (with
// reactions and action stamps) and event log, message by message, notes and pins — by
// checksum. A difference empties the PostgreSQL database again. The search documents are
// not copied: PostgreSQL's are written from the copied rows, in the copy's transaction.
// Thread safety: plain functions; nothing else may write to either database meanwhile.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace tonari::store {

struct TableCount {
  std::string table;
  std::int64_t from = 0;  // rows in the SQLite database
  std::int64_t to = 0;    // rows copied into PostgreSQL
};

struct CopyReport {
  std::vector<TableCount> tables;
  std::int64_t rooms_checked = 0;
  std::int64_t messages_checked = 0;
  std::int64_t events_checked = 0;
  std::int64_t search_documents = 0;  // written on PostgreSQL from the copied rows
  // A checksum over every room's checksum, in room order: the same on both sides.
  std::string checksum;
};

// Copies the SQLite database at `sqlite_path` (migrated to this binary's schema first) into
// the PostgreSQL database `conninfo` (migrated too), which must hold no municipality yet
// (failed_precondition otherwise: nothing is written). Then verifies. `progress` gets a
// line per step. Errors: unavailable (a database cannot be reached), failed_precondition,
// internal (a difference found: the message names the room and what differs).
Result<CopyReport> copy_sqlite_to_postgres(const std::string& sqlite_path,
                                           const std::string& conninfo,
                                           const std::function<void(const std::string&)>& progress);

}  // namespace tonari::store
