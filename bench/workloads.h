// The benchmark workloads of `make bench` (docs/performance.md). Each starts a fresh
// server, sets up users and rooms through the public API, drives its load for a bounded
// time and returns its figures as one JSON object.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "servers.h"

namespace bench {

struct Settings {
  ServerOptions server;
  double scale = 1.0;  // < 1 shrinks sizes and durations (smoke runs)
  bool history = true;  // false: workload 6 alone, without filling the store for 7
  int loadgen_cpu = 1;  // the generator's core (-1: every core)
  // Ingest runs with the server and the generator both on every core: a throughput
  // workload, where the server's writer and its I/O thread each gain from a core of their
  // own more than the hand-offs between cores cost (docs/performance.md); the top-up and
  // history, which follow in the same server, are pinned again. false: ingest pinned like the others
  // (--ingest-cpus pinned).
  bool ingest_shares_cores = true;
  // Workloads 1, 2 and 6 on a cluster (PostgreSQL + NATS) instead of one SQLite node.
  Topology topology;
};

boost::json::object department_rooms(const Settings& s);   // 1
boost::json::object max_fanout(const Settings& s);         // 2
boost::json::object all_staff(const Settings& s, int members);  // 3
boost::json::object idle_and_storm(const Settings& s);     // 4 and 5
boost::json::object ingest_and_history(const Settings& s); // 6 and 7
boost::json::object loopback_floor(const Settings& s);     // 8
boost::json::object login_burst(const Settings& s);        // 9
boost::json::object action_stamp(const Settings& s);       // 13
boost::json::object search(const Settings& s);             // 14 (SQLite), 15 (PostgreSQL)
boost::json::object safety(const Settings& s);             // 16

}  // namespace bench
