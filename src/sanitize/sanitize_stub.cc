// Stand-in dispatcher of the office branch, so that ooxml.cc and zip.cc (and archive
// members) can be tested before the full sanitize.cc exists; it replaces this file. Routes
// by libmagic: OOXML types to sanitize_ooxml, application/zip to sanitize_zip, text/* as
// clean, anything else withheld (unsupported_type).
#include <magic.h>
#include <stdlib.h>
#include <unistd.h>

#include "sanitize/sanitize.h"

namespace tonari::sanitize {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::clean: return "clean";
    case Outcome::sanitized: return "sanitized";
    case Outcome::withheld: return "withheld";
    case Outcome::blocked: return "blocked";
  }
  return "withheld";
}

std::string output_path(const Job& job, const std::string& suffix) {
  std::string templ = job.out_dir + "/out-XXXXXX" + suffix;
  int fd = mkstemps(templ.data(), static_cast<int>(suffix.size()));
  if (fd >= 0) ::close(fd);
  return templ;
}

Result sanitize_file(const Job& job) {
  std::string type;
  if (magic_t m = magic_open(MAGIC_MIME_TYPE)) {
    if (magic_load(m, nullptr) == 0) {
      if (const char* t = magic_file(m, job.in.c_str())) type = t;
    }
    magic_close(m);
  }
  if (type.find("openxmlformats") != std::string::npos || type.find("macroEnabled") != std::string::npos) {
    return sanitize_ooxml(job, type);
  }
  if (type == "application/zip") return sanitize_zip(job);
  Result r;
  r.detected_type = type;
  if (type.rfind("text/", 0) == 0) {
    r.outcome = Outcome::clean;
    r.family = "text";
    return r;
  }
  r.family = "other";
  r.reason = "unsupported_type";
  r.detail = "no sanitizer for " + type + " in this build";
  return r;
}

}  // namespace tonari::sanitize
