// The text of one file, by format, for extract_text() (sanitize.h): text_extract.cc
// dispatches and writes the file, pdf_text.cc (poppler-cpp) and ooxml_text.cc (a streaming
// scan of the package's XML parts) read the formats. Private to src/sanitize.
// Each reader stops once it has `max` bytes or at `deadline`, and never throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "sanitize/sanitize.h"

namespace tonari::sanitize::text {

using Deadline = std::chrono::steady_clock::time_point;

struct Extracted {
  std::string text;  // UTF-8 as the format gives it (clean_text() makes it fit to keep)
  std::string note;  // English, for the logs: why it is empty or partial; empty when whole
};

// Pages in order, one line break between pages; at most `max_pages` pages.
Extracted pdf_text(const std::string& path, std::int64_t max_pages, std::size_t max, Deadline deadline);

// Word, Excel or PowerPoint text (see extract_text()), read through the checked ZIP reader
// under `limits`. Parts are scanned as they inflate, so memory stays bounded whatever
// their size; paragraphs end with a line break.
Extracted ooxml_text(const std::string& path, const Limits& limits, std::size_t max, Deadline deadline);

// The first `max` bytes of a text file as UTF-8 (search::to_utf8: UTF-8, else Windows-31J),
// the cut moved back to a character boundary of its encoding.
Extracted plain_text(const std::string& path, std::size_t max);

// `s` as text to keep: each byte that is not part of well-formed UTF-8 becomes U+FFFD,
// NUL and the other control characters but tab and line feed become a space (CR LF and CR
// a line feed), then it is cut to at most `max` bytes at a character boundary.
std::string clean_text(std::string_view s, std::size_t max);

}  // namespace tonari::sanitize::text
