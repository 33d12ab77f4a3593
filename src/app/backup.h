// `tonari admin backup` and `tonari admin restore`: an online backup of a data directory
// into one file, and that file put back into a data directory (docs/operations.md,
// Backups). Both print what they did on standard output; errors go to standard error.
#pragma once

#include <string>

#include "app/config.h"

namespace tonari::app {

// Backs up cfg.data_dir to `to` while a server may be running on it: a snapshot of the
// database plus the directory's other small files (data_dir.h), synced and checked, then
// renamed into place. Exit code: 0, or 2 on failure (nothing written at `to`).
int admin_backup(const Config& cfg, const std::string& to);

// Restores the backup `from` into the data directory `data_dir`. Refuses (exit 2) if a
// tonari uses the directory, if `from` is not a tonari backup of a schema version this
// binary knows, or if the directory holds a database and `force` is false; with `force`
// the replaced files are moved into DIR/replaced-<time>/, not deleted. The database goes
// into place last, by a rename.
int admin_restore(const std::string& from, const std::string& data_dir, bool force);

}  // namespace tonari::app
