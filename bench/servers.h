// What a workload runs against: one tonari on SQLite (the usual), or a cluster — a fresh
// PostgreSQL and nats-server (scripts/test-pg.sh, test-nats.sh) and `nodes` tonari nodes
// on them, the clients spread over the nodes (Fleet takes every node's port).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server_process.h"

namespace bench {

struct Topology {
  int nodes = 0;                    // 0: one node on its own SQLite store
  bool bus = true;                  // with nodes >= 1: NATS between them (needed when > 1)
  std::string scripts = "scripts";  // where test-pg.sh and test-nats.sh are
};

class Servers {
 public:
  // Throws if anything fails to start.
  Servers(const ServerOptions& o, const Topology& t);
  ~Servers();  // stops the nodes, then PostgreSQL and nats-server, and removes their files
  Servers(const Servers&) = delete;
  Servers& operator=(const Servers&) = delete;

  unsigned short port() const { return nodes_.front()->port(); }
  std::vector<unsigned short> ports() const;
  int size() const { return static_cast<int>(nodes_.size()); }
  bool cluster() const { return !dir_.empty(); }
  // CPU seconds of the tonari nodes, and of PostgreSQL and nats-server (0 without).
  double cpu_seconds() const;
  double backend_cpu_seconds() const;
  long rss_bytes() const;
  long anon_rss_bytes() const;
  void mark(const char* phase) const;
  void repin(int cpu) const;
  // The first row's first column of `sql` run on the store (the node's SQLite database,
  // read-only; PostgreSQL with psql, which also runs a CHECKPOINT) as a number; -1 if it
  // fails or gives no row.
  double store_number(const std::string& sql) const;

 private:
  void stop();

  std::string dir_;  // PostgreSQL's and nats-server's files (a cluster only)
  std::string scripts_;
  std::string pg_url_, nats_url_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
};

}  // namespace bench
