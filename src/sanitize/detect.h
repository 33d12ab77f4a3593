// What an untrusted file is, decided by its content (libmagic and checks of our own), and
// what its name claims (the extension's family). sanitize_file() compares the two.
// Pure functions apart from reading the file; thread-safe once init_runtime() has run.
#pragma once

#include <string>

namespace tonari::sanitize {

enum class Kind {
  jpeg, png, gif, webp, heic, svg,  // images we decode
  pdf,
  ooxml,          // a ZIP holding [Content_Types].xml; sanitize_ooxml() has the last word
  zip,
  text,           // plain text or CSV (sanitize_text() checks the encoding)
  executable,     // PE, ELF, Mach-O, Java class, #! scripts
  script,         // HTML, JavaScript and other active text
  legacy_office,  // OLE2 compound files: .doc/.xls/.ppt
  unsupported,    // anything else, including images and archives we do not handle
};

struct Detected {
  Kind kind = Kind::unsupported;
  std::string mime;    // the media type by content
  std::string family;  // image, pdf, office, archive, text, other
};

// Reads the head of the file at `path` and names its type. A file that cannot be read is
// `unsupported` with mime "application/octet-stream".
Detected detect(const std::string& path);

// The family the name's extension claims: image, pdf, office, archive, text,
// "executable" (.exe, .bat, .js, ...), or "" when the extension is missing or unknown.
std::string name_family(const std::string& name);

// "report.final.PDF" -> "pdf" (lower case ASCII; "" without a dot).
std::string extension(const std::string& name);

// The name to deliver a rebuilt file under: `name` if its extension already fits `ext`
// (".jpg" fits ".jpeg"), else its stem plus `ext` ("IMG_1.HEIC" + ".jpg" -> "IMG_1.jpg").
std::string renamed(const std::string& name, const std::string& ext);

}  // namespace tonari::sanitize
