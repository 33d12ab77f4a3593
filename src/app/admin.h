// `tonari admin ...`: administration from the command line, on the data directory directly
// (safe while a server runs: SQLite WAL, and every write goes through the store).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/config.h"
#include "services/accounts.h"

namespace tonari::app {

int admin_create_tenant(const Config& cfg, const std::string& code, const std::string& name);
// Creates a department; `parent` is the parent's code or full path (or a name only one
// department has); `code` empty: generated.
int admin_create_department(const Config& cfg, const std::string& tenant, const std::string& name,
                            const std::string& reading, const std::string& parent,
                            const std::string& code);
// Imports the org tree from a CSV file with the header code,name,reading,parent_code (rows
// in any order: parents are created first). A code that exists with the same name and
// parent is left as it is; with another, the row fails. Reports each failed row.
int admin_import_departments(const Config& cfg, const std::string& tenant,
                             const std::string& csv_path);
int admin_create_user(const Config& cfg, services::NewUserRequest req);
// Imports staff from a CSV file (UTF-8 or Shift_JIS) with the header
// login,name,reading,department,title,password[,admin]; reports each failed row.
int admin_import_users(const Config& cfg, const std::string& tenant, const std::string& csv_path);
// Changes a staff account's department (異動: its code, full path or a name only one has),
// title or extension, those given; a department change moves the user in the official
// rooms that follow the org tree.
struct UserChange {
  std::optional<std::string> department, title, extension;
};
// Adds to every official room that follows the org tree the active users it follows who
// are not members yet (catching up after a sync that failed or was cut short).
int admin_sync_rooms(const Config& cfg, const std::string& tenant);
int admin_update_user(const Config& cfg, const std::string& tenant, const std::string& login,
                      const UserChange& change);
// Disables (logging it out everywhere) or enables again a staff account.
int admin_set_disabled(const Config& cfg, const std::string& tenant, const std::string& login,
                       bool disabled);
// Changes of a municipality's file policy from the command line (empty: kept).
struct FilePolicyChange {
  std::string image, pdf, office;  // rebuild | rasterize
  std::string check_lgwan;         // on | off
  std::string internet_download;   // allow | view
  std::string keep_gps;            // on | off
  std::int64_t max_file_mb = -1, quota_mb = -1;  // -1: kept; quota 0: none
};
// Applies `change` to the municipality's file policy (services/file_policy.h) and prints
// the policy as it then is (JSON).
int admin_file_policy(const Config& cfg, const std::string& tenant, const FilePolicyChange& change);
// Allows or restricts the account's use of tonari through Internet-zone listeners.
// 安否確認 (issue 23): the webhook's secret, read from `secret_file` (its first line; at
// least 32 characters), kept with the municipality's settings; an empty path removes it.
int admin_set_safety_webhook(const Config& cfg, const std::string& tenant, const std::string& secret_file);
// Gives or takes the 危機管理 (crisis) and 所属長 (dept_head) roles.
int admin_set_safety_roles(const Config& cfg, const std::string& tenant, const std::string& login,
                           bool crisis, bool dept_head);
int admin_set_internet(const Config& cfg, const std::string& tenant, const std::string& login,
                       bool allowed);

// Brings the store's schema up to this tonari's version and prints the version reached:
// PostgreSQL's migrations (cfg.store_url) under an advisory lock, so that nodes starting
// at once are safe; or the SQLite store of cfg.data_dir, which migrates as it opens.
int admin_migrate(const Config& cfg);

// Rebuilds the search documents of municipality `tenant` (a code; empty: all) while the
// server may run (Store::reindex, `batch` source rows per transaction), with progress on
// stderr ("search reindex: 12000/1000000"); prints the documents written.
int admin_reindex(const Config& cfg, const std::string& tenant, int batch);

// Hidden, for tests: reads JSON strings, one a line, from stdin, and writes for each its
// search form (search::normalize) as a JSON string; with `query`, the parsed query
// (search::parse_query) as {"terms": [...], "excluded": [...]} or {"error": "..."}. The
// integration tests' brute-force oracle uses it, so that it shares the one normalizer.
int admin_normalize(bool query);

// Copies a town's SQLite data directory (`from`: sqlite:DIR or DIR; no server may run on it)
// into an empty PostgreSQL database (`to`), then checks both through the store interface;
// prints each table's rows and the checksum of every room's history.
int admin_copy_store(const std::string& from, const std::string& to);

}  // namespace tonari::app
