// A PDF's text with poppler-cpp, page by page in reading order (poppler's
// non_raw_non_physical layout, what pdftotext prints by default). Japanese PDFs whose fonts
// are not embedded need poppler-data's CMaps (/usr/share/poppler, readable under Landlock).
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <memory>
#include <mutex>

#include "sanitize/text_extract.h"

namespace tonari::sanitize::text {
namespace {

// poppler's messages quote the file's bytes and would fill the worker's stderr, which the
// server keeps for the logs of failed jobs; a failure here is a note instead.
void quiet(const std::string&, void*) {}

// ustring is UTF-16 in native order; lone surrogates become U+FFFD. (poppler's own
// to_utf8() goes through iconv, whose modules the confined worker may not load.)
void append_utf8(const poppler::ustring& u, std::string& out) {
  for (std::size_t i = 0; i < u.size(); ++i) {
    std::uint32_t c = u[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < u.size() && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (u[++i] - 0xDC00);
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
}

}  // namespace

Extracted pdf_text(const std::string& path, std::int64_t max_pages, std::size_t max, Deadline deadline) {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(quiet, nullptr); });
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(path));
  if (!doc) return {"", "poppler cannot open the PDF"};
  if (doc->is_locked()) return {"", "the PDF needs a password"};
  Extracted e;
  const int pages = doc->pages();
  for (int i = 0; i < pages; ++i) {
    if (i >= max_pages) {
      e.note = "text of the first " + std::to_string(max_pages) + " pages only";
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      e.note = "out of time after " + std::to_string(i) + " of " + std::to_string(pages) + " pages";
      break;
    }
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    append_utf8(page->text(poppler::rectf(), poppler::page::non_raw_non_physical_layout), e.text);
    if (!e.text.empty() && e.text.back() != '\n') e.text += '\n';
    if (e.text.size() >= max) break;
  }
  return e;
}

}  // namespace tonari::sanitize::text
