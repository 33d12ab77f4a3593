// The [files] settings (docs/operations.md).
#pragma once

#include <cstdint>
#include <string>

namespace tonari::files {

struct FilesConfig {
  std::string dir;  // empty: <data_dir>/files
  std::int64_t max_file_bytes = 100ll << 20;  // a tenant's policy may lower it
  std::int64_t chunk_bytes = 4ll << 20;       // an upload chunk (PUT body) at most
  int workers = 2;                            // concurrent sanitizing jobs per node
  int job_seconds = 60;                       // wall clock; the worker is killed after it
  int worker_memory_mb = 1024;
  std::string sanitizer;  // path of tonari-sanitize; empty: beside the tonari binary
  bool test_hooks = false;  // tests only: file names starting __crash__/__loop__/__oom__
};

}  // namespace tonari::files
