// The worker's confinement, in steps because each needs a different moment:
//  - confine_process(), first thing, while the process has one thread: resource limits,
//    no new privileges, death with the parent, and new user and network namespaces
//    (best-effort: a kernel or container that refuses them is noted, not fatal);
//  - restrict_filesystem(), once the libraries have loaded what they need from disk (magic
//    database, vips modules) and before the input is opened: Landlock rules, so that a
//    decoder cannot read the server's files (its database, its secrets) into an output;
//  - install_seccomp(), right after: a filter, on every thread, that kills the process on
//    any attempt to reach the network, run a program, fork, trace or load kernel code.
// None can be undone; all are for the tonari-sanitize process only, never a test.
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

// Landlock (best ABI the kernel has, up to 7) for this thread and the threads it starts
// later; fails if another thread already runs, since that one would stay outside. Allowed:
// reading `input`; reading and writing files and directories in `out_dir` (no symlinks,
// devices, or links and renames into it from elsewhere); reading the fonts, fontconfig files
// and poppler data that PDF and SVG rendering open lazily. Everything else in the file
// system is refused, as are TCP bind/connect (ABI 4) and signals or abstract sockets
// beyond the process (ABI 6).
// A kernel without Landlock is noted in `notes`, not fatal. "" on success, else what failed.
std::string restrict_filesystem(const std::string& input, const std::string& out_dir,
                                std::vector<std::string>* notes);

// A deny-list filter for every thread: kills on sockets, sendmsg/recvmsg, exec, fork,
// ptrace, io_uring, pidfds, process_madvise; EPERM for kill, tgkill, rt_*sigqueueinfo
// and prlimit64 aimed at any process but this one. "" on success, else what failed.
std::string install_seccomp();

}  // namespace tonari::sanitize
