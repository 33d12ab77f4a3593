// The PostgreSQL schema's migrations (schema.cc). latest_version() and migrate() are public
// (pg_store.h); check_version() is how a store refuses a database of another version.
#pragma once

#include "store/postgres/pg.h"
#include "store/postgres/pg_store.h"

namespace tonari::store::postgres {

// Throws std::runtime_error unless the database's schema version is latest_version(): the
// message says to run `tonari admin migrate`, or that the database is newer than this tonari.
void check_version(PgConn& db);

// Sets the columns that only PostgreSQL keeps, derived from the others (schema version 4:
// messages.quote_text, has_action, reaction_keys), for rows copied in from SQLite
// (copy-store), which has only the others.
void fill_derived_columns(PgConn& db);

}  // namespace tonari::store::postgres
