// Schema migrations for the SQLite store, applied in order and recorded in
// PRAGMA user_version. Each migration runs in its own transaction.
#pragma once

#include <cstdint>

namespace tonari::store::sqlite {

class Connection;

// Brings the database up to schema version `up_to` (the latest by default; tests stop
// earlier to check an upgrade). Throws DbError on failure.
void migrate(Connection& db, std::int64_t up_to = -1);

// The schema version this binary's migrations lead to.
std::int64_t latest_version();

}  // namespace tonari::store::sqlite
