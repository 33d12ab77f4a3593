// The sanitizer (無害化, content disarm and reconstruction): turns one untrusted file into
// one that is safe to deliver to the LGWAN zone, or says why it cannot. Runs inside the
// tonari-sanitize worker process (main.cc confines it first); the library is also called
// in-process by the unit tests. The server never links this module.
//
// Types are decided by content (libmagic and each format's own parser), never by the
// name; a name whose extension contradicts the content is blocked.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace tonari::sanitize {

enum class Level { rebuild, rasterize };

struct Policy {
  Level image = Level::rebuild;   // images are always decoded and re-encoded
  Level pdf = Level::rebuild;     // rasterize: pages become an image-only PDF
  Level office = Level::rebuild;  // rasterize: needs LibreOffice (soffice), else no_converter
  bool keep_gps = false;          // report an image's GPS position (never kept in the file)
};

struct Limits {
  std::int64_t max_pixels = 100'000'000;  // width * height, checked from the header
  std::int64_t max_pages = 2000;          // PDF
  std::int64_t max_entries = 10'000;      // archives, all levels together
  std::int64_t max_total_bytes = 512ll << 20;  // archives: uncompressed, all levels together
  std::int64_t max_ratio = 200;           // archives: uncompressed / compressed, per entry
  int max_depth = 3;                      // archives in archives
  std::int64_t max_output_bytes = 512ll << 20;
};

// The most text extract_text() writes: the server keeps as much (store::kMaxFileTextBytes).
inline constexpr std::size_t kMaxTextBytes = 1 << 20;

// Whose text extract_text() takes.
enum class TextOf {
  delivered,  // the file tonari delivers: the sanitized output, the original when clean
  original,   // the original whatever the outcome but blocked: the server delivers it as it
              // is (an LGWAN upload that the municipality does not have checked)
  none,
};

enum class Outcome {
  clean,      // the original passes byte-for-byte (text, CSV)
  sanitized,  // `output` is a rebuilt file
  withheld,   // not for the LGWAN zone (reason)
  blocked,    // for nobody (reason: executable, type_mismatch)
};
const char* outcome_name(Outcome o);

struct Result {
  Outcome outcome = Outcome::withheld;
  std::string reason;         // a code of docs/api.md ("encrypted", ...); empty when clean/sanitized
  std::string detail;         // English, for the logs
  std::string detected_type;  // media type by content
  std::string family;         // image, pdf, office, archive, text, other
  std::string output;         // sanitized: path of the rebuilt file
  std::string output_type;    // its media type
  std::string output_name;    // the name to deliver it under (a.docm -> a.docx)
  std::string thumbnail;      // path of a JPEG thumbnail (images, a PDF's first page), or empty
  int width = 0, height = 0, pages = 0;
  std::optional<double> lat, lon;
  // The file whose text `output` shows when the output holds none itself (a rasterized
  // PDF: its rebuilt copy, in out_dir; extract_text() removes it), or empty: then the
  // text is the output's own.
  std::string text_source;
  std::string text;       // extract_text(): path of a UTF-8 file in out_dir, or empty
  std::string text_note;  // extract_text(): why there is no text or only part of it (English)
};

// What one sanitizing call works on.
struct Job {
  std::string in;        // path of the untrusted file
  std::string name;      // its original name (only for the extension check and output_name)
  std::string out_dir;   // where outputs go (created files only; unique names)
  Policy policy;
  Limits limits;
  int depth = 0;         // archive nesting: 0 for the uploaded file itself
  bool thumbnail = true; // make a thumbnail (not for archive members)
  TextOf text_of = TextOf::delivered;  // for extract_text()
};

// Detects the type and runs the family's sanitizer. Never throws; a failure of a
// library is a withheld result (corrupt or sanitizer_failed), never a crash of the caller.
Result sanitize_file(const Job& job);

// Writes the text of the file `r` is about (job.text_of) into a new file in job.out_dir and
// names it in r.text: a PDF's (poppler, page by page), an OOXML document's (Word: body,
// then headers, footers, foot- and endnotes; Excel: sheet names, shared and inline
// strings; PowerPoint: the slides in their order), a text file's (UTF-8 or Shift_JIS).
// At most kMaxTextBytes of valid UTF-8, cut at a character boundary, without NUL or other
// control characters but tab and newline. Nothing for a withheld or blocked outcome
// (text_of == original: only blocked), for other types, or when nothing could be read;
// r.text_note then says why, as it does when the text was cut or `deadline` came first
// (it stops there with what it has). The archive limits of job.limits hold for OOXML.
// Never throws and never changes the outcome: a file's text is a convenience for search.
void extract_text(const Job& job, Result& r, std::chrono::steady_clock::time_point deadline);

// The families (each in its own file). They may assume sanitize_file detected the family.
Result sanitize_image(const Job& job, const std::string& detected_type);
Result sanitize_pdf(const Job& job);
Result sanitize_ooxml(const Job& job, const std::string& detected_type);  // ooxml.cc
Result sanitize_zip(const Job& job);    // zip.cc: members through sanitize_file(depth + 1)
Result sanitize_text(const Job& job, const std::string& detected_type);

// A fresh path in job.out_dir ending in `suffix` (e.g. ".jpg").
std::string output_path(const Job& job, const std::string& suffix);

}  // namespace tonari::sanitize
