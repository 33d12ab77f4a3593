// The worker's confinement, in two steps because each needs a different moment:
//  - confine_process(), first thing, while the process has one thread: resource limits,
//    no new privileges, death with the parent, and new user and network namespaces
//    (best-effort: a kernel or container that refuses them is noted, not fatal);
//  - install_seccomp(), once the libraries have loaded what they need from disk (magic
//    database, vips modules): a filter, on every thread, that kills the process on any
//    attempt to reach the network, run a program, fork, trace or load kernel code.
// Neither can be undone; both are for the tonari-sanitize process only, never a test.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tonari::sanitize {

struct Confinement {
  std::int64_t memory_mb = 1024;     // RLIMIT_AS
  std::int64_t cpu_seconds = 60;     // RLIMIT_CPU (SIGXCPU, then SIGKILL a second later)
  std::int64_t max_output_mb = 512;  // RLIMIT_FSIZE (SIGXFSZ)
};

// "" on success, else what failed (the worker must stop). Best-effort steps that were
// refused are appended to `notes`.
std::string confine_process(const Confinement& c, std::vector<std::string>* notes);

// "" on success, else what failed.
std::string install_seccomp();

}  // namespace tonari::sanitize
