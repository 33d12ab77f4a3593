// extract_text(): which file's text (Job::text_of, the outcome, the delivered type), read by
// the format's reader, made fit to keep (clean_text) and written beside the outputs.
#include "sanitize/text_extract.h"

#include <unistd.h>

#include <exception>
#include <fstream>
#include <new>

#include "sanitize/zip_archive.h"
#include "search/encoding.h"

namespace tonari::sanitize {
namespace {

enum class Format { none, pdf, ooxml, plain };

struct Source {
  std::string path;
  Format format = Format::none;
  std::string why_none;  // a note when there is no text to take
};

bool is_ooxml_type(const std::string& t) {
  for (const char* prefix : {"application/vnd.openxmlformats-officedocument.", "application/vnd.ms-word.",
                             "application/vnd.ms-excel.", "application/vnd.ms-powerpoint."}) {
    if (t.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool is_plain_type(const std::string& t) { return t == "text/plain" || t == "text/csv"; }

Source source_of(const Job& job, const Result& r) {
  if (job.text_of == TextOf::none) return {};
  if (r.outcome == Outcome::blocked) return {"", Format::none, "blocked: no text"};
  if (job.text_of == TextOf::original) {
    // The server delivers the original as it is: its text, whatever the sanitizer thought of
    // it (withheld as encrypted, say: then poppler cannot read it either).
    if (r.family == "pdf") return {job.in, Format::pdf, ""};
    if (r.family == "office" && zipio::has_entry(job.in, "[Content_Types].xml")) return {job.in, Format::ooxml, ""};
    if (r.family == "text" && is_plain_type(r.detected_type)) return {job.in, Format::plain, ""};
    return {"", Format::none, "no text is read from " + r.detected_type};
  }
  switch (r.outcome) {
    case Outcome::withheld:
    case Outcome::blocked:
      return {"", Format::none, "withheld: no text"};
    case Outcome::clean:
      if (r.family == "text") return {job.in, Format::plain, ""};
      return {"", Format::none, "no text is read from " + r.detected_type};
    case Outcome::sanitized:
      break;
  }
  const std::string& path = r.text_source.empty() ? r.output : r.text_source;
  if (r.output_type == "application/pdf") return {path, Format::pdf, ""};
  if (is_ooxml_type(r.output_type)) return {path, Format::ooxml, ""};
  if (is_plain_type(r.output_type)) return {path, Format::plain, ""};
  return {"", Format::none, ""};  // images and archives: no text, nothing to say
}

text::Extracted read_text(const Job& job, const Source& s, text::Deadline deadline) {
  // Read a little over the limit: clean_text() turns CR LF into one byte, and cuts.
  const std::size_t max = kMaxTextBytes + 64;
  switch (s.format) {
    case Format::pdf: return text::pdf_text(s.path, job.limits.max_pages, max, deadline);
    case Format::ooxml: return text::ooxml_text(s.path, job.limits, max, deadline);
    case Format::plain: return text::plain_text(s.path, max);
    case Format::none: break;
  }
  return {};
}

bool write_all(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(f.flush());
}

}  // namespace

void extract_text(const Job& job, Result& r, std::chrono::steady_clock::time_point deadline) {
  r.text.clear();
  r.text_note.clear();
  try {
    const Source s = source_of(job, r);
    if (s.format == Format::none) {
      r.text_note = s.why_none;
      return;
    }
    text::Extracted got = read_text(job, s, deadline);
    if (!r.text_source.empty()) {
      ::unlink(r.text_source.c_str());  // a temporary for this call only
      r.text_source.clear();
    }
    const std::size_t raw = got.text.size();
    std::string kept = text::clean_text(got.text, kMaxTextBytes);
    got.text = std::string();  // up to a few MiB: not kept twice while writing
    while (!kept.empty() && (kept.back() == ' ' || kept.back() == '\n' || kept.back() == '\t')) kept.pop_back();
    r.text_note = std::move(got.note);
    if (kept.size() < raw && raw > kMaxTextBytes && r.text_note.empty())
      r.text_note = "text cut at " + std::to_string(kMaxTextBytes) + " bytes";
    if (kept.empty()) {
      if (r.text_note.empty()) r.text_note = "no text in the file";
      return;
    }
    const std::string path = output_path(job, ".txt");
    if (!write_all(path, kept)) {
      ::unlink(path.c_str());
      r.text_note = "cannot write the text file";
      return;
    }
    r.text = path;
  } catch (const std::bad_alloc&) {
    r.text.clear();
    r.text_note = "out of memory while reading the text";
  } catch (const std::exception& e) {
    r.text.clear();
    r.text_note = std::string("reading the text failed: ") + e.what();
  }
}

namespace text {

Extracted plain_text(const std::string& path, std::size_t max) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {"", "cannot read the text file"};
  std::string bytes(max, '\0');
  f.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(f.gcount()));
  const bool whole = f.peek() == std::char_traits<char>::eof();
  if (!whole) {
    // A prefix: end it where a character of its encoding ends, or to_utf8() would call
    // the UTF-8 of a long file invalid and try Windows-31J. UTF-8: before an incomplete
    // sequence at the end.
    std::size_t end = bytes.size();
    std::size_t back = 0;
    while (back < 3 && end > back && (static_cast<unsigned char>(bytes[end - 1 - back]) & 0xC0) == 0x80) ++back;
    if (end > back) {
      const auto lead = static_cast<unsigned char>(bytes[end - 1 - back]);
      const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (need > back + 1) end -= back + 1;
    }
    if (auto utf8 = search::to_utf8(std::string_view(bytes).substr(0, end))) return {std::move(*utf8), ""};
    // Windows-31J: walk its characters from the start (a trail byte can look like a lead).
    std::size_t i = 0, last = 0;
    while (i < bytes.size()) {
      const auto c = static_cast<unsigned char>(bytes[i]);
      last = i;
      i += ((c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC)) ? 2 : 1;
    }
    bytes.resize(i > bytes.size() ? last : bytes.size());
  }
  auto utf8 = search::to_utf8(bytes);
  if (!utf8) return {"", "text that is neither UTF-8 nor Shift_JIS"};
  return {std::move(*utf8), ""};
}

std::string clean_text(std::string_view s, std::size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max) + 4);
  for (std::size_t i = 0; i < s.size() && out.size() < max;) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\r') {
        out += '\n';
        i += i + 1 < s.size() && s[i + 1] == '\n' ? 2 : 1;
        continue;
      }
      out += (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F ? ' ' : static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t n = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size() && !(n == 2 && c < 0xC2) && !(n == 4 && c > 0xF4);
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong; surrogates
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    const std::string_view piece = ok ? s.substr(i, n) : std::string_view("\xEF\xBF\xBD");
    // C1 controls (U+0080..U+009F) are control characters too.
    const bool c1_control = ok && n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0;
    if (out.size() + (c1_control ? 1 : piece.size()) > max) break;
    if (c1_control) {
      out += ' ';
    } else {
      out += piece;
    }
    i += ok ? n : 1;
  }
  return out;
}

}  // namespace text
}  // namespace tonari::sanitize
