// A PDF's text with poppler-cpp, page by page in reading order (poppler's
// non_raw_non_physical layout, what pdftotext prints by default). Japanese PDFs whose fonts
// are not embedded need poppler-data's CMaps (/usr/share/poppler, readable under Landlock).
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <unicode/unistr.h>

#include <memory>
#include <mutex>

#include "sanitize/text_extract.h"

namespace tonari::sanitize::text {
namespace {

// poppler's messages quote the file's bytes and would fill the worker's stderr, which the
// server keeps for the logs of failed jobs; a failure here is a note instead.
void quiet(const std::string&, void*) {}

// ustring is UTF-16 in native order; ICU turns lone surrogates into U+FFFD. (poppler's
// own to_utf8() goes through iconv, whose modules the confined worker may not load.)
void append_utf8(const poppler::ustring& u, std::string& out) {
  static_assert(sizeof(poppler::ustring::value_type) == sizeof(char16_t));
  icu::UnicodeString(reinterpret_cast<const char16_t*>(u.data()), static_cast<int32_t>(u.size()))
      .toUTF8String(out);
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
