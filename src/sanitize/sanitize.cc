// sanitize_file(): the type by content, the name's claim against it, then the family's
// sanitizer. The rules, in order:
//   1. executable content (PE, ELF, Mach-O, #!) or an executable extension: blocked;
//   2. an extension of another family than the content (a PDF named .jpg): blocked;
//   3. images, PDF, OOXML, ZIP, text: their sanitizer decides;
//   4. HTML and scripts: withheld "script"; OLE2 Office files: "legacy_format";
//      anything else: "unsupported_type" (fail closed).
#include "sanitize/sanitize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>

#include "sanitize/detect.h"
#include "sanitize/outcomes.h"
#include "sanitize/runtime.h"

namespace tonari::sanitize {
namespace {

Result by_kind(const Job& job, const Detected& d, const std::string& claimed) {
  const std::string ext = extension(job.name);
  if (d.kind == Kind::executable) return blocked("executable", "content is " + d.mime);
  if (claimed == "executable") return blocked("executable", "the extension ." + ext + " is an executable type");
  // A .zip that is an OOXML package is let through: sanitize_ooxml() decides.
  const bool zip_named_office = claimed == "archive" && d.kind == Kind::ooxml;
  if (!claimed.empty() && d.family != "other" && claimed != d.family && !zip_named_office)
    return blocked("type_mismatch", "content is " + d.mime + " (" + d.family + ") but the extension ." + ext +
                                        " names " + claimed);
  switch (d.kind) {
    case Kind::jpeg: case Kind::png: case Kind::gif: case Kind::webp: case Kind::heic: case Kind::svg:
      return sanitize_image(job, d.mime);
    case Kind::pdf: return sanitize_pdf(job);
    case Kind::ooxml: return sanitize_ooxml(job, d.mime);
    case Kind::zip: return sanitize_zip(job);
    case Kind::text: return sanitize_text(job, d.mime);
    case Kind::script: return withheld("script", "active content: " + d.mime);
    case Kind::legacy_office: return withheld("legacy_format", "OLE2 compound file: " + d.mime);
    case Kind::executable: break;  // handled above
    case Kind::unsupported:
      // libmagic knows no Shift_JIS: text it cannot name, under a text name, gets the check.
      if (d.family == "other" && claimed == "text") return sanitize_text(job, "text/plain");
      break;
  }
  return withheld("unsupported_type", "no sanitizer for " + d.mime);
}

Result sanitize_checked(const Job& job) {
  std::string error;
  if (!init_runtime(&error)) return withheld("sanitizer_failed", error);
  struct stat st {};
  if (::stat(job.in.c_str(), &st) != 0)
    return withheld("sanitizer_failed", "cannot read the input: " + std::string(std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return withheld("sanitizer_failed", "the input is not a regular file");
  const Detected d = detect(job.in);
  Result r = by_kind(job, d, name_family(job.name));
  if (r.detected_type.empty()) r.detected_type = d.mime;
  if (r.family.empty()) r.family = d.family;
  if (r.outcome == Outcome::withheld || r.outcome == Outcome::blocked) {
    r.output.clear();
    r.output_type.clear();
    r.text_source.clear();
  }
  return r;
}

}  // namespace

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::clean: return "clean";
    case Outcome::sanitized: return "sanitized";
    case Outcome::withheld: return "withheld";
    case Outcome::blocked: return "blocked";
  }
  return "withheld";
}

Result sanitize_file(const Job& job) {
  try {
    return sanitize_checked(job);
  } catch (const std::exception& e) {
    return withheld("sanitizer_failed", std::string("unexpected error: ") + e.what());
  } catch (...) {
    return withheld("sanitizer_failed", "unexpected error");
  }
}

std::string output_path(const Job& job, const std::string& suffix) {
  static std::atomic<unsigned> counter{0};
  for (;;) {
    std::string path = job.out_dir + "/" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + suffix;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
      return path;
    }
    if (errno != EEXIST) return path;  // the writer will fail and say why
  }
}

}  // namespace tonari::sanitize
