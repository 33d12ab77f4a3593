// Helpers of the sanitizer tests: fixtures, run-time variants (variants.py), temporary
// directories, and the independent tools the results are checked with (unzip, python3).
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "sanitize/sanitize.h"

namespace tonari::sanitize::test_util {

// The build defines TONARI_SANITIZE_FIXTURES (../shared/fixtures/sanitize) and
// TONARI_SANITIZE_TEST_DIR (this directory, with variants.py and check_opc.py).
inline std::string fixture(const std::string& name) {
  return std::string(TONARI_SANITIZE_FIXTURES) + "/" + name;
}

inline std::string script(const std::string& name) {
  return std::string(TONARI_SANITIZE_TEST_DIR) + "/" + name;
}

inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

// Debian's own python3 (a pyenv shim on PATH costs a second per call).
inline std::string python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

// Runs a shell command; returns its standard output.
inline std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "tonari-sanitize-XXXXXX").string();
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
    std::filesystem::create_directory(path_ + "/out");
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string out() const { return path_ + "/out"; }

  // Writes the run-time variant `name` (tests/unit/sanitize/variants.py) here.
  std::string variant(const std::string& name) const {
    run(python() + " " + quote(script("variants.py")) + " " + quote(path_) + " " + quote(name) + " " +
        quote(fixture("")));
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

inline Job job_for(const std::string& in, const std::string& name, const TempDir& dir) {
  Job job;
  job.in = in;
  job.name = name;
  job.out_dir = dir.out();
  return job;
}

// Bytes of all files under `dir`.
inline std::uintmax_t tree_bytes(const std::string& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

inline std::size_t tree_files(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

// `unzip -Z1`: the entry names, one a line.
inline std::string zip_names(const std::string& zip) { return run("unzip -Z1 " + quote(zip)); }

// `unzip -p`: one entry's bytes (the name is escaped from unzip's wildcards).
inline std::string zip_part(const std::string& zip, const std::string& name) {
  std::string pattern;
  for (char c : name) {
    if (c == '[' || c == ']' || c == '*' || c == '?') pattern += '\\';
    pattern += c;
  }
  return run("unzip -p " + quote(zip) + " " + quote(pattern));
}

// zipfile.testzip() passes and the OPC checks of check_opc.py hold: "ok\n".
inline std::string check_opc(const std::string& package) {
  return run(python() + " " + quote(script("check_opc.py")) + " " + quote(package) + " 2>&1");
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace tonari::sanitize::test_util
