// Schema migrations for the SQLite store, applied in order and recorded in
// PRAGMA user_version. Each migration runs in its own transaction.
#pragma once

namespace tonari::store::sqlite {

class Connection;

// Brings the database up to the latest schema version. Throws DbError on failure.
void migrate(Connection& db);

}  // namespace tonari::store::sqlite
