// Plain text and CSV pass byte-for-byte ("clean") when the whole file decodes as UTF-8
// (a BOM is fine) or else as Shift_JIS (Windows' CP932, as Japanese Excel writes CSV).
// A NUL byte or a sequence neither encoding accepts makes it "unsupported_type": binary
// data behind a text name is not passed on. The file is read in pieces, never whole.
#include <unicode/ucnv.h>

#include <array>
#include <cstring>
#include <fstream>
#include <memory>

#include "sanitize/detect.h"
#include "sanitize/outcomes.h"
#include "sanitize/sanitize.h"

namespace tonari::sanitize {
namespace {

struct UConverterClose {
  void operator()(UConverter* c) const { ucnv_close(c); }
};

enum class Decode { ok, nul, invalid, unreadable };

// Whether every byte of the file decodes in `charset` (ICU converter name), stopping at
// the first illegal or unmapped sequence.
Decode decodes_as(const std::string& path, const char* charset) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<UConverter, UConverterClose> conv(ucnv_open(charset, &status));
  if (U_FAILURE(status)) return Decode::invalid;
  ucnv_setToUCallBack(conv.get(), UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
  std::ifstream f(path, std::ios::binary);
  if (!f) return Decode::unreadable;
  std::array<char, 65536> in{};
  std::array<UChar, 65536> out{};
  for (;;) {
    f.read(in.data(), in.size());
    const std::streamsize n = f.gcount();
    if (std::memchr(in.data(), '\0', static_cast<std::size_t>(n))) return Decode::nul;
    const bool last = n < static_cast<std::streamsize>(in.size());
    const char* src = in.data();
    const char* end = src + n;
    do {  // the output buffer may fill before the input is used up
      UChar* dst = out.data();
      status = U_ZERO_ERROR;
      ucnv_toUnicode(conv.get(), &dst, out.data() + out.size(), &src, end, nullptr, last, &status);
    } while (status == U_BUFFER_OVERFLOW_ERROR);
    if (U_FAILURE(status)) return Decode::invalid;
    if (last) return f.bad() ? Decode::unreadable : Decode::ok;
  }
}

}  // namespace

Result sanitize_text(const Job& job, const std::string& detected_type) {
  // Text passes byte-for-byte only under a name that no program runs or renders: libmagic
  // calls HTML "text/plain" once its tags come after the first 4 KiB, and .rdp, .iqy or
  // .theme files are plain text that Windows acts on.
  const std::string ext = extension(job.name);
  for (const char* markup : {"html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "xml", "hta"}) {
    if (ext == markup) return withheld("script", "markup or script under a ." + ext + " name");
  }
  bool plain = ext.empty();
  for (const char* ok : {"txt", "csv", "tsv", "log", "text", "md", "json"}) plain = plain || ext == ok;
  if (!plain) return withheld("unsupported_type", "text under a ." + ext + " name");
  const std::string type = detected_type == "text/csv" || detected_type == "application/csv" ? "text/csv" : "text/plain";
  std::string charset;
  for (const auto& [icu_name, label] : {std::pair{"UTF-8", "utf-8"}, std::pair{"windows-31j", "shift_jis"}}) {
    const Decode d = decodes_as(job.in, icu_name);
    if (d == Decode::nul) return withheld("unsupported_type", "binary data (a NUL byte) in a text file");
    if (d == Decode::unreadable) return withheld("sanitizer_failed", "cannot read the input");
    if (d == Decode::ok) {
      charset = label;
      break;
    }
  }
  if (charset.empty()) return withheld("unsupported_type", "text that is neither UTF-8 nor Shift_JIS");
  Result r;
  r.outcome = Outcome::clean;
  r.detail = "charset=" + charset;
  r.detected_type = type;
  r.family = "text";
  r.output_type = type;
  r.output_name = job.name;
  return r;
}

}  // namespace tonari::sanitize
