// Runs one sanitizing job in the tonari-sanitize worker process (src/sanitize/), so that
// a hostile file that crashes, hangs or bloats a decoder harms only that process. The
// server never links the sanitizer: it spawns the worker per job (posix_spawn, a process
// group of its own, stdin /dev/null, stdout and stderr on pipes, no other descriptor, a
// clean environment), waits at most the wall-clock limit (then SIGKILL to the group),
// reaps it and parses the one line of JSON it printed.
// Thread safety: run_worker() may be called from several threads at once; it blocks the
// caller for the whole job, so never call it on an I/O thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace tonari::files {

// How every job of this process runs the worker.
struct WorkerLimits {
  std::filesystem::path exe;  // tonari-sanitize
  int seconds = 60;           // wall clock, then SIGKILL (also given as --cpu-seconds)
  int memory_mb = 1024;       // --memory-mb: the worker's own address-space limit
  int max_output_mb = 512;    // --max-output-mb
  bool allow_test_hooks = false;  // pass --allow-test-hooks (tests only)
};

// One job's input.
struct WorkerJob {
  std::filesystem::path in;       // the original (a blob)
  std::string name;               // its original name (the worker checks the extension)
  std::filesystem::path out_dir;  // an empty private directory for the outputs
  std::string policy_json;        // {"image","pdf","office","keep_gps"}
  std::string test_hook;          // crash|loop|oom, or empty (only with allow_test_hooks)
  // Whose text the worker writes for search: the file tonari delivers (false), or the
  // original whatever the outcome but blocked (true: the server delivers it as it is).
  bool text_of_original = false;
};

// What the worker printed (the brief's JSON), checked: `outcome` is one of the four,
// `reason` a code (lower-case letters and '_'), and `output`/`thumbnail`/`text` are plain
// names of regular files in out_dir (never a path elsewhere: a worker that processed a
// hostile file is not trusted to name files).
struct WorkerResult {
  std::string outcome;  // sanitized | clean | withheld | blocked
  std::string reason;
  std::string detail;   // English, for the logs
  std::string detected_type;
  std::string family;
  std::filesystem::path output;  // absolute, in out_dir; empty: none
  std::string output_type;
  std::string output_name;
  std::filesystem::path thumbnail;  // absolute, in out_dir; empty: none
  // The text of the file the job delivers (WorkerJob::text_of_original: of the original),
  // UTF-8 as the worker wrote it (the caller checks and bounds it); empty: none.
  std::filesystem::path text;
  std::string text_note;  // English, for the logs: why there is no text or only part of it
  std::int32_t width = 0, height = 0, pages = 0;
  std::optional<double> lat, lon;
};

struct WorkerReport {
  // Set when the worker exited 0 with a valid result; otherwise `failure` says why (the
  // server's sanitizer_failed).
  std::optional<WorkerResult> result;
  std::string failure;       // "timed out after 60 s", "killed by signal 11 (...)", ...
  std::string stderr_tail;   // the last 2 KiB the worker wrote to stderr
  bool timed_out = false;
  bool cancelled = false;    // killed because cancel_fd became readable
  std::int64_t ms = 0;       // spawn to reap
  std::int64_t peak_rss_kb = 0;  // wait4's ru_maxrss
};

// Runs the worker for `job` and waits for it. `cancel_fd` (or -1): a descriptor that
// becomes readable (and stays so) when the caller must stop; the worker is then killed
// and the report says cancelled. Never throws.
WorkerReport run_worker(const WorkerLimits& limits, const WorkerJob& job, int cancel_fd = -1);

// Where tonari-sanitize is by default: beside the running executable (/proc/self/exe).
std::filesystem::path default_worker_path();

}  // namespace tonari::files
