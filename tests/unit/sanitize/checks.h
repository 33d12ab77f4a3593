// Helpers of the sanitizer tests: fixtures, a temporary directory, running a program
// (the worker, and the independent checkers exiftool, qpdf, pdftotext, unzip), and the
// checks themselves. The checkers are Debian's own tools, not the libraries under test.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "sanitize/sanitize.h"

namespace tonari::sanitize::test {

// Path of ../shared/fixtures/sanitize/<name>.
std::string fixture(const std::string& name);

// A fresh directory, removed with its content.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::vector<std::string> entries() const;  // names in it, sorted

 private:
  std::string path_;
};

struct Run {
  int status = -1;     // raw wait status (WIFEXITED / WIFSIGNALED)
  std::string out, err;
  bool exited(int code) const;
  int signal() const;  // the signal that ended it, or 0
};

// Runs argv[0] (searched on PATH) with the rest as arguments; stdout and stderr captured.
// Killed after `timeout_seconds` of wall time (then signal() is SIGKILL).
Run run(const std::vector<std::string>& argv, int timeout_seconds = 60);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);
std::size_t count(const std::string& haystack, const std::string& needle);

// A job on `in` named `name` writing into `dir`.
Job job(const std::string& in, const std::string& name, const TempDir& dir, Policy policy = {});

// exiftool -j -G0 -a -u -n: every tag of the file, keys "Group:Tag".
boost::json::object exif_tags(const std::string& path);
// The tags that are metadata a sanitized image must not carry: EXIF, XMP, IPTC, ICC,
// Photoshop, maker notes, any GPS, comment, author or camera field, PNG text chunks.
std::vector<std::string> metadata_tags(const std::string& path);
// Width and height as exiftool reads them from the file's own header.
std::pair<int, int> image_size(const std::string& path);

// The PDF names (decoded: /J#61vaScript -> JavaScript) in `qpdf --qdf
// --object-streams=disable` output of the file, i.e. in every object, streams uncompressed.
std::vector<std::string> pdf_names(const std::string& path);
// Those of pdf_names() that are active content (JavaScript, JS, OpenAction, AA, Launch,
// EmbeddedFiles, ...).
std::vector<std::string> active_pdf_names(const std::string& path);
// A PDF stream object's body holding `data`, with `extra` dictionary entries.
std::string pdf_stream(const std::string& data, const std::string& extra = "");
// A PDF file of the given object bodies (object 1 is the catalog), with a correct xref.
std::string make_pdf(const std::vector<std::string>& objects);

}  // namespace tonari::sanitize::test
