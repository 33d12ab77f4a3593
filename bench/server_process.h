// Starting a fresh tonari for a workload: a temporary data directory, users imported from
// a generated CSV, the server pinned to its own core, and its CPU time and memory read
// from /proc.
#pragma once

#include <string>
#include <sys/types.h>

namespace bench {

struct ServerOptions {
  std::string binary;      // path to tonari
  std::string config;      // bench TOML (fast argon2, limits)
  int cpu = 0;             // core to pin the server to (-1: every core)
  int users = 0;           // users u000001 .. to import, password kPassword
  bool floor = false;      // start the loopback floor's server (floor.cc) instead of tonari
  // An org tree (5 部 × 4 課 × 3 係), user i in 係 (i - 1) % 60, and user 1 a
  // 危機管理 (crisis) who may start 安否確認 (workload 16).
  bool org = false;
  // A cluster's node (Servers): the shared store and bus, and whether this node sets up the
  // tenant and users (the first does; the store is shared).
  std::string store_url;
  std::string bus_url;
  bool setup = true;
};

inline constexpr const char* kTenant = "990001";
inline constexpr const char* kPassword = "bench-pass-1";

class ServerProcess {
 public:
  // Creates the data directory, imports users, starts the server; throws on failure.
  explicit ServerProcess(const ServerOptions& opts);
  ~ServerProcess();  // kills the server and removes the data directory

  unsigned short port() const { return port_; }
  const std::string& data_dir() const { return dir_; }
  pid_t pid() const { return pid_; }
  // CPU seconds (user + system) the server has used so far.
  double cpu_seconds() const;
  // Resident memory in bytes: all of it (VmRSS), and the private part (RssAnon: heap and
  // stacks, without the file pages the store maps, which are the OS page cache).
  long rss_bytes() const;
  long anon_rss_bytes() const;
  // Runs $TONARI_BENCH_MARK, if set, as `sh -c "$TONARI_BENCH_MARK" sh <phase> <pid>` and
  // waits for it: a hook for profilers at the edges of a measured phase, e.g.
  // callgrind_control -z at "ingest-start" and -d at "ingest-end".
  void mark(const char* phase) const;
  // Pins every thread of the running server to `cpu` (-1: every core).
  void repin(int cpu) const;

 private:
  long status_kib(const char* field) const;

  std::string dir_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

// The login id of user number i (1-based).
std::string user_login(int i);

}  // namespace bench
