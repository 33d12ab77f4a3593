// Server configuration: defaults, then a TOML file (--config), then command-line flags.
// See docs/operations.md for every key.
#pragma once

#include <string>
#include <vector>

#include "api/api.h"
#include "files/config.h"
#include "http/server.h"
#include "log/log.h"
#include "services/context.h"

namespace tonari::app {

struct Config {
  std::vector<http::ListenerConfig> listeners;  // empty: 127.0.0.1:8080 (lgwan)
  std::string data_dir = "./data";
  std::string web_root;  // empty: <binary dir>/../web/dist
  int threads = 2;
  std::string synchronous = "FULL";
  // Where the record is: empty or "sqlite:DIR" is the SQLite database in the data
  // directory (DIR, if given, replaces data_dir); "postgres://..." or "postgresql://..." a
  // PostgreSQL database (libpq connection URI) shared by every node of a cluster.
  std::string store_url;
  int store_pool = 8;  // PostgreSQL: connections for reads (writes have their own)
  // How room events reach the other nodes: empty is this process only; "nats://host:port"
  // (comma-separated for several servers) a NATS cluster.
  std::string bus_url;
  std::string bus_tls_ca, bus_tls_cert, bus_tls_key;  // [bus] tls_ca, tls_cert, tls_key
  bool demo = false;
  services::Limits limits;
  services::UserLimitsConfig user_limits;
  http::ServerLimits server;
  api::ApiConfig api;
  log::Options log;
  files::FilesConfig files;  // [files]
  // [search] index: false writes no search documents and answers searches 503 (for the
  // benchmark's posting ratio with indexing on and off; not for production).
  bool search_index = true;
};

// Reads `path` into `cfg` (keys absent from the file keep their values). Returns an error
// message, or empty on success.
std::string load_toml(const std::string& path, Config& cfg);

// Parses "host:port" (IPv6 as "[::1]:8080"); false if malformed.
bool parse_listen(const std::string& spec, http::ListenerConfig& out);

}  // namespace tonari::app
